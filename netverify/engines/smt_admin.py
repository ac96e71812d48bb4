"""SMT encoding of the Admin and Baseline tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy): per direction, the first matching rule decides.

Evaluation order (semantics/admin_compile.py, network-policy-api clusternetworkpolicy_types.go:93-108):
policies of a tier by ascending priority, rules in list order. A rule matches when its policy's
subject selects the direction's subject, one of its peers matches the other side and one of its
ports the connection; Accept/Allow allows, Deny denies, Pass leaves the connection to the next tier
(the tier does not decide it). Readings (as admin_compile's matchers, so models replay):

- subjects are pods (never hostNetwork pods, never outside addresses);
- `namespaces`/`pods` peers match pods only; `networks` and `nodes` peers match when every IP of
  the side is inside the address set (node peers are resolved to the selected Nodes' addresses at
  compile time), pod and node IPs included whatever --ipblock-scope says; `domainNames` never match;
- ports are destination ports; a named port matches where the destination has a container port of
  that name whose protocol and number are the connection's.

Equal priorities in one tier: upstream leaves their order undefined. With `every_order`, each such
group gets one free integer per policy (its position, all distinct) and the group's first matching
policy is the one with the smallest position among those that match: a proof (unsat) then holds
under every order, and a model carries the order it used (`TieGroup.order`). Without it the name
breaks the tie, as the evaluator does. Position variables are named by policy id, so two policy
sets encoded in one solver (equiv) order a policy they share the same way.

Each rule's match is a definition guarded by an assumption literal, so an unsat core names the
admin rules a proof needs (their match or their not matching).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from netverify.engines.smt_fold import TierFormula
from netverify.engines.smt_vocabulary import Expr, Vocabulary
from netverify.model import AdminAction, AdminTier, Direction, LabelSelector, PeerForm, SubjectForm
from netverify.semantics.admin_compile import (
    AdminPeerMatcher,
    AdminPortMatcher,
    AdminRuleRef,
    CompiledAdminPolicy,
    CompiledAdminRule,
)
from netverify.sets import PROTOCOLS


class Terms(Protocol):
    """What the admin tiers need from the encoder (smt_encode.Encoder)."""

    z3: Any
    vocab: Vocabulary
    proto: Expr
    src: Any  # SideVars
    dst: Any

    def ns_selector(self, side: Any, sel: LabelSelector) -> Expr: ...

    def pod_selector(self, side: Any, sel: LabelSelector) -> Expr: ...

    def is_pod(self, side: Any) -> Expr: ...

    def port_term(self, protocol: str, lo: int, hi: int, name: str | None) -> Expr: ...

    def track(self, kind: str, what: object, definition: Expr) -> None: ...

    def define(self, constraint: Expr) -> None: ...


@dataclass(frozen=True)
class TieGroup:
    """Policies of one tier with one priority, ordered freely: `order[i]` is policies[i]'s position."""

    tier: AdminTier
    priority: int
    policies: tuple[str, ...]  # policy ids, in name order
    order: tuple[Expr, ...]

    def describe(self, positions: Sequence[int]) -> str:
        """`Admin tier, priority 10: ClusterNetworkPolicy/b before ClusterNetworkPolicy/a`."""
        ranked = [pid for _, pid in sorted(zip(positions, self.policies, strict=True))]
        return f"{self.tier.value} tier, priority {self.priority}: {' before '.join(ranked)}"


@dataclass
class AdminEncoding:
    """What encoding the admin tiers handed out: tracked rule literals and the free tie groups."""

    rule_literals: dict[AdminRuleRef, Expr]
    tie_groups: dict[tuple[AdminTier, int, tuple[str, ...]], TieGroup]


def _subject(t: Terms, cp: CompiledAdminPolicy, side: Any) -> Expr:
    s = cp.subject
    terms = [t.is_pod(side), t.ns_selector(side, s.namespace_selector)]
    if s.form is SubjectForm.PODS:
        terms.append(t.pod_selector(side, s.pod_selector))
    return t.z3.And(terms)


def _peer(t: Terms, matcher: AdminPeerMatcher, side: Any) -> Expr:
    z3, peer = t.z3, matcher.peer
    if peer.form is PeerForm.DOMAIN_NAMES:
        return z3.BoolVal(False)  # resolved by DNS at run time: never assumed
    if peer.form in (PeerForm.NETWORKS, PeerForm.NODES):
        if not matcher.addresses:
            return z3.BoolVal(False)
        return z3.And(side.has_ip, side.inadm[t.vocab.admin_block_index[matcher.addresses]])
    terms = [t.is_pod(side), t.ns_selector(side, peer.namespace_selector)]
    if peer.form is PeerForm.PODS:
        terms.append(t.pod_selector(side, peer.pod_selector))
    return z3.And(terms)


