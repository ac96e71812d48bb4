"""--strict, for CI: what is a warning by default (skipped kinds, duplicates, deprecated apiVersions,
defaulted fields, unresolved references) is an error, with the same location and advice.

The cases are those of the catalogue that need --strict: without it the same file is analysed
(exit 0) and the problem is a warning at the same line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers_robustness import EXIT_INPUT, parse_stderr, run_cli

HERE = Path(__file__).resolve().parent
STRICT_CASES: list[dict[str, Any]] = [c for c in yaml.safe_load((HERE / "cases.yaml").read_text())
                                      if "--strict" in c.get("args", [])]


def test_the_strict_cases_cover_every_kind_of_warning() -> None:
    messages = " ".join(c["message"] for c in STRICT_CASES)
    for what in ("may create pods", "duplicate", "no longer served", "podSelector is missing", "named port"):
        assert what in messages, what


@pytest.mark.parametrize("case", STRICT_CASES, ids=[c["file"] for c in STRICT_CASES])
def test_a_warning_by_default_is_an_error_under_strict(case: dict[str, Any]) -> None:
    path = str(HERE / "cases" / case["file"])
    lenient = run_cli(["matrix", path, "--format", "json", "--verbose"])
    strict = run_cli(["matrix", path, "--format", "json", "--strict"])
    assert lenient.code == 0, lenient.err
    assert lenient.out != ""
    expected = case.get("warning", case["message"])
    warned = [d for d in parse_stderr(lenient.err) if d.head.startswith(f"{path}:{case['line']}: ")
              and expected in d.head]
    assert warned, lenient.err
    assert strict.code == EXIT_INPUT and strict.out == ""
    [error] = [d for d in parse_stderr(strict.err) if d.head.startswith(f"{path}:{case['line']}: error: ")
               and case["message"] in d.head]
    assert error.head.endswith("(--strict)")
    assert any(h.startswith("hint: ") for h in error.hints)
