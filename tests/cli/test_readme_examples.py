"""Every `$ netverify ...` example in README.md prints exactly what the README shows."""

from __future__ import annotations

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


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments and outputs name files relative to the repository; monkeypatch restores the directory."""
    monkeypatch.chdir(ROOT)


def test_the_readme_has_examples() -> None:
    assert examples()


@pytest.mark.parametrize("command, expected", examples())
def test_readme_example_output(capsys: pytest.CaptureFixture[str], command: str, expected: str) -> None:
    main(shlex.split(command)[1:])
    assert capsys.readouterr().out == expected


def command_lines() -> list[str]:
    """The `netverify ...` lines of the README's sh blocks that run on bundled fixtures."""
    text = (ROOT / "README.md").read_text()
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            command = line.split(" #")[0].split(" >")[0].strip()
            if command.startswith("netverify ") and "fixtures/" in command and "|" not in command:
                lines.append(command)
    return lines


def test_the_readme_shows_commands_on_the_fixtures() -> None:
    assert len(command_lines()) >= 5


@pytest.mark.parametrize("command", command_lines())
def test_readme_command_runs_and_answers(capsys: pytest.CaptureFixture[str], command: str) -> None:
    code = main(shlex.split(command)[1:])
    _, err = capsys.readouterr()
    assert code in (0, 1), f"{command} exited {code}: {err}"
