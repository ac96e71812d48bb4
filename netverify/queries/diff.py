"""`diff`: the semantic connectivity difference between two versions of the manifests.

Both versions are analysed at the same granularity (workloads by default) and their
matrices compared for endpoints present in both. The comparison runs on the engines'
endpoint classes: endpoints in the same class on both sides (a joint class) behave
identically. Each side's per-class row (destination class bitsets, one per allowed set)
is re-expressed over joint classes, so a source whose two rows are equal costs one dict
comparison and no per-pair loop; only the pairs of joint classes whose allowed sets
differ are expanded and explained (see diff_causes). Purely cosmetic edits (reordering,
renaming, splitting a policy) leave the matrices equal and so give an empty diff.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import ReachabilityGraph
from netverify.model import Rule
from netverify.queries.context import Analysis
from netverify.queries.diff_causes import Cause, Explainer
from netverify.semantics.endpoints import Endpoint
from netverify.sets import ConnectionSet

FAIL_ON = ("added", "removed", "any")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class PairChange:
    """src -> dst allowed `before` on BASE and `after` on HEAD (one of them may be empty)."""

    src: str
    dst: str
    before: ConnectionSet
    after: ConnectionSet
    causes: tuple[Cause, ...]

    @property
    def status(self) -> str:
        return "added" if not self.before else "removed" if not self.after else "changed"

    @property
    def gained(self) -> ConnectionSet:
        return self.after - self.before

    @property
    def lost(self) -> ConnectionSet:
        return self.before - self.after

    def describe(self) -> str:
        if self.status == "added":
            return self.after.describe()
        if self.status == "removed":
            return self.before.describe()
        return f"{self.before.describe()} -> {self.after.describe()}"

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"src": self.src, "dst": self.dst}
        if self.status == "changed":
            out.update(before=self.before.to_json(), after=self.after.to_json())
        else:
            out["allowed"] = (self.after or self.before).to_json()
        out["cause"] = [c.to_json() for c in self.causes]
        return out


@dataclass(frozen=True)
class EndpointChange:
    """An endpoint present on one side only, with everything it may send and receive there."""

    endpoint: Endpoint
    egress: tuple[tuple[str, ConnectionSet], ...]  # (destination id, allowed)
    ingress: tuple[tuple[str, ConnectionSet], ...]  # (source id, allowed)

    @property
    def id(self) -> str:
        return self.endpoint.id

    def summary(self) -> str:
        return f"sends to {_count(len(self.egress), 'endpoint')}, receives from {_count(len(self.ingress), 'endpoint')}"

    def to_json(self) -> dict[str, object]:
        ep = self.endpoint
        return {"id": ep.id, "kind": ep.kind, "file": ep.source.file, "line": ep.source.line,
                "egress": [{"dst": d, "allowed": c.to_json()} for d, c in self.egress],
                "ingress": [{"src": s, "allowed": c.to_json()} for s, c in self.ingress]}


@dataclass(frozen=True)
class DiffResult:
    base: str  # what BASE was read from (a path or a git revision), for headings
    head: str
    added: tuple[PairChange, ...] = ()
    removed: tuple[PairChange, ...] = ()
    changed: tuple[PairChange, ...] = ()
    endpoints_added: tuple[EndpointChange, ...] = ()
    endpoints_removed: tuple[EndpointChange, ...] = ()
    fail_on: str | None = None  # what makes this result a failure (`--fail-on`)
    assertions: Any = field(default=None, compare=False)  # AssertionComparison when --assertions was given

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.endpoints_added or self.endpoints_removed)

    def pairs(self) -> Iterator[PairChange]:
        yield from self.added
        yield from self.removed
        yield from self.changed

    def failing_pairs(self) -> list[PairChange]:
        """The changes that make `--fail-on` fail."""
        if self.fail_on == "any":
            return list(self.pairs())
        if self.fail_on == "added":
            return [c for c in self.pairs() if c.gained]
        if self.fail_on == "removed":
            return [c for c in self.pairs() if c.lost]
        return []

    def fails(self) -> bool:
        """Whether `--fail-on` fails: added/removed look at connections, any at every change."""
        if self.fail_on == "any" and not self.empty:
            return True
        return bool(self.failing_pairs())

    def summary(self) -> str:
        if self.empty:
            return "no connectivity changes"
        return (f"{_count(len(self.added), 'connection')} added, {len(self.removed)} removed, "
                f"{len(self.changed)} changed; {_count(len(self.endpoints_added), 'endpoint')} added, "
                f"{len(self.endpoints_removed)} removed")

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "added": [c.to_json() for c in self.added],
            "removed": [c.to_json() for c in self.removed],
            "changed": [c.to_json() for c in self.changed],
            "endpoints_added": [e.to_json() for e in self.endpoints_added],
            "endpoints_removed": [e.to_json() for e in self.endpoints_removed],
        }
        if self.assertions is not None:
            out["assertions"] = self.assertions.to_json()
        return out


def _allowed(analysis: Analysis, src: Endpoint, dst: Endpoint) -> ConnectionSet:
    """What the matrix lists for src -> dst: a single pod's pair with itself is not listed."""
    if src.id == dst.id and src.single_pod:
        return ConnectionSet.none()
    return analysis.graph.allowed(src, dst)


