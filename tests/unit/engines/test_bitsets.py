"""Bitset helpers (engines/bitsets.py): a mask built in one pass holds exactly the positions given,
and `bit_list` reads them back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netverify.engines.bitsets import bit_list, mask_of


@given(st.lists(st.integers(min_value=0, max_value=3000), max_size=60))
def test_a_mask_built_in_one_pass_holds_exactly_the_positions_given(positions: list[int]) -> None:
    expected = 0
    for c in positions:
        expected |= 1 << c
    assert mask_of(iter(positions)) == expected
    assert bit_list(mask_of(positions)) == sorted(set(positions))
