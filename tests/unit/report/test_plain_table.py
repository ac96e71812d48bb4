"""The plain table writer draws exactly what rich draws for `table_of` on a console without colour that is not
a terminal, and declines (None) where it could not: then the caller draws with rich."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from netverify.report.plain_table import plain_table
from netverify.report.text_common import console_for, table_of

# Names, ports, ellipses, spaces at either end, accented letters, wide characters, tabs and line breaks.
cell_st = st.lists(st.sampled_from([*"ab-/*:,0 9(){}", "…", "é", "界", "\t", "\n", "[red]"]), max_size=8).map("".join)


def drawn_by_rich(title: str, columns: list[str], rows: list[list[str]], color: bool = False) -> str:
    out = io.StringIO()
    table = table_of(title, *columns)
    for row in rows:
        table.add_row(*row)
    console_for(out, color).print(table)
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("namespace -/()…")), max_size=40),
       st.integers(1, 4).flatmap(lambda n: st.tuples(st.lists(cell_st.filter(bool), min_size=n, max_size=n),
                                                     st.lists(st.lists(cell_st, min_size=n, max_size=n), max_size=5))))
def test_a_plain_table_is_what_rich_draws_or_declined(title: str, table: tuple[list[str], list[list[str]]]) -> None:
    columns, rows = table
    drawn = plain_table(console_for(io.StringIO()), title, columns, rows)
    if drawn is not None:
        assert drawn == drawn_by_rich(title, columns, rows)
    else:  # declined only for want of rows, or for a character rich lays out otherwise
        assert not rows or any(cell_len(c) != len(c) or "\t" in c or "\n" in c
                               for c in [title, *columns, *(c for r in rows for c in r)])


def test_it_draws_the_usual_tables_and_leaves_colour_and_terminals_to_rich() -> None:
    columns, rows = ["from", "to", "allowed"], [["shop/web", "data/* except backup", "TCP:5432"], ["a", "b…", "all"]]
    assert plain_table(console_for(io.StringIO()), "namespace shop", columns, rows) == drawn_by_rich(
        "namespace shop", columns, rows)
    assert plain_table(console_for(io.StringIO(), color=True), "namespace shop", columns, rows) is None
    assert plain_table(console_for(io.StringIO()), "namespace shop", columns, []) is None
    assert plain_table(console_for(io.StringIO()), "t", ["a"], [["界"]]) is None
