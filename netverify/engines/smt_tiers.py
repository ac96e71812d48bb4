"""SMT encoding of any tier, from its class-level description (semantics/class_tiers.TierSpec).

A tier is isolating (NetworkPolicy: a subject some policy selects is isolated, the union of those
policies' rules is allowed and the rest denied) or first match (the Admin and Baseline tiers:
policies in evaluation order, rules in list order, the first rule that matches decides: Allow
allows, Deny denies, Pass leaves the connection to the next tier). Of a policy the encoding reads
only its subject term, per direction its rules with their actions (each rule's peer terms and
`port_selections`), its `ref` and, in a first-match tier, its priority. Terms are encoded by the
encoder (smt_encode.Encoder: `selector`, `peer`, `ports`), so a new policy kind reaches the solver
through its `class_tiers.spec_of` case alone.

Equal priorities in a first-match tier: upstream leaves their order undefined. With
`every_order`, each such group gets one free integer per policy (its position, all distinct) and
the group's first matching policy is the one with the smallest position among those that match: a
proof (unsat) then holds under every order, and a model carries the order it used
(`TieGroup.order`). Without it the evaluation order (the name) breaks the tie, as the evaluator
does. Position variables are named by tier and policy id, so two policy sets encoded in one solver
(equiv) order a policy they share the same way.

The tracked isolating tier (NetworkPolicy, without `final_if_selected`) is written as text by
smt_text (the same formulas and literals, parsed once); this module builds every other case.

Tracked encodings (for unsat cores): an isolating tier's "the policy selects the subject" (kind
"policy", named by (PolicyRef, direction)) and each rule's "admits" (kind "rule"); a first-match
tier's "the rule matches" (kind "ordered-rule"). Each is a literal defined under an assumption,
so a core names the policies and rules a proof needs, and "without this rule" replaces a literal
by false (smt_compare.RedundancyProver).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Protocol

from netverify.engines.smt_fold import TierFormula
from netverify.engines.smt_vocabulary import Expr
from netverify.model import Direction
from netverify.semantics.class_tiers import ClassRule, TierPolicy, TierSpec
from netverify.semantics.compile import PeerTerm, SelectorTerm
from netverify.semantics.ports import PortSelection
from netverify.semantics.verdict import Action, RuleId


class Terms(Protocol):
    """What the tiers need from the encoder (smt_encode.Encoder)."""

    z3: Any
    src: Any  # SideVars
    dst: Any

    def selector(self, term: SelectorTerm, side: Any) -> Expr: ...

    def peer(self, term: PeerTerm, side: Any) -> Expr: ...

    def ports(self, selections: tuple[PortSelection, ...] | None) -> Expr: ...

    def track(self, kind: str, what: object, definition: Expr) -> None: ...

    def define(self, constraint: Expr) -> None: ...


@dataclass(frozen=True)
class TieGroup:
    """Policies of one tier with one priority, ordered freely: `order[i]` is policies[i]'s position."""

    tier: str
    priority: int
    policies: tuple[str, ...]  # policy ids, in evaluation (name) order
    order: tuple[Expr, ...]

    def describe(self, positions: Sequence[int]) -> str:
        """`Admin tier, priority 10: ClusterNetworkPolicy/b before ClusterNetworkPolicy/a`."""
        ranked = [pid for _, pid in sorted(zip(positions, self.policies, strict=True))]
        return f"{self.tier} tier, priority {self.priority}: {' before '.join(ranked)}"

    @property
    def members(self) -> str:
        """`Admin tier, priority 10: ClusterNetworkPolicy/a, ClusterNetworkPolicy/b`."""
        return f"{self.tier} tier, priority {self.priority}: {', '.join(self.policies)}"


@dataclass
class TierLiterals:
    """The tracked literals the encoding handed out (so that a caller can replace one by false) and
    the free tie groups."""

    selects: dict[tuple[str, str], Expr] = field(default_factory=dict)  # (direction, policy id) -> selects
    admits: dict[RuleId, Expr] = field(default_factory=dict)  # isolating tiers' rules -> "admits"
    matches: dict[RuleId, Expr] = field(default_factory=dict)  # first-match tiers' rules -> "matches"
    tie_groups: dict[tuple[str, int, tuple[str, ...]], TieGroup] = field(default_factory=dict)


