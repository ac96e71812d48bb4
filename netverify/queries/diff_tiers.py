"""The tiers of one side of a diff: Admin, NetworkPolicy and Baseline, as verdict Tiers.

The Admin and Baseline tiers are asked through semantics/admin_tiers (first match by priority,
then rule order) and handed to the verdict as Decisions whose rule matches carry their action.
The NetworkPolicy tier of an endpoint of the inventory is read from the graph engine's classes
(`GraphNetworkPolicyTier`: which policies select the subject and which rules admit the peer, a
few bit tests, where the semantic tier matches every policy's selector for every pair) and built
by the verdict's own `isolating`; the graph's classes are exact for NetworkPolicy, so both say the
same (tests/property/test_diff_tiers_vs_reference.py). Peers outside the inventory (address
blocks) go to the semantic tier.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model import AdminAction, AdminTier
from netverify.queries.context import Analysis
from netverify.semantics.admin_compile import CompiledAdminPolicy, admin_networks, compile_admin_policies
from netverify.semantics.admin_tiers import decide_admin_tier
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import tiers_of
from netverify.semantics.verdict import NETWORK_POLICY_TIER, Action, Decision, RuleMatch, Tier, isolating
from netverify.sets import IPSet

_ACTIONS = {AdminAction.ACCEPT: Action.ALLOW, AdminAction.DENY: Action.DENY, AdminAction.PASS: Action.PASS}


@dataclass(frozen=True)
class _AdminTierOf:
    """The Admin or Baseline tier as a verdict Tier (until semantics provides it)."""

    admin: tuple[CompiledAdminPolicy, ...]
    tier: AdminTier

    @property
    def name(self) -> str:
        return self.tier.value

    def decide(self, direction: str, subject: Endpoint, peer: Endpoint, dst: Endpoint) -> Decision:
        d = decide_admin_tier(self.admin, self.tier, direction, subject, peer, dst)
        matches = tuple(RuleMatch(s.ref, s.connections, _ACTIONS[s.action])  # type: ignore[arg-type]
                        for s in d.steps if s.ref is not None)
        return Decision(self.name, d.allow, d.deny, (), matches, (), d.note)


def admin_of(analysis: Analysis) -> tuple[CompiledAdminPolicy, ...]:
    return compile_admin_policies(analysis.cluster.admin_policies, analysis.cluster.nodes)


def admin_addresses(analysis: Analysis) -> list[IPSet]:
    """The address sets one side's admin rules test (`networks`, the selected nodes' addresses)."""
    return admin_networks(admin_of(analysis))


@dataclass(frozen=True)
class GraphNetworkPolicyTier:
    """The NetworkPolicy tier (per-direction reading) read from the graph's classes; `semantic` for
    endpoints the graph does not hold."""

    analysis: Analysis
    semantic: Tier
    name: str = NETWORK_POLICY_TIER

    def decide(self, direction: str, subject: Endpoint, peer: Endpoint, dst: Endpoint) -> Decision:
        g = self.analysis.graph
        classes = g.class_of
        if peer.id not in classes or subject.id not in classes:
            return self.semantic.decide(direction, subject, peer, dst)
        key = g.selecting(direction)[classes[subject.id]]
        if not key:
            return Decision.passing(self.name)
        peer_class, dst_class = classes[peer.id], classes[dst.id]
        found = [RuleMatch(rule.ref, conns) for i in key for rule in self.analysis.policies[i].rules(direction)
                 if (conns := g.rule_admits(rule, peer_class, dst_class))]
        return isolating(self.name, tuple(self.analysis.policies[i].ref for i in key), found, ())


def tiers_of_analysis(analysis: Analysis) -> tuple[Tier, ...]:
    """Admin, NetworkPolicy and Baseline tiers of one side, in evaluation order."""
    admin = admin_of(analysis)
    (network_policy,) = tiers_of(analysis.policies)
    return (_AdminTierOf(admin, AdminTier.ADMIN), GraphNetworkPolicyTier(analysis, network_policy),
            _AdminTierOf(admin, AdminTier.BASELINE))


