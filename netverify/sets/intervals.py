"""Canonical sets of integers stored as inclusive intervals.

Invariant (checked by the constructor of every public operation's result):
intervals are sorted, each has lo <= hi, and consecutive intervals are separated
by at least one missing integer (hi + 1 < next lo). Two equal sets therefore have
equal interval tuples, so equality and hashing are structural.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

Interval = tuple[int, int]


def _normalise(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    merged: list[list[int]] = []
    for lo, hi in sorted(intervals):
        if lo > hi:
            continue
        if merged and lo <= merged[-1][1] + 1:
            if hi > merged[-1][1]:
                merged[-1][1] = hi
        else:
            merged.append([lo, hi])
    return tuple((lo, hi) for lo, hi in merged)


class IntervalSet:
    """An immutable set of integers as canonical inclusive intervals."""

    __slots__ = ("_iv",)

    def __init__(self, intervals: Iterable[Interval] = ()) -> None:
        self._iv = _normalise(intervals)

    @classmethod
    def _canonical(cls, intervals: tuple[Interval, ...]) -> IntervalSet:
        obj = cls.__new__(cls)
        obj._iv = intervals  # noqa: SLF001 -- the class's own constructor for already-canonical intervals
        return obj

    @classmethod
    def single(cls, lo: int, hi: int | None = None) -> IntervalSet:
        """The integers lo..hi inclusive (just lo when hi is omitted); empty when hi < lo."""
        if hi is None:
            hi = lo
        if hi < lo:
            return cls._canonical(())
        return cls._canonical(((lo, hi),))

    @property
    def intervals(self) -> tuple[Interval, ...]:
        return self._iv

    def __bool__(self) -> bool:
        return bool(self._iv)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntervalSet) and self._iv == other._iv

    def __hash__(self) -> int:
        return hash(self._iv)

    def __repr__(self) -> str:
        return f"IntervalSet({list(self._iv)!r})"

    def __iter__(self) -> Iterator[Interval]:
        return iter(self._iv)

    def __contains__(self, value: int) -> bool:
        lo_i, hi_i = 0, len(self._iv)
        while lo_i < hi_i:
            mid = (lo_i + hi_i) // 2
            lo, hi = self._iv[mid]
            if value < lo:
                hi_i = mid
            elif value > hi:
                lo_i = mid + 1
            else:
                return True
        return False

    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self._iv)

    def union(self, other: IntervalSet) -> IntervalSet:
        if not other._iv:
            return self
        if not self._iv:
            return other
        return IntervalSet(self._iv + other._iv)

    def intersection(self, other: IntervalSet) -> IntervalSet:
        out: list[Interval] = []
        a, b = self._iv, other._iv
        i = j = 0
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet._canonical(tuple(out))

    def difference(self, other: IntervalSet) -> IntervalSet:
        out: list[Interval] = []
        b = other._iv
        j = 0
        for lo, hi in self._iv:
            cur = lo
            while j < len(b) and b[j][1] < cur:
                j += 1
            k = j
            while k < len(b) and b[k][0] <= hi:
                if b[k][0] > cur:
                    out.append((cur, b[k][0] - 1))
                cur = max(cur, b[k][1] + 1)
                k += 1
            if cur <= hi:
                out.append((cur, hi))
        return IntervalSet._canonical(tuple(out))

    def issubset(self, other: IntervalSet) -> bool:
        return not self.difference(other)

    __or__ = union
    __and__ = intersection
    __sub__ = difference
    __le__ = issubset
