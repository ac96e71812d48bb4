"""`blast-radius` and `paths`: lateral movement over allowed connections, many hops deep.

- blast radius: every endpoint reachable from a source (an endpoint, a set, or an origin outside
  the cluster such as the internet) in any number of hops, each with its minimal hop count and
  one predecessor; summarised by namespace and by hop count.
- paths: the shortest paths from a source to a destination, each hop with what it allows and
  the rules that admit it (replayed through the pair evaluator, `decide_pair` over the analysis's
  tiers, the same one `can` explains with; a disagreement with the graph is an internal error,
  never a wrong answer). With admin policies loaded, each hop also carries both directions' tier
  walks (`Hop.walks`), and its rules are those that decided what it allows.

Hops are counted in connections: from the internet, the exposed endpoint is at hop 1. A hop
must allow something the port query covers (`--port/--protocol`: the connections an attacker may
use). The search itself is in `queries.lateral`; origins outside the cluster in
`queries.entry_points`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from netverify.queries.context import Analysis
from netverify.queries.entry_points import Entry, JsonPieces, Origin, entry_points
from netverify.queries.lateral import ClassEdges, PortFilter, Reached, Search
from netverify.queries.ports import PortQuery
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import DirectionVerdict, decide_pair
from netverify.semantics.verdict import Action, RuleId
from netverify.sets import ConnectionSet


class PathReplayMismatch(AssertionError):
    """The pair evaluator disagrees with the graph on a hop: a bug, reported as an internal error."""


@dataclass(frozen=True)
class Source:
    """Where the attacker starts: loaded endpoints, or an origin outside the cluster."""

    text: str
    members: tuple[Endpoint, ...] = ()
    origin: Origin | None = None

    @property
    def ids(self) -> list[str]:
        return [self.origin.name] if self.origin is not None else [e.id for e in self.members]


@dataclass(frozen=True)
class Hop:
    """One connection of a path: what it allows (within the query) and why."""

    src: Endpoint | None  # None: the origin outside the cluster
    src_name: str
    dst: Endpoint
    allowed: ConnectionSet
    rules: tuple[RuleId, ...]
    notes: tuple[str, ...] = ()  # open sides ("not isolated"), node traffic, Service routes
    walks: tuple[DirectionVerdict, ...] = ()  # with admin tiers: egress and ingress, each tier's decision

    def to_json(self) -> dict[str, object]:
        return {"src": self.src_name, "dst": self.dst.id, "allowed": self.allowed.to_json(),
                "rules": [r.to_json() for r in self.rules], "notes": list(self.notes),
                **({"tiers": [{"direction": w.direction, "subject": w.subject,
                               "walk": [d.to_json() for d in w.decisions]} for w in self.walks]}
                   if self.walks else {})}


def _admitting(side: DirectionVerdict, allowed: ConnectionSet) -> tuple[list[RuleId], list[str]]:
    if not side.isolated:
        return [], [f"{side.direction.value} of {side.subject}: {side.note or 'not isolated'}"]
    if not side.tiered:
        return [m.rule for m in side.matches if m.allowed & allowed], []
    # Tiers in order: the rules that allowed what no earlier tier had decided (Deny and Pass rules,
    # and the rules of a later tier, decided nothing of it).
    rules: list[RuleId] = []
    remaining = allowed
    for decision in side.decisions:
        rules += [m.rule for m in decision.matches
                  if m.action is Action.ALLOW and m.allowed & decision.allow & remaining]
        remaining = remaining - decision.decided
    return rules, []


def pod_hop(analysis: Analysis, src: Endpoint, dst: Endpoint, allowed: ConnectionSet) -> Hop:
    """The hop src -> dst that the graph allows with `allowed`, explained by the pair evaluator."""
    verdict = decide_pair(analysis.tiers, src, dst)
    if not allowed.issubset(verdict.allowed):
        raise PathReplayMismatch(f"graph allows {src.id} -> {dst.id} {allowed.describe()}, the evaluator "
                                 f"{verdict.allowed.describe()}")
    rules_e, notes_e = _admitting(verdict.egress, allowed)
    if verdict.note and not verdict.ingress.isolated and verdict.ingress.note == verdict.note:
        rules_i, notes_i = list[RuleId](), [verdict.note]  # node traffic: the ingress side does not apply
    else:
        rules_i, notes_i = _admitting(verdict.ingress, allowed)
    walks = (verdict.egress, verdict.ingress) if analysis.tiered else ()
    return Hop(src, src.id, dst, allowed, tuple(rules_e + rules_i), tuple(notes_e + notes_i), walks)


def entry_hop(origin: Origin, entry: Entry) -> Hop:
    rules: list[RuleId] = []
    notes = []
    for route in entry.routes:
        rules += [r for r in route.rules if r not in rules]
        condition = " (conditional)" if route.conditional else ""
        notes.append(f"via {route.via}{condition}" + (f": {route.detail}" if route.detail else ""))
    return Hop(None, origin.name, entry.endpoint, entry.allowed, tuple(rules), tuple(notes))


def _search(analysis: Analysis, source: Source, query: PortFilter, max_hops: int | None,
            excluded: frozenset[str] = frozenset(), targets: frozenset[str] | None = None,
            ) -> tuple[Search, dict[str, Entry]]:
    edges = ClassEdges(analysis, query)
    if source.origin is None:
        return Search(edges, source.members, 0, excluded, max_hops, targets), {}
    entries = {e.endpoint.id: e for e in entry_points(analysis, source.origin, query) if e.endpoint.id not in excluded}
    seeds = [e.endpoint for e in entries.values()]
    if max_hops is not None and max_hops < 1:
        seeds = []
    return Search(edges, seeds, 1, excluded, max_hops, targets), entries


# --- blast radius --------------------------------------------------------------------------


@dataclass(frozen=True)
class BlastRadiusResult:
    source: Source
    query: PortFilter
    max_hops: int | None
    reached: tuple[Reached, ...]  # hop count, then id; sources (hop 0) left out
    entries: tuple[Entry, ...] = ()  # for an origin outside the cluster: its entry points (hop 1)
    notes: tuple[str, ...] = ()
    JSON_SHARES_OBJECTS: ClassVar[bool] = True  # to_json shares equal sets and rule lists (report.json_shared)

    def by_namespace(self) -> dict[str, int]:
        return dict(sorted(Counter(r.endpoint.namespace for r in self.reached).items()))

    def by_hops(self) -> dict[int, int]:
        return dict(sorted(Counter(r.hops for r in self.reached).items()))

    def via_name(self, r: Reached) -> str | None:
        if r.via is not None:
            return r.via.id
        return self.source.origin.name if self.source.origin is not None else None

    def to_json(self) -> dict[str, object]:
        pieces = JsonPieces()  # equal sets share one JSON object, written once (report.json_shared)
        return {
            "source": self.source.ids, "ports": self.query.describe(), "max_hops": self.max_hops,
            "reached": [{"id": r.endpoint.id, "hops": r.hops, "via": self.via_name(r),
                         "allowed": pieces.connections(r.allowed)}
                        for r in self.reached],
            "summary": {"endpoints": len(self.reached),
                        "by_namespace": self.by_namespace(),
                        "by_hops": {str(h): n for h, n in self.by_hops().items()}},
            **({"entries": [e.to_json(pieces) for e in self.entries]} if self.source.origin is not None else {}),
            "notes": list(self.notes),
        }



def blast_radius(analysis: Analysis, source: Source, query: PortFilter | None = None,
                 max_hops: int | None = None) -> BlastRadiusResult:
    query = query or PortQuery()
    search, entries = _search(analysis, source, query, max_hops)
    # Sources are not listed as reached; entry points are (at hop 1), with what the origin may send them.
    reached = [replace(r, allowed=entries[r.endpoint.id].allowed) if r.via is None else r
               for r in search.reached() if source.origin is not None or r.hops > 0]
    notes = []
    if source.origin is None and not source.members:
        notes.append(f"{source.text} matches no endpoint: nothing is reached")
    if source.origin is not None and not entries:
        notes.append(f"nothing in the cluster is reachable from {source.origin.name} ({query.describe()})")
    return BlastRadiusResult(source, query, max_hops, tuple(reached), tuple(entries.values()), tuple(notes))


# --- paths ---------------------------------------------------------------------------------


DEFAULT_MAX_PATHS = 20


@dataclass(frozen=True)
class PathsResult:
    source: Source
    target_text: str
    targets: tuple[Endpoint, ...]
    query: PortFilter
    max_hops: int | None
    hops: int | None  # None: not reachable
    paths: tuple[tuple[Hop, ...], ...]
    truncated: bool = False  # more shortest paths exist than were listed
    avoiding: str | None = None  # paths that avoid these endpoints (onlyThrough)
    notes: tuple[str, ...] = ()

    @property
    def reachable(self) -> bool:
        return self.hops is not None

    def to_json(self) -> dict[str, object]:
        return {"reachable": self.reachable, "hops": self.hops, "source": self.source.ids,
                "destination": self.target_text, "ports": self.query.describe(), "max_hops": self.max_hops,
                "paths": [[h.to_json() for h in path] for path in self.paths], "truncated": self.truncated,
                **({"avoiding": self.avoiding} if self.avoiding else {}), "notes": list(self.notes)}


def _explain(analysis: Analysis, source: Source, entries: dict[str, Entry], search: Search,
             path: list[Endpoint]) -> tuple[Hop, ...]:
    hops: list[Hop] = []
    if source.origin is not None:
        hops.append(entry_hop(source.origin, entries[path[0].id]))
    edges = search.edges
    for a, b in zip(path, path[1:], strict=False):
        hops.append(pod_hop(analysis, a, b, edges.allowed(edges.class_of(a), edges.class_of(b))))
    return tuple(hops)


def find_paths(analysis: Analysis, source: Source, targets: Sequence[Endpoint], target_text: str,
               query: PortFilter | None = None, max_hops: int | None = None, max_paths: int = 1,
               avoiding: Sequence[Endpoint] = (), avoiding_text: str | None = None) -> PathsResult:
    """The shortest paths from `source` to any of `targets` (up to `max_paths` of them), optionally
    avoiding some endpoints (neither ends nor intermediate hops may be one of them)."""
    query = query or PortQuery()
    excluded = frozenset(e.id for e in avoiding)
    wanted = frozenset(e.id for e in targets) - excluded
    search, entries = _search(analysis, source, query, max_hops, excluded, wanted)
    hops = search.target_hops()
    notes = []
    if source.origin is None and not source.members:
        notes.append(f"{source.text} matches no endpoint")
    if not targets:
        notes.append(f"{target_text} matches no endpoint")
    if hops is None:
        return PathsResult(source, target_text, tuple(targets), query, max_hops, None, (), False, avoiding_text,
                           tuple(notes))
    if hops == 0:
        notes.append("a source is also a destination: reached with no hop")
    found, truncated = search.endpoint_paths(max_paths)
    paths = tuple(_explain(analysis, source, entries, search, p) for p in found)
    return PathsResult(source, target_text, tuple(targets), query, max_hops, hops, paths, truncated, avoiding_text,
                       tuple(notes))
