"""`diff`: the semantic connectivity difference between two versions of the manifests.

Both versions are analysed at the same granularity (workloads by default) and their
matrices compared for endpoints present in both, and for their traffic with addresses
outside the cluster (address blocks, see diff_outside). The result is a list of *changes*:
rectangles of sources x destinations whose pairs all changed the same way (status, allowed
sets before and after) for the same causes; every changed pair lies in exactly one change.
They are computed on the engines' classes, never pair by pair (see diff_groups), so the
result's size follows the distinct changes and the endpoints they name, not the pairs.
With admin policies on either side the pairs are found on exact classes
(diff_tiered) until the fast path learns the admin tiers' keys and rule pieces.
`DiffResult.pairs()` expands them into per-pair changes, sorted, one source at a time (the
`--pairs` listing). Purely cosmetic edits (reordering, renaming, splitting a policy) leave
the matrices equal and so give an empty diff.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from netverify.engines.bitsets import bit_list
from netverify.queries.context import Analysis
from netverify.queries.diff_cause import Cause
from netverify.queries.diff_causes import Explainer
from netverify.queries.diff_groups import Grouper
from netverify.queries.diff_joint import CHUNK, JointClasses
from netverify.queries.diff_outside import AddressBlock, OutsideDiff
from netverify.queries.diff_sets import EndpointSets
from netverify.queries.diff_tiered import TieredDiff
from netverify.semantics.endpoints import Endpoint
from netverify.sets import ConnectionSet

FAIL_ON = ("added", "removed", "any")
STATUSES = ("added", "removed", "changed")


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _status(before: ConnectionSet, after: ConnectionSet) -> str:
    return "added" if not before else "removed" if not after else "changed"


def _describe(before: ConnectionSet, after: ConnectionSet) -> str:
    if not before:
        return after.describe()
    if not after:
        return before.describe()
    return f"{before.describe()} -> {after.describe()}"


def _sets_json(before: ConnectionSet, after: ConnectionSet) -> dict[str, object]:
    if before and after:
        return {"before": before.to_json(), "after": after.to_json()}
    return {"allowed": (after or before).to_json()}


def _fails(fail_on: str | None, before: ConnectionSet, after: ConnectionSet) -> bool:
    """Whether a pair that went from `before` to `after` fails `--fail-on`."""
    if fail_on == "any":
        return True
    if fail_on == "added":
        return bool(after - before)
    if fail_on == "removed":
        return bool(before - after)
    return False


class _Transition:
    """What BASE allowed (`before`) and HEAD allows (`after`): the status and the difference, for one pair or
    for every pair of a Change alike."""

    before: ConnectionSet
    after: ConnectionSet

    @property
    def status(self) -> str:
        return _status(self.before, self.after)

    @property
    def gained(self) -> ConnectionSet:
        return self.after - self.before

    @property
    def lost(self) -> ConnectionSet:
        return self.before - self.after

    def describe(self) -> str:
        return _describe(self.before, self.after)


@dataclass(frozen=True)
class PairChange(_Transition):
    """src -> dst allowed `before` on BASE and `after` on HEAD (one of them may be empty)."""

    src: str
    dst: str
    before: ConnectionSet
    after: ConnectionSet
    causes: tuple[Cause, ...]

    def to_json(self) -> dict[str, object]:
        return {"src": self.src, "dst": self.dst, **_sets_json(self.before, self.after),
                "cause": [c.to_json() for c in self.causes]}


@dataclass(frozen=True)
class Change(_Transition):
    """Every pair of `sources` x `destinations` went from `before` to `after`, for `causes`."""

    sources: tuple[str, ...]  # endpoint ids or address block ids, sorted
    destinations: tuple[str, ...]
    before: ConnectionSet
    after: ConnectionSet
    causes: tuple[Cause, ...]
    distinct: bool = False  # sources == destinations: every pair of distinct endpoints (not one with itself)

    @property
    def size(self) -> int:
        """How many pairs the change holds."""
        return len(self.sources) * len(self.destinations) - (len(self.sources) if self.distinct else 0)

    def order(self) -> tuple[object, ...]:
        """Largest first; then by status, and by the endpoints named (a stable, total order)."""
        return (-self.size, STATUSES.index(self.status), self.sources, self.destinations)

    def fails(self, fail_on: str | None) -> bool:
        return _fails(fail_on, self.before, self.after)

    def expand(self) -> Iterator[PairChange]:
        for src in self.sources:
            for dst in self.destinations:
                if not (self.distinct and src == dst):
                    yield PairChange(src, dst, self.before, self.after, self.causes)

    def to_json(self, sets: EndpointSets) -> dict[str, object]:
        """The grouped entry: `sources` and `destinations` as counts and indices into `sets`."""
        return {"status": self.status, "pairs": self.size, "sources": sets.reference(self.sources),
                "destinations": sets.reference(self.destinations), **({"distinct": True} if self.distinct else {}),
                **_sets_json(self.before, self.after), "cause": [c.to_json() for c in self.causes]}


@dataclass(frozen=True, eq=False)
class Reach:
    """What endpoints with one connectivity may send to and receive from: (peer id, allowed) in endpoint
    order, the endpoints' own ids included. Shared by every added (or removed) endpoint with this
    connectivity, so that thousands of alike endpoints cost one list, not one each."""

    egress: tuple[tuple[str, ConnectionSet], ...]
    ingress: tuple[tuple[str, ConnectionSet], ...]

    @cached_property
    def egress_ids(self) -> frozenset[str]:
        return frozenset(p for p, _ in self.egress)

    @cached_property
    def ingress_ids(self) -> frozenset[str]:
        return frozenset(p for p, _ in self.ingress)


def _grouped(items: Iterable[tuple[str, ConnectionSet]]) -> list[tuple[ConnectionSet, list[str]]]:
    """Peers grouped by what is allowed with them, groups in the order of their first peer."""
    groups: dict[ConnectionSet, list[str]] = {}
    for peer, conns in items:
        groups.setdefault(conns, []).append(peer)
    return [(conns, sorted(peers)) for conns, peers in groups.items()]


@dataclass(frozen=True)
class EndpointChange:
    """An endpoint present on one side only, with everything it may send and receive there (a single
    pod's pair with itself is not listed; its pairs with itself are never listed as ingress)."""

    endpoint: Endpoint
    reach: Reach

    @property
    def id(self) -> str:
        return self.endpoint.id

    @property
    def egress(self) -> tuple[tuple[str, ConnectionSet], ...]:
        """(destination id, allowed), in endpoint order."""
        me, single = self.id, self.endpoint.single_pod
        return tuple((p, c) for p, c in self.reach.egress if not (single and p == me))

    @property
    def ingress(self) -> tuple[tuple[str, ConnectionSet], ...]:
        """(source id, allowed), in endpoint order."""
        me = self.id
        return tuple((p, c) for p, c in self.reach.ingress if p != me)

    def _counts(self) -> tuple[int, int]:
        me, reach = self.id, self.reach
        sends = len(reach.egress) - (self.endpoint.single_pod and me in reach.egress_ids)
        return sends, len(reach.ingress) - (me in reach.ingress_ids)

    def summary(self) -> str:
        sends, receives = self._counts()
        return f"sends to {_count(sends, 'endpoint')}, receives from {_count(receives, 'endpoint')}"

    @staticmethod
    def grouped(items: Iterable[tuple[str, ConnectionSet]]) -> list[tuple[ConnectionSet, list[str]]]:
        """Peers grouped by what is allowed with them, groups in the order of their first peer."""
        return _grouped(items)

    def head(self) -> dict[str, object]:
        ep = self.endpoint
        return {"id": ep.id, "kind": ep.kind, "file": ep.source.file, "line": ep.source.line}

    def to_json(self) -> dict[str, object]:
        """Peers grouped by allowed set (the default listing)."""
        return _reach_json(self.head(), self.egress, self.ingress)

    def to_pairs_json(self) -> dict[str, object]:
        """One entry per peer (the `--pairs` listing)."""
        return {**self.head(),
                "egress": [{"dst": d, "allowed": c.to_json()} for d, c in self.egress],
                "ingress": [{"src": s, "allowed": c.to_json()} for s, c in self.ingress]}


def _reach_json(head: dict[str, object], egress: Iterable[tuple[str, ConnectionSet]],
                ingress: Iterable[tuple[str, ConnectionSet]]) -> dict[str, object]:
    return {**head,
            "egress": [{"destinations": d, "allowed": c.to_json()} for c, d in _grouped(egress)],
            "ingress": [{"sources": s, "allowed": c.to_json()} for c, s in _grouped(ingress)]}


@dataclass(frozen=True)
class EndpointGroup:
    """Endpoints added (or removed) with the same connectivity: one block in every report, so that a
    change adding thousands of alike pods reads (and weighs) as one."""

    members: tuple[EndpointChange, ...]  # in inventory order

    @property
    def first(self) -> EndpointChange:
        return self.members[0]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(m.id for m in self.members))

    @property
    def egress(self) -> tuple[tuple[str, ConnectionSet], ...]:
        """What the members send to, together: each member's pair with itself excepted (with several
        members, each one's pairs with the others are listed)."""
        return self.first.egress if len(self.members) == 1 else self.first.reach.egress

    @property
    def ingress(self) -> tuple[tuple[str, ConnectionSet], ...]:
        return self.first.ingress if len(self.members) == 1 else self.first.reach.ingress

    def summary(self) -> str:
        return self.first.summary()

    def to_json(self) -> dict[str, object]:
        """One member's entry as for a lone endpoint; the others with the same connectivity under `same`."""
        out = _reach_json(self.first.head(), self.egress, self.ingress)
        if len(self.members) > 1:
            out["same"] = [m.head() for m in self.members[1:]]
        return out


