"""The admin scan's mask splitting (queries/lint/peer_masks.py): refining by a partition's blocks in one pass
over the bits gives exactly what refining by each block in turn gives (the same parts, signatures and order: the
scan's witnesses are the first class of the first group in that order)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.queries.lint.peer_masks import Blocks, first_bits, refine_signed

CLASSES = 12
EVERYONE = (1 << CLASSES) - 1
masks_st = st.integers(0, EVERYONE)


def test_a_cut_splits_each_part_inside_first_and_marks_the_inside() -> None:
    assert refine_signed([(0b1111, 0)], [(0b0110, 0b1)]) == [(0b0110, 0b1), (0b1001, 0)]
    assert refine_signed([(0b0011, 0), (0b1100, 0)], [(0b0011, 0b10)]) == [(0b0011, 0b10), (0b1100, 0)]


def test_first_bits_are_lowest_first() -> None:
    assert list(first_bits(0b101100)) == [2, 3, 5]


@settings(max_examples=200, deadline=None)
@given(st.lists(masks_st, max_size=4), st.lists(st.integers(0, 3), min_size=CLASSES, max_size=CLASSES),
       st.lists(st.booleans(), min_size=4, max_size=4))
def test_blocks_refine_as_one_cut_after_another(cuts: list[int], keys: list[int], skipped: list[bool]) -> None:
    """Some blocks are left out of the run (an earlier cut equal to them has cut already)."""
    bits = {cut: 1 << i for i, cut in enumerate(dict.fromkeys(cuts))}
    parts = refine_signed([(EVERYONE, 0)], bits.items())
    blocks = Blocks(keys)
    run = {k: (mask, 1 << (8 + k)) for k, mask in enumerate(blocks.masks) if not skipped[k]}
    assert blocks.refine(parts, run) == refine_signed(parts, run.values())


def test_blocks_are_numbered_in_the_order_of_their_first_class() -> None:
    blocks = Blocks(["b", "a", "b", "c"])
    assert blocks.block_of == [0, 1, 0, 2]
    assert blocks.masks == [0b0101, 0b0010, 0b1000]
