"""SMT comparison engines: equiv, contains and redundancy between policy sets (issue 6).

Each is an `SmtEngine` over one inventory that looks for a connection meeting a goal
(allowed by exactly one set, or changed by removing a rule); unsat is the proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from netverify.engines.smt import DEFAULT_TIMEOUT_S, SmtEngine
from netverify.engines.smt_types import Found, Proof, Query, Side
from netverify.engines.smt_vocabulary import Expr
from netverify.model import Direction, Labels
from netverify.semantics.class_tiers import TierSpec
from netverify.semantics.compile import Observations, RuleRef
from netverify.semantics.endpoints import Endpoint
from netverify.sets import IPSet

ComparisonWitness = Found  # a concrete connection found by a comparison (the caller replays it)


@dataclass(frozen=True)
class ComparisonOutcome:
    """`holds` (proved: no connection distinguishes), `fails` (with a witness) or `unknown`."""

    status: str
    witness: ComparisonWitness | None = None
    proof: Proof | None = None  # for redundancy: the rules and policies that cover what was removed
    reason: str = ""


class _GoalSolver(SmtEngine):
    """Shared by the comparison engines: find a connection between two sides that meets a goal."""

    def _find(self, goal: Expr, src: Side, dst: Side) -> tuple[str, ComparisonWitness | None, Proof | None, str]:
        src_members, dst_members = self._members_by_class(src), self._members_by_class(dst)
        domain = [self._side_domain(self.enc.src, src, src_members), self._side_domain(self.enc.dst, dst, dst_members)]
        domain += self._self_exclusions(src_members, dst_members) + self._distinct_endpoints(src, dst)
        s = self.solver
        s.push()
        try:
            s.add(*domain, goal)
            status = s.check(*self.enc.guards)
            if status == self.z3.unknown:
                return "unknown", None, None, s.reason_unknown()
            if status == self.z3.unsat:
                return "holds", None, self._proof(self._core()), ""
            model = self._readable_model()
            return "fails", self.found(model, src_members, dst_members, "new-namespace"), None, ""
        finally:
            while s.num_scopes() > 0:
                s.pop()

    def _readable_model(self) -> Any:
        """Keep each wish for a readable model that the goal allows, one at a time (a non-minimal core
        would drop wishes, e.g. a private IPv4 address, that do not conflict at all)."""
        s, z3 = self.solver, self.z3
        for wish in self._preferences():
            s.push()
            s.add(wish)
            if s.check(*self.enc.guards) != z3.sat:
                s.pop()
        s.check(*self.enc.guards)
        return s.model()


class PolicySetComparator(_GoalSolver):
    """Two policy sets over one inventory and one symbolic connection.

    equiv:    a connection allowed by exactly one of the sets (allowed_L XOR allowed_R)
    contains: a connection the right set allows and the left one does not (R AND NOT L)
    unsat is the proof. Both sets are encoded without tracked definitions, so nothing is shared
    between them but the connection's variables, and the order of equal-priority policies:
    a policy both sets have takes one position in both (an implementation orders it the same way
    whichever version it runs), and every such order is considered.
    """

    def __init__(self, left: Sequence[TierSpec], right: Sequence[TierSpec], endpoints: Sequence[Endpoint],
                 namespaces: Sequence[tuple[str, Labels]], hypothetical_namespaces: bool = False,
                 timeout_s: float | None = DEFAULT_TIMEOUT_S, *, observations: Observations,
                 preferred_pod_cidr: IPSet | None = None, node_ips: IPSet | None = None,
                 rlimit: int | None = None) -> None:
        """`left`, `right`: each set's tiers (semantics/class_tiers.specs_of); `observations`: what
        either set observes of an endpoint (the vocabulary covers both)."""
        # An engine with no tier of its own, over a vocabulary that covers both sets.
        super().__init__((), endpoints, namespaces, (), hypothetical_namespaces, timeout_s,
                         observations=observations, preferred_pod_cidr=preferred_pod_cidr, node_ips=node_ips,
                         rlimit=rlimit)
        defined = len(self.enc.base)
        self.allowed_left = self.enc.allowed_by(left, tracked=False)
        self.allowed_right = self.enc.allowed_by(right, tracked=False)
        self.solver.add(*self.enc.base[defined:])  # the tie groups' orders, defined while encoding the sets

    def compare(self, relation: str, src: Side, dst: Side) -> ComparisonOutcome:
        """relation "equiv" or "contains" (left allows at least what right allows)."""
        z3 = self.z3
        if relation == "equiv":
            goal = z3.Xor(self.allowed_left, self.allowed_right)
        else:
            goal = z3.And(self.allowed_right, z3.Not(self.allowed_left))
        status, witness, _, reason = self._find(goal, src, dst)
        return ComparisonOutcome(status, witness, None, reason)


class RedundancyProver(_GoalSolver):
    """Whether removing a NetworkPolicy rule or policy changes any allowed connection between two sides.

    The tiers' formula is the engine's own (tracked: Admin -> NetworkPolicy -> Baseline, as check
    folds them), and "without it" is the same formula with the removed rule's `admits` (or the
    removed policy's `selects`) replaced by false inside the NetworkPolicy tier: the only
    connections that can change are those, and an unsat core names the rules and policies (of
    every tier) that still cover them. A pod a removed policy no longer isolates falls through to
    the Baseline tier, as the fold says. Equal admin priorities (undefined order) share one free
    order in both formulas, so a change under any order is a witness: "holds" means the removal
    changes nothing under every order.
    """

    def __init__(self, tiers: Sequence[TierSpec], endpoints: Sequence[Endpoint],
                 namespaces: Sequence[tuple[str, Labels]], queries: Sequence[Query] = (),
                 hypothetical_namespaces: bool = False, timeout_s: float | None = DEFAULT_TIMEOUT_S, *,
                 observations: Observations, node_ips: IPSet | None = None) -> None:
        """`tiers`: the inventory's tiers in evaluation order (semantics/class_tiers.specs_of of
        Analysis.tiers); `observations`: what the policies of every tier observe of an endpoint
        (Analysis.observations: compile.observe with admin_compile.admin_observations)."""
        super().__init__(tiers, endpoints, namespaces, queries, hypothetical_namespaces, timeout_s,
                         observations=observations, node_ips=node_ips)

    def without(self, rules: Sequence[RuleRef] = (), selects: Sequence[tuple[str, str]] = ()) -> Expr:
        """The allowed formula with `rules` removed and the NetworkPolicies (direction, id) in `selects`
        removed from that direction (no longer selecting, so no longer isolating)."""
        z3 = self.z3
        if selects and any(s.final_if_selected for s in self.tiers):
            # `--np-selection any`: a policy selecting a pod for one direction decides the other one
            # too, through its selector rather than a literal; encode the reduced tiers instead.
            return self.enc.allowed_by(_reduced(self.tiers, set(rules), set(selects)), tracked=False)
        false = z3.BoolVal(False)
        # A rule or policy the encoding has no literal for (no rule of that direction) changes nothing.
        admits, selecting = self.enc.admits_literals, self.enc.selects_literals
        pairs = [(admits[r], false) for r in rules if r in admits]
        pairs += [(selecting[(d, pid)], false) for d, pid in selects if (d, pid) in selecting]
        return z3.substitute(self.enc.allowed, *pairs) if pairs else self.enc.allowed

    def changes(self, reduced: Expr, src: Side, dst: Side) -> ComparisonOutcome:
        """`holds` when `reduced` allows exactly what the full set allows between the sides, with the
        proof naming what covers the difference; `fails` with a connection that changes."""
        goal = self.z3.Xor(self.enc.allowed, reduced)
        status, witness, proof, reason = self._find(goal, src, dst)
        return ComparisonOutcome(status, witness, proof, reason)


def _reduced(tiers: Sequence[TierSpec], rules: set[RuleRef], selects: set[tuple[str, str]]) -> tuple[TierSpec, ...]:
    """The isolating tiers without `rules` and with the policies (direction, id) in `selects` removed
    from that direction (a policy left with no direction is dropped)."""
    out = []
    for spec in tiers:
        if not spec.isolating:
            out.append(spec)
            continue
        policies = []
        for tp in spec.policies:
            pid = tp.ref.id if tp.ref is not None else None
            sides = {}
            for d in (Direction.INGRESS, Direction.EGRESS):
                ruled = tp.rules(d)
                if ruled is not None and (d.value, pid) not in selects:
                    sides[d] = tuple((r, a) for r, a in ruled if r.ref not in rules)
            if sides:
                policies.append(replace(tp, ingress=sides.get(Direction.INGRESS), egress=sides.get(Direction.EGRESS)))
        out.append(replace(spec, policies=tuple(policies)))
    return tuple(out)
