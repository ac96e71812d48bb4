"""What every text renderer shares: the console (colour, width, the fast plain path), tables that fold
instead of cutting, counting words, and the `render` function the text renderers register on."""

from __future__ import annotations

from functools import singledispatch
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from netverify.sets import ConnectionSet


class _Console(Console):
    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Without colour, a Text is its plain string: written directly, not rendered (rendering
        costs ~40 µs a line, seconds for a diff or lint of tens of thousands of lines)."""
        if len(objects) == 1 and not kwargs and isinstance(objects[0], Text) and self.no_color \
                and not self.is_terminal and "\n" not in objects[0].plain:
            try:
                self.file.write(objects[0].plain + "\n")
            except BrokenPipeError:
                self.on_broken_pipe()
            return
        super().print(*objects, **kwargs)

    def on_broken_pipe(self) -> None:
        # rich would exit(1) here, which reads as "denied"; let the caller decide.
        raise BrokenPipeError


UNBOUNDED = 100_000  # "as wide as the content": lines into a pipe or a file are never cut or folded


def console_for(out: TextIO, color: bool | None = None, width: int | None = None) -> Console:
    """A console for `out`: `width` columns (None: as wide as the content), coloured when `color`."""
    # markup=False: names from the input are text, never rich markup (`[img]` would vanish, `[red]` recolour).
    return _Console(file=out, width=width or UNBOUNDED, no_color=not color, highlight=False, soft_wrap=True,
                    markup=False, force_terminal=bool(color), emoji=False)


def table_of(title: str = "", *columns: str) -> Table:
    """A table whose cells fold rather than cut: a long file:line wraps onto the next line, whole."""
    table = Table(title=title or None, title_justify="left", show_lines=False, expand=False)
    for name in columns:
        table.add_column(name, overflow="fold")
    return table


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


def conn_text(conns: ConnectionSet) -> Text:
    return Text(conns.describe(), style="green" if conns.is_all() else "yellow")


def plural(count: int, word: str, words: str = "") -> str:
    """`1 Service`, `2 Services` (words: an irregular plural)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"
