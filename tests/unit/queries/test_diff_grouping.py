"""`Grouping.split` cuts a mask of joint classes by their groups: the same parts, in group order,
whichever way it takes (per bit for a sparse mask, per group for a dense one)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netverify.queries.diff_joint import Grouping


@given(st.lists(st.integers(0, 6), min_size=1, max_size=60), st.integers(min_value=0))
def test_split_gives_each_groups_part_of_the_mask_in_group_order(keys: list[int], seed: int) -> None:
    grouping = Grouping(keys)
    mask = seed % (1 << len(keys))
    order = list(dict.fromkeys(keys))  # groups in the order of their first member
    expected = [part for key in order
                if (part := sum(1 << j for j, k in enumerate(keys) if k == key and mask >> j & 1))]
    assert grouping.split(mask) == expected
    assert sum(grouping.split(mask)) == mask


def test_a_group_is_every_class_with_its_key() -> None:
    grouping = Grouping(["a", "b", "a", "c"])
    assert grouping.masks == [0b0101, 0b0010, 0b1000]
    assert grouping.group_of == [0, 1, 0, 2]
    assert grouping.split(0b0001) == [0b0001] and grouping.split(0b1111) == [0b0101, 0b0010, 0b1000]
