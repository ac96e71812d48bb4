"""The grammar of a decision, written once: tiers folded in order, and the exemptions.

A connection src -> dst is decided twice, once per direction: the egress of src (the subject)
towards dst (the peer), and the ingress of dst (the subject) from src (the peer). The connection
is allowed where both directions allow it. Each direction runs the tiers in order
(AdminNetworkPolicy, NetworkPolicy, BaselineAdminNetworkPolicy, then a default); each tier returns a
`Decision`: the connections it allows, those it denies (disjoint from the allowed ones) and, by
omission, those it passes to the next tier. `fold` turns the decisions into what is allowed: every
connection takes the action of the first tier that allows or denies it, and the default when every
tier passes it.

Two ways a tier builds its decision, both here so that each policy kind only says what matches:
- `isolating` (NetworkPolicy): a subject selected by the tier's policies is isolated, the union of
  the rules that match is allowed and everything else is denied; a subject no policy selects is
  passed in full (`Decision.passing`).
- `first_match` (admin tiers): rules in order (priority, then position), each with an action; the
  first rule that matches a connection decides it, and a Pass decides to leave it to the next tier.

Every match names its rule through `RuleId` (NetworkPolicy's `compile.RuleRef`, the admin tiers'
`admin_compile.AdminRuleRef`) and carries its `Effect` (tier, priority, action, rule), as
policy-assistant's matches do; `Decision.to_json` is one step of the tier walk.

The exemptions, where no policy applies at all, are also written only here: a pod's traffic to
itself (`is_self_traffic`), traffic from a hostNetwork pod to a pod on its own node
(`is_node_traffic`), and subjects that no policy governs (`ungoverned_note`: addresses outside the
cluster, hostNetwork pods). Engines evaluate the same rules over classes of endpoints and must
agree with these predicates on every member of a class.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, runtime_checkable

from netverify.model import Direction, SourceRef
from netverify.semantics.compile import PolicyRef
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.options import EXTERNAL_NOTE, HOST_NETWORK_NOTE, NODE_NOTE, SELF_TRAFFIC_NOTE
from netverify.sets import ConnectionSet


class Action(Enum):
    """What a rule (or a tier, for a connection) does with the connections it matches."""

    ALLOW = "Allow"
    DENY = "Deny"
    PASS = "Pass"


NETWORK_POLICY_TIER = "NetworkPolicy"


class RuleId(Protocol):
    """How a decision names a rule, whatever its policy kind: NetworkPolicy's `compile.RuleRef`, the
    admin tiers' `admin_compile.AdminRuleRef`. Its tier and priority are part of the match's effect."""

    @property
    def policy(self) -> str: ...  # Kind/name or ns/name: the policy the rule belongs to

    @property
    def direction(self) -> Direction: ...

    @property
    def index(self) -> int: ...  # position in the policy's rules of that direction

    @property
    def source(self) -> SourceRef: ...

    @property
    def label(self) -> str: ...  # how a tier walk names it: "tenant-guard r1", "web/allow-api ingress[0]"

    @property
    def tier_name(self) -> str: ...  # "NetworkPolicy", "Admin", "Baseline"

    @property
    def priority(self) -> int | None: ...  # within its tier; None where the kind has none (NetworkPolicy)

    def to_json(self) -> dict[str, object]: ...


@runtime_checkable
class WordedRule(Protocol):
    """A rule whose kind has words of its own (the admin kinds: a rule's own name, and its actions as
    its API version spells them, v1alpha1 Allow, v1alpha2 Accept); other rules are named by `label`
    and their actions by `Action.value`."""

    @property
    def rule_name(self) -> str: ...

    def action_word(self, action: Action) -> str: ...


def action_word(rule: RuleId, action: Action) -> str:
    """How explanations write `action` for `rule`."""
    return rule.action_word(action) if isinstance(rule, WordedRule) else str(action.value)


def rule_name(rule: RuleId) -> str:
    """The rule's own name, if its kind names rules ("" otherwise)."""
    return rule.rule_name if isinstance(rule, WordedRule) else ""


@dataclass(frozen=True)
class Effect:
    """What a rule match does, as policy-assistant's Effect: the tier, the priority, the action, the rule."""

    tier: str
    priority: int | None
    action: Action
    rule: str  # the rule's label

    def __str__(self) -> str:
        at = f" priority {self.priority}" if self.priority is not None else ""
        return f"[{self.tier}{at}] {self.action.value} ({self.rule})"


