"""Replay what the SMT engine found through the evaluator.

The engine decodes a model into a `Found` connection and never evaluates it (engines/smt.py);
here it is evaluated with the inventory's tiers, in the order of equal-priority admin policies the
model used, and becomes a `Connection` with its explanation. A model the evaluator disagrees
with is a bug in the encoding: `ReplayMismatch` (exit 4), never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from netverify.engines.smt_types import Connection, Found, Proved, Refuted, ReplayMismatch, SmtResult
from netverify.semantics.admin_compile import CompiledAdminPolicy
from netverify.semantics.compile import CompiledPolicy
from netverify.semantics.evaluate import PairVerdict, evaluate_pair
from netverify.semantics.tiered import tiered_pair
from netverify.sets import ConnectionSet


def in_order(admin: Sequence[CompiledAdminPolicy],
             positions: Sequence[tuple[str, int]]) -> tuple[CompiledAdminPolicy, ...]:
    """The admin policies in evaluation order with equal priorities ordered by `positions` (a
    model's order; the name breaks the remaining ties, as the evaluator does)."""
    at = dict(positions)
    return tuple(sorted(admin, key=lambda p: (p.policy.tier.value, p.policy.priority or 0,
                                              at.get(p.policy.id, 0), p.policy.name)))


class Replayer:
    """Evaluates decoded connections with one policy set (NetworkPolicies and admin policies)."""

    def __init__(self, policies: Sequence[CompiledPolicy], admin: Sequence[CompiledAdminPolicy] = ()) -> None:
        self.policies = tuple(policies)
        self.admin = tuple(admin)

    def verdict(self, found: Found) -> tuple[PairVerdict, ConnectionSet]:
        """The evaluator's verdict and what it allows, in the model's order of equal priorities."""
        verdict = evaluate_pair(self.policies, found.src, found.dst)
        if not self.admin:
            return verdict, verdict.allowed
        tiered = tiered_pair(self.policies, in_order(self.admin, found.positions), found.src, found.dst)
        return verdict, tiered.allowed

    def connection(self, found: Found) -> Connection:
        verdict, allowed = self.verdict(found)
        return Connection(found.src, found.dst, found.protocol, found.port, allowed.allows(found.protocol, found.port),
                          verdict, found.src_synthesized, found.dst_synthesized, found.order_text)

    def result(self, result: SmtResult) -> SmtResult:
        """The result with its decoded connection replayed; raises ReplayMismatch when the evaluator
        disagrees with the solver."""
        if isinstance(result, Proved) and result.found is not None:
            return replace(result, witness=self._checked(result.found, True))
        if isinstance(result, Refuted) and result.found is not None:
            return replace(result, counterexample=self._checked(result.found, result.query.expect != "allow"))
        return result

    def _checked(self, found: Found, expected_allowed: bool) -> Connection:
        conn = self.connection(found)
        if conn.allowed != expected_allowed:
            order = f" (order: {'; '.join(found.order_text)})" if found.order_text else ""
            raise ReplayMismatch(
                f"the solver found {conn.src.id} -> {conn.dst.id} {conn.port}/{conn.protocol} "
                f"{'allowed' if expected_allowed else 'denied'}{order}, the evaluator says "
                f"{'allowed' if conn.allowed else 'denied'}")
        return conn
