"""Markers of the robustness tests."""

from __future__ import annotations

import pytest
from helpers_yaml_readers import yaml_reader as yaml_reader  # every robustness test on both readers


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "large_input: builds a very large input (hundreds of MB) once; part of CI, deselect with -m 'not large_input'",
    )