@dataclass(frozen=True)
class RuleMatch:
    """A rule that matched, with the connections it decided (in first-match tiers: those no earlier
    rule of its tier had decided) and its action."""

    rule: RuleId
    allowed: ConnectionSet  # the connections this rule decided (named `allowed` for NetworkPolicy's Allow)
    action: Action = Action.ALLOW

    @property
    def effect(self) -> Effect:
        return Effect(self.rule.tier_name, self.rule.priority, self.action, self.rule.label)

    def to_json(self) -> dict[str, object]:
        return {**self.rule.to_json(), "allowed": self.allowed.to_json()}

    def step_json(self) -> dict[str, object]:
        """The match as a step of the tier walk (Decision.to_json)."""
        return {"rule": self.rule.label, "action": self.action.value, "priority": self.rule.priority,
                "connections": self.allowed.to_json(), "policy": self.rule.policy,
                "file": self.rule.source.file, "line": self.rule.source.line}


@dataclass(frozen=True)
class RuleMiss:
    """A rule that did not match the connection, with why not."""

    rule: RuleId
    reason: str

    def to_json(self) -> dict[str, object]:
        return {**self.rule.to_json(), "reason": self.reason}


@dataclass(frozen=True)
class Decision:
    """One tier's decision for one direction of one (subject, peer): allow, deny, and pass the rest.

    `allow` and `deny` are disjoint; what neither holds passes to the next tier. `policies` are the
    tier's policies that apply to the subject, `matches` and `misses` the steps that decided it (the
    explanation), `note` a sentence for a decision no rule explains (nothing selects, no rules).
    """

    tier: str
    allow: ConnectionSet
    deny: ConnectionSet
    policies: tuple[PolicyRef, ...] = ()
    matches: tuple[RuleMatch, ...] = ()
    misses: tuple[RuleMiss, ...] = ()
    note: str = ""

    @classmethod
    def passing(cls, tier: str, note: str = "", misses: tuple[RuleMiss, ...] = (),
                policies: tuple[PolicyRef, ...] = ()) -> Decision:
        """The tier leaves every connection to the next one."""
        return cls(tier, ConnectionSet.none(), ConnectionSet.none(), policies, (), misses, note)

    @property
    def decided(self) -> ConnectionSet:
        """The connections this tier allows or denies (the rest passes)."""
        return self.allow | self.deny

    @property
    def passes(self) -> ConnectionSet:
        return ConnectionSet.all() - self.decided

    def action_for(self, protocol: str, port: int) -> Action:
        """What this tier does with one connection."""
        if self.allow.allows(protocol, port):
            return Action.ALLOW
        if self.deny.allows(protocol, port):
            return Action.DENY
        return Action.PASS

    def to_json(self) -> dict[str, object]:
        """The tier's step of the walk: what it allows and denies (the rest passes), and the rules."""
        return {"tier": self.tier, "allow": self.allow.to_json(), "deny": self.deny.to_json(),
                "policies": [p.id for p in self.policies],
                "steps": [m.step_json() for m in self.matches],
                "misses": [{"rule": m.rule.label, "reason": m.reason} for m in self.misses],
                **({"note": self.note} if self.note else {})}


def isolating(tier: str, policies: tuple[PolicyRef, ...], matches: Sequence[RuleMatch],
              misses: Sequence[RuleMiss], note: str = "") -> Decision:
    """The subject is isolated by `policies` (non-empty): the union of what the matching rules
    admit is allowed and everything else is denied; nothing passes."""
    allowed = ConnectionSet.union_all(m.allowed for m in matches)
    return Decision(tier, allowed, ConnectionSet.all() - allowed, policies, tuple(matches), tuple(misses), note)


def first_match(tier: str, policies: tuple[PolicyRef, ...], matches: Iterable[RuleMatch],
                misses: Sequence[RuleMiss] = ()) -> Decision:
    """Rules in evaluation order, each with what it matches and its action: the first rule to match
    a connection decides it (a Pass decides to leave it to the next tier)."""
    claimed = allow = deny = ConnectionSet.none()
    steps: list[RuleMatch] = []
    for m in matches:
        mine = m.allowed - claimed
        if not mine:
            continue
        claimed = claimed | mine
        if m.action is Action.ALLOW:
            allow = allow | mine
        elif m.action is Action.DENY:
            deny = deny | mine
        steps.append(RuleMatch(m.rule, mine, m.action))
    return Decision(tier, allow, deny, policies, tuple(steps), tuple(misses))


def fold(decisions: Iterable[Decision], default: Action = Action.ALLOW) -> ConnectionSet:
    """The connections allowed: each takes the action of the first tier that decides it, and
    `default` (ALLOW or DENY) when every tier passes it."""
    allowed = decided = ConnectionSet.none()
    for d in decisions:
        if d.allow:
            allowed = allowed | (d.allow - decided)
        decided = decided | d.decided
        if decided.is_all():
            return allowed
    if default is Action.ALLOW:
        allowed = allowed | (ConnectionSet.all() - decided)
    return allowed


