"""Every answer has one outcome, and the CLI maps each outcome to the exit code of the interface
(0 pass/allowed, 1 violation/denied, 3 solver unknown) in one place."""

from __future__ import annotations

from netverify.cli.common import exit_code
from netverify.queries.outcome import Outcome


def test_a_claim_that_holds_passes_one_that_does_not_fails_and_none_is_unknown() -> None:
    assert Outcome.of(True) is Outcome.PASS
    assert Outcome.of(False) is Outcome.FAIL
    assert Outcome.of(None) is Outcome.UNKNOWN


def test_every_outcome_has_its_exit_code() -> None:
    assert {o: exit_code(o) for o in Outcome} == {Outcome.PASS: 0, Outcome.FAIL: 1, Outcome.UNKNOWN: 3}