def _policy_id(spec: TierSpec, index: int, policy: TierPolicy) -> str:
    return policy.ref.id if policy.ref is not None else f"{spec.name}#{index}"


def _rule_match(t: Terms, rule: ClassRule, peer_side: Any) -> Expr:
    """The rule's peers and ports hold (no peer entry: every peer)."""
    z3 = t.z3
    peers = z3.Or([t.peer(m.term, peer_side) for m in rule.peers]) if rule.peers else z3.BoolVal(True)
    return z3.And(peers, t.ports(rule.port_selections))


def _sides(t: Terms, direction: Direction) -> tuple[Any, Any]:
    """(subject side, peer side) of `direction`."""
    return (t.src, t.dst) if direction is Direction.EGRESS else (t.dst, t.src)


def _selects(t: Terms, literals: TierLiterals, direction: Direction, policy_id: str, policy: TierPolicy,
             definition: Expr, tracked: bool) -> Expr:
    """"The policy selects the subject": tracked, a literal defined once per (direction, policy)."""
    if not tracked:
        return definition
    z3 = t.z3
    key = (direction.value, policy_id)
    sel = literals.selects.get(key)
    if sel is None:
        sel = literals.selects[key] = z3.Bool(f"selects[{direction.value}:{policy_id}]")
        # Only "the policy selects the subject" is tracked: a core then names the policies whose
        # selecting (isolating, or applying their rules) a proof needs, not every one that does not.
        t.define(z3.Implies(sel, definition))
        t.track("policy", (policy.ref, direction), z3.Implies(definition, sel))
    return sel


def _admits(t: Terms, literals: TierLiterals, rule: ClassRule, match: Expr, tracked: bool) -> Expr:
    """"The rule admits the connection": tracked, a literal defined once per rule."""
    if not tracked:
        return match
    literal = literals.admits.get(rule.ref)
    if literal is None:
        literal = literals.admits[rule.ref] = t.z3.Bool(f"admits[{rule.ref}]")
        t.track("rule", rule.ref, literal == match)
    return literal


def isolating_tier(t: Terms, literals: TierLiterals, spec: TierSpec, direction: Direction,
                   tracked: bool) -> TierFormula | None:
    """An isolating tier of `direction` (None: no policy of that direction, the tier passes).

    It decides when some policy selects the subject (isolation) and allows what a selecting
    policy's rule admits. Untracked: the same formula with its definitions inline, so two policy
    sets with policies of the same name can share a connection. `final_if_selected` (the
    `--np-selection any` reading): a subject selected by a policy of the other direction only is
    decided here too, and allowed."""
    z3 = t.z3
    subject_side, peer_side = _sides(t, direction)
    selected: list[Expr] = []
    admitted: list[Expr] = []
    for i, tp in enumerate(spec.policies):
        rules = tp.rules(direction)
        if rules is None:
            continue
        sel = _selects(t, literals, direction, _policy_id(spec, i, tp), tp, t.selector(tp.subject, subject_side),
                       tracked)
        selected.append(sel)
        admits = [_admits(t, literals, rule, _rule_match(t, rule, peer_side), tracked)
                  for rule, action in rules if action is Action.ALLOW]  # an isolating tier's rules only allow
        if admits:
            admitted.append(z3.And(sel, z3.Or(admits)))
    if spec.final_if_selected:
        if not spec.policies:
            return None
        at_all = z3.Or([t.selector(tp.subject, subject_side) for tp in spec.policies])
        isolated = z3.Or(selected) if selected else z3.BoolVal(False)
        return TierFormula((*admitted, z3.And(at_all, z3.Not(isolated))), z3.Or(isolated, at_all))
    if not selected:
        return None
    return TierFormula(tuple(admitted), z3.Or(selected))


@dataclass(frozen=True)
class _FirstMatch:
    """A policy's (or a tie group's) first match: whether something matches, and then what it does."""

    any: Expr
    allow: Expr
    decides: Expr


