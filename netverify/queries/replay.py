"""Replay what the SMT engine found through the evaluator.

The engine decodes a model into a `Found` connection and never evaluates it (engines/smt.py);
here it is evaluated with the inventory's tiers, in the order of equal-priority admin policies the
model used, and becomes a `Connection` with its explanation. A model the evaluator disagrees
with is a bug in the encoding: `ReplayMismatch` (exit 4), never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Protocol, runtime_checkable

from netverify.engines.smt_types import Connection, Found, Proved, Refuted, ReplayMismatch, SmtResult
from netverify.semantics.evaluate import PairVerdict, decide_pair
from netverify.semantics.verdict import Tier


@runtime_checkable
class OrderableTier(Protocol):
    """A tier whose equal priorities have no defined order (semantics/admin_tier.AdminPolicyTier):
    it can be put in the order a solver model used."""

    def in_order(self, positions: Mapping[str, int]) -> Tier: ...


class Replayer:
    """Evaluates decoded connections with one policy set's tiers (semantics/evaluate.tiers_of)."""

    def __init__(self, tiers: Sequence[Tier]) -> None:
        self.tiers_in_order = tuple(tiers)

    def tiers(self, found: Found) -> tuple[Tier, ...]:
        """The evaluator's tiers, with equal priorities in the model's order."""
        if not found.positions:
            return self.tiers_in_order
        at = dict(found.positions)
        return tuple(t.in_order(at) if isinstance(t, OrderableTier) else t for t in self.tiers_in_order)

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
                f"{found.found_by} found {conn.src.id} -> {conn.dst.id} {conn.port}/{conn.protocol} "
                f"{'allowed' if expected_allowed else 'denied'}{order}, the evaluator says "
                f"{'allowed' if conn.allowed else 'denied'}")
        return conn