def _connectivity(analysis: Analysis, ep: Endpoint) -> EndpointChange:
    """Everything `ep` may send and receive: its class's row and column, expanded to endpoints."""
    g = analysis.graph
    a = g.class_of[ep.id]
    order = analysis.position

    def expand(vector: tuple[tuple[int, ConnectionSet], ...], skip_self: bool) -> tuple[tuple[str, ConnectionSet], ...]:
        found = [(other, conns) for mask, conns in vector for c in bit_list(mask) for other in g.members[c]
                 if not (skip_self and other.id == ep.id)]
        found.sort(key=lambda t: order[t[0].id])
        return tuple((other.id, conns) for other, conns in found)

    return EndpointChange(ep, expand(g.row(a), ep.single_pod), expand(g.column(a), True))


def _joint_classes(base: Analysis, head: Analysis, common: list[str]) -> dict[tuple[int, int], list[str]]:
    """Endpoints grouped by (class on BASE, class on HEAD): members of a group behave alike on both sides."""
    gb, gh = base.graph, head.graph
    joint: dict[tuple[int, int], list[str]] = {}
    for eid in common:
        joint.setdefault((gb.class_of[eid], gh.class_of[eid]), []).append(eid)
    return joint


Vector = tuple[tuple[int, ConnectionSet], ...]  # a row or a column: disjoint (class mask, allowed) pairs


class _JointVectors:
    """One side's rows and columns re-expressed over the joint classes, as {allowed: joint-class mask}.

    A side's masks are over its own classes; translating a mask costs one pass over its bits,
    and vectors share few distinct masks, so translations are cached by mask value. Only
    non-empty sets of endpoints present on both sides are kept, which makes equal vectors equal
    dicts.
    """

    def __init__(self, graph: ReachabilityGraph, joint_of_class: list[int]) -> None:
        self._graph = graph
        self._joint_of_class = joint_of_class  # class -> mask of its joint classes (0: none in common)
        self._masks: dict[int, int] = {}

    def _translate(self, mask: int) -> int:
        out = self._masks.get(mask)
        if out is None:
            out = 0
            for c in bit_list(mask):
                out |= self._joint_of_class[c]
            self._masks[mask] = out
        return out

    def _joint(self, vector: Vector) -> dict[ConnectionSet, int]:
        out: dict[ConnectionSet, int] = {}
        for mask, conns in vector:
            joint = self._translate(mask)
            if joint and conns:
                out[conns] = out.get(conns, 0) | joint
        return out

    def row(self, c: int) -> dict[ConnectionSet, int]:
        return self._joint(self._graph.row(c))

    def column(self, c: int) -> dict[ConnectionSet, int]:
        return self._joint(self._graph.column(c))