class Tier(Protocol):
    """A policy kind as a tier: for one direction of one (subject, peer), its decision.

    `dst` is the destination of the connection (the peer for egress, the subject for ingress):
    named ports resolve on it."""

    @property
    def name(self) -> str: ...

    def decide(self, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint) -> Decision: ...


@runtime_checkable
class WordedTier(Protocol):
    """A tier whose kind has words of its own for messages that name the tiers (the admin kinds: the
    Admin and Baseline tiers are together "the admin tiers", and a connection they let through is an
    Accept); another tier is named by its `name` ("the Quarantine tier") and its actions by
    `Action.value` (`tier_family`, `tier_action_word`)."""

    @property
    def family(self) -> str: ...  # what the kind's tiers are called together: "admin"

    def action_word(self, action: Action) -> str: ...


def tier_family(tier: Tier) -> str:
    """The word messages name `tier`'s policies and rules by: its kind's family, or its own name."""
    return tier.family if isinstance(tier, WordedTier) else tier.name


def tier_action_word(tier: Tier, action: Action) -> str:
    """How messages about `tier` write `action` (the admin tiers: Accept, Deny, Pass)."""
    return tier.action_word(action) if isinstance(tier, WordedTier) else str(action.value)


class Overlap(Protocol):
    """Where a tier's answer depends on an order upstream leaves undefined: rules of two policies of
    one `priority` (`first` is the one the evaluator applies) decide `connections` differently."""

    @property
    def tier(self) -> str: ...

    @property
    def priority(self) -> int: ...

    @property
    def first(self) -> RuleId: ...

    @property
    def second(self) -> RuleId: ...

    @property
    def connections(self) -> ConnectionSet: ...

    def to_json(self) -> dict[str, object]: ...


@runtime_checkable
class OverlappingTier(Protocol):
    """A tier whose policies of equal priority have no defined order: it says, for one direction of
    one (subject, peer), where its answer depends on that order (semantics/admin_tier.AdminPolicyTier)."""

    def overlaps(self, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint
                 ) -> tuple[Overlap, ...]: ...


def pair_overlaps(tiers: Sequence[Tier], src: Endpoint, dst: Endpoint) -> tuple[Overlap, ...]:
    """The undefined-order overlaps of every tier the connection src -> dst goes through (both
    directions; none where an exemption leaves a direction unasked)."""
    exempt = exemption(src, dst)
    asked = [d for d in (Direction.EGRESS, Direction.INGRESS) if exempt is None or d not in exempt.open]
    found: list[Overlap] = []
    for tier in tiers:
        if not isinstance(tier, OverlappingTier):
            continue
        for direction in asked:
            subject, peer = direction.subject_and_peer(src, dst)
            found += tier.overlaps(direction, subject, peer, dst)
    return tuple(found)


# --- the exemptions: where no policy applies --------------------------------------------------


def is_self_traffic(src: Endpoint, dst: Endpoint) -> bool:
    """A single pod talking to itself: NetworkPolicy does not apply (a workload's endpoint stands
    for several pods, and traffic between its replicas is governed)."""
    return src.id == dst.id and src.single_pod


def pair_of_members(srcs: Sequence[Endpoint], dsts: Sequence[Endpoint]) -> tuple[Endpoint, Endpoint] | None:
    """Some (src, dst) from the two groups that is a connection policies decide (not a single pod
    with itself), or None: how engines that group endpoints into classes apply `is_self_traffic`."""
    for s in srcs:
        for d in dsts:
            if not is_self_traffic(s, d):
                return s, d
    return None


def is_node_traffic(src: Endpoint, dst: Endpoint) -> bool:
    """From a hostNetwork pod (the node's network) to a pod on the same node: always allowed."""
    return bool(src.host_network and src.node_name and src.node_name == dst.node_name)


def ungoverned_note(subject: Endpoint) -> str | None:
    """Why no policy applies to `subject`'s side of a connection, or None when policies do."""
    if subject.external:
        return EXTERNAL_NOTE
    if subject.host_network:
        return HOST_NETWORK_NOTE
    return None


@dataclass(frozen=True)
class Exemption:
    """A connection no policy decides: `open` lists the directions whose policies are not even asked."""

    note: str
    open: tuple[Direction, ...]


SELF_TRAFFIC = Exemption(SELF_TRAFFIC_NOTE, (Direction.EGRESS, Direction.INGRESS))
NODE_TRAFFIC = Exemption(NODE_NOTE, (Direction.INGRESS,))  # the egress of a hostNetwork pod is ungoverned anyway


def exemption(src: Endpoint, dst: Endpoint) -> Exemption | None:
    """The exemption that allows src -> dst whatever the policies say, if any."""
    if is_self_traffic(src, dst):
        return SELF_TRAFFIC
    if is_node_traffic(src, dst):
        return NODE_TRAFFIC
    return None