def endpoint_groups(changes: Iterable[EndpointChange]) -> list[EndpointGroup]:
    """Endpoint changes grouped by connectivity (their shared Reach), groups in order of their first member."""
    found: dict[int, list[EndpointChange]] = {}
    for change in changes:
        found.setdefault(id(change.reach), []).append(change)
    return [EndpointGroup(tuple(members)) for members in found.values()]


def sorted_pairs(changes: list[Change]) -> Iterator[PairChange]:
    """The pairs of `changes` sorted by (src, dst), one source at a time: memory follows the
    changes and one source's destinations, never all pairs."""
    by_source: dict[str, list[int]] = {}
    for i, change in enumerate(changes):
        for src in change.sources:
            by_source.setdefault(src, []).append(i)
    for src in sorted(by_source):
        found = [[(dst, i) for dst in changes[i].destinations if not (changes[i].distinct and dst == src)]
                 for i in by_source[src]]
        for dst, i in heapq.merge(*found):
            c = changes[i]
            yield PairChange(src, dst, c.before, c.after, c.causes)


@dataclass(frozen=True)
class DiffResult:
    base: str  # what BASE was read from (a path or a git revision), for headings
    head: str
    changes: tuple[Change, ...] = ()  # largest first
    outside: tuple[AddressBlock, ...] = ()  # the address blocks the changes name
    compared: int = 0  # endpoints present on both sides
    endpoints_added: tuple[EndpointChange, ...] = ()
    endpoints_removed: tuple[EndpointChange, ...] = ()
    fail_on: str | None = None  # what makes this result a failure (`--fail-on`)
    assertions: Any = field(default=None, compare=False)  # AssertionComparison when --assertions was given
    listing: str = "changes"  # or "pairs": how json and text list them (`--pairs`)

    @property
    def empty(self) -> bool:
        return not (self.changes or self.endpoints_added or self.endpoints_removed)

    def count(self, status: str) -> int:
        """Pairs of a status."""
        return sum(c.size for c in self.changes if c.status == status)

    def pairs(self, status: str | None = None) -> Iterator[PairChange]:
        """Every changed pair: added, then removed, then changed, each sorted by (src, dst)."""
        for name in (status,) if status else STATUSES:
            yield from sorted_pairs([c for c in self.changes if c.status == name])

    @property
    def added(self) -> tuple[PairChange, ...]:
        return tuple(self.pairs("added"))

    @property
    def removed(self) -> tuple[PairChange, ...]:
        return tuple(self.pairs("removed"))

    @property
    def changed(self) -> tuple[PairChange, ...]:
        return tuple(self.pairs("changed"))

    @property
    def causes(self) -> dict[tuple[object, ...], tuple[Cause, list[Change]]]:
        """Each distinct cause with the changes it explains, in the order of the changes."""
        found: dict[tuple[object, ...], tuple[Cause, list[Change]]] = {}
        for change in self.changes:
            for cause in change.causes:
                found.setdefault(cause.key, (cause, []))[1].append(change)
        return found

    def failing_changes(self) -> list[Change]:
        """The changes whose pairs make `--fail-on` fail."""
        return [c for c in self.changes if c.fails(self.fail_on)]

    def fails(self) -> bool:
        """Whether `--fail-on` fails: added/removed look at connections, any at every change."""
        if self.fail_on == "any" and not self.empty:
            return True
        return bool(self.failing_changes())

    def summary(self) -> str:
        if self.empty:
            return "no connectivity changes"
        counts = [self.count(s) for s in STATUSES]
        return (f"{_count(counts[0], 'connection')} added, {counts[1]:,} removed, {counts[2]:,} changed "
                f"({_count(len(self.changes), 'change')}); {_count(len(self.endpoints_added), 'endpoint')} "
                f"added, {len(self.endpoints_removed):,} removed")

    def summary_json(self, sets: EndpointSets | None = None) -> dict[str, object]:
        named = {"sets": len(sets), "named": sum(len(m) for m in sets.members)} if sets is not None else {}
        return {"pairs": {s: self.count(s) for s in STATUSES}, "changes": len(self.changes),
                "causes": len(self.causes), "outside_blocks": len(self.outside),
                "endpoints": {"compared": self.compared, "added": len(self.endpoints_added),
                              "removed": len(self.endpoints_removed)}, **named}

    def endpoint_sets(self) -> EndpointSets:
        """The endpoints (and address blocks) the changes name, cut into the sets the changes are unions of."""
        return EndpointSets(group for c in self.changes for group in (c.sources, c.destinations))

    def to_json(self) -> dict[str, object]:
        sets = self.endpoint_sets()
        out: dict[str, object] = {
            "summary": self.summary_json(sets),
            "changes": [c.to_json(sets) for c in self.changes],
            "sets": sets.to_json({b.id for b in self.outside}),
            "outside": [b.to_json() for b in self.outside],
            "endpoints_added": [g.to_json() for g in endpoint_groups(self.endpoints_added)],
            "endpoints_removed": [g.to_json() for g in endpoint_groups(self.endpoints_removed)],
        }
        if self.assertions is not None:
            out["assertions"] = self.assertions.to_json()
        return out


