"""Shared by the robustness, security and fuzz tests: run the CLI in-process and read its diagnostics."""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from netverify.cli import main

EXIT_INPUT, EXIT_INTERNAL = 2, 4


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Reported:
    """One diagnostic as the user sees it on stderr: its first line and the indented lines under it."""

    head: str
    hints: tuple[str, ...]

    @property
    def is_error(self) -> bool:
        return ": error: " in self.head or self.head.startswith("error: ")


def run_cli(argv: list[str]) -> Outcome:
    """`netverify ARGV` in this process, with stdout and stderr captured (usable inside @given)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return Outcome(code, out.getvalue(), err.getvalue())


def parse_stderr(err: str) -> list[Reported]:
    out: list[Reported] = []
    for line in err.splitlines():
        if line.startswith("  ") and out:
            out[-1] = Reported(out[-1].head, out[-1].hints + (line.strip(),))
        elif line.strip():
            out.append(Reported(line, ()))
    return out


def error_lines(err: str, path: str) -> list[int]:
    """The line numbers of the errors located in `path` (0 when only the file is named)."""
    lines = []
    for d in parse_stderr(err):
        m = re.match(rf"{re.escape(path)}(?::([0-9]+))?: error: ", d.head)
        if m:
            lines.append(int(m.group(1) or 0))
    return lines


# Every command that reads manifests, as argv for one manifest path. A command written later joins
# by adding itself here: the catalogue, the security tests and the fuzz tests then cover it too.
CommandLine = Callable[[str], list[str]]


def _matrix(path: str) -> list[str]:
    return ["matrix", path, "--format", "json"]


def _can(path: str) -> list[str]:
    return ["can", "shop/web", "shop/api", path, "--format", "json"]


def _diff(path: str) -> list[str]:
    return ["diff", path, path, "--format", "json"]


def _exposure(path: str) -> list[str]:
    return ["exposure", path, "--format", "json"]


def _snapshot(path: str) -> list[str]:
    return ["snapshot", path]


ASSERTIONS = """\
apiVersion: netverify.dev/v1alpha1
kind: Assertions
assertions:
  - name: anything-reaches-anything
    from: "*/*"
    to: "*/*"
    expect: reachable
"""


def _assertions_file() -> str:
    path = Path(tempfile.gettempdir()) / "netverify-robustness-assertions.yaml"
    if not path.exists() or path.read_text() != ASSERTIONS:
        path.write_text(ASSERTIONS)
    return str(path)


def _check(path: str) -> list[str]:
    return ["check", path, "--assertions", _assertions_file(), "--format", "json"]


def _lint(path: str) -> list[str]:
    return ["lint", path, "--format", "json"]


def _can_any(path: str) -> list[str]:
    return ["can", "--any", "shop/web", "shop/api", path, "--format", "json"]


def _equiv(path: str) -> list[str]:
    return ["equiv", path, path, "--format", "json"]


ALL_COMMANDS: dict[str, CommandLine] = {
    "matrix": _matrix, "can": _can, "can --any": _can_any, "diff": _diff, "exposure": _exposure,
    "snapshot": _snapshot, "check": _check, "lint": _lint, "equiv": _equiv,
}


def available_commands() -> dict[str, CommandLine]:
    """The commands of ALL_COMMANDS that this build of the CLI has (some are written concurrently)."""
    from netverify.cli import cli

    return {name: line for name, line in ALL_COMMANDS.items() if name.split()[0] in cli.all_commands()}