def _vector_changes(before: dict[ConnectionSet, int], after: dict[ConnectionSet, int]
                    ) -> Iterator[tuple[int, ConnectionSet, ConnectionSet]]:
    """(joint mask, before, after) for the joint classes whose allowed set differs."""
    none = ConnectionSet.none()
    seen_before = seen_after = 0
    for cb, mb in before.items():
        seen_before |= mb
        for ca, ma in after.items():
            both = mb & ma
            if both and cb != ca:
                yield both, cb, ca
    for ma in after.values():
        seen_after |= ma
    if seen_before & ~seen_after:
        for cb, mb in before.items():
            if mb & ~seen_after:
                yield mb & ~seen_after, cb, none
    if seen_after & ~seen_before:
        for ca, ma in after.items():
            if ma & ~seen_before:
                yield ma & ~seen_before, none, ca


def _endpoint_facts(ep: Endpoint) -> tuple[object, ...]:
    """Everything about an endpoint that a policy, an ipBlock or node traffic can see (not where it is written)."""
    return (ep.kind, ep.namespace, ep.labels, ep.ns_labels, ep.ports, ep.ips, ep.host_network, ep.node_name,
            ep.pods, ep.replicas)


def _rules_content(rules: tuple[Rule, ...]) -> tuple[object, ...]:
    """Rules as what they say: peers and ports, not where they are written."""
    return tuple((tuple((p.pod_selector, p.namespace_selector, p.ip_block) for p in r.peers),
                  tuple((s.protocol, s.port, s.end_port) for s in r.ports)) for r in rules)


def _direction_signatures(analysis: Analysis, direction: str) -> list[frozenset[object]]:
    """Per class, the content (rules and namespace, not names or lines) of the policies isolating it."""
    content: dict[int, object] = {}
    by_key: dict[tuple[int, ...], frozenset[object]] = {}
    out = []
    for key in analysis.graph.selecting(direction):
        sig = by_key.get(key)
        if sig is None:
            for i in key:
                if i not in content:
                    cp = analysis.policies[i]
                    content[i] = (cp.policy.namespace, _rules_content(cp.policy.rules(direction)))
            sig = by_key[key] = frozenset(content[i] for i in key)
        out.append(sig)
    return out


class _Affected:
    """Which endpoints' egress (as sources) and ingress (as destinations) may have changed.

    A pair's allowed set is a function of the two endpoints' facts, the policies isolating the
    source for egress and those isolating the destination for ingress (their rules, by content).
    When none of these changed, neither did the pair: only pairs with an affected source or an
    affected destination need comparing, so a change of a few policies costs a few rows and
    columns, not the whole matrix twice.
    """

    def __init__(self, base: Analysis, head: Analysis) -> None:
        self.base, self.head = base, head
        self._egress = (_direction_signatures(base, "egress"), _direction_signatures(head, "egress"))
        self._ingress = (_direction_signatures(base, "ingress"), _direction_signatures(head, "ingress"))
        self._endpoints: dict[str, tuple[bool, bool]] = {}  # asked for the joint classes, then for self pairs

    def endpoint(self, eid: str) -> tuple[bool, bool]:
        """(as a source, as a destination) for an endpoint present on both sides."""
        found = self._endpoints.get(eid)
        if found is None:
            cb, ch = self.base.graph.class_of[eid], self.head.graph.class_of[eid]
            moved = _endpoint_facts(self.base.by_id[eid]) != _endpoint_facts(self.head.by_id[eid])
            found = self._endpoints[eid] = (moved or self._egress[0][cb] != self._egress[1][ch],
                                            moved or self._ingress[0][cb] != self._ingress[1][ch])
        return found

    def joint(self, keys: list[tuple[int, int]], joint: dict[tuple[int, int], list[str]]) -> tuple[int, int]:
        """The joint classes affected as sources and as destinations, as masks."""
        sources = destinations = 0
        for j, key in enumerate(keys):
            for eid in joint[key]:
                as_source, as_destination = self.endpoint(eid)
                if as_source:
                    sources |= 1 << j
                if as_destination:
                    destinations |= 1 << j
        return sources, destinations


