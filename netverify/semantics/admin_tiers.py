"""The tier walk of one direction: Admin -> NetworkPolicy -> Baseline -> allowed.

For one direction of one (subject, peer), each tier returns a `TierDecision`: the connections it
allows, those it denies (disjoint), and by omission those it passes on. `walk` folds them in
order: a connection takes the action of the first tier that decides it, and is allowed when every
tier passes it (network-policy-api clusternetworkpolicy_types.go:62-91).

- Admin and Baseline tiers (`decide_admin_tier`): policies whose subject selects the subject, by
  ascending priority, rules in list order; the first matching rule decides (Accept/Allow allows,
  Deny denies, Pass leaves the connection to the next tier). Equal priorities are undefined
  upstream ("the implementation can apply any of the matching policies"): the name breaks the
  tie, and every pair of rules of equal-priority policies that decide the same connections
  differently is reported as a `PriorityOverlap` with those connections, so nothing is picked
  silently. v1alpha1's BaselineAdminNetworkPolicy has no priority and is alone in its tier.
- NetworkPolicy tier (`network_policy_decision`): final for a subject its policies isolate in this
  direction (allow what the rules admit, deny the rest), else passes. `NetworkPolicySelection.ANY`
  is the other reading of "selected": a subject selected by any NetworkPolicy, in either direction,
  has this tier final in both (a direction no selecting policy covers is allowed there).

This module is the model-level evaluator the verdict redesign (semantics/verdict.py) absorbs: its
`TierDecision` is that design's `Decision`, `decide_admin_tier` its `first_match` over compiled
admin rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from netverify.model import AdminAction, AdminTier
from netverify.semantics.admin_compile import AdminRuleRef, CompiledAdminPolicy
from netverify.semantics.endpoints import Endpoint
from netverify.sets import ConnectionSet

NETWORK_POLICY_TIER = "NetworkPolicy"


class NetworkPolicySelection(str, Enum):
    """When the NetworkPolicy tier is final for a subject (admin-tiers.md section 2.5)."""

    PER_DIRECTION = "direction"  # isolated in this direction (netpol-analyzer; the NetworkPolicy API's isolation)
    ANY = "any"  # selected by any NetworkPolicy at all (kube-network-policies)


@dataclass(frozen=True)
class TierStep:
    """A rule (or, for NetworkPolicy, a policy rule id) and the connections it decided."""

    rule: str  # how the explanation names it: "tenant-guard r1", "web/allow-api ingress[0]"
    action: AdminAction
    connections: ConnectionSet
    ref: AdminRuleRef | None = None


@dataclass(frozen=True)
class TierMiss:
    rule: str
    reason: str


@dataclass(frozen=True)
class PriorityOverlap:
    """Rules of two equal-priority policies that decide `connections` with different actions."""

    priority: int
    first: AdminRuleRef
    second: AdminRuleRef
    connections: ConnectionSet


@dataclass(frozen=True)
class TierDecision:
    tier: str
    allow: ConnectionSet
    deny: ConnectionSet
    steps: tuple[TierStep, ...] = ()
    misses: tuple[TierMiss, ...] = ()
    policies: tuple[str, ...] = ()
    overlaps: tuple[PriorityOverlap, ...] = ()
    note: str = ""

    @classmethod
    def passing(cls, tier: str, note: str = "", misses: tuple[TierMiss, ...] = (),
                policies: tuple[str, ...] = ()) -> TierDecision:
        return cls(tier, ConnectionSet.none(), ConnectionSet.none(), (), misses, policies, (), note)

    @property
    def decided(self) -> ConnectionSet:
        return self.allow | self.deny

    def to_json(self) -> dict[str, object]:
        return {"tier": self.tier, "allow": self.allow.to_json(), "deny": self.deny.to_json(),
                "policies": list(self.policies),
                "steps": [{"rule": st.rule, "action": st.action.value, "connections": st.connections.to_json(),
                           **({"source": str(st.ref.source)} if st.ref else {})} for st in self.steps],
                "misses": [{"rule": m.rule, "reason": m.reason} for m in self.misses],
                "overlaps": [{"priority": o.priority, "rules": [str(o.first), str(o.second)],
                              "connections": o.connections.to_json()} for o in self.overlaps],
                **({"note": self.note} if self.note else {})}

    def action_for(self, protocol: str, port: int) -> tuple[AdminAction, tuple[str, ...]]:
        """What this tier does with one connection, and the rules that say so."""
        rules = tuple(s.rule for s in self.steps if s.connections.allows(protocol, port))
        if self.allow.allows(protocol, port):
            return AdminAction.ACCEPT, rules
        if self.deny.allows(protocol, port):
            return AdminAction.DENY, rules
        return AdminAction.PASS, rules


def _first_match_steps(policy: CompiledAdminPolicy, direction: str, peer: Endpoint, dst: Endpoint,
                       claimed: ConnectionSet, misses: list[TierMiss]) -> list[TierStep]:
    steps: list[TierStep] = []
    for rule in policy.rules(direction):
        why = rule.peer_miss(peer)
        conns = rule.ports_for(dst) if why is None else ConnectionSet.none()
        if why is None and not conns:
            why = rule.port_miss(dst)
        if why is not None:
            misses.append(TierMiss(rule.ref.label, why))
            continue
        mine = conns - claimed
        if mine:
            steps.append(TierStep(rule.ref.label, rule.ref.action, mine, rule.ref))
            claimed = claimed | mine
    return steps


def _overlaps(group: Sequence[list[TierStep]], priority: int) -> list[PriorityOverlap]:
    found = []
    for i, left in enumerate(group):
        for right in group[i + 1:]:
            for a in left:
                for b in right:
                    both = a.connections & b.connections
                    if both and a.action is not b.action and a.ref is not None and b.ref is not None:
                        found.append(PriorityOverlap(priority, a.ref, b.ref, both))
    return found


def decide_admin_tier(policies: Sequence[CompiledAdminPolicy], tier: AdminTier, direction: str, subject: Endpoint,
                      peer: Endpoint, dst: Endpoint) -> TierDecision:
    """The Admin or Baseline tier's decision for `subject`'s `direction` with `peer`; ports resolve on `dst`.
    `policies` are in evaluation order (compile_admin_policies)."""
    applicable = [p for p in policies if p.policy.tier is tier and p.selects(subject)]
    if subject.external or subject.host_network or not applicable:
        why = next((p.subject.why_not(subject) for p in policies if p.policy.tier is tier), None)
        return TierDecision.passing(tier.value, why or f"no {tier.value} policy applies to {subject.id}")
    claimed = allow = deny = ConnectionSet.none()
    steps: list[TierStep] = []
    misses: list[TierMiss] = []
    overlaps: list[PriorityOverlap] = []
    by_priority: dict[int, list[CompiledAdminPolicy]] = {}
    for p in applicable:
        by_priority.setdefault(p.policy.priority or 0, []).append(p)
    for priority in sorted(by_priority):
        group = [_first_match_steps(p, direction, peer, dst, claimed, misses) for p in by_priority[priority]]
        overlaps += _overlaps(group, priority)
        for policy_steps in group:  # in name order: the tie-break
            for step in policy_steps:
                mine = step.connections - claimed
                if not mine:
                    continue
                claimed = claimed | mine
                if step.action is AdminAction.ACCEPT:
                    allow = allow | mine
                elif step.action is AdminAction.DENY:
                    deny = deny | mine
                steps.append(TierStep(step.rule, step.action, mine, step.ref))
    return TierDecision(tier.value, allow, deny, tuple(steps), tuple(misses),
                        tuple(p.policy.id for p in applicable), tuple(overlaps))


def network_policy_decision(isolated: bool, allowed: ConnectionSet, admitted_by: Iterable[tuple[str, ConnectionSet]],
                            selected_at_all: bool = False,
                            reading: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION) -> TierDecision:
    """The NetworkPolicy tier from its isolation verdict for this direction: final when isolated
    (under the ANY reading also when some NetworkPolicy selects the subject in the other direction)."""
    if isolated:
        steps = tuple(TierStep(rule, AdminAction.ACCEPT, conns) for rule, conns in admitted_by)
        return TierDecision(NETWORK_POLICY_TIER, allowed, ConnectionSet.all() - allowed, steps)
    if selected_at_all and reading is NetworkPolicySelection.ANY:
        return TierDecision(NETWORK_POLICY_TIER, ConnectionSet.all(), ConnectionSet.none(),
                            note="selected by a NetworkPolicy of the other direction: final here, and open")
    return TierDecision.passing(NETWORK_POLICY_TIER, "no NetworkPolicy isolates the subject in this direction")


@dataclass(frozen=True)
class DirectionWalk:
    direction: str
    subject: str
    tiers: tuple[TierDecision, ...]
    allowed: ConnectionSet

    def describe(self, protocol: str, port: int) -> str:
        """`[Admin] pass (tenant-guard r1) -> [NetworkPolicy] allow (web/allow-api ingress[0])`."""
        parts = []
        for decision in self.tiers:
            action, rules = decision.action_for(protocol, port)
            word = {AdminAction.ACCEPT: "allow", AdminAction.DENY: "deny", AdminAction.PASS: "pass"}[action]
            if action is AdminAction.PASS and not rules:
                word = "no match"
            parts.append(f"[{decision.tier}] {word}" + (f" ({', '.join(rules)})" if rules else ""))
            if action is not AdminAction.PASS:
                return " -> ".join(parts)
        return " -> ".join([*parts, "default allow"])

    def summary(self, queried: ConnectionSet) -> str:
        """The walk over a set of connections: what each tier allows and denies of what is still
        undecided, with the rules; one connection reads as `describe`."""
        single = _single_connection(queried)
        if single is not None:
            return self.describe(*single)
        parts: list[str] = []
        remaining = queried
        for decision in self.tiers:
            allow, deny = decision.allow & remaining, decision.deny & remaining
            passed = ConnectionSet.union_all(s.connections for s in decision.steps
                                             if s.action is AdminAction.PASS) & remaining
            said = [f"{word} {conns.describe()}" + (f" ({', '.join(rules)})" if rules else "")
                    for word, conns in (("allow", allow), ("deny", deny), ("pass", passed)) if conns
                    for rules in [tuple(s.rule for s in decision.steps if s.connections & conns)]]
            parts.append(f"[{decision.tier}] " + ("; ".join(said) if said else "no decision"))
            remaining = remaining - decision.decided
            if not remaining:
                return " -> ".join(parts)
        return " -> ".join([*parts, f"default allow {remaining.describe()}"])

    def to_json(self) -> dict[str, object]:
        return {"direction": self.direction, "subject": self.subject, "allowed": self.allowed.to_json(),
                "tiers": [t.to_json() for t in self.tiers]}

    @property
    def overlaps(self) -> tuple[PriorityOverlap, ...]:
        return tuple(o for t in self.tiers for o in t.overlaps)


def walk(direction: str, subject: Endpoint, admin: TierDecision, network_policy: TierDecision,
         baseline: TierDecision) -> DirectionWalk:
    """Fold the three tiers; what none decides is allowed."""
    allowed = decided = ConnectionSet.none()
    for decision in (admin, network_policy, baseline):
        allowed = allowed | (decision.allow - decided)
        decided = decided | decision.decided
    allowed = allowed | (ConnectionSet.all() - decided)
    return DirectionWalk(direction, subject.id, (admin, network_policy, baseline), allowed)


def _single_connection(conns: ConnectionSet) -> tuple[str, int] | None:
    items = [(proto, ports) for proto, ports in conns.items() if ports]
    if len(items) == 1 and items[0][1].size() == 1:
        return items[0][0], items[0][1].intervals[0][0]
    return None
