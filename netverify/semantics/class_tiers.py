"""The tiers of an inventory as engines fold them over classes of endpoints.

The engines evaluate the verdict (semantics/verdict.py) over classes of endpoints rather than
endpoint by endpoint. Of each tier they need only how it decides (`isolating`: NetworkPolicy's
"selected subjects are isolated, the union of their rules is allowed"; otherwise first match in
order, Pass going on to the next tier) and, per policy, the subject it selects (a `SelectorTerm`)
and per direction its rules in evaluation order, each with its action. A rule is read through the
`ClassRule` protocol: its peer matchers (each with a `term`: what it observes, in a form bitsets
and the SMT encoder evaluate), the port names it resolves on the destination, `ports_for(dst)`,
its ports symbolically (`port_selections`, for the solver) and its `ref`. Policies carry their
`ref` and, in first-match tiers, their priority (equal priorities have no defined order).

`specs_of` reads the inventory's tiers (semantics/evaluate.tiers_of: the one place that says which
tiers there are and in which order) as engines need them. A new policy kind adds its tier's case
here and gives its matchers a `term`: neither engine (graph, SMT) needs a change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from netverify.model import AdminAction, Direction
from netverify.semantics.admin_compile import CompiledAdminPolicy, CompiledAdminRule
from netverify.semantics.admin_tier import AdminPolicyTier
from netverify.semantics.compile import AddressTerm, CompiledPolicy, PeerTerm, PolicyRef, SelectorTerm
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import tiers_of
from netverify.semantics.netpol_tier import NetworkPolicyTier
from netverify.semantics.options import NetworkPolicySelection
from netverify.semantics.ports import PortSelection
from netverify.semantics.verdict import NETWORK_POLICY_TIER, Action, RuleId, Tier
from netverify.sets import ConnectionSet


class TermMatcher(Protocol):
    @property
    def term(self) -> PeerTerm: ...


class ClassRule(Protocol):
    """A compiled rule of any kind, as engines read it: over classes (`ports_for` a destination) and
    symbolically (`port_selections`), named by `ref` in explanations and proofs."""

    @property
    def ref(self) -> RuleId: ...

    @property
    def peers(self) -> Sequence[TermMatcher]: ...  # empty: every peer

    @property
    def named_ports(self) -> frozenset[str]: ...

    @property
    def port_selections(self) -> tuple[PortSelection, ...] | None: ...  # None: every port and protocol

    def ports_for(self, dst: Endpoint) -> ConnectionSet: ...

    def peer_miss(self, peer: Endpoint) -> str | None: ...  # why `peer` matches none of `peers`, or None


Ruled = tuple[tuple[ClassRule, Action], ...]


def may_match_outside(rule: ClassRule) -> bool:
    """Whether some address outside the cluster may be a peer of `rule`: it has no peers (every peer)
    or an address peer (`AddressTerm`); selector peers pick pods only (`SelectorTerm`)."""
    return not rule.peers or any(isinstance(peer.term, AddressTerm) for peer in rule.peers)


def every_pod_peer(rule: ClassRule) -> bool:
    """Whether a peer of `rule` picks every pod of every namespace (a selector with no namespace and
    empty or no selectors: the admin kinds' `namespaces: {}`, NetworkPolicy's `namespaceSelector: {}`)."""
    return any(isinstance(t := peer.term, SelectorTerm) and t.namespace is None
               and (t.namespace_selector is None or t.namespace_selector.is_empty())
               and (t.pod_selector is None or t.pod_selector.is_empty()) for peer in rule.peers)


@dataclass(frozen=True)
class TierPolicy:
    """One policy of a tier: its subject, and per direction its rules with their actions in
    evaluation order (None: the policy has no say in that direction). In a first-match tier,
    policies of one `priority` follow each other in the evaluator's tie-break order (by name); the
    API leaves their order undefined, so the SMT engine also considers every other order."""

    subject: SelectorTerm
    ingress: Ruled | None
    egress: Ruled | None
    ref: PolicyRef | None = None  # how proofs name the policy and its place in an order of ties
    priority: int | None = None  # first-match tiers: policies of equal priority have no defined order

    def rules(self, direction: Direction) -> Ruled | None:
        return self.ingress if direction is Direction.INGRESS else self.egress


@dataclass(frozen=True)
class TierSpec:
    """A tier: its name, how it decides, and its policies in evaluation order.

    `final_if_selected`: for an isolating tier, a subject its policies select for the other
    direction only is decided here too, everything allowed (the `--np-selection any` reading)."""

    name: str
    isolating: bool
    policies: tuple[TierPolicy, ...]
    final_if_selected: bool = False


ADMIN_ACTIONS = {AdminAction.ACCEPT: Action.ALLOW, AdminAction.DENY: Action.DENY, AdminAction.PASS: Action.PASS}


def network_policy_spec(policies: Sequence[CompiledPolicy], any_direction: bool = False) -> TierSpec:
    """NetworkPolicies as an isolating tier; a policy applies to the directions of its policyTypes."""
    out = []
    for cp in policies:
        ingress = tuple((r, Action.ALLOW) for r in cp.ingress) if cp.affects(Direction.INGRESS) else None
        egress = tuple((r, Action.ALLOW) for r in cp.egress) if cp.affects(Direction.EGRESS) else None
        out.append(TierPolicy(cp.subject_term, ingress, egress, cp.ref))
    return TierSpec(NETWORK_POLICY_TIER, True, tuple(out), any_direction)


def _ruled(rules: tuple[CompiledAdminRule, ...]) -> Ruled | None:
    return tuple((r, ADMIN_ACTIONS[r.ref.action]) for r in rules) or None  # no rules: no say


def admin_spec(name: str, admin: Sequence[CompiledAdminPolicy]) -> TierSpec:
    """Admin policies of one tier, in evaluation order (priority, then name), as a first-match tier."""
    return TierSpec(name, False, tuple(TierPolicy(p.subject.term, _ruled(p.ingress), _ruled(p.egress), p.ref,
                                                  p.policy.priority or 0) for p in admin))


@runtime_checkable
class DescribedTier(Protocol):
    """A tier that gives its class-level form itself (instead of a case in `spec_of`)."""

    def spec(self) -> TierSpec: ...


def spec_of(tier: Tier) -> TierSpec:
    """One verdict tier as engines fold it over classes."""
    if isinstance(tier, DescribedTier):
        return tier.spec()
    if isinstance(tier, NetworkPolicyTier):
        return network_policy_spec(tier.policies, tier.selection is NetworkPolicySelection.ANY)
    if isinstance(tier, AdminPolicyTier):
        return admin_spec(tier.name, tier.policies)
    raise TypeError(f"no class-level form for the tier {tier.name!r}: add it to semantics/class_tiers.spec_of")


def specs_of(tiers: Sequence[Tier]) -> tuple[TierSpec, ...]:
    """The tiers in their order, as engines fold them; tiers with no policy at all (they pass
    everything) are left out, the NetworkPolicy tier never (`graph.selecting` reads it)."""
    specs = (spec_of(t) for t in tiers)
    return tuple(s for s in specs if s.policies or s.name == NETWORK_POLICY_TIER)


def tier_specs(policies: tuple[CompiledPolicy, ...], admin: Sequence[CompiledAdminPolicy] = (),
               selection: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION) -> tuple[TierSpec, ...]:
    """`specs_of(tiers_of(...))`: the tiers of these policies in evaluation order."""
    return specs_of(tiers_of(policies, admin, selection))
