"""Reachability graph over endpoint classes (networkx).

Endpoints that no selector, named port or ipBlock can tell apart form one class;
all computation is per class, so cost follows the number of distinct classes, not
pods. Each rule's peers are resolved once into a bitset of classes. Edges of the
class graph carry the allowed ConnectionSet; endpoint pairs are expanded lazily.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import networkx as nx

from netverify.semantics.compile import CompiledPolicy, CompiledRule
from netverify.semantics.endpoints import Endpoint, visible_labels
from netverify.sets import ConnectionSet


def class_key(ep: Endpoint, ip_signature: object, with_node: bool, label_keys: frozenset[str] | None) -> tuple[object, ...]:
    """Endpoints with equal keys are indistinguishable to every policy (exactly, not approximately)."""
    named = tuple(sorted((p.name, p.protocol, p.port) for p in ep.ports if p.name))
    return (ep.kind == "External", ep.namespace, visible_labels(ep.labels, label_keys), named, ep.host_network,
            ip_signature, ep.node_name if with_node else None)


@dataclass
class _Side:
    """One direction's effect on one class: None = not isolated (all allowed)."""

    rules: list[CompiledRule] | None


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class ReachabilityGraph:
    """Allowed connections between every ordered pair of endpoints, computed per class."""

    def __init__(self, endpoints: Sequence[Endpoint], policies: tuple[CompiledPolicy, ...],
                 ip_signature: dict[str, object] | None = None, label_keys: frozenset[str] | None = None) -> None:
        self.endpoints = list(endpoints)
        self.policies = policies
        with_node = any(ep.host_network for ep in self.endpoints)
        signature = ip_signature or {}
        index: dict[tuple[object, ...], int] = {}
        self.class_of: dict[str, int] = {}
        self.members: list[list[Endpoint]] = []
        for ep in self.endpoints:
            key = class_key(ep, signature.get(ep.id, ep.ips), with_node, label_keys)
            c = index.get(key)
            if c is None:
                c = index[key] = len(self.members)
                self.members.append([])
            self.members[c].append(ep)
            self.class_of[ep.id] = c
        self.reps = [m[0] for m in self.members]
        self.graph = nx.DiGraph()
        self._build()

    # --- construction

    def _side(self, rep: Endpoint, direction: str) -> _Side:
        if rep.external or rep.host_network:
            return _Side(None)
        selecting = [p for p in self.policies if p.affects(direction) and p.selects(rep)]
        if not selecting:
            return _Side(None)
        return _Side([r for p in selecting for r in p.rules(direction)])

    def _peer_mask(self, rule: CompiledRule, cache: dict[int, int]) -> int:
        key = id(rule)
        mask = cache.get(key)
        if mask is None:
            if not rule.peers:
                mask = (1 << len(self.reps)) - 1
            else:
                mask = 0
                for c, rep in enumerate(self.reps):
                    if any(m.matches(rep) for m in rule.peers):
                        mask |= 1 << c
            cache[key] = mask
        return mask

    def _build(self) -> None:
        n = len(self.reps)
        everyone = (1 << n) - 1
        masks: dict[int, int] = {}
        egress = [self._side(rep, "egress") for rep in self.reps]
        ingress = [self._side(rep, "ingress") for rep in self.reps]
        # out_allowed[a][b]: what a's egress allows towards b (absent key = nothing).
        out_allowed: list[dict[int, ConnectionSet] | None] = []
        for a in range(n):
            side = egress[a]
            if side.rules is None:
                out_allowed.append(None)
                continue
            acc: dict[int, ConnectionSet] = {}
            for rule in side.rules:
                for b in _bits(self._peer_mask(rule, masks)):
                    acc[b] = acc.get(b, ConnectionSet.none()) | rule.ports_for(self.reps[b])
            out_allowed.append(acc)
        # in_allowed[b][a]: what b's ingress allows from a.
        in_allowed: list[dict[int, ConnectionSet] | None] = []
        for b in range(n):
            side = ingress[b]
            if side.rules is None:
                in_allowed.append(None)
                continue
            acc = {}
            for rule in side.rules:
                conns = rule.ports_for(self.reps[b])
                if not conns:
                    continue
                for a in _bits(self._peer_mask(rule, masks)):
                    acc[a] = acc.get(a, ConnectionSet.none()) | conns
            in_allowed.append(acc)
        self.graph.add_nodes_from((c, {"members": [e.id for e in m]}) for c, m in enumerate(self.members))
        for a in range(n):
            out_a = out_allowed[a]
            targets = _bits(everyone) if out_a is None else iter(sorted(out_a))
            for b in targets:
                e = ConnectionSet.all() if out_a is None else out_a[b]
                in_b = in_allowed[b]
                if in_b is None:
                    conns = e
                else:
                    i = in_b.get(a)
                    conns = e & i if i is not None else ConnectionSet.none()
                conns = self._special(a, b, conns)
                if conns:
                    self.graph.add_edge(a, b, allowed=conns)
            if out_a is not None:  # node traffic may open pairs the egress rules did not list
                for b in range(n):
                    if b not in out_a:
                        conns = self._special(a, b, ConnectionSet.none())
                        if conns:
                            self.graph.add_edge(a, b, allowed=conns)

    def _special(self, a: int, b: int, conns: ConnectionSet) -> ConnectionSet:
        """Traffic from a hostNetwork pod to a pod on its own node is node traffic: always allowed."""
        src, dst = self.reps[a], self.reps[b]
        if src.host_network and src.node_name and src.node_name == dst.node_name:
            return ConnectionSet.all()
        return conns

    # --- queries

    def allowed(self, src: Endpoint, dst: Endpoint) -> ConnectionSet:
        if src.id == dst.id and src.single_pod:
            return ConnectionSet.all()
        a, b = self.class_of[src.id], self.class_of[dst.id]
        data = self.graph.get_edge_data(a, b)
        return data["allowed"] if data else ConnectionSet.none()

    def connections(self, include_self: bool = False) -> Iterator[tuple[Endpoint, Endpoint, ConnectionSet]]:
        """Every ordered endpoint pair with a non-empty allowed set, sorted by (src, dst) id.

        A single pod's pair with itself is left out (always allowed, not a network question);
        a workload's pair with itself (replica to replica) is kept.
        """
        for src in self.endpoints:
            a = self.class_of[src.id]
            succ = self.graph.succ[a]
            if not succ:
                continue
            targets = sorted((d for b in succ for d in self.members[b]), key=lambda e: e.id)
            for dst in targets:
                if dst.id == src.id and src.single_pod and not include_self:
                    continue
                yield src, dst, succ[self.class_of[dst.id]]["allowed"]

    def endpoint_graph(self) -> nx.DiGraph:
        """The endpoint-level DiGraph (for small inventories and DOT output)."""
        g = nx.DiGraph()
        g.add_nodes_from((e.id, {"endpoint": e}) for e in self.endpoints)
        for src, dst, conns in self.connections():
            g.add_edge(src.id, dst.id, allowed=conns)
        return g
