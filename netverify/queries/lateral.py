"""Multi-hop search over endpoint classes: the engine of `blast-radius`, `paths` and path assertions.

An attacker who controls an endpoint may open any connection its egress and the destination's
ingress allow (restricted to the ports the query allows), and then controls the destination
too. A hop is one such connection; the hop count of an endpoint is the length of its shortest
chain of hops from a source.

The search runs on the classes of the graph engine (endpoints no policy can tell apart), so its
cost follows the classes, not the pods. Members of one class have the same allowed connections
to every other endpoint, which makes the class search exact when each class is split into at
most two *parts*:

- its seed part: the members that are sources (hop 0; or hop 1 for the entry points of an
  origin outside the cluster), and
- its rest part: every other member. All of them have the same hop count, since they have the
  same predecessors (an endpoint's connection to itself is never a hop).

A part reaches the rest part of class C when its class may send to C; the seed part of C reaches
C's rest part through C's own self-connection (a source to another member of its class).
Endpoints excluded by the caller (`onlyThrough`) are removed from both parts.

Shortest paths: the breadth-first levels give, for each part, its hop count; walking back from
the target parts keeps the edges between consecutive levels that lead to a target. That layered
graph holds exactly the shortest class paths; networkx enumerates them (`all_shortest_paths`),
and each class path expands to concrete endpoint paths by choosing one member per part.

The breadth-first search itself runs on the engine's bitsets, not on a networkx graph: a dense
class graph has classes squared edges, which networkx would have to hold as Python objects before
answering (measured in docs/paths.md). Each level asks, for every class not reached yet, which
classes of the frontier may send to it (`engines.columns.SenderIndex`: the class's column
restricted to the frontier, a few big-integer operations), not the rows of the frontier: a search
that visits every class would compute every row, one at a time, which grows with the square of
the cluster (docs/benchmarks.md, blast-radius at 100,000 pods). The predecessor of a class is the
frontier class of lowest index that may send to it (the frontier is in class order).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice, product

from netverify.engines.bitsets import bit_list
from netverify.engines.columns import SenderIndex
from netverify.queries.context import Analysis
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.ports import PortSelection
from netverify.sets import ConnectionSet


@dataclass(frozen=True)
class PortUnion:
    """Several port selections at once: a hop may use any of them (a path assertion's `ports` list)."""

    terms: tuple[PortSelection, ...]

    @property
    def is_all(self) -> bool:
        return any(t.is_all for t in self.terms)

    @property
    def named(self) -> bool:
        return any(t.name is not None for t in self.terms)

    def connections(self, dst: Endpoint) -> ConnectionSet:
        return ConnectionSet.union_all(t.connections(dst) for t in self.terms)

    def describe(self) -> str:
        return " or ".join(t.describe() for t in self.terms)


PortFilter = PortSelection | PortUnion
Part = tuple[int, bool]  # (class index, True for the seed part)
_SOURCE, _TARGET = "source", "target"  # the virtual ends of the layered graph of shortest paths


@dataclass
class _Parts:
    """The members of each part, sorted by id (parts with no member are absent)."""

    seed: dict[int, list[Endpoint]] = field(default_factory=dict)
    rest: dict[int, list[Endpoint]] = field(default_factory=dict)

    def members(self, part: Part) -> list[Endpoint]:
        return (self.seed if part[1] else self.rest)[part[0]]


class ClassEdges:
    """The class graph of one analysis as seen by an attacker restricted to a port query.

    Reads the graph engine only through its public members: `class_of`, `members`, `reps`,
    `class_allowed` and, through `engines.columns.SenderIndex`, who may send to a class.
    """

    def __init__(self, analysis: Analysis, query: PortFilter) -> None:
        self.analysis = analysis
        self.query = query
        self.graph = analysis.graph
        named = query.named if isinstance(query, PortUnion) else query.name is not None
        # What the query covers is the same on every destination, unless a port name resolves per class.
        self._fixed = None if named or not analysis.endpoints else query.connections(analysis.endpoints[0])
        self._senders: SenderIndex | None = None

    @property
    def class_count(self) -> int:
        return len(self.graph.members)

    def class_of(self, ep: Endpoint) -> int:
        return self.graph.class_of[ep.id]

    def senders(self, b: int, within: int) -> list[tuple[int, ConnectionSet]]:
        """The classes of `within` that may send class `b` something the query covers: disjoint (source
        mask, what they may send within the query) pairs."""
        if self._senders is None:
            self._senders = SenderIndex(self.graph)
        out = []
        for sources, conns in self._senders.column(b, within):
            if not self.query.is_all:
                conns = conns & (self._fixed if self._fixed is not None else self.query.connections(self.graph.reps[b]))
                if not conns:
                    continue
            out.append((sources, conns))
        return out

    def first_sender(self, b: int, within: int) -> tuple[int, ConnectionSet] | None:
        """The class of lowest index in `within` that may send class `b` something the query covers,
        with what (within the query); None when no class of `within` may."""
        best: tuple[int, ConnectionSet] | None = None
        for sources, conns in self.senders(b, within):
            low = (sources & -sources).bit_length() - 1
            if best is None or low < best[0]:
                best = (low, conns)
        return best

    def allowed(self, a: int, b: int) -> ConnectionSet:
        """What class `a` may send to class `b`, within the query (empty when nothing)."""
        conns = self.graph.class_allowed(a, b)
        return conns if self.query.is_all else conns & self.query.connections(self.graph.reps[b])


@dataclass(frozen=True)
class Reached:
    """An endpoint's minimal hop count and one predecessor (None: a source, or an entry point)."""

    endpoint: Endpoint
    hops: int
    via: Endpoint | None
    allowed: ConnectionSet  # what `via` may send to it (within the query); for a source, nothing


class Search:
    """Breadth-first search from seed endpoints, on class parts.

    `seed_hops` is the hop count of the seeds: 0 for sources inside the cluster, 1 for the entry
    points of an origin outside it. `max_hops` stops the search (None: any number of hops).
    `targets`, when given, stops it at the first level that reaches one of them.
    """

    def __init__(self, edges: ClassEdges, seeds: Sequence[Endpoint], seed_hops: int = 0,
                 excluded: frozenset[str] = frozenset(), max_hops: int | None = None,
                 targets: frozenset[str] | None = None) -> None:
        self.edges = edges
        self.seed_hops = seed_hops
        self.targets = targets
        seed_ids = {e.id for e in seeds}
        self.parts = _Parts()
        for ep in sorted(edges.analysis.endpoints, key=lambda e: e.id):
            if ep.id in excluded:
                continue
            side = self.parts.seed if ep.id in seed_ids else self.parts.rest
            side.setdefault(edges.class_of(ep), []).append(ep)
        self.levels: list[list[Part]] = []  # levels[j]: the parts at seed_hops + j hops
        self.pred: dict[Part, Part | None] = {}
        self._via: dict[Part, ConnectionSet] = {}  # what its predecessor may send to a part (within the query)
        self._run(max_hops)

    def _is_target(self, part: Part) -> bool:
        return self.targets is not None and any(e.id in self.targets for e in self.parts.members(part))

    def _run(self, max_hops: int | None) -> None:
        frontier: list[Part] = [(c, True) for c in sorted(self.parts.seed)]
        for part in frontier:
            self.pred[part] = None
        open_rest = 0  # classes whose rest part exists and is not reached yet
        for c in self.parts.rest:
            open_rest |= 1 << c
        hops = self.seed_hops
        while frontier:
            self.levels.append(frontier)
            if any(self._is_target(p) for p in frontier):
                return
            if max_hops is not None and hops >= max_hops:
                return
            found = 0
            within = 0
            for c, _ in frontier:
                within |= 1 << c
            seed = frontier[0][1]  # a level holds seed parts only (the first) or rest parts only
            for b in bit_list(open_rest):
                sender = self.edges.first_sender(b, within)
                if sender is not None:
                    found |= 1 << b
                    self.pred[(b, False)] = (sender[0], seed)
                    self._via[(b, False)] = sender[1]
            open_rest &= ~found
            frontier = [(b, False) for b in bit_list(found)]
            hops += 1

    def hops_of(self, level: int) -> int:
        return self.seed_hops + level

    def reached(self) -> Iterator[Reached]:
        """Every endpoint found, by hop count then id, with one predecessor each."""
        for level, parts in enumerate(self.levels):
            found = []
            for part in parts:
                pred = self.pred[part]
                via = self.parts.members(pred)[0] if pred is not None else None
                allowed = self._via[part] if pred is not None else ConnectionSet.none()
                found += [Reached(ep, self.hops_of(level), via, allowed) for ep in self.parts.members(part)]
            yield from sorted(found, key=lambda r: r.endpoint.id)

    # --- shortest paths

    def target_hops(self) -> int | None:
        """The hop count of the nearest target (None: no target reached)."""
        if self.levels and any(self._is_target(p) for p in self.levels[-1]):
            return self.hops_of(len(self.levels) - 1)
        return None

    def class_paths(self) -> Iterator[list[Part]]:
        """Every shortest path of parts from a seed part to a target part (networkx, on the layered graph)."""
        import networkx as nx  # ~0.1 s to import: only when paths are asked for

        if self.target_hops() is None:
            return
        g = nx.DiGraph()
        on = [p for p in self.levels[-1] if self._is_target(p)]
        g.add_edges_from((p, _TARGET) for p in on)
        for level in range(len(self.levels) - 2, -1, -1):
            within = 0
            for c, _ in self.levels[level]:
                within |= 1 << c
            hits: dict[int, int] = {}  # class of this level -> the classes of `on` it may send to
            for b, _ in on:
                for sources, _conns in self.edges.senders(b, within):
                    for a in bit_list(sources):
                        hits[a] = hits.get(a, 0) | 1 << b
            on = []
            for part in self.levels[level]:  # edges added in level order, then destination order
                mask = hits.get(part[0], 0)
                if mask:
                    on.append(part)
                    g.add_edges_from((part, (b, False)) for b in bit_list(mask))
        g.add_edges_from((_SOURCE, p) for p in on)
        for path in nx.all_shortest_paths(g, _SOURCE, _TARGET):
            yield path[1:-1]

    def endpoint_paths(self, limit: int) -> tuple[list[list[Endpoint]], bool]:
        """Up to `limit` shortest endpoint paths (each a list of endpoints, source first), and whether
        more exist. Each class path expands to one path per choice of a member in every part."""
        out: list[list[Endpoint]] = []
        for parts in self.class_paths():
            choices = [self.parts.members(p) for p in parts[:-1]]
            choices.append([e for e in self.parts.members(parts[-1]) if self.targets and e.id in self.targets])
            for chosen in islice(product(*choices), limit + 1 - len(out)):
                out.append(list(chosen))
            if len(out) > limit:
                return out[:limit], True
        return out, False
