"""`sources_into` (engines/rows.py) turns the graph's ingress parts around for a block of source classes:
for every class asked for, its representative's entry is exactly what turning the parts around bit by
bit gives that class, and classes share a representative only when every part holds or misses them
together."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netverify.engines.bitsets import bit_list
from netverify.engines.rows import sources_into

N = 40  # classes
masks = st.integers(min_value=0, max_value=(1 << N) - 1)
parts = st.lists(st.tuples(masks, st.integers(min_value=0, max_value=3), masks), max_size=12)
blocks = st.lists(st.integers(min_value=0, max_value=N - 1), min_size=0, max_size=15)


def turned_bit_by_bit(parts: list[tuple[int, int, int]], a: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for sources, c, dsts in parts:
        if sources >> a & 1:
            out[c] = out.get(c, 0) | dsts
    return out


@given(parts, blocks)
def test_each_class_gets_what_the_parts_holding_it_let_in(parts: list[tuple[int, int, int]], classes: list[int]) -> None:
    into, alike = sources_into(parts, classes)
    assert set(alike) == set(classes)
    for a in classes:
        expected = turned_bit_by_bit(parts, a)
        assert into[alike[a]] == expected
        assert list(into[alike[a]]) == list(expected)  # conns in the order of the first part holding a with them


# Few distinct sources, as a namespace's rules have: parts that hold the same classes are united first.
shared_parts = st.lists(st.tuples(st.sampled_from([0b1011 << 8, (1 << N) - 1, 0b1111 << 6]),
                                  st.integers(min_value=0, max_value=2), masks), max_size=12)


@given(shared_parts, blocks)
def test_parts_with_the_same_sources_give_what_each_part_gives(parts: list[tuple[int, int, int]],
                                                               classes: list[int]) -> None:
    into, alike = sources_into(parts, classes)
    for a in classes:
        expected = turned_bit_by_bit(parts, a)
        assert into[alike[a]] == expected and list(into[alike[a]]) == list(expected)


@given(parts, blocks)
def test_classes_share_a_representative_only_when_every_part_treats_them_alike(
        parts: list[tuple[int, int, int]], classes: list[int]) -> None:
    _, alike = sources_into(parts, classes)
    for a in classes:
        r = alike[a]
        assert r in classes and classes.index(r) <= classes.index(a)
        assert all(sources >> a & 1 == sources >> r & 1 for sources, _, _ in parts)
    for a in classes:
        for b in classes:
            if all(sources >> a & 1 == sources >> b & 1 for sources, _, _ in parts):
                assert alike[a] == alike[b]


def test_one_class_and_no_parts() -> None:
    assert sources_into([], [7]) == ({7: {}}, {7: 7})
    assert sources_into([(1 << 7 | 1, 2, 0b110)], [7]) == ({7: {2: 0b110}}, {7: 7})
    assert sources_into([(1, 2, 3)], []) == ({}, {})
    assert bit_list(0) == []
