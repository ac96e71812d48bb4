"""Bitset helpers (engines/bitsets.py): a mask built in one pass holds exactly the positions given,
and `bit_list` reads them back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.engines.bitsets import bit_list, mask_of


@given(st.lists(st.integers(min_value=0, max_value=3000), max_size=60))
def test_a_mask_built_in_one_pass_holds_exactly_the_positions_given(positions: list[int]) -> None:
    expected = 0
    for c in positions:
        expected |= 1 << c
    assert mask_of(iter(positions)) == expected
    assert bit_list(mask_of(positions)) == sorted(set(positions))


@settings(deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=200), max_size=30), st.integers(min_value=0, max_value=70_000))
def test_bit_list_reads_every_set_bit_wherever_the_mask_starts(positions: list[int], offset: int) -> None:
    mask = 0
    for c in positions:
        mask |= 1 << (c + offset)
    assert bit_list(mask) == [i for i in range(offset, mask.bit_length()) if mask >> i & 1]
    assert mask_of(c + offset for c in reversed(positions)) == mask