def _changed_class_pairs(base: Analysis, head: Analysis, joint: dict[tuple[int, int], list[str]],
                         affected: _Affected) -> Iterator[tuple[list[str], list[str], ConnectionSet, ConnectionSet]]:
    """Pairs of joint classes whose allowed sets differ, from the engines' rows and columns.

    The rows of the affected sources and the columns of the affected destinations are
    translated into joint-class masks on both sides and compared with bit operations.
    """
    keys = list(joint)
    base_joint = [0] * len(base.graph.reps)
    head_joint = [0] * len(head.graph.reps)
    for j, (sb, sh) in enumerate(keys):
        base_joint[sb] |= 1 << j
        head_joint[sh] |= 1 << j
    sources, destinations = affected.joint(keys, joint)
    base_vectors, head_vectors = _JointVectors(base.graph, base_joint), _JointVectors(head.graph, head_joint)
    for j in bit_list(sources):
        sb, sh = keys[j]
        before, after = base_vectors.row(sb), head_vectors.row(sh)
        if before != after:
            for mask, b, a in _vector_changes(before, after):
                for k in bit_list(mask):
                    yield joint[keys[j]], joint[keys[k]], b, a
    for k in bit_list(destinations):
        db, dh = keys[k]
        before, after = base_vectors.column(db), head_vectors.column(dh)
        if before != after:
            for mask, b, a in _vector_changes(before, after):
                for j in bit_list(mask & ~sources):  # the affected sources' pairs came with their rows
                    yield joint[keys[j]], joint[keys[k]], b, a


def diff(base: Analysis, head: Analysis, base_label: str = "BASE", head_label: str = "HEAD",
         fail_on: str | None = None) -> DiffResult:
    explainer = Explainer(base, head)
    common = [e.id for e in base.endpoints if e.id in head.by_id]
    changes: list[PairChange] = []
    affected = _Affected(base, head)
    for srcs, dsts, before, after in _changed_class_pairs(base, head, _joint_classes(base, head, common), affected):
        rep_src = srcs[0]
        rep_dst = next((d for d in dsts if d != rep_src), None)
        if rep_dst is None:
            continue  # the only pair is an endpoint with itself: handled below
        shared = explainer.pair(rep_src, rep_dst, before, after)
        for src in srcs:
            for dst in dsts:
                if src != dst:
                    changes.append(PairChange(src, dst, before, after, _merge(shared, explainer, src, dst)))
    for eid in common:  # self pairs: a single pod's pair with itself is not in the matrix
        if not any(affected.endpoint(eid)):
            continue
        before = _allowed(base, base.by_id[eid], base.by_id[eid])
        after = _allowed(head, head.by_id[eid], head.by_id[eid])
        if before != after:
            shared = explainer.pair(eid, eid, before, after) if not (
                base.by_id[eid].single_pod or head.by_id[eid].single_pod) else ()
            changes.append(PairChange(eid, eid, before, after, _merge(shared, explainer, eid, eid)))
    changes.sort(key=lambda c: (c.src, c.dst))
    removed_eps = [e for e in base.endpoints if e.id not in head.by_id]
    added_eps = [e for e in head.endpoints if e.id not in base.by_id]
    return DiffResult(
        base_label, head_label,
        added=tuple(c for c in changes if c.status == "added"),
        removed=tuple(c for c in changes if c.status == "removed"),
        changed=tuple(c for c in changes if c.status == "changed"),
        endpoints_added=tuple(_connectivity(head, e) for e in added_eps),
        endpoints_removed=tuple(_connectivity(base, e) for e in removed_eps),
        fail_on=fail_on,
    )


def _merge(shared: tuple[Cause, ...], explainer: Explainer, src: str, dst: str) -> tuple[Cause, ...]:
    """Rule causes first, then what changed in the two endpoints; never an unexplained change."""
    causes = dict.fromkeys(shared + explainer.endpoint(src) + (explainer.endpoint(dst) if dst != src else ()))
    if not causes:
        ep = explainer.head.by_id[dst]
        causes[Cause("endpoint", "other", dst, f"the verdict for {src} -> {dst} changed with the inventory",
                     ep.source)] = None
    return tuple(causes)
