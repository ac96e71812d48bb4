"""Lint redundancy's peer cells (queries/lint/redundancy_cells.py): whether cut from scratch or derived
from the previous group's cut, a group's cells are exactly its peers grouped by the set of parts that
admit them, each peer in one cell, whatever groups came before, and whether the masks are told apart by
their values or by numbers given to them."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from netverify.engines.bitsets import bit_list
from netverify.queries.lint.redundancy_cells import CellCutter

CLASSES = 40
pool = st.lists(st.integers(min_value=1, max_value=(1 << CLASSES) - 1), min_size=1, max_size=12, unique=True)


def by_peer(parts: list[int]) -> dict[int, frozenset[int]]:
    """The reference: for every peer class some part admits, the parts admitting it."""
    out: dict[int, frozenset[int]] = {}
    for c in range(CLASSES):
        holding = frozenset(k for k, m in enumerate(parts) if m >> c & 1)
        if holding:
            out[c] = holding
    return out


def cells_by_peer(refinement: tuple[int, list[tuple[int, list[int]]]]) -> dict[int, frozenset[int]]:
    low, cells = refinement
    out: dict[int, frozenset[int]] = {}
    signatures = set()
    for mask, parts in cells:
        signature = frozenset(parts)
        assert signature not in signatures, "one cell per set of parts"
        signatures.add(signature)
        for c in bit_list(mask << low):
            assert c not in out, "cells are disjoint"
            out[c] = signature
    return out


@settings(max_examples=300, deadline=None)
@given(pool.flatmap(lambda masks: st.lists(st.lists(st.sampled_from(masks), min_size=1, max_size=14), max_size=6)))
@example([[1, 3, 2, 6, 12], [1, 3, 2, 6, 12, 24], [3, 2, 6], [1, 1, 3]])  # add, drop, re-add a mask
def test_every_group_gets_its_peers_grouped_by_the_parts_admitting_them(groups: list[list[int]]) -> None:
    incremental, scratch = CellCutter(incremental_from=2), CellCutter(incremental_from=10**6)
    keyed, numbers = CellCutter(incremental_from=2), dict[int, int]()  # masks known by numbers, as lint asks
    for parts in groups:
        expected = by_peer(parts)
        assert cells_by_peer(incremental.refine(parts)) == expected
        assert cells_by_peer(scratch.refine(parts)) == expected
        keys = [numbers.setdefault(mask, len(numbers)) for mask in parts]
        assert cells_by_peer(keyed.refine(parts, keys)) == expected
