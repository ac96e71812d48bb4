"""One connection through every tier: the admin tiers around today's NetworkPolicy evaluation.

Glue until the verdict redesign folds the tiers for every engine: it asks
`semantics.evaluate.evaluate_direction` for the NetworkPolicy tier, `admin_tiers` for the Admin and
Baseline tiers, and folds them per direction. A connection is allowed when both its egress walk
(subject = source) and its ingress walk (subject = destination) allow it. The exemptions are
NetworkPolicy's: a single pod's traffic to itself is not governed (upstream's hairpin note says
the same for ClusterNetworkPolicy, NPA commit 2089511), and traffic from a hostNetwork pod to a
pod of its own node is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model import AdminTier
from netverify.semantics.admin_compile import CompiledAdminPolicy
from netverify.semantics.admin_tiers import (
    DirectionWalk,
    NetworkPolicySelection,
    decide_admin_tier,
    network_policy_decision,
    walk,
)
from netverify.semantics.compile import CompiledPolicy
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import evaluate_direction
from netverify.semantics.options import NODE_NOTE, SELF_TRAFFIC_NOTE
from netverify.sets import ConnectionSet


@dataclass(frozen=True)
class TieredPair:
    src: Endpoint
    dst: Endpoint
    egress: DirectionWalk | None  # None: exempt (see note)
    ingress: DirectionWalk | None
    allowed: ConnectionSet
    note: str = ""

    def describe(self, protocol: str, port: int) -> str:
        verdict = "ALLOWED" if self.allowed.allows(protocol, port) else "DENIED"
        lines = [f"{verdict}  {self.src.id} -> {self.dst.id} on {protocol} {port}"]
        if self.note:
            lines.append(f"  {self.note}")
        for w in (self.egress, self.ingress):
            if w is not None:
                lines.append(f"  {w.direction} of {w.subject}: {w.describe(protocol, port)}")
        return "\n".join(lines)


def tiered_direction(network_policies: tuple[CompiledPolicy, ...], admin: tuple[CompiledAdminPolicy, ...],
                     direction: str, subject: Endpoint, peer: Endpoint, dst: Endpoint,
                     reading: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION) -> DirectionWalk:
    admin_tier = decide_admin_tier(admin, AdminTier.ADMIN, direction, subject, peer, dst)
    np = evaluate_direction(network_policies, direction, subject, peer, dst)
    selected_at_all = (not subject.external and not subject.host_network
                       and any(p.selects(subject) for p in network_policies))
    np_tier = network_policy_decision(np.isolated, np.allowed, ((str(m.rule), m.allowed) for m in np.matches),
                                      selected_at_all, reading)
    baseline = decide_admin_tier(admin, AdminTier.BASELINE, direction, subject, peer, dst)
    return walk(direction, subject, admin_tier, np_tier, baseline)


def tiered_pair(network_policies: tuple[CompiledPolicy, ...], admin: tuple[CompiledAdminPolicy, ...],
                src: Endpoint, dst: Endpoint,
                reading: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION) -> TieredPair:
    if src.id == dst.id and src.single_pod:
        return TieredPair(src, dst, None, None, ConnectionSet.all(), SELF_TRAFFIC_NOTE)
    egress = tiered_direction(network_policies, admin, "egress", src, dst, dst, reading)
    if src.host_network and src.node_name and src.node_name == dst.node_name:
        return TieredPair(src, dst, egress, None, ConnectionSet.all(), NODE_NOTE)
    ingress = tiered_direction(network_policies, admin, "ingress", dst, src, dst, reading)
    return TieredPair(src, dst, egress, ingress, egress.allowed & ingress.allowed)
