"""NetworkPolicy (networking.k8s.io/v1) as a tier of the verdict.

For one direction: the policies that select the subject and list that direction in their
policyTypes isolate it; the union of what their matching rules admit is allowed and the rest is
denied (the tier always decides for a selected subject). A subject no such policy selects is
passed to the next tier (with no other tier, the default allows). Rules are additive, so their
order does not matter; the explanation lists every rule that matched and why the others did not.

Which subjects the tier is final for is a reading (admin-tiers.md section 2.5, `--np-selection`):
`NetworkPolicySelection.PER_DIRECTION` (the default; netpol-analyzer, and NetworkPolicy's own
isolation) makes it final for a subject isolated in that direction; `ANY` (kube-network-policies)
for a subject any NetworkPolicy selects, in either direction: a direction no selecting policy
covers is then allowed by this tier, and lower tiers (Baseline) never see it. With no admin tier
below, the two readings give the same verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netverify.model import Direction
from netverify.semantics.compile import CompiledPolicy, Observations, observe
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.options import NetworkPolicySelection
from netverify.semantics.verdict import NETWORK_POLICY_TIER, Decision, RuleMatch, RuleMiss, isolating
from netverify.sets import ConnectionSet

__all__ = ["NetworkPolicySelection", "NetworkPolicyTier"]

NO_RULES_NOTE = "the selecting policies have no rules of this direction: all denied"
OTHER_DIRECTION_NOTE = ("selected by a NetworkPolicy of the other direction only (--np-selection any): this tier "
                        "is final here, and allows everything")


@dataclass(frozen=True)
class NetworkPolicyTier:
    """The compiled NetworkPolicies of an inventory, deciding as one tier."""

    policies: tuple[CompiledPolicy, ...]
    selection: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION
    name: str = NETWORK_POLICY_TIER

    def selecting(self, direction: Direction, subject: Endpoint) -> list[CompiledPolicy]:
        """The policies that isolate `subject` for `direction`, in inventory order."""
        return [p for p in self.policies if p.affects(direction) and p.selects(subject)]

    @property
    def observations(self) -> Observations:
        """What the tier's policies observe of an endpoint (semantics/kinds.ObservingTier)."""
        return observe(self.policies)

    def decide(self, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint) -> Decision:
        selecting = self.selecting(direction, subject)
        if not selecting and self.selection is NetworkPolicySelection.ANY:
            at_all = [p for p in self.policies if p.selects(subject)]
            if at_all:
                return Decision(self.name, ConnectionSet.all(), ConnectionSet.none(), tuple(p.ref for p in at_all),
                                note=OTHER_DIRECTION_NOTE)
        return decide_selected(self.name, direction, subject, peer, dst, selecting)


def decide_selected(tier: str, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint,
                    selecting: Sequence[CompiledPolicy]) -> Decision:
    """The tier's decision once the policies that isolate `subject` for `direction` are known (the
    per-direction reading): none passes; otherwise the union of their matching rules is allowed and
    the rest denied, with every rule that did not match and why. Callers that know the selecting
    policies another way (the diff reads them from the graph's classes) decide through this too."""
    if not selecting:
        return Decision.passing(tier, f"no NetworkPolicy with {direction.policy_type} selects "
                                      f"{subject.id}: not isolated for {direction.value}")
    found: list[RuleMatch] = []
    missed: list[RuleMiss] = []
    for policy in selecting:
        for rule in policy.rules(direction):
            why = rule.peer_miss(peer)
            if why is not None:
                missed.append(RuleMiss(rule.ref, why))
                continue
            conns = rule.ports_for(dst)
            if not conns:
                missed.append(RuleMiss(rule.ref, rule.port_miss(dst)))
                continue
            found.append(RuleMatch(rule.ref, conns))
    note = "" if found or missed else NO_RULES_NOTE
    return isolating(tier, tuple(p.ref for p in selecting), found, missed, note)
