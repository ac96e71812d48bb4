"""Every `$ netverify ...` example in README.md prints exactly what the README shows."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]


def examples() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    found = []
    for block in re.findall(r"```\n(\$ netverify .*?)```", text, flags=re.S):
        command, _, output = block.partition("\n")
        found.append((command[2:], output))
    return found


def test_the_readme_has_examples() -> None:
    assert examples()


@pytest.mark.parametrize("command, expected", examples())
def test_readme_example_output(capsys: pytest.CaptureFixture[str], command: str, expected: str) -> None:
    os.chdir(ROOT)
    main(shlex.split(command)[1:])
    assert capsys.readouterr().out == expected
