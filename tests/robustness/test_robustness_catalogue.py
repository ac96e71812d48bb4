"""The catalogue of bad inputs: every case is rejected with exit 2, a located message and advice.

Each case in cases.yaml is a file under cases/ with the line the error must name, a fragment of
the message and a fragment of the hint. The same contract holds for every command that reads
manifests: a bad manifest is reported the same way whatever was asked of it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers_robustness import EXIT_INPUT, available_commands, error_lines, parse_stderr, run_cli

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "cases.yaml").read_text())
COMMANDS = available_commands()


def test_the_catalogue_and_its_files_match() -> None:
    listed = [c["file"] for c in CASES]
    assert len(listed) == len(set(listed)), "a case is listed twice"
    assert sorted(listed) == sorted(os.listdir(CASES_DIR)), "every file under cases/ has exactly one entry"
    for c in CASES:
        assert {"file", "line", "message", "exit"} <= set(c), c
        assert c["exit"] == 2 and c["line"] >= 1, c


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_input_is_rejected_at_its_line_with_advice(case: dict[str, Any]) -> None:
    path = str(CASES_DIR / case["file"])
    result = run_cli(["matrix", path, *case.get("args", [])])
    err = result.err
    assert result.code == case["exit"], err
    assert result.out == "", "nothing is reported on stdout when the input is bad"
    assert "Traceback" not in err and "internal error" not in err
    located = [d for d in parse_stderr(err) if d.head.startswith(f"{path}:{case['line']}: error: ")]
    assert located, f"no error at {case['file']}:{case['line']}:\n{err}"
    matching = [d for d in located if case["message"] in d.head]
    assert matching, f"{case['message']!r} not in the errors at that line:\n{err}"
    hints = [h for d in matching for h in d.hints if h.startswith("hint: ")]
    assert hints, f"the error does not say what to do:\n{err}"
    if "hint" in case:
        assert any(case["hint"] in h for h in hints), f"{case['hint']!r} not in {hints}"


def test_every_error_in_the_catalogue_is_located_and_advises() -> None:
    """Not only the expected error: every error a case produces names file:line and has a hint."""
    unlocated, unadvised = [], []
    for case in CASES:
        path = str(CASES_DIR / case["file"])
        err = run_cli(["matrix", path, *case.get("args", [])]).err
        for d in parse_stderr(err):
            if not d.is_error:
                continue
            if not re.match(rf"{re.escape(path)}:[1-9][0-9]*: error: ", d.head):
                unlocated.append(d.head)
            if not any(h.startswith("hint: ") for h in d.hints):
                unadvised.append(d.head)
    assert unlocated == []
    assert unadvised == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_reports_bad_input_the_same_way(command: str) -> None:
    for case in CASES:
        path = str(CASES_DIR / case["file"])
        result = run_cli(COMMANDS[command](path) + case.get("args", []))
        assert result.code == EXIT_INPUT, (case["file"], result.err)
        assert case["line"] in error_lines(result.err, path), (case["file"], result.err)
        assert "Traceback" not in result.err