def _chain(z3: Any, steps: Sequence[tuple[Expr, Action]]) -> _FirstMatch:
    """Rules in order: the first whose match holds decides."""
    allow = decides = z3.BoolVal(False)
    for match, action in reversed(steps):
        allow = z3.If(match, z3.BoolVal(action is Action.ALLOW), allow)
        decides = z3.If(match, z3.BoolVal(action is not Action.PASS), decides)
    return _FirstMatch(z3.Or([m for m, _ in steps]), allow, decides)


def _sequence(z3: Any, parts: Sequence[_FirstMatch]) -> _FirstMatch:
    allow = decides = z3.BoolVal(False)
    for part in reversed(parts):
        allow = z3.If(part.any, part.allow, allow)
        decides = z3.If(part.any, part.decides, decides)
    return _FirstMatch(z3.Or([p.any for p in parts]), allow, decides)


def _free_order(t: Terms, literals: TierLiterals, tier: str, priority: int, ids: tuple[str, ...],
                parts: Sequence[_FirstMatch]) -> _FirstMatch:
    """A tie group in every order: the first policy is the matching one with the smallest position."""
    z3 = t.z3
    key = (tier, priority, ids)
    found = literals.tie_groups.get(key)
    if found is None:
        order = tuple(z3.Int(f"tieOrder[{tier}:{pid}]") for pid in ids)
        t.define(z3.Distinct(*order))
        found = literals.tie_groups[key] = TieGroup(tier, priority, ids, order)
    firsts = []
    for i, part in enumerate(parts):
        earlier = [z3.Implies(other.any, found.order[j] > found.order[i]) for j, other in enumerate(parts) if j != i]
        firsts.append(z3.And(part.any, *earlier))
    return _FirstMatch(z3.Or([p.any for p in parts]),
                       z3.Or([z3.And(f, p.allow) for f, p in zip(firsts, parts, strict=True)]),
                       z3.Or([z3.And(f, p.decides) for f, p in zip(firsts, parts, strict=True)]))


def first_match_tier(t: Terms, literals: TierLiterals, spec: TierSpec, direction: Direction, tracked: bool,
                     every_order: bool) -> TierFormula | None:
    """A first-match tier of `direction` (None: no rule of that direction, the tier passes everything)."""
    z3 = t.z3
    subject_side, peer_side = _sides(t, direction)
    mine = [(i, tp) for i, tp in enumerate(spec.policies) if tp.rules(direction)]
    if not mine:
        return None
    parts: list[_FirstMatch] = []
    for priority, grouped in groupby(mine, key=lambda item: item[1].priority):
        group = list(grouped)
        policy_parts = []
        for _, tp in group:
            subject = t.selector(tp.subject, subject_side)
            steps = []
            for rule, action in tp.rules(direction) or ():
                match = z3.And(subject, _rule_match(t, rule, peer_side))
                if tracked:
                    literal = literals.matches.get(rule.ref)
                    if literal is None:
                        literal = literals.matches[rule.ref] = z3.Bool(f"matches[{rule.ref}]")
                        t.track("ordered-rule", rule.ref, literal == match)
                    match = literal
                steps.append((match, action))
            policy_parts.append(_chain(z3, steps))
        if every_order and priority is not None and len(group) > 1:
            ids = tuple(_policy_id(spec, i, tp) for i, tp in group)
            parts.append(_free_order(t, literals, spec.name, priority, ids, policy_parts))
        else:
            parts.extend(policy_parts)  # in evaluation order: the evaluator's tie-break
    result = _sequence(z3, parts)
    return TierFormula((result.allow,), result.decides)


def tier_formula(t: Terms, literals: TierLiterals, spec: TierSpec, direction: Direction, tracked: bool,
                 every_order: bool) -> TierFormula | None:
    """One tier of `direction` as a formula, however it decides (None: it passes everything)."""
    if spec.isolating:
        return isolating_tier(t, literals, spec, direction, tracked)
    return first_match_tier(t, literals, spec, direction, tracked, every_order)
