"""How the output looks where it goes: colour and width of stdout, and a progress display on stderr.

Colour (`--color auto|always|never`, default auto): auto colours standard output only when it is a
terminal; NO_COLOR (any non-empty value, https://no-color.org) turns it off, FORCE_COLOR (non-empty,
https://force-color.org) turns it on, in that order; `always` and `never` override both.
Width: COLUMNS when set, else the terminal's width on a terminal; into a pipe or a file, lines are as
long as their content (nothing is cut, so a file:line stays whole and clickable).
Progress: on standard error while it is a terminal and without `--quiet`: one transient line with the
phase (loading, compiling, classes, rows of N), a bar when the size is known, and the elapsed time. It
is erased before the first byte of a report reaches a terminal, so output and progress never mix.
Nothing here is global: one Terminal per command invocation, kept in the click context.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

COLOR_CHOICES = ("auto", "always", "never")


def wants_color(choice: str, stream: TextIO, environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    if choice == "always":
        return True
    if choice == "never" or environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return _isatty(stream) and environ.get("TERM") != "dumb"


def output_width(stream: TextIO, environ: dict[str, str] | os._Environ[str] = os.environ) -> int | None:
    """Columns to lay tables out in, or None for as wide as the content."""
    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) >= 20:
        return int(columns)
    if _isatty(stream):
        return shutil.get_terminal_size().columns
    return None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """One transient progress line on stderr (rich), or nothing when disabled."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._display: Any = None
        self._task: Any = None

    @property
    def enabled(self) -> bool:
        return self._enabled

    def phase(self, description: str, total: int | None = None) -> None:
        """Show a new phase (replacing the previous one); `total` gives it a bar of that many steps."""
        if not self._enabled:
            return
        if self._display is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._display = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                         MofNCompleteColumn(), TimeElapsedColumn(),
                                         console=Console(file=sys.stderr), transient=True,
                                         redirect_stdout=False)
            self._display.start()
            self._task = self._display.add_task(description, total=total)
            return
        # refresh now: a phase shorter than the display's refresh period is still shown
        self._display.update(self._task, description=description, total=total, completed=0, refresh=True)

    def advance_to(self, done: int) -> None:
        if self._display is not None:
            self._display.update(self._task, completed=done)

    def stop(self) -> None:
        """Erase the line (idempotent); later phases are not shown."""
        if self._display is not None:
            self._display.stop()
        self._display = None
        self._enabled = False

    @contextmanager
    def step(self, description: str, total: int | None = None) -> Iterator[None]:
        self.phase(description, total)
        yield


@dataclass
class Terminal:
    """The output settings of one command invocation."""

    color: bool = False
    width: int | None = None
    progress: Progress = field(default_factory=lambda: Progress(False))

    @classmethod
    def decide(cls, color_choice: str = "auto", quiet: bool = False) -> Terminal:
        enabled = not quiet and _isatty(sys.stderr) and os.environ.get("TERM") != "dumb"
        return cls(wants_color(color_choice, sys.stdout), output_width(sys.stdout), Progress(enabled))


class StopsProgressOnWrite:
    """A stream wrapper that erases the progress line before the first write reaches the terminal."""

    def __init__(self, stream: TextIO, progress: Progress) -> None:
        self._stream = stream
        self._progress = progress

    def write(self, text: str) -> int:
        self._progress.stop()
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
