"""The tiers of one side of a diff: Admin, NetworkPolicy and Baseline, as the verdict folds them.

They are the side's own tiers (`Analysis.tiers`: semantics/admin_tier for Admin and Baseline,
first match by priority then rule order), with one substitution for speed: under the
per-direction reading of selection, the NetworkPolicy tier of an endpoint of the inventory is read
from the graph engine's classes (`GraphNetworkPolicyTier`: which policies select the subject and
which rules admit the peer, a few bit tests, where the semantic tier matches every policy's
selector for every pair) and built by the verdict's own `isolating`. The graph's classes are exact
for NetworkPolicy, so both say the same (tests/property/test_diff_tiers_vs_reference.py). Peers
outside the inventory (address blocks) go to the semantic tier. Likewise the admin tiers
(`GraphAdminTier`) read which of their policies select a subject of the inventory from the graph's
class index, and decide with the semantic tier's own rule walk and first match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netverify.engines.bitsets import bit_list
from netverify.model import Direction
from netverify.queries.context import Analysis
from netverify.semantics.admin_compile import CompiledAdminPolicy
from netverify.semantics.admin_tier import AdminPolicyTier, policy_refs, rule_matches
from netverify.semantics.class_tiers import TierPolicy
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.netpol_tier import decide_selected
from netverify.semantics.options import NetworkPolicySelection
from netverify.semantics.verdict import NETWORK_POLICY_TIER, Decision, RuleMatch, RuleMiss, Tier, first_match, isolating
from netverify.sets import IPSet


def tier_addresses(analysis: Analysis) -> list[IPSet]:
    """The address sets one side's tiers test on every address, pod IPs included (admin `networks`,
    the selected nodes' addresses): what its tiers say they observe (`Analysis.own_observations`)."""
    return list(analysis.own_observations.addresses)


def tier_policies(analysis: Analysis) -> tuple[TierPolicy, ...]:
    """The policies of every tier beyond NetworkPolicy (the graph indexes NetworkPolicies apart), in
    tier order and each tier's evaluation order, as the engines read them (`Analysis.specs`)."""
    return tuple(p for spec in analysis.specs if spec.name != NETWORK_POLICY_TIER for p in spec.policies)


@dataclass(frozen=True)
class GraphNetworkPolicyTier:
    """The NetworkPolicy tier (per-direction reading) read from the graph's classes; `semantic` for
    endpoints the graph does not hold."""

    analysis: Analysis
    semantic: Tier
    name: str = NETWORK_POLICY_TIER

    def decide(self, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint) -> Decision:
        g = self.analysis.graph
        classes = g.class_of
        if subject.id not in classes:
            return self.semantic.decide(direction, subject, peer, dst)
        key = g.selecting(direction)[classes[subject.id]]
        if peer.id not in classes:  # an address outside: the semantic tier's rule walk, over these policies
            return self._outside(direction, subject, key, peer, dst)
        if not key:
            return Decision.passing(self.name)
        peer_class, dst_class = classes[peer.id], classes[dst.id]
        found = [RuleMatch(rule.ref, conns) for i in key for rule in self.analysis.policies[i].rules(direction)
                 if (conns := g.rule_admits(rule, peer_class, dst_class))]
        return isolating(self.name, tuple(self.analysis.policies[i].ref for i in key), found, ())


    def _outside(self, direction: Direction, subject: Endpoint, key: tuple[int, ...], peer: Endpoint,
                 dst: Endpoint) -> Decision:
        """`NetworkPolicyTier.decide` (per-direction reading) for a subject of the graph and a peer it does
        not hold, with the policies selecting the subject read from the graph's classes (exact for
        NetworkPolicy) instead of matching every policy's selector."""
        selecting = [self.analysis.policies[i] for i in key]
        return decide_selected(self.name, direction, subject, peer, dst, selecting)


@dataclass(frozen=True)
class GraphAdminTier:
    """An admin tier (Admin or Baseline) whose policies selecting a subject of the inventory are read
    from the graph's class index (exact for every tier: each subject's classes once, where the
    semantic tier matches every policy's subject for every pair); the rules then decide as the
    semantic tier's do (`rule_matches`, `first_match`). Subjects the graph does not hold, and
    subjects no policy selects (for the reason it gives), go to `semantic`."""

    analysis: Analysis
    semantic: AdminPolicyTier
    _by_class: list[tuple[CompiledAdminPolicy, ...]] = field(default_factory=list, compare=False)

    @property
    def name(self) -> str:
        return self.semantic.name

    def decide(self, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint) -> Decision:
        g = self.analysis.graph
        c = g.class_of.get(subject.id)
        if c is None:
            return self.semantic.decide(direction, subject, peer, dst)
        if not self._by_class:
            selected: list[list[CompiledAdminPolicy]] = [[] for _ in g.reps]
            for policy in self.semantic.policies:  # in evaluation order
                for k in bit_list(g.index.term(policy.subject.term)):
                    selected[k].append(policy)
            self._by_class.extend(map(tuple, selected))
        applicable = self._by_class[c]
        if not applicable:
            return self.semantic.decide(direction, subject, peer, dst)
        misses: list[RuleMiss] = []
        matches = [m for p in applicable for m in rule_matches(p, direction, peer, dst, misses)]
        return first_match(self.name, policy_refs(applicable), matches, misses)


def tiers_of_analysis(analysis: Analysis) -> tuple[Tier, ...]:
    """The side's tiers in evaluation order (Admin, NetworkPolicy, Baseline when it has admin policies;
    NetworkPolicy alone otherwise), the NetworkPolicy tier read from the graph where that is exact."""
    tiers = tuple(GraphAdminTier(analysis, t) if isinstance(t, AdminPolicyTier) else t for t in analysis.tiers)
    if analysis.semantics.np_selection is not NetworkPolicySelection.PER_DIRECTION:
        return tiers
    return tuple(GraphNetworkPolicyTier(analysis, t) if t.name == NETWORK_POLICY_TIER else t for t in tiers)