def _port(t: Terms, matcher: AdminPortMatcher) -> Expr:
    p = matcher.port
    if p.named is not None:  # the destination's container port of that name, with its own protocol
        return t.z3.Or([t.port_term(proto, 0, 0, p.named) for proto in PROTOCOLS])
    assert p.protocol is not None and p.start is not None and p.end is not None
    if p.start > p.end:  # a v1alpha1 range the API accepts but that holds no port
        return t.z3.BoolVal(False)
    return t.port_term(p.protocol, p.start, p.end, None)


def _rule_match(t: Terms, rule: CompiledAdminRule, subject: Expr, peer_side: Any) -> Expr:
    z3 = t.z3
    peers = z3.Or([_peer(t, m, peer_side) for m in rule.peers])
    ports = z3.BoolVal(True) if rule.ports is None else z3.Or([_port(t, m) for m in rule.ports])
    return z3.And(subject, peers, ports)


@dataclass(frozen=True)
class _FirstMatch:
    """A policy's (or a tie group's) first match: whether something matches, and then what it does."""

    any: Expr
    allow: Expr
    decides: Expr


def _chain(z3: Any, steps: Sequence[tuple[Expr, AdminAction]]) -> _FirstMatch:
    """Rules in order: the first whose match holds decides."""
    allow = decides = z3.BoolVal(False)
    for match, action in reversed(steps):
        allow = z3.If(match, z3.BoolVal(action is AdminAction.ACCEPT), allow)
        decides = z3.If(match, z3.BoolVal(action is not AdminAction.PASS), decides)
    return _FirstMatch(z3.Or([m for m, _ in steps]), allow, decides)


def _sequence(z3: Any, parts: Sequence[_FirstMatch]) -> _FirstMatch:
    allow = decides = z3.BoolVal(False)
    for part in reversed(parts):
        allow = z3.If(part.any, part.allow, allow)
        decides = z3.If(part.any, part.decides, decides)
    return _FirstMatch(z3.Or([p.any for p in parts]), allow, decides)


def _free_order(t: Terms, encoding: AdminEncoding, tier: AdminTier, priority: int,
                group: Sequence[CompiledAdminPolicy], parts: Sequence[_FirstMatch]) -> _FirstMatch:
    """A tie group in every order: the first policy is the matching one with the smallest position."""
    z3 = t.z3
    ids = tuple(p.policy.id for p in group)
    key = (tier, priority, ids)
    found = encoding.tie_groups.get(key)
    if found is None:
        order = tuple(z3.Int(f"tieOrder[{tier.value}:{pid}]") for pid in ids)
        t.define(z3.Distinct(*order))
        found = encoding.tie_groups[key] = TieGroup(tier, priority, ids, order)
    firsts = []
    for i, part in enumerate(parts):
        earlier = [z3.Implies(other.any, found.order[j] > found.order[i]) for j, other in enumerate(parts) if j != i]
        firsts.append(z3.And(part.any, *earlier))
    return _FirstMatch(z3.Or([p.any for p in parts]),
                       z3.Or([z3.And(f, p.allow) for f, p in zip(firsts, parts, strict=True)]),
                       z3.Or([z3.And(f, p.decides) for f, p in zip(firsts, parts, strict=True)]))


def admin_tier(t: Terms, encoding: AdminEncoding, policies: Sequence[CompiledAdminPolicy], tier: AdminTier,
               direction: Direction, tracked: bool, every_order: bool) -> TierFormula | None:
    """The tier's formula for `direction` (None: no rule of that direction, the tier passes everything)."""
    z3 = t.z3
    subject_side, peer_side = (t.src, t.dst) if direction == "egress" else (t.dst, t.src)
    mine = sorted((p for p in policies if p.policy.tier is tier and p.rules(direction)), key=lambda p: p.order)
    if not mine:
        return None
    by_priority: dict[int, list[CompiledAdminPolicy]] = {}
    for p in mine:
        by_priority.setdefault(p.policy.priority or 0, []).append(p)
    parts: list[_FirstMatch] = []
    for priority in sorted(by_priority):
        group = by_priority[priority]
        policy_parts = []
        for cp in group:
            subject = _subject(t, cp, subject_side)
            steps = []
            for rule in cp.rules(direction):
                match = _rule_match(t, rule, subject, peer_side)
                if tracked:
                    literal = encoding.rule_literals.get(rule.ref)
                    if literal is None:
                        literal = encoding.rule_literals[rule.ref] = z3.Bool(f"adminMatches[{rule.ref}]")
                        t.track("admin-rule", rule.ref, literal == match)
                    match = literal
                steps.append((match, rule.ref.action))
            policy_parts.append(_chain(z3, steps))
        if every_order and len(group) > 1:
            parts.append(_free_order(t, encoding, tier, priority, group, policy_parts))
        else:
            parts.extend(policy_parts)  # in name order: the evaluator's tie-break
    result = _sequence(z3, parts)
    return TierFormula((result.allow,), result.decides)