class Connectivity:
    """Everything endpoints of one side may send and receive, from their classes' rows and columns;
    endpoints whose rows and columns are equal share one Reach (expanded once)."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self._reach: dict[tuple[object, ...], Reach] = {}

    def _expand(self, vector: tuple[tuple[int, ConnectionSet], ...]) -> tuple[tuple[str, ConnectionSet], ...]:
        g, order = self.analysis.graph, self.analysis.position
        found = [(other.id, conns) for mask, conns in vector for c in bit_list(mask) for other in g.members[c]]
        found.sort(key=lambda t: order[t[0]])
        return tuple(found)

    def all(self, endpoints: list[Endpoint]) -> list[EndpointChange]:
        """Each endpoint's change, rows and columns computed for their classes together, a chunk at a
        time (`ReachabilityGraph.rows_of`/`columns_of`: one pass over the graph's parts per chunk)."""
        g = self.analysis.graph
        classes = list(dict.fromkeys(g.class_of[ep.id] for ep in endpoints))
        vectors: dict[int, Reach] = {}
        for i in range(0, len(classes), CHUNK):
            chunk = classes[i:i + CHUNK]
            for a, row, column in zip(chunk, g.rows_of(chunk), g.columns_of(chunk), strict=True):
                reach = self._reach.get((row, column))
                if reach is None:
                    reach = self._reach[(row, column)] = Reach(self._expand(row), self._expand(column))
                vectors[a] = reach
        return [EndpointChange(ep, vectors[g.class_of[ep.id]]) for ep in endpoints]


def diff(base: Analysis, head: Analysis, base_label: str = "BASE", head_label: str = "HEAD",
         fail_on: str | None = None, listing: str = "changes") -> DiffResult:
    # Both sides draw endpoints as either side's policies tell pods apart, so they name the same ones.
    base, head = base.aligned_with(head), head.aligned_with(base)
    explainer = Explainer(base, head)
    if explainer.tiered:  # admin policies on a side: every class pair through the tiers (diff_tiered)
        tiered = TieredDiff(base, head, explainer)
        rectangles, blocks, compared = tiered.rectangles(), tiered.blocks, tiered.compared
    else:
        joint = JointClasses(base, head, explainer)
        grouper = Grouper(joint, explainer)
        rectangles = grouper.rectangles()
        outside = OutsideDiff(base, head, joint, explainer)
        rectangles += outside.rectangles(grouper.affected)
        blocks, compared = outside.blocks, sum(len(m) for m in joint.members)
    changes = sorted((Change(r.sources, r.destinations, r.before, r.after, r.causes, r.distinct)
                      for r in rectangles), key=Change.order)
    named = {i for c in changes for i in (*c.sources, *c.destinations)}
    removed_eps = [e for e in base.endpoints if e.id not in head.by_id]
    added_eps = [e for e in head.endpoints if e.id not in base.by_id]
    return DiffResult(
        base_label, head_label, tuple(changes),
        outside=tuple(b for b in blocks if b.id in named),
        compared=compared,
        endpoints_added=tuple(Connectivity(head).all(added_eps)),
        endpoints_removed=tuple(Connectivity(base).all(removed_eps)),
        fail_on=fail_on, listing=listing,
    )
