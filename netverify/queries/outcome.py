"""One outcome for every answer: the claim holds (or the connection is allowed), fails, or the
solver could not decide. Each result exposes `outcome`; the CLI maps outcomes to exit codes in
one place (cli/common.py: PASS 0, FAIL 1, UNKNOWN 3)."""

from __future__ import annotations

from enum import Enum


class Outcome(Enum):
    PASS = "pass"  # holds / allowed / no finding that fails
    FAIL = "fail"  # fails / denied / a violation
    UNKNOWN = "unknown"  # the solver could not decide (never a pass)

    @classmethod
    def of(cls, holds: bool | None) -> Outcome:
        """PASS for True, FAIL for False, UNKNOWN for None."""
        if holds is None:
            return cls.UNKNOWN
        return cls.PASS if holds else cls.FAIL
