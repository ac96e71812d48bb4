"""`can` when admin policies are loaded: each pair through the tier walk, with the walk as the reason.

Until the verdict redesign folds the Admin and Baseline tiers into the engines, this is the path
`can` takes for inventories with AdminNetworkPolicy, BaselineAdminNetworkPolicy or
ClusterNetworkPolicy objects: pair by pair through `semantics.tiered` (exact, with the rules that
decided). Equal-priority overlaps that touch the queried connections are part of the result: the
answer then depends on an order upstream leaves undefined, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointSet
from netverify.queries.ports import PortError, PortQuery
from netverify.semantics.admin_compile import compile_admin_policies
from netverify.semantics.admin_tiers import NetworkPolicySelection, PriorityOverlap
from netverify.semantics.tiered import TieredPair, tiered_pair
from netverify.sets import ConnectionSet


@dataclass(frozen=True)
class TieredPairResult:
    pair: TieredPair
    queried: ConnectionSet
    allowed: ConnectionSet  # pair.allowed restricted to the query

    @property
    def overlaps(self) -> tuple[PriorityOverlap, ...]:
        walks = [w for w in (self.pair.egress, self.pair.ingress) if w is not None]
        return tuple(o for w in walks for o in w.overlaps if o.connections & self.queried)

    def lines(self) -> list[str]:
        """The explanation: one walk per direction, then any undefined order."""
        out = []
        if self.pair.note:
            out.append(f"note: {self.pair.note}")
        for walk in (self.pair.egress, self.pair.ingress):
            if walk is not None:
                out.append(f"{walk.direction} of {walk.subject}: {walk.summary(self.queried)}")
        for o in self.overlaps:
            out.append(f"undefined order: {o.first} and {o.second} have priority {o.priority} and decide "
                       f"{(o.connections & self.queried).describe()} differently; the answer assumes name order")
        return out

    def to_json(self) -> dict[str, object]:
        p = self.pair
        return {"src": p.src.id, "dst": p.dst.id, "allowed": bool(self.allowed), "connections": self.allowed.to_json(),
                "egress": p.egress.to_json() if p.egress else None,
                "ingress": p.ingress.to_json() if p.ingress else None,
                "undefined_order": [{"priority": o.priority, "rules": [str(o.first), str(o.second)],
                                     "connections": o.connections.to_json()} for o in self.overlaps],
                **({"note": p.note} if p.note else {})}


@dataclass(frozen=True)
class TieredReachResult:
    src: EndpointSet
    dst: EndpointSet
    query: PortQuery
    pairs: tuple[TieredPairResult, ...]
    quantifier: str = "all"  # "all": every pair must be allowed (can's default); "some": at least one

    @property
    def allowed(self) -> bool:
        if self.quantifier == "some":
            return any(p.allowed for p in self.pairs)
        return bool(self.pairs) and all(p.allowed for p in self.pairs)

    def to_json(self) -> dict[str, object]:
        return {"allowed": self.allowed, "src": self.src.text, "dst": self.dst.text, "port": self.query.describe(),
                "quantifier": self.quantifier, "allowed_pairs": sum(1 for p in self.pairs if p.allowed),
                "pairs": [p.to_json() for p in self.pairs]}


def can_reach_tiered(analysis: Analysis, src: EndpointSet, dst: EndpointSet, query: PortQuery,
                     reading: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION,
                     quantifier: str = "all") -> TieredReachResult:
    admin = compile_admin_policies(analysis.cluster.admin_policies, analysis.cluster.nodes)
    pairs: list[TieredPairResult] = []
    resolved_anywhere = False
    for s in src.members:
        for d in dst.members:
            queried = query.connections(d)
            resolved_anywhere = resolved_anywhere or bool(queried)
            pair = tiered_pair(analysis.policies, admin, s, d, reading)
            pairs.append(TieredPairResult(pair, queried, pair.allowed & queried))
    if isinstance(query.port, str) and dst.members and not resolved_anywhere:
        proto = f"{query.protocol} " if query.protocol else ""
        raise PortError(f"no destination in {dst.text!r} has a {proto}container port named {query.port!r}")
    return TieredReachResult(src, dst, query, tuple(pairs), quantifier)
