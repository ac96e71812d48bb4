"""Every loader test runs on both input paths (tests/helpers_yaml_readers.py)."""

from __future__ import annotations

from helpers_yaml_readers import yaml_reader as yaml_reader
