"""The verdict's fold over tiers, as formulas (semantics/verdict.py's `fold`, symbolically).

Shared by the NetworkPolicy tier (smt_encode) and the Admin and Baseline tiers (smt_admin).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from netverify.engines.smt_vocabulary import Expr


@dataclass(frozen=True)
class TierFormula:
    """One tier of one direction as formulas (semantics/verdict.py's Decision, symbolically).

    The tier allows where some `allow` term holds and decides where `decides` holds: it denies
    `decides AND NOT allow` and passes the rest (`NOT decides`) to the next tier. Every allow term
    implies `decides`.
    """

    allow: tuple[Expr, ...]
    decides: Expr


def fold_tiers(z3: Any, tiers: Sequence[TierFormula], default_allow: bool = True) -> Expr:
    """verdict.fold as a formula: the first tier that decides a connection decides it, the default
    where every tier passes. With the default allow, the last tier is `NOT decides OR allow`; for a
    NetworkPolicy-only inventory that is exactly the isolation formula (nothing else changes)."""
    result: Expr = None
    for tier in reversed(tiers):
        if result is None and default_allow:
            result = z3.Or(z3.Not(tier.decides), *tier.allow)
        else:
            rest = z3.BoolVal(False) if result is None else result
            result = z3.Or(*tier.allow, z3.And(z3.Not(tier.decides), rest))
    return z3.BoolVal(default_allow) if result is None else result
