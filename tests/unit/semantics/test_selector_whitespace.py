"""A label selector reads the same whatever the runs of whitespace between its tokens.

The selector pattern allows spaces around operators; long runs of them made its backtracking
quadratic. Whitespace runs are read as one space: the results must be those of the plain form.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.semantics.selectors import SelectorSyntaxError, parse_selector

TERMS = ["app=web", "tier!=db", "env in (a,b)", "env notin (c)", "team", "!legacy", "x==y"]
spaces = st.text(st.sampled_from(" \t"), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(terms=st.lists(st.sampled_from(TERMS), min_size=1, max_size=5), pad=st.lists(spaces, min_size=12, max_size=12))
def test_whitespace_runs_do_not_change_the_selector(terms: list[str], pad: list[str]) -> None:
    plain = ",".join(terms)
    padded = ",".join(f"{pad[i % 12]}{t.replace(' ', pad[(i + 1) % 12])}{pad[(i + 2) % 12]}" for i, t in enumerate(terms))
    assert parse_selector(padded) == parse_selector(plain)


@pytest.mark.parametrize("text", ["a" + " " * 50_000 + "b", "a=" + " " * 50_000 + "(", "a in" + "\t" * 50_000])
def test_long_whitespace_runs_are_refused_or_read_not_backtracked(text: str) -> None:
    # Before, each of these backtracked over every split of the run (tens of seconds at this size).
    with pytest.raises(SelectorSyntaxError):
        parse_selector(text)
