"""Rows of the reachability graph, computed a block of source classes at a time, on first use.

A row is one source class's allowed connections: disjoint (destination class mask, allowed) pairs.
All rows at once are O(classes^2) bits: blocks keep them within a bounded memory.

`sources_into` turns the graph's ingress parts around for a block of source classes; classes that
every part's sources hold alike share the result (and, with equal egress, their row). `columns_of`
does the same for destinations, turning the egress parts around.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import chain
from operator import itemgetter
from typing import TypeVar, overload

from netverify.engines.bitsets import ConnInterner, bit_list
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.verdict import is_self_traffic
from netverify.sets import ConnectionSet

Row = tuple[tuple[int, ConnectionSet], ...]  # disjoint (destination class mask, allowed) pairs
Member = TypeVar("Member")


def members_of_row(row: Row, ordered: Sequence[Member],
                   member_ranks: Sequence[list[int]]) -> list[tuple[Member, ConnectionSet]]:
    """A row expanded to its destination members in `ordered` order, each with what it is allowed
    (`member_ranks[c]`: the positions in `ordered` of class c's members)."""
    ranks_of = member_ranks.__getitem__
    if len(row) == 1:
        ((m, c),) = row
        ranks = sorted(chain.from_iterable(map(ranks_of, bit_list(m))))
        return [(ordered[r], c) for r in ranks]
    # Several allowed sets: sort rank * k + part as plain integers, then split them again.
    k = len(row)
    keys = sorted(r * k + i for i, (m, _) in enumerate(row)
                  for r in chain.from_iterable(map(ranks_of, bit_list(m))))
    conns = [c for _, c in row]
    return [(ordered[key // k], conns[key % k]) for key in keys]


class PairExpansion:
    """A graph's class rows expanded to endpoint pairs, sorted by id.

    A single pod's pair with itself is exempt (semantics/verdict.is_self_traffic) and, as it is not a
    network question, left out of `by_source` and `connections` unless asked for; a workload's pair with
    itself (replica to replica) is an ordinary pair."""

    def __init__(self, endpoints: Sequence[Endpoint], class_of: Mapping[str, int], rows: Sequence[Row],
                 class_allowed: Callable[[int, int], ConnectionSet]) -> None:
        self.endpoints, self.class_of, self.rows, self.class_allowed = endpoints, class_of, rows, class_allowed
        self.ordered = sorted(endpoints, key=lambda e: e.id)
        self.member_ranks: list[list[int]] = [[] for _ in range(len(rows))]  # per class, its members' positions
        for r, ep in enumerate(self.ordered):
            self.member_ranks[class_of[ep.id]].append(r)

    def targets(self, a: int) -> list[tuple[Endpoint, ConnectionSet]]:
        """Every endpoint class `a` may send to, sorted by id, with what."""
        return members_of_row(self.rows[a], self.ordered, self.member_ranks)

    def by_source(self, include_self: bool = False) -> Iterator[tuple[Endpoint, list[tuple[Endpoint, ConnectionSet]]]]:
        """For each endpoint (in the given order) with something allowed, its targets sorted by id."""
        cache: dict[int, list[tuple[Endpoint, ConnectionSet]]] = {}
        remaining = [len(m) for m in self.member_ranks]
        for src in self.endpoints:
            a = self.class_of[src.id]
            remaining[a] -= 1
            targets = cache.pop(a, None) if not remaining[a] else cache.get(a)
            if targets is None:
                targets = self.targets(a)
                if remaining[a]:
                    cache[a] = targets
            if src.single_pod and not include_self and self.class_allowed(a, a):
                targets = [t for t in targets if not is_self_traffic(src, t[0])]
            if targets:
                yield src, targets

    def connections(self, include_self: bool = False) -> Iterator[tuple[Endpoint, Endpoint, ConnectionSet]]:
        """Every ordered endpoint pair with a non-empty allowed set, sorted by (src, dst) id."""
        for src, targets in self.by_source(include_self):
            for dst, conns in targets:
                yield src, dst, conns


class LazyRows(Sequence[Row]):
    """The rows of all classes, computed a block of source classes at a time, on first use.

    Up to BLOCK_BITS destination-class bits per block, and a few blocks are kept: a matrix or a
    diff walks the sources in order, and a graph of a few thousand classes is one block.
    """

    BLOCK_BITS = 1 << 25  # rows of this many (source, destination) class pairs per block
    KEEP = 4  # blocks kept

    def __init__(self, n: int, compute: Callable[[int, int], list[Row]]) -> None:
        self._n = n
        self._size = max(64, self.BLOCK_BITS // max(n, 1))
        self._compute = compute
        self._blocks: dict[int, list[Row]] = {}  # insertion order = least recently computed first
        self._single: dict[int, Row] = {}  # insertion order = least recently asked for first

    def __len__(self) -> int:
        return self._n

    def _block(self, k: int) -> list[Row]:
        rows = self._blocks.get(k)
        if rows is None:
            if len(self._blocks) >= self.KEEP:
                del self._blocks[next(iter(self._blocks))]
            lo = k * self._size
            rows = self._blocks[k] = self._compute(lo, min(self._n, lo + self._size))
        return rows

    def cached(self, a: int) -> Row | None:
        """Row a if its block has been computed, else None (nothing is computed)."""
        rows = self._blocks.get(a // self._size)
        return None if rows is None else rows[a % self._size]

    def row(self, a: int) -> Row:
        """Row a for a caller that needs a few rows (can, diff, paths), not a block of hundreds of
        them at 100,000 pods: from a block already computed, else computed alone. Rows computed
        alone are kept, at most a block's worth of them (the least recently asked for leaves first):
        a search asks for the same row again and again (blast-radius: the predecessor of each class
        it reached), and memory stays within one more block."""
        found = self.cached(a)
        if found is not None:
            return found
        found = self._single.pop(a, None)
        if found is None:
            found = self._compute(a, a + 1)[0]
            if len(self._single) >= self._size:
                del self._single[next(iter(self._single))]
        self._single[a] = found  # (re)inserted last: the most recently asked for
        return found

    @overload
    def __getitem__(self, a: int) -> Row: ...

    @overload
    def __getitem__(self, a: slice) -> Sequence[Row]: ...

    def __getitem__(self, a: int | slice) -> Row | Sequence[Row]:
        if isinstance(a, slice):
            return [self[i] for i in range(*a.indices(self._n))]
        if a < 0:
            a += self._n
        if not 0 <= a < self._n:
            raise IndexError(a)
        return self._block(a // self._size)[a % self._size]

    def __iter__(self) -> Iterator[Row]:
        for k in range(0, self._n, self._size):
            yield from self._block(k // self._size)


IngressPart = tuple[int, int, int]  # (source classes, conns id, destination classes)


def sources_into(parts: Sequence[IngressPart], classes: Sequence[int]
                 ) -> tuple[dict[int, dict[int, int]], dict[int, int]]:
    """The ingress parts turned around for the source classes `classes`: `into[r][c]` is the union of the
    destinations of the parts (sources, c, destinations) whose sources hold class r, for one representative
    r of each *alike* set (classes every part's sources hold or miss together); `alike[a]` is a's
    representative, the first of its set in `classes`.

    Turning the parts around bit by bit costs the parts times the classes each holds (a block of a
    heavy diff's sources sits in most namespace-wide parts: at 30,000 pods 3.4 million steps a side).
    Classes differ from each other by every selector, subjects' included, while the parts' sources tell
    apart only what peers select: the alike sets are found from the parts' bits restricted to the block
    (a bit matrix transposed by `zip`, at C speed), and only their representatives are walked."""
    if not classes:
        return {}, {}
    lo = min(classes)
    span = max(classes) - lo + 1
    offsets = [a - lo for a in classes]
    wanted = 0
    for o in offsets:
        wanted |= 1 << o
    mine: list[tuple[int, int, int]] = []  # (sources within the block, shifted to it; c; destinations)
    distinct: dict[int, None] = {}
    for sources, c, dsts in parts:
        held = sources >> lo & wanted
        if held:
            mine.append((held, c, dsts))
            distinct[held] = None
    pick = itemgetter(*offsets) if len(offsets) > 1 else (lambda bits: (bits[offsets[0]],))
    # Row k of the matrix: which classes (in `classes` order) the k-th distinct sources hold; a column is
    # a class's signature (an empty matrix: every class alike).
    matrix = [pick(format(held, "b")[::-1].ljust(span, "0")) for held in distinct]
    signatures = zip(*matrix, strict=True) if matrix else (() for _ in classes)
    first: dict[tuple[str, ...], int] = {}
    alike = {a: first.setdefault(sig, a) for a, sig in zip(classes, signatures, strict=True)}
    into: dict[int, dict[int, int]] = {r: {} for r in first.values()}
    reps = 0
    for r in first.values():
        reps |= 1 << (r - lo)
    # Parts that hold the same representatives with the same conns are united first (a namespace's rules
    # hold its classes alike): each representative then takes one OR per group, not per part, and a group
    # that is first with its conns for a representative is stored as it is (key order: the parts' order).
    grouped: dict[tuple[int, int], int] = {}
    for held, c, dsts in mine:
        key = (held & reps, c)
        found = grouped.get(key)
        grouped[key] = dsts if found is None else found | dsts
    for (held, c), dsts in grouped.items():
        for o in bit_list(held):
            d = into[o + lo]
            found = d.get(c)
            d[c] = dsts if found is None else found | dsts
    return into, alike


def columns_of(ingress: Sequence[IngressPart], opened: int, egress: Sequence[tuple[int, int, int]],
               classes: Sequence[int], conns: ConnInterner, everyone: int) -> list[Row]:
    """The columns of `classes` (any order) from a graph's parts (`ReachabilityGraph.parts`): its ingress
    parts, the classes whose ingress is open, its egress parts (source classes, conns id, destinations)."""
    wanted = sum(1 << b for b in set(classes))
    all_in = [(everyone, conns.all)]
    # into[b]: (sources, what b's ingress lets them in with); senders: below.
    into = {b: all_in if opened >> b & 1 else [] for b in classes}
    isolated = wanted & ~opened
    for sources, c, dsts in ingress:
        mine = dsts & isolated
        for b in bit_list(mine):
            into[b].append((sources, conns.by_id[c]))
    # Egress parts turned around as rows turn the ingress parts (`sources_into`): per destination, the
    # sources (of every tier key: a key's partition is disjoint) whose egress alone sends it conns c.
    sent, alike = sources_into([(dsts, c, sources) for sources, c, dsts in egress], classes)
    by_id = conns.by_id
    senders = {r: [(group, by_id[c]) for c, group in d.items()] for r, d in sent.items()}
    return [_column(senders[alike[b]], into[b], conns) for b in classes]


def _column(senders: list[tuple[int, ConnectionSet]], into: list[tuple[int, ConnectionSet]],
            conns: ConnInterner) -> Row:
    out: dict[int, int] = {}
    for group, sent in senders:
        for sources, admitted in into:
            t = group & sources
            if t:
                both = conns.intersection(sent, admitted)
                if both:
                    out[id(both)] = out.get(id(both), 0) | t
    return tuple((m, conns.by_id[c]) for c, m in out.items() if m)
