"""Evaluate one connection src -> dst: egress of src AND ingress of dst, with reasons.

The reference evaluator: endpoint by endpoint, through the grammar of semantics/verdict.py (the
exemptions, then each direction's tiers folded in order). The engines compute the same verdicts
over classes of endpoints and are tested against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netverify.semantics.compile import CompiledPolicy, PolicyRef
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.netpol_tier import NetworkPolicyTier
from netverify.semantics.options import REPLICA_NOTE
from netverify.semantics.verdict import Decision, RuleMatch, RuleMiss, Tier, exemption, fold, ungoverned_note
from netverify.sets import ConnectionSet

__all__ = ["DirectionVerdict", "PairVerdict", "RuleMatch", "RuleMiss", "evaluate_direction", "evaluate_pair",
           "tiers_of"]


@dataclass(frozen=True)
class DirectionVerdict:
    """What one side's policies say: isolation, the rules that admit, and why others do not."""

    direction: str
    subject: str
    isolated: bool
    allowed: ConnectionSet
    policies: tuple[PolicyRef, ...] = ()
    matches: tuple[RuleMatch, ...] = ()
    misses: tuple[RuleMiss, ...] = ()
    note: str = ""
    decisions: tuple[Decision, ...] = ()  # each tier's decision, in order (the flow); not in JSON yet

    def to_json(self) -> dict[str, object]:
        return {
            "subject": self.subject, "isolated": self.isolated, "allowed": self.allowed.to_json(),
            "policies": [p.to_json() for p in self.policies],
            "admitted_by": [m.to_json() for m in self.matches],
            "not_admitted_by": [m.to_json() for m in self.misses],
            **({"note": self.note} if self.note else {}),
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


def tiers_of(policies: tuple[CompiledPolicy, ...]) -> tuple[Tier, ...]:
    """The tiers an inventory's policies form, in evaluation order."""
    return (NetworkPolicyTier(policies),)


def _open(direction: str, subject: Endpoint, note: str) -> DirectionVerdict:
    return DirectionVerdict(direction, subject.id, False, ConnectionSet.all(), note=note)


def decide_direction(tiers: Sequence[Tier], direction: str, subject: Endpoint, peer: Endpoint,
                     dst: Endpoint) -> DirectionVerdict:
    """`subject`'s side of `direction`, with traffic to or from `peer`: the tiers folded in order."""
    why_open = ungoverned_note(subject)
    if why_open is not None:
        return _open(direction, subject, why_open)
    decisions = tuple(tier.decide(direction, subject, peer, dst) for tier in tiers)
    deciding = [d for d in decisions if d.decided]
    policies: tuple[PolicyRef, ...] = tuple(p for d in decisions for p in d.policies)
    matches = tuple(m for d in decisions for m in d.matches)
    misses = tuple(m for d in decisions for m in d.misses)
    note = "; ".join(d.note for d in (deciding or decisions) if d.note)
    return DirectionVerdict(direction, subject.id, bool(deciding), fold(decisions), policies, matches, misses,
                            note, decisions)


def evaluate_direction(
    policies: tuple[CompiledPolicy, ...], direction: str, subject: Endpoint, peer: Endpoint, dst: Endpoint
) -> DirectionVerdict:
    """`subject`'s policies of `direction` applied to traffic with `peer`; ports resolve on `dst`."""
    return decide_direction(tiers_of(policies), direction, subject, peer, dst)


def evaluate_pair(policies: tuple[CompiledPolicy, ...], src: Endpoint, dst: Endpoint) -> PairVerdict:
    tiers = tiers_of(policies)
    exempt = exemption(src, dst)
    if exempt is not None:
        egress = (_open("egress", src, exempt.note) if "egress" in exempt.open
                  else decide_direction(tiers, "egress", src, dst, dst))
        ingress = (_open("ingress", dst, exempt.note) if "ingress" in exempt.open
                   else decide_direction(tiers, "ingress", dst, src, dst))
        return PairVerdict(src, dst, egress, ingress, ConnectionSet.all(), exempt.note)
    egress = decide_direction(tiers, "egress", src, dst, dst)
    ingress = decide_direction(tiers, "ingress", dst, src, dst)
    note = REPLICA_NOTE if src.id == dst.id else ""
    return PairVerdict(src, dst, egress, ingress, egress.allowed & ingress.allowed, note)
