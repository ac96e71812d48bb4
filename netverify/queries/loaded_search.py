"""A connection assertion decided over the loaded endpoints by the reachability graph, before the solver.

A claim fails as soon as one loaded connection refutes it (`deny`: an allowed one; `allow`: a denied
one), and `reachable` holds as soon as one loaded connection is allowed. The reachability graph
(engines/graph.py) already holds every loaded connection, by class: asking it for the columns (or
rows) of the smaller side costs a pass over the policies' parts, where the solver searched a
disjunction over every class of the inventory (`dns-reachable`, every pod to kube-dns, at 100,000
pods: 30 s of solver CPU, and `unknown` at a 30 s wall-clock timeout on a loaded machine).

What it finds is a `Found` connection like a solver model's, replayed through the evaluator by the
query layer (queries/replay.py) before it is reported: the same counterexample a solver would give,
checked the same way. When it finds none the solver decides, as before (a proof needs an unsat core,
and pods that could exist and outside addresses are the solver's); `exhaustive` then tells the
solver that no loaded endpoint refutes the claim, so it need not look for one to prefer.

Not used when a first-match tier has policies of equal priority: the graph folds the evaluation
order, while a claim must hold in every order and a counterexample names the order it used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import ReachabilityGraph
from netverify.engines.rows import Row
from netverify.engines.smt_types import Found, Query
from netverify.semantics.class_tiers import TierSpec
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.verdict import is_self_traffic
from netverify.sets import PROTOCOLS, ConnectionSet

MAX_CLASSES = 1024  # of the smaller side: beyond, asking the graph may cost more than the solver
CHUNK = 256  # columns (or rows) asked of the graph at a time


@dataclass(frozen=True)
class Search:
    """What the graph found: a connection that decides the query (None: none), and whether every
    loaded connection of the query was looked at (then none decides it)."""

    found: Found | None
    exhaustive: bool


def has_ties(tiers: Sequence[TierSpec]) -> bool:
    """Some first-match tier has two policies of one priority (their order is free: see smt_tiers)."""
    for spec in tiers:
        if spec.isolating:
            continue
        seen: set[int] = set()
        for policy in spec.policies:
            if policy.priority is not None:
                if policy.priority in seen:
                    return True
                seen.add(policy.priority)
    return False


def _by_class(graph: ReachabilityGraph, members: Sequence[Endpoint]) -> dict[int, list[Endpoint]]:
    out: dict[int, list[Endpoint]] = {}
    for ep in members:
        if not ep.external:  # outside addresses are the solver's (Side.addresses)
            out.setdefault(graph.class_of[ep.id], []).append(ep)
    return out


def _mask(bits: dict[int, list[Endpoint]]) -> int:
    """The classes as a bitset, built in one pass (adding 1 << a for tens of thousands of classes
    would copy a growing integer each time)."""
    buf = bytearray((max(bits) >> 3) + 1)
    for b in bits:
        buf[b >> 3] |= 1 << (b & 7)
    return int.from_bytes(buf, "little")


def _wanted(query: Query, dst: Endpoint) -> ConnectionSet:
    """The connections to `dst` in question (a named port resolves on dst, as in the encoding)."""
    if not query.ports:
        return ConnectionSet.all()
    return ConnectionSet.union_all(p.connections(dst) for p in query.ports)


def _pick(conns: ConnectionSet) -> tuple[str, int]:
    """One connection of a non-empty set: TCP first (what readers expect), then its lowest port."""
    protocols = conns.protocols()
    proto = "TCP" if "TCP" in protocols else min(protocols, key=PROTOCOLS.index)
    return proto, conns.ports(proto).intervals[0][0]


def _related(query: Query, src: Endpoint, dst: Endpoint) -> bool:
    if is_self_traffic(src, dst):  # a single pod to itself is not in question (SmtEngine._self_exclusions)
        return False
    if query.relation == "same-namespace":
        return src.namespace == dst.namespace
    if query.relation == "different-namespace":
        return src.namespace != dst.namespace
    return True


def search_loaded(graph: ReachabilityGraph, query: Query) -> Search:
    """A loaded connection that decides `query`, asking the graph for the columns of the destination
    classes (or the rows of the source classes, when fewer): up to MAX_CLASSES of them."""
    srcs, dsts = _by_class(graph, query.src.members), _by_class(graph, query.dst.members)
    # Members outside the cluster are left to the solver: then not every loaded connection was looked at.
    external = any(ep.external for ep in (*query.src.members, *query.dst.members))
    if not srcs or not dsts:
        return Search(None, not external)
    by_columns = len(dsts) <= len(srcs)
    lines = sorted(dsts if by_columns else srcs)
    src_mask, dst_mask = _mask(srcs), _mask(dsts)
    for start in range(0, min(len(lines), MAX_CLASSES), CHUNK):
        chunk = lines[start:start + CHUNK]
        got = graph.columns_of(chunk) if by_columns else graph.rows_of(chunk)
        for c, line in zip(chunk, got, strict=True):
            found = (_in_column(query, srcs, src_mask, dsts[c], line) if by_columns
                     else _in_row(query, srcs[c], dsts, dst_mask, line))
            if found is not None:
                return Search(found, True)
    return Search(None, len(lines) <= MAX_CLASSES and not external)


def _in_column(query: Query, srcs: dict[int, list[Endpoint]], src_mask: int, dsts: list[Endpoint],
               column: Row) -> Found | None:
    """A deciding connection into one destination class: its column holds what each source class may send."""
    for dst in dsts:
        wanted = _wanted(query, dst)
        if not wanted:
            continue
        for a, conns in _candidates(query, wanted, column, src_mask):
            for src in srcs[a]:
                if _related(query, src, dst):
                    return _found(query, src, dst, wanted, conns)
    return None


def _in_row(query: Query, srcs: list[Endpoint], dsts: dict[int, list[Endpoint]], dst_mask: int,
            row: Row) -> Found | None:
    """A deciding connection from one source class: its row holds what it may send to each class."""
    allowed = {b: conns for mask, conns in row for b in bit_list(mask & dst_mask)}
    for b in sorted(dsts):
        conns = allowed.get(b, ConnectionSet.none())
        for dst in dsts[b]:
            wanted = _wanted(query, dst)
            if not wanted or not _decides(query, wanted, conns):
                continue
            for src in srcs:
                if _related(query, src, dst):
                    return _found(query, src, dst, wanted, conns)
    return None


def _decides(query: Query, wanted: ConnectionSet, allowed: ConnectionSet) -> bool:
    """Some connection in question is denied (`allow`) or allowed (`deny`, `reachable`)."""
    if query.expect == "allow":
        return not wanted.issubset(allowed)
    return bool(wanted.intersection(allowed))


def _candidates(query: Query, wanted: ConnectionSet, column: Row, src_mask: int) -> list[tuple[int, ConnectionSet]]:
    """The source classes of the query whose connections (by the column) decide it, in class order."""
    out: dict[int, ConnectionSet] = {}
    listed = 0
    for mask, conns in column:
        listed |= mask
        if _decides(query, wanted, conns):
            out.update((a, conns) for a in bit_list(mask & src_mask))
    if query.expect == "allow":  # a source class the column does not list may send nothing
        out.update((a, ConnectionSet.none()) for a in bit_list(src_mask & ~listed))
    return sorted(out.items())


def _found(query: Query, src: Endpoint, dst: Endpoint, wanted: ConnectionSet, allowed: ConnectionSet) -> Found:
    deciding = wanted.difference(allowed) if query.expect == "allow" else wanted.intersection(allowed)
    proto, port = _pick(deciding)
    return Found(src, dst, proto, port, found_by="the reachability graph")
