"""Connection sets: for each transport protocol, a canonical set of ports.

The protocols NetworkPolicy defines are TCP, UDP and SCTP. A rule without ports
allows all three on every port 1-65535; that is the universe here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from netverify.sets.intervals import IntervalSet

PROTOCOLS: tuple[str, ...] = ("TCP", "UDP", "SCTP")
MIN_PORT = 1
MAX_PORT = 65535
ALL_PORTS = IntervalSet.single(MIN_PORT, MAX_PORT)


class ConnectionSet:
    """Immutable map protocol -> IntervalSet of ports; empty sets are dropped."""

    __slots__ = ("_by_proto",)

    def __init__(self, by_protocol: Mapping[str, IntervalSet] | None = None) -> None:
        items = by_protocol.items() if by_protocol else ()
        self._by_proto: tuple[tuple[str, IntervalSet], ...] = tuple(
            (p, s) for p, s in sorted(items, key=lambda kv: PROTOCOLS.index(kv[0])) if s
        )

    @classmethod
    def all(cls) -> ConnectionSet:
        return _ALL

    @classmethod
    def none(cls) -> ConnectionSet:
        return _NONE

    @classmethod
    def of(cls, protocol: str, lo: int | None = None, hi: int | None = None) -> ConnectionSet:
        """`of("TCP")`: every TCP port; `of("TCP", 80)`: port 80 only; `of("TCP", 8000, 8080)`: a range.

        Mirrors IntervalSet.single and a NetworkPolicy port (a port without endPort is one port).
        """
        if lo is None:
            return cls({protocol: IntervalSet.single(MIN_PORT, MAX_PORT if hi is None else hi)})
        return cls({protocol: IntervalSet.single(lo, hi)})

    def ports(self, protocol: str) -> IntervalSet:
        for p, s in self._by_proto:
            if p == protocol:
                return s
        return IntervalSet()

    def items(self) -> Iterator[tuple[str, IntervalSet]]:
        return iter(self._by_proto)

    def protocols(self) -> tuple[str, ...]:
        return tuple(p for p, _ in self._by_proto)

    def allows(self, protocol: str, port: int) -> bool:
        return port in self.ports(protocol)

    def is_all(self) -> bool:
        return self == _ALL

    def __bool__(self) -> bool:
        return bool(self._by_proto)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConnectionSet) and self._by_proto == other._by_proto

    def __hash__(self) -> int:
        return hash(self._by_proto)

    def __repr__(self) -> str:
        return f"ConnectionSet({self.describe()})"

    def _combine(self, other: ConnectionSet, op: str) -> ConnectionSet:
        mine, theirs = dict(self._by_proto), dict(other._by_proto)
        out: dict[str, IntervalSet] = {}
        for proto in PROTOCOLS:
            if proto in mine or proto in theirs:
                out[proto] = getattr(mine.get(proto, _EMPTY), op)(theirs.get(proto, _EMPTY))
        return ConnectionSet(out)

    # The shortcuts below are identities of set algebra (x | x = x, x - x = {}, ...): they only
    # avoid building a new set, and keep the canonical instances _ALL and _NONE where they apply.

    def union(self, other: ConnectionSet) -> ConnectionSet:
        if not other._by_proto or self is _ALL or self == other:
            return self
        if not self._by_proto or other is _ALL:
            return other
        return self._combine(other, "union")

    def intersection(self, other: ConnectionSet) -> ConnectionSet:
        if not self._by_proto or not other._by_proto:
            return _NONE
        if self is _ALL:
            return other
        if other is _ALL or self == other:
            return self
        return self._combine(other, "intersection")

    def difference(self, other: ConnectionSet) -> ConnectionSet:
        if not self._by_proto or not other._by_proto:
            return self
        if other is _ALL or self == other:
            return _NONE
        return self._combine(other, "difference")

    def issubset(self, other: ConnectionSet) -> bool:
        return not self.difference(other)

    __or__ = union
    __and__ = intersection
    __sub__ = difference
    __le__ = issubset

    @staticmethod
    def union_all(sets: Iterable[ConnectionSet]) -> ConnectionSet:
        """The union of many sets in one sort per protocol: O(n log n) in their intervals, where folding
        `union` pairwise is quadratic (a rule with 16,000 port entries took over a minute)."""
        by_protocol: dict[str, list[tuple[int, int]]] = {}
        for s in sets:
            if s is _ALL:
                return _ALL
            for protocol, ports in s._by_proto:  # noqa: SLF001 -- another ConnectionSet, read by its own class
                by_protocol.setdefault(protocol, []).extend(ports)
        if not by_protocol:
            return _NONE
        result = ConnectionSet({p: IntervalSet(intervals) for p, intervals in by_protocol.items()})
        return _ALL if result == _ALL else result

    def to_json(self) -> list[dict[str, object]]:
        """`[{"protocol": "TCP", "ports": [[lo, hi], ...]}, ...]` (inclusive ranges)."""
        return [{"protocol": p, "ports": [list(iv) for iv in s]} for p, s in self._by_proto]

    def describe(self) -> str:
        """Human form: `all`, `TCP:80,8000-8080 UDP:53`, `none`."""
        if self == _ALL:
            return "all"
        if not self._by_proto:
            return "none"
        parts = []
        for proto, s in self._by_proto:
            if s == ALL_PORTS:
                parts.append(f"{proto}:*")
            else:
                ranges = ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in s)
                parts.append(f"{proto}:{ranges}")
        return " ".join(parts)


_EMPTY = IntervalSet()
_ALL = ConnectionSet({p: ALL_PORTS for p in PROTOCOLS})
_NONE = ConnectionSet()
