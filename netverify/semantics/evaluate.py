"""Evaluate one connection src -> dst: egress of src AND ingress of dst, with reasons."""

from __future__ import annotations

from dataclasses import dataclass

from netverify.semantics.compile import CompiledPolicy, PolicyRef, RuleRef
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.options import (
    EXTERNAL_NOTE,
    HOST_NETWORK_NOTE,
    NODE_NOTE,
    REPLICA_NOTE,
    SELF_TRAFFIC_NOTE,
)
from netverify.sets import ConnectionSet


@dataclass(frozen=True)
class RuleMatch:
    rule: RuleRef
    allowed: ConnectionSet

    def to_json(self) -> dict[str, object]:
        return {**self.rule.to_json(), "allowed": self.allowed.to_json()}


@dataclass(frozen=True)
class RuleMiss:
    rule: RuleRef
    reason: str

    def to_json(self) -> dict[str, object]:
        return {**self.rule.to_json(), "reason": self.reason}


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


def _open(direction: str, subject: Endpoint, note: str) -> DirectionVerdict:
    return DirectionVerdict(direction, subject.id, False, ConnectionSet.all(), note=note)


def evaluate_direction(
    policies: tuple[CompiledPolicy, ...], direction: str, subject: Endpoint, peer: Endpoint, dst: Endpoint
) -> DirectionVerdict:
    """`subject`'s policies of `direction` applied to traffic with `peer`; ports resolve on `dst`."""
    if subject.external:
        return _open(direction, subject, EXTERNAL_NOTE)
    if subject.host_network:
        return _open(direction, subject, HOST_NETWORK_NOTE)
    selecting = [p for p in policies if p.affects(direction) and p.selects(subject)]
    if not selecting:
        return _open(direction, subject, f"no NetworkPolicy with {direction.capitalize()} selects {subject.id}: "
                                         f"not isolated for {direction}")
    allowed = ConnectionSet.none()
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
            allowed = allowed.union(conns)
    note = "" if found or missed else "the selecting policies have no rules of this direction: all denied"
    return DirectionVerdict(direction, subject.id, True, allowed, tuple(p.ref for p in selecting),
                            tuple(found), tuple(missed), note)


def evaluate_pair(policies: tuple[CompiledPolicy, ...], src: Endpoint, dst: Endpoint) -> PairVerdict:
    if src.id == dst.id and src.single_pod:
        open_e, open_i = _open("egress", src, SELF_TRAFFIC_NOTE), _open("ingress", dst, SELF_TRAFFIC_NOTE)
        return PairVerdict(src, dst, open_e, open_i, ConnectionSet.all(), SELF_TRAFFIC_NOTE)
    egress = evaluate_direction(policies, "egress", src, dst, dst)
    if src.host_network and src.node_name and src.node_name == dst.node_name:
        ingress = _open("ingress", dst, NODE_NOTE)
        return PairVerdict(src, dst, egress, ingress, ConnectionSet.all(), NODE_NOTE)
    ingress = evaluate_direction(policies, "ingress", dst, src, dst)
    note = REPLICA_NOTE if src.id == dst.id else ""
    return PairVerdict(src, dst, egress, ingress, egress.allowed & ingress.allowed, note)
