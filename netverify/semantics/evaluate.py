"""Evaluate one connection src -> dst: egress of src AND ingress of dst, with reasons.

The reference evaluator: endpoint by endpoint, through the grammar of semantics/verdict.py (the
exemptions, then each direction's tiers folded in order). The engines compute the same verdicts
over classes of endpoints and are tested against it.

`tiers_of` is the one place that says which tiers an inventory forms and in which order: Admin,
NetworkPolicy, Baseline (admin-tiers.md section 2). An inventory without admin policies forms the
NetworkPolicy tier alone: two empty admin tiers would pass everything, so the verdict is the same,
and the explanations stay those of NetworkPolicy. `decide_pair` folds any tiers for one pair;
`evaluate_pair` is its NetworkPolicy-only shortcut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netverify.model import Direction
from netverify.semantics.admin_compile import CompiledAdminPolicy
from netverify.semantics.admin_tier import admin_tiers_of
from netverify.semantics.compile import CompiledPolicy, PolicyRef
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.netpol_tier import NetworkPolicySelection, NetworkPolicyTier
from netverify.semantics.options import REPLICA_NOTE
from netverify.semantics.verdict import (
    NETWORK_POLICY_TIER,
    Decision,
    RuleMatch,
    RuleMiss,
    Tier,
    exemption,
    fold,
    ungoverned_note,
)
from netverify.sets import ConnectionSet

EGRESS, INGRESS = Direction.EGRESS, Direction.INGRESS

__all__ = ["DirectionVerdict", "PairVerdict", "RuleMatch", "RuleMiss", "decide_direction", "decide_pair",
           "evaluate_direction", "evaluate_pair", "tiers_of"]


@dataclass(frozen=True)
class DirectionVerdict:
    """What one side's policies say: isolation, the rules that admit, and why others do not."""

    direction: Direction
    subject: str
    isolated: bool
    allowed: ConnectionSet
    policies: tuple[PolicyRef, ...] = ()
    matches: tuple[RuleMatch, ...] = ()
    misses: tuple[RuleMiss, ...] = ()
    note: str = ""
    decisions: tuple[Decision, ...] = ()  # each tier's decision, in order (the tier walk)

    @property
    def tiered(self) -> bool:
        """Whether tiers other than NetworkPolicy were folded (admin policies are loaded): the
        explanation is then the tier walk."""
        return any(d.tier != NETWORK_POLICY_TIER for d in self.decisions)

    def to_json(self) -> dict[str, object]:
        # "tiers" only when admin tiers are folded: NetworkPolicy-only output stays as it always was.
        return {
            "subject": self.subject, "isolated": self.isolated, "allowed": self.allowed.to_json(),
            "policies": [p.to_json() for p in self.policies],
            "admitted_by": [m.to_json() for m in self.matches],
            "not_admitted_by": [m.to_json() for m in self.misses],
            **({"note": self.note} if self.note else {}),
            **({"tiers": [d.to_json() for d in self.decisions]} if self.tiered else {}),
        }


@dataclass(frozen=True)
class PairVerdict:
    src: Endpoint
    dst: Endpoint
    egress: DirectionVerdict
    ingress: DirectionVerdict
    allowed: ConnectionSet
    note: str = ""

    def to_json(self) -> dict[str, object]:
        return {"src": self.src.id, "dst": self.dst.id, "allowed": bool(self.allowed),
                "connections": self.allowed.to_json(), "egress": self.egress.to_json(),
                "ingress": self.ingress.to_json(), **({"note": self.note} if self.note else {})}


def tiers_of(policies: tuple[CompiledPolicy, ...], admin: Sequence[CompiledAdminPolicy] = (),
             selection: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION) -> tuple[Tier, ...]:
    """The tiers an inventory's policies form, in evaluation order: (Admin, NetworkPolicy, Baseline)
    when admin policies are loaded, else the NetworkPolicy tier alone (the same verdicts: see the
    module docstring). `selection` is the NetworkPolicy tier's reading of "selected"."""
    network_policy = NetworkPolicyTier(policies, selection)
    if not admin:
        return (network_policy,)
    admin_tier, baseline = admin_tiers_of(admin)
    return (admin_tier, network_policy, baseline)


def _open(tiers: Sequence[Tier], direction: Direction, subject: Endpoint, note: str) -> DirectionVerdict:
    """A direction no policy governs: every tier passes it (with why), and the default allows."""
    return DirectionVerdict(direction, subject.id, False, ConnectionSet.all(), note=note,
                            decisions=tuple(Decision.passing(t.name, note) for t in tiers))


def decide_direction(tiers: Sequence[Tier], direction: Direction, subject: Endpoint, peer: Endpoint,
                     dst: Endpoint) -> DirectionVerdict:
    """`subject`'s side of `direction`, with traffic to or from `peer`: the tiers folded in order."""
    why_open = ungoverned_note(subject)
    if why_open is not None:
        return _open(tiers, direction, subject, why_open)
    decisions = tuple(tier.decide(direction, subject, peer, dst) for tier in tiers)
    deciding = [d for d in decisions if d.decided]
    policies: tuple[PolicyRef, ...] = tuple(p for d in decisions for p in d.policies)
    matches = tuple(m for d in decisions for m in d.matches)
    misses = tuple(m for d in decisions for m in d.misses)
    note = "; ".join(d.note for d in (deciding or decisions) if d.note)
    return DirectionVerdict(direction, subject.id, bool(deciding), fold(decisions), policies, matches, misses,
                            note, decisions)


def evaluate_direction(
    policies: tuple[CompiledPolicy, ...], direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint
) -> DirectionVerdict:
    """`subject`'s policies of `direction` applied to traffic with `peer`; ports resolve on `dst`."""
    return decide_direction(tiers_of(policies), direction, subject, peer, dst)


def decide_pair(tiers: Sequence[Tier], src: Endpoint, dst: Endpoint) -> PairVerdict:
    """The connection src -> dst through `tiers` (tiers_of): the exemptions first, then egress of src
    AND ingress of dst, each direction's tiers folded in order."""
    exempt = exemption(src, dst)
    if exempt is not None:
        egress = (_open(tiers, EGRESS, src, exempt.note) if EGRESS in exempt.open
                  else decide_direction(tiers, EGRESS, src, dst, dst))
        ingress = (_open(tiers, INGRESS, dst, exempt.note) if INGRESS in exempt.open
                   else decide_direction(tiers, INGRESS, dst, src, dst))
        return PairVerdict(src, dst, egress, ingress, ConnectionSet.all(), exempt.note)
    egress = decide_direction(tiers, EGRESS, src, dst, dst)
    ingress = decide_direction(tiers, INGRESS, dst, src, dst)
    note = REPLICA_NOTE if src.id == dst.id else ""
    return PairVerdict(src, dst, egress, ingress, egress.allowed & ingress.allowed, note)


def evaluate_pair(policies: tuple[CompiledPolicy, ...], src: Endpoint, dst: Endpoint) -> PairVerdict:
    """The NetworkPolicy-only shortcut of `decide_pair`."""
    return decide_pair(tiers_of(policies), src, dst)
