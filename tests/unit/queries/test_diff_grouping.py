"""`Grouping.split` cuts a mask of joint classes by their groups: the same parts, in group order,
whichever way it takes (per bit for a sparse mask, per group for a dense one). `JointVectors.translate`
maps a side's class mask to the joint classes of its members, whichever way it takes (as it is for
classes numbered as their joint class, bit by bit, or through what a dense mask lacks); `refine` splits
groups by masks; `differ` and `vector_changes` compare two vectors."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from netverify.queries.diff_groups import refine
from netverify.queries.diff_joint import NONE, Grouping, JointVectors, differ, vector_changes
from netverify.sets import ConnectionSet


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


@given(st.lists(st.lists(st.integers(0, 11), max_size=3), min_size=1, max_size=12), st.integers(min_value=0))
@example(images=[[0]], seed=2)  # a class mask is never negative (the generator once made -1 here)
def test_translate_is_the_union_of_each_class_members(images: list[list[int]], seed: int) -> None:
    taken: set[int] = set()
    joint_of_class = []
    for image in images:  # classes have disjoint images
        mine = set(image) - taken
        taken |= mine
        joint_of_class.append(sum(1 << j for j in mine))
    vectors = JointVectors(None, joint_of_class)  # type: ignore[arg-type]  # translate reads no graph
    everyone = (1 << len(images)) - 1
    for mask in (seed % (1 << len(images)), everyone, everyone & ~(seed % 4)):  # masks of these classes only
        expected = 0
        for c in range(len(images)):
            if mask >> c & 1:
                expected |= joint_of_class[c]
        assert vectors.translate(mask) == expected
        assert vectors.translate(mask) == expected  # cached


def test_classes_numbered_as_their_joint_class_translate_as_they_are() -> None:
    vectors = JointVectors(None, [0b001, 0b110, 0b000, 0b1000])  # type: ignore[arg-type]
    assert vectors.translate(0b1001) == 0b1001 and vectors.translate(0b1111) == 0b1111
    assert vectors.translate(0b0110) == 0b0110 and vectors.translate(0b0100) == 0


@given(st.lists(st.integers(0, 3), min_size=1, max_size=20), st.lists(st.integers(min_value=0), max_size=6))
def test_refine_splits_groups_by_every_mask(keys: list[int], masks: list[int]) -> None:
    members = list(range(len(keys)))
    groups = refine(members, dict(enumerate(keys)), max(keys) + 1, masks)
    assert sorted(j for g in groups for j in g) == members
    signature = {j: (keys[j], tuple(m >> j & 1 for m in masks)) for j in members}
    for group in groups:
        assert len({signature[j] for j in group}) == 1
    assert len(groups) == len(set(signature.values()))
    assert [g[0] for g in groups] == sorted(g[0] for g in groups)  # in the order of their first member


conns_st = st.sampled_from([ConnectionSet.all(), ConnectionSet.of("TCP", 80), ConnectionSet.of("UDP", 53)])


@given(st.lists(st.tuples(st.one_of(st.none(), conns_st), st.one_of(st.none(), conns_st)), max_size=10))
def test_differ_and_vector_changes_name_exactly_the_classes_whose_set_differs(values: list[tuple[object, object]]
                                                                             ) -> None:
    before: dict[ConnectionSet, int] = {}
    after: dict[ConnectionSet, int] = {}
    for j, (b, a) in enumerate(values):
        if isinstance(b, ConnectionSet):
            before[b] = before.get(b, 0) | 1 << j
        if isinstance(a, ConnectionSet):
            after[a] = after.get(a, 0) | 1 << j
    expected = {j: (b or NONE, a or NONE) for j, (b, a) in enumerate(values) if (b or NONE) != (a or NONE)}
    assert differ(before, after) == sum(1 << j for j in expected)
    found = {j: (b, a) for mask, b, a in vector_changes(before, after) for j in range(len(values)) if mask >> j & 1}
    assert found == expected
