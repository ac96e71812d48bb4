"""The Admin and Baseline tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy)
as tiers of the verdict (semantics/verdict.py).

For one direction of one (subject, peer), a tier asks the policies whose subject selects the
subject, by ascending priority and then rule order, and the first matching rule decides each
connection (`verdict.first_match`): Accept/Allow allows it, Deny denies it, Pass leaves it to the
next tier; a connection no rule matches passes too (network-policy-api
clusternetworkpolicy_types.go:62-141). v1alpha1's BaselineAdminNetworkPolicy has no priority and
is alone in its tier.

Invariants:
- `AdminPolicyTier.policies` are in evaluation order (`CompiledAdminPolicy.order`: priority, then
  name); `admin_tiers_of` builds the tiers so. Equal priorities are undefined upstream ("the
  implementation can apply any of the matching policies"): the name breaks the tie, as
  kube-network-policies does, and `priority_overlaps` reports every pair of rules of two
  equal-priority policies that decide the same connections differently, so nothing is picked
  silently.
- hostNetwork pods and addresses outside the cluster are never admin subjects: the tier passes
  them in full (their side of a connection is ungoverned, `verdict.ungoverned_note`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby

from netverify.model import AdminAction, AdminTier, Direction
from netverify.semantics.admin_compile import AdminRuleRef, CompiledAdminPolicy, admin_observations
from netverify.semantics.compile import Observations, PolicyRef
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.verdict import Action, Decision, RuleMatch, RuleMiss, Tier, first_match, pair_overlaps
from netverify.sets import ConnectionSet

ACTIONS = {AdminAction.ACCEPT: Action.ALLOW, AdminAction.DENY: Action.DENY, AdminAction.PASS: Action.PASS}


@dataclass(frozen=True)
class PriorityOverlap:
    """Rules of two equal-priority policies of one tier that decide `connections` with different
    actions: upstream leaves the order undefined, netverify's answer assumes name order."""

    priority: int
    first: AdminRuleRef  # the rule of the policy first in name order: the one netverify applies
    second: AdminRuleRef
    connections: ConnectionSet

    @property
    def tier(self) -> str:
        return self.first.tier.value

    def to_json(self) -> dict[str, object]:
        return {"tier": self.tier, "priority": self.priority, "rules": [str(self.first), str(self.second)],
                "actions": [self.first.action.value, self.second.action.value],
                "connections": self.connections.to_json()}


@dataclass(frozen=True)
class AdminPolicyTier:
    """One admin tier (`level`: Admin or Baseline) of an inventory, deciding as a verdict `Tier`."""

    level: AdminTier
    policies: tuple[CompiledAdminPolicy, ...]  # this tier's policies, in evaluation order

    @property
    def name(self) -> str:
        return self.level.value

    @property
    def observations(self) -> Observations:
        """What the tier's policies observe of an endpoint (semantics/kinds.ObservingTier)."""
        return admin_observations(self.policies)

    @property
    def family(self) -> str:
        """How messages name the admin kinds' tiers together: "the admin tiers" (verdict.WordedTier)."""
        return "admin"

    def action_word(self, action: Action) -> str:
        """The actions as messages about the tiers write them: Accept (the current API's word), Deny, Pass."""
        return "Accept" if action is Action.ALLOW else str(action.value)

    def overlaps(self, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint
                 ) -> tuple[PriorityOverlap, ...]:
        """Where this tier's answer depends on the undefined order of equal priorities (verdict.OverlappingTier)."""
        return priority_overlaps(self, direction, subject, peer, dst)

    def in_order(self, positions: Mapping[str, int]) -> AdminPolicyTier:
        """This tier with equal priorities ordered by `positions` (policy id -> position, smaller
        first: the order a solver model used); the name breaks the remaining ties, as in `order`."""
        return AdminPolicyTier(self.level, tuple(sorted(
            self.policies, key=lambda p: (p.policy.priority or 0, positions.get(p.policy.id, 0), p.policy.name))))

    def applicable(self, subject: Endpoint) -> list[CompiledAdminPolicy]:
        """The policies whose subject selects `subject`, in evaluation order."""
        return [p for p in self.policies if p.selects(subject)]

    def decide(self, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint) -> Decision:
        applicable = self.applicable(subject)
        if not applicable:
            return Decision.passing(self.name, self._why_none(subject))
        misses: list[RuleMiss] = []
        matches = [m for p in applicable for m in rule_matches(p, direction, peer, dst, misses)]
        return first_match(self.name, policy_refs(applicable), matches, misses)

    def _why_none(self, subject: Endpoint) -> str:
        if not self.policies:
            return f"no {self.name} policy is loaded"
        first = self.policies[0]
        why = first.subject.why_not(subject) or ""
        if subject.external or subject.host_network:
            return why
        if len(self.policies) == 1:
            return f"{first.policy.id} does not select {subject.id}: {why}"
        return f"none of the {len(self.policies)} {self.name} policies selects {subject.id}"


