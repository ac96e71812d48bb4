"""Specification of IntervalSet: a canonical, immutable set of integers."""

from __future__ import annotations

import pytest

from netverify.sets import IntervalSet


def members(s: IntervalSet) -> set[int]:
    return {v for lo, hi in s for v in range(lo, hi + 1)}


class TestCanonicalForm:
    def test_empty_set_has_no_intervals_and_is_falsy(self) -> None:
        assert IntervalSet().intervals == ()
        assert not IntervalSet()
        assert IntervalSet().size() == 0

    def test_intervals_are_sorted(self) -> None:
        assert IntervalSet([(50, 60), (1, 3), (10, 20)]).intervals == ((1, 3), (10, 20), (50, 60))

    def test_overlapping_intervals_merge(self) -> None:
        assert IntervalSet([(1, 10), (5, 15)]).intervals == ((1, 15),)

    def test_contained_interval_is_absorbed(self) -> None:
        assert IntervalSet([(1, 100), (20, 30)]).intervals == ((1, 100),)

    def test_adjacent_intervals_merge(self) -> None:
        # 1..5 and 6..10 leave no missing integer between them: one interval.
        assert IntervalSet([(1, 5), (6, 10)]).intervals == ((1, 10),)
        assert IntervalSet([(6, 10), (1, 5)]).intervals == ((1, 10),)

    def test_intervals_separated_by_one_missing_integer_stay_apart(self) -> None:
        assert IntervalSet([(1, 5), (7, 10)]).intervals == ((1, 5), (7, 10))

    def test_single_points_merge_into_a_run(self) -> None:
        assert IntervalSet([(3, 3), (1, 1), (2, 2)]).intervals == ((1, 3),)

    def test_inverted_interval_is_ignored(self) -> None:
        assert IntervalSet([(5, 3)]).intervals == ()
        assert IntervalSet([(5, 3), (1, 2)]).intervals == ((1, 2),)

    def test_duplicates_collapse(self) -> None:
        assert IntervalSet([(1, 4), (1, 4)]).intervals == ((1, 4),)

    def test_accepts_any_iterable(self) -> None:
        assert IntervalSet(iter([(1, 2)])) == IntervalSet([(1, 2)])


class TestSingle:
    def test_single_point(self) -> None:
        assert IntervalSet.single(80).intervals == ((80, 80),)

    def test_single_range(self) -> None:
        assert IntervalSet.single(80, 90).intervals == ((80, 90),)

    def test_inverted_range_is_empty(self) -> None:
        assert IntervalSet.single(90, 80) == IntervalSet()
        assert not IntervalSet.single(90, 80)


class TestEqualityAndHashing:
    def test_equal_sets_built_differently_are_equal(self) -> None:
        a = IntervalSet([(1, 5), (6, 10)])
        b = IntervalSet([(1, 10)])
        assert a == b
        assert hash(a) == hash(b)
        assert len({a, b}) == 1

    def test_not_equal_to_other_types(self) -> None:
        assert IntervalSet([(1, 2)]) != [(1, 2)]
        assert IntervalSet() != set()

    def test_repr_shows_intervals(self) -> None:
        assert repr(IntervalSet([(1, 2)])) == "IntervalSet([(1, 2)])"


class TestMembership:
    @pytest.mark.parametrize("value", [1, 3, 5, 10, 15, 20, 100])
    def test_members(self, value: int) -> None:
        assert value in IntervalSet([(1, 5), (10, 20), (100, 100)])

    @pytest.mark.parametrize("value", [0, 6, 9, 21, 99, 101, -1])
    def test_non_members(self, value: int) -> None:
        assert value not in IntervalSet([(1, 5), (10, 20), (100, 100)])

    def test_nothing_is_in_the_empty_set(self) -> None:
        assert 0 not in IntervalSet()

    def test_size_counts_integers(self) -> None:
        assert IntervalSet([(1, 5), (10, 20)]).size() == 5 + 11

    def test_iteration_yields_intervals(self) -> None:
        assert list(IntervalSet([(10, 20), (1, 5)])) == [(1, 5), (10, 20)]


class TestAlgebra:
    a = IntervalSet([(1, 10), (20, 30)])
    b = IntervalSet([(5, 25)])

    def test_union(self) -> None:
        assert (self.a | self.b).intervals == ((1, 30),)
        assert self.a.union(self.b) == self.a | self.b

    def test_union_of_adjacent_sets_merges(self) -> None:
        assert (IntervalSet.single(1, 5) | IntervalSet.single(6, 9)).intervals == ((1, 9),)

    def test_union_with_empty_is_identity(self) -> None:
        assert self.a | IntervalSet() == self.a
        assert IntervalSet() | self.a == self.a

    def test_intersection(self) -> None:
        assert (self.a & self.b).intervals == ((5, 10), (20, 25))

    def test_intersection_of_disjoint_sets_is_empty(self) -> None:
        assert not (IntervalSet.single(1, 5) & IntervalSet.single(6, 9))

    def test_intersection_touching_at_one_point(self) -> None:
        assert (IntervalSet.single(1, 5) & IntervalSet.single(5, 9)).intervals == ((5, 5),)

    def test_difference(self) -> None:
        assert (self.a - self.b).intervals == ((1, 4), (26, 30))
        assert (self.b - self.a).intervals == ((11, 19),)

    def test_difference_punching_holes(self) -> None:
        whole = IntervalSet.single(1, 100)
        holes = IntervalSet([(10, 19), (50, 50), (90, 200)])
        assert (whole - holes).intervals == ((1, 9), (20, 49), (51, 89))

    def test_difference_with_interval_spanning_several(self) -> None:
        left = IntervalSet([(1, 3), (5, 7), (9, 11)])
        assert (left - IntervalSet.single(2, 10)).intervals == ((1, 1), (11, 11))

    def test_difference_with_itself_is_empty(self) -> None:
        assert not (self.a - self.a)

    def test_subset(self) -> None:
        assert IntervalSet.single(2, 4) <= self.a
        assert IntervalSet([(1, 10), (25, 30)]).issubset(self.a)
        assert not self.b.issubset(self.a)
        assert IntervalSet() <= IntervalSet()
        assert IntervalSet() <= self.a
        assert self.a <= self.a

    def test_operations_do_not_mutate_operands(self) -> None:
        before = (self.a.intervals, self.b.intervals)
        _ = self.a | self.b, self.a & self.b, self.a - self.b
        assert (self.a.intervals, self.b.intervals) == before

    def test_results_agree_with_python_sets(self) -> None:
        assert members(self.a | self.b) == members(self.a) | members(self.b)
        assert members(self.a & self.b) == members(self.a) & members(self.b)
        assert members(self.a - self.b) == members(self.a) - members(self.b)
