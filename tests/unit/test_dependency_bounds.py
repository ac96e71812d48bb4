"""The oldest-versions constraints file pins exactly the lower bounds pyproject.toml claims."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11; the check needs to run on one version only
ROOT = Path(__file__).resolve().parents[2]


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def lower_bounds() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    bounds = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
        assert match, f"{requirement}: every runtime and test dependency has exactly a lower bound"
        bounds[_name(match[1])] = match[2]
    return bounds


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / ".ci" / "oldest-constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[_name(name)] = version
    return pins


def _same(bound: str, pin: str) -> bool:
    padded = lambda v: [int(p) for p in v.split(".")] + [0] * (4 - len(v.split(".")))  # noqa: E731
    return padded(bound) == padded(pin)


def test_every_lower_bound_is_pinned_in_the_oldest_constraints() -> None:
    bounds, pins = lower_bounds(), pinned()
    assert sorted(bounds) == sorted(pins)
    assert [name for name in bounds if not _same(bounds[name], pins[name])] == []


def test_ci_runs_the_newest_versions_and_the_oldest_run_uses_the_constraints() -> None:
    assert "pip install -q -U -e '.[test,fast]'" in (ROOT / ".ci" / "run").read_text()
    assert "-c .ci/oldest-constraints.txt" in (ROOT / ".ci" / "run-oldest").read_text()