def policy_refs(policies: Iterable[CompiledAdminPolicy]) -> tuple[PolicyRef, ...]:
    return tuple(PolicyRef(p.policy.id, p.policy.source) for p in policies)


def rule_matches(policy: CompiledAdminPolicy, direction: Direction, peer: Endpoint, dst: Endpoint,
                 misses: list[RuleMiss]) -> list[RuleMatch]:
    """Each rule of `policy` for `direction` that matches `peer`, with every connection it matches
    (ports resolve on `dst`) and its action, in rule order; the others go to `misses` with why not."""
    found: list[RuleMatch] = []
    for rule in policy.rules(direction):
        why = rule.peer_miss(peer)
        conns = rule.ports_for(dst) if why is None else ConnectionSet.none()
        if why is None and not conns:
            why = rule.port_miss(dst)
        if why is not None:
            misses.append(RuleMiss(rule.ref, why))
            continue
        found.append(RuleMatch(rule.ref, conns, ACTIONS[rule.ref.action]))
    return found


def admin_tiers_of(policies: Sequence[CompiledAdminPolicy]) -> tuple[AdminPolicyTier, AdminPolicyTier]:
    """The Admin and the Baseline tier of compiled admin policies (any order in; evaluation order out)."""
    ordered = sorted(policies, key=lambda p: p.order)
    return (AdminPolicyTier(AdminTier.ADMIN, tuple(p for p in ordered if p.policy.tier is AdminTier.ADMIN)),
            AdminPolicyTier(AdminTier.BASELINE, tuple(p for p in ordered if p.policy.tier is AdminTier.BASELINE)))


def admin_policies(tiers: Sequence[Tier]) -> tuple[CompiledAdminPolicy, ...]:
    """The admin policies of `tiers` (both admin tiers), in evaluation order within each tier: what
    the checks about the admin kinds themselves read (lint's NV70x)."""
    return tuple(sorted((p for t in tiers if isinstance(t, AdminPolicyTier) for p in t.policies),
                        key=lambda p: p.order))


def priority_overlaps(tier: AdminPolicyTier, direction: Direction, subject: Endpoint, peer: Endpoint,
                      dst: Endpoint) -> tuple[PriorityOverlap, ...]:
    """Where `tier`'s answer for this (direction, subject, peer) depends on the undefined order of
    equal priorities: for each priority, the connections no lower priority decided that rules of two
    of its policies decide with different actions."""
    found: list[PriorityOverlap] = []
    claimed = ConnectionSet.none()
    for priority, group in groupby(tier.applicable(subject), key=lambda p: p.policy.priority or 0):
        decided = []
        for policy in group:
            own = [RuleMatch(m.rule, m.allowed - claimed, m.action)
                   for m in rule_matches(policy, direction, peer, dst, [])]
            decided.append(first_match(tier.name, (), own).matches)
        for i, left in enumerate(decided):
            for right in decided[i + 1:]:
                for a in left:
                    for b in right:
                        both = a.allowed & b.allowed
                        if both and a.action is not b.action:
                            assert isinstance(a.rule, AdminRuleRef) and isinstance(b.rule, AdminRuleRef)
                            found.append(PriorityOverlap(priority, a.rule, b.rule, both))
        claimed = claimed | ConnectionSet.union_all(m.allowed for steps in decided for m in steps)
    return tuple(found)


__all__ = ["ACTIONS", "AdminPolicyTier", "PriorityOverlap", "admin_policies", "admin_tiers_of", "pair_overlaps",
           "policy_refs", "priority_overlaps", "rule_matches"]
