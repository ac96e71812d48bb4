"""Assertions on both sides of a diff: which violations the change introduces, which it inherits.

Assertions are evaluated with the `check` machinery (netverify.queries.assertions) on HEAD
and on BASE; the comparison says, for each assertion violated on HEAD, whether BASE
already violated it ("pre-existing") or the change introduced it ("introduced").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import import_module
from typing import Any

from netverify.model import SourceRef
from netverify.queries.context import Analysis
from netverify.queries.diff import DiffResult

INTRODUCED, PRE_EXISTING, FIXED, HOLDS = "introduced", "pre-existing", "fixed", "holds"


class AssertionsUnavailable(Exception):
    """The check machinery (issue 3) is not part of this build."""


@dataclass(frozen=True)
class Verdict:
    """One assertion evaluated on one side."""

    name: str
    source: SourceRef
    violated: bool
    detail: str = ""


@dataclass(frozen=True)
class AssertionOutcome:
    name: str
    source: SourceRef
    status: str  # introduced | pre-existing | fixed | holds
    detail: str = ""  # why it is violated on HEAD (or was on BASE, when fixed)

    @property
    def violated_on_head(self) -> bool:
        return self.status in (INTRODUCED, PRE_EXISTING)

    def describe(self) -> str:
        return {INTRODUCED: "violated on HEAD, introduced by this change",
                PRE_EXISTING: "violated on HEAD, already violated on BASE",
                FIXED: "violated on BASE, holds on HEAD (fixed by this change)",
                HOLDS: "holds on both sides"}[self.status]

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "file": self.source.file, "line": self.source.line, "status": self.status,
                "violated_on_head": self.violated_on_head,
                "violated_on_base": self.status in (PRE_EXISTING, FIXED), "message": self.detail}


@dataclass(frozen=True)
class AssertionComparison:
    outcomes: tuple[AssertionOutcome, ...]

    @property
    def violated_on_head(self) -> bool:
        return any(o.violated_on_head for o in self.outcomes)

    def to_json(self) -> list[dict[str, object]]:
        return [o.to_json() for o in self.outcomes]


def compare(head: list[Verdict], base: list[Verdict]) -> AssertionComparison:
    """Pair each HEAD verdict with BASE's verdict of the same assertion (by name)."""
    base_violated = {v.name: v for v in base if v.violated}
    outcomes = []
    for v in head:
        was = base_violated.get(v.name)
        if v.violated:
            status = PRE_EXISTING if was is not None else INTRODUCED
            outcomes.append(AssertionOutcome(v.name, v.source, status, v.detail))
        else:
            outcomes.append(AssertionOutcome(v.name, v.source, FIXED if was else HOLDS, was.detail if was else ""))
    return AssertionComparison(tuple(outcomes))


def _evaluate(path: str, analysis: Analysis) -> list[Verdict]:
    """Adapter onto the check machinery; raises AssertionsUnavailable when it is not installed."""
    try:
        assertions: Any = import_module("netverify.queries.assertions")
    except ModuleNotFoundError as exc:
        if exc.name != "netverify.queries.assertions":
            raise
        raise AssertionsUnavailable("--assertions needs the check machinery (netverify check), "
                                    "which this build does not have yet") from None
    raise AssertionsUnavailable(f"--assertions: unsupported check machinery API in {assertions.__name__}")


def compare_assertions(result: DiffResult, path: str, base: Analysis, head: Analysis) -> DiffResult:
    return replace(result, assertions=compare(_evaluate(path, head), _evaluate(path, base)))
