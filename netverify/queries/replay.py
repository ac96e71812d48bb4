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
from netverify.model import AdminTier
from netverify.semantics.admin_compile import CompiledAdminPolicy
from netverify.semantics.admin_tier import AdminPolicyTier
from netverify.semantics.compile import CompiledPolicy
from netverify.semantics.evaluate import PairVerdict, decide_pair, tiers_of
from netverify.semantics.netpol_tier import NetworkPolicySelection, NetworkPolicyTier
from netverify.semantics.verdict import Tier


def in_order(admin: Sequence[CompiledAdminPolicy],
             positions: Sequence[tuple[str, int]]) -> tuple[CompiledAdminPolicy, ...]:
    """The admin policies in evaluation order with equal priorities ordered by `positions` (a
    model's order; the name breaks the remaining ties, as the evaluator does)."""
    at = dict(positions)
    return tuple(sorted(admin, key=lambda p: (p.policy.priority or 0, at.get(p.policy.id, 0), p.policy.name)))


class Replayer:
    """Evaluates decoded connections with one policy set (NetworkPolicies and admin policies)."""

    def __init__(self, policies: Sequence[CompiledPolicy], admin: Sequence[CompiledAdminPolicy] = (),
                 selection: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION) -> None:
        self.policies = tuple(policies)
        self.admin = tuple(admin)
        self.selection = selection

    def tiers(self, found: Found) -> tuple[Tier, ...]:
        """The evaluator's tiers (semantics.evaluate.tiers_of), with equal priorities in the model's order."""
        if not found.positions:
            return tiers_of(self.policies, self.admin, self.selection)
        ordered = in_order(self.admin, found.positions)
        return (AdminPolicyTier(AdminTier.ADMIN, tuple(p for p in ordered if p.policy.tier is AdminTier.ADMIN)),
                NetworkPolicyTier(self.policies, self.selection),
                AdminPolicyTier(AdminTier.BASELINE, tuple(p for p in ordered if p.policy.tier is AdminTier.BASELINE)))

    def verdict(self, found: Found) -> PairVerdict:
        """The evaluator's verdict, in the model's order of equal priorities."""
        return decide_pair(self.tiers(found), found.src, found.dst)

    def connection(self, found: Found) -> Connection:
        verdict = self.verdict(found)
        return Connection(found.src, found.dst, found.protocol, found.port,
                          verdict.allowed.allows(found.protocol, found.port), verdict, found.src_synthesized,
                          found.dst_synthesized, found.order_text)

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
