"""The SMT encoder folds tiers as the verdict grammar does (semantics/verdict.py's `fold`): for every
combination of per-tier outcomes (allow, deny, pass) of one connection, the folded formula is true
exactly when `verdict.fold` allows that connection."""

from __future__ import annotations

import itertools

import pytest

from netverify.engines.smt_encode import TierFormula, fold_tiers
from netverify.engines.smt_vocabulary import load_z3
from netverify.semantics.verdict import Action, Decision, fold
from netverify.sets import ConnectionSet

ONE = ConnectionSet.of("TCP", 80, 80)  # the connection
NONE = ConnectionSet.none()


def decision(outcome: Action) -> Decision:
    return Decision("T", ONE if outcome is Action.ALLOW else NONE, ONE if outcome is Action.DENY else NONE)


@pytest.mark.parametrize("default", [Action.ALLOW, Action.DENY])
@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_fold_tiers_agrees_with_the_verdict_fold(n: int, default: Action) -> None:
    z3 = load_z3()
    for outcomes in itertools.product(list(Action), repeat=n):
        tiers = [TierFormula((z3.BoolVal(o is Action.ALLOW),), z3.BoolVal(o is not Action.PASS)) for o in outcomes]
        formula = fold_tiers(z3, tiers, default_allow=default is Action.ALLOW)
        expected = fold([decision(o) for o in outcomes], default).allows("TCP", 80)
        assert z3.is_true(z3.simplify(formula)) == expected, (outcomes, default)
