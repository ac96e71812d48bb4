"""Tables written as plain text, character for character what rich writes for `text_common.table_of` on a
console without colour that is not a terminal (a pipe, a file): a heavy head box, cells padded by one space,
columns as wide as their widest cell.

Rich lays a table out cell by cell (measuring, wrapping, cropping: ~0.1 ms a row), which made a 10,000-pod
`matrix` spend a minute drawing its tables. Where nothing can wrap, colour or fold, the layout is this simple
one; `plain_table` declines (None) everywhere else, and the caller draws with rich. The equality with rich is
tested on random tables (tests/unit/report/test_plain_table.py)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console

# Characters rich lays out in ways this module does not (tabs expand, line breaks split cells).
_SPECIAL = frozenset("\t\n\r\x0b\x0c")


def plain_console(console: Console) -> bool:
    """Output without colour to a pipe or a file: what rich writes there has no style in it."""
    return console.no_color and not console.is_terminal


def plain_table(console: Console, title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str | None:
    """The table's text (lines ending in a line break), or None where rich's layout may differ: a coloured or
    terminal console, no rows, special or non-ASCII characters, or a table wider than the console."""
    if not plain_console(console) or not rows:
        return None
    cells = [*columns, title, *(cell for row in rows for cell in row)]
    if not all(cell.isascii() or cell_len(cell) == len(cell) for cell in cells) or any(
            not _SPECIAL.isdisjoint(cell) for cell in cells):
        return None
    widths = [len(name) for name in columns]
    for row in rows:
        for i, cell in enumerate(row):
            if len(cell) > widths[i]:
                widths[i] = len(cell)
    total = sum(widths) + 3 * len(widths) + 1
    if total > console.width:
        return None
    lines = [title] if title else []
    lines.append("┏" + "┳".join("━" * (w + 2) for w in widths) + "┓")
    lines.append("┃" + "┃".join(f" {name.ljust(w)} " for name, w in zip(columns, widths, strict=True)) + "┃")
    lines.append("┡" + "╇".join("━" * (w + 2) for w in widths) + "┩")
    lines.extend("│" + "│".join(f" {cell.ljust(w)} " for cell, w in zip(row, widths, strict=True)) + "│"
                 for row in rows)
    lines.append("└" + "┴".join("─" * (w + 2) for w in widths) + "┘")
    return "\n".join(lines) + "\n"
