"""Assertions on both sides of a diff: which violations the change introduces, which it inherits.

The assertions (HEAD's file, the claims the change must satisfy) are proved on HEAD and on
BASE with the `check` machinery (netverify.queries.prove); the comparison says, for each
assertion violated on HEAD, whether BASE already violated it ("pre-existing") or the change
introduced it ("introduced"). An assertion the solver cannot decide on HEAD is "unknown",
never a pass. An assertion naming an endpoint that BASE does not have cannot be violated
there: a violation on HEAD is then introduced by the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from netverify.model import Diagnostic, Direction, InputError, SourceRef
from netverify.queries.context import Analysis
from netverify.queries.diff import DiffResult
from netverify.queries.path_check import PathVerdict

if TYPE_CHECKING:  # the prover imports z3 lazily, but keep even its modules out of plain diffs
    from netverify.engines.smt_types import Connection, SmtResult
    from netverify.queries.assertions import Assertion
    from netverify.queries.prove import ProveOptions

INTRODUCED, PRE_EXISTING, FIXED, HOLDS = "introduced", "pre-existing", "fixed", "holds"
UNKNOWN = "unknown"  # the solver could not decide on HEAD: exit 3, never a pass
VIOLATED = "violated"  # violated on HEAD; whether BASE violated it could not be decided
_DESCRIPTIONS = {INTRODUCED: "violated on HEAD, introduced by this change",
                 PRE_EXISTING: "violated on HEAD, already violated on BASE",
                 VIOLATED: "violated on HEAD; the solver could not decide BASE",
                 UNKNOWN: "could not be decided on HEAD (solver unknown or timeout): not a pass",
                 FIXED: "violated on BASE, holds on HEAD (fixed by this change)",
                 HOLDS: "holds on both sides"}


@dataclass(frozen=True)
class Verdict:
    """One assertion evaluated on one side."""

    name: str
    source: SourceRef
    violated: bool
    detail: str = ""  # why it is violated (a counterexample), undecided, or not evaluated
    unknown: bool = False  # the solver could not decide (then `violated` is False)
    absent: bool = False  # not evaluated: the assertion names an endpoint this side does not have


@dataclass(frozen=True)
class AssertionOutcome:
    name: str
    source: SourceRef
    status: str  # introduced | pre-existing | violated | unknown | fixed | holds
    detail: str = ""  # why it is violated or undecided on HEAD (or was violated on BASE, when fixed)
    on_base: str = ""  # violated | holds | undecided | absent (an endpoint BASE does not have); "" = from status

    @property
    def violated_on_head(self) -> bool:
        return self.status in (INTRODUCED, PRE_EXISTING, VIOLATED)

    @property
    def violated_on_base(self) -> bool | None:
        """None when BASE could not be decided."""
        if self.on_base:
            return None if self.on_base == "undecided" else self.on_base == "violated"
        return self.status in (PRE_EXISTING, FIXED)

    @property
    def unknown_on_head(self) -> bool:
        return self.status == UNKNOWN

    def describe(self) -> str:
        return _DESCRIPTIONS[self.status]

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "file": self.source.file, "line": self.source.line, "status": self.status,
                "violated_on_head": None if self.unknown_on_head else self.violated_on_head,
                "violated_on_base": self.violated_on_base, "base": self.on_base, "message": self.detail}


@dataclass(frozen=True)
class AssertionComparison:
    outcomes: tuple[AssertionOutcome, ...]

    @property
    def violated_on_head(self) -> bool:
        return any(o.violated_on_head for o in self.outcomes)

    @property
    def unknown_on_head(self) -> bool:
        return any(o.unknown_on_head for o in self.outcomes)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def summary(self) -> str:
        """E.g. `3 assertions: 1 violated (1 introduced, 0 pre-existing), 2 hold`."""
        violated = sum(1 for o in self.outcomes if o.violated_on_head)
        total = len(self.outcomes)
        text = (f"{total} assertion{'' if total == 1 else 's'}: {violated} violated on HEAD "
                f"({self.count(INTRODUCED)} introduced, {self.count(PRE_EXISTING)} pre-existing)")
        if self.count(UNKNOWN):
            text += f", {self.count(UNKNOWN)} undecided"
        return text + f", {self.count(HOLDS) + self.count(FIXED)} hold"

    def to_json(self) -> list[dict[str, object]]:
        return [o.to_json() for o in self.outcomes]


def compare(head: list[Verdict], base: list[Verdict]) -> AssertionComparison:
    """Pair each HEAD verdict with BASE's verdict of the same assertion (by name)."""
    on_base = {v.name: v for v in base}
    outcomes = []
    for v in head:
        was = on_base.get(v.name)
        before = "absent" if was is None or was.absent else "undecided" if was.unknown else \
            "violated" if was.violated else "holds"
        if v.unknown:
            status, detail = UNKNOWN, v.detail
        elif v.violated:
            status = {"undecided": VIOLATED, "violated": PRE_EXISTING}.get(before, INTRODUCED)
            detail = v.detail
        else:
            status, detail = (FIXED, f"on BASE, {was.detail}") if was is not None and before == "violated" \
                else (HOLDS, "")
        outcomes.append(AssertionOutcome(v.name, v.source, status, detail, before))
    return AssertionComparison(tuple(outcomes))


# --- evaluation with the check machinery --------------------------------------------------------


def evaluate(analysis: Analysis, assertions: Sequence[Assertion], options: ProveOptions) -> list[Verdict]:
    """Prove every assertion on one side; raises InputError for an endpoint that does not resolve."""
    from netverify.queries.prove import check_assertions

    result = check_assertions(analysis, assertions, options)
    return [_path_verdict(o.assertion, o.result) if isinstance(o.result, PathVerdict) else
            _verdict(o.assertion, o.result) for o in result.outcomes]


def evaluate_base(analysis: Analysis, assertions: Sequence[Assertion], options: ProveOptions) -> list[Verdict]:
    """Like evaluate, but an assertion naming an endpoint BASE does not have is not violated there."""
    try:
        return evaluate(analysis, assertions, options)
    except InputError as exc:
        missing = _named_assertions(exc.diagnostics, assertions)
        if not missing:
            raise
    rest = [a for a in assertions if a.name not in missing]
    verdicts = {v.name: v for v in (evaluate(analysis, rest, options) if rest else [])}
    return [verdicts.get(a.name) or Verdict(a.name, a.source, False, f"not evaluated on BASE: {missing[a.name]}",
                                            absent=True) for a in assertions]


def _named_assertions(diagnostics: list[Diagnostic], assertions: Sequence[Assertion]) -> dict[str, str]:
    """The assertions the diagnostics are about (check_assertions names them `assertion NAME`)."""
    names = {f"assertion {a.name}": a.name for a in assertions}
    out: dict[str, str] = {}
    for d in diagnostics:
        if d.obj not in names:
            return {}  # a problem that is not about one assertion: report it as it is
        out.setdefault(names[d.obj], d.message)
    return out


def _path_verdict(a: Assertion, result: PathVerdict) -> Verdict:
    """A path assertion (issue 18): violated with its path as the detail."""
    if result.status == "unknown":
        return Verdict(a.name, a.source, False, "the solver could not decide the one-hop part", unknown=True)
    if result.status == "holds":
        return Verdict(a.name, a.source, False)
    shown = result.path
    if shown is None or not shown.paths:
        return Verdict(a.name, a.source, True, "no path" if result.expect == "reachable" else "the one hop is allowed")
    hops = shown.paths[0]
    names = [hops[0].src_name, *(h.dst.id for h in hops)] if hops else []
    return Verdict(a.name, a.source, True, f"path of {len(hops)} hops: " + " -> ".join(names))


def _verdict(a: Assertion, result: SmtResult) -> Verdict:
    from netverify.engines.smt_types import Refuted, Unknown

    if isinstance(result, Unknown):
        return Verdict(a.name, a.source, False, f"the solver could not decide ({result.reason or 'unknown'})",
                       unknown=True)
    if not isinstance(result, Refuted):
        return Verdict(a.name, a.source, False)
    if result.counterexample is not None:
        return Verdict(a.name, a.source, True, "counterexample: " + _connection(result.counterexample))
    rules = [str(r) for r in result.proof.rules] if result.proof else []
    return Verdict(a.name, a.source, True, "no connection is possible" +
                   (f"; rules that do not admit it: {'; '.join(rules)}" if rules else ""))


def _connection(c: Connection) -> str:
    """One line: who, which port, allowed or denied, and the rules or policies that decide it."""
    from netverify.engines.smt_types import endpoint_text  # only when assertions were proved

    head = (f"{endpoint_text(c.src, c.src_synthesized, detail=False)} -> "
            f"{endpoint_text(c.dst, c.dst_synthesized, detail=False)} on {c.port}/{c.protocol}")
    if c.allowed:
        rules = [str(m.rule) for v in c.deciding() for m in v.matches if m.allowed.allows(c.protocol, c.port)]
        why = f" by rule {'; '.join(rules)}" if rules else " (no policy isolates it)"
        return f"{head} is allowed{why}"
    policies = [f"{p} isolates the {'source' if v.direction == Direction.EGRESS else 'destination'}"
                for v in c.deciding() for p in v.policies]
    return f"{head} is denied" + (f": {'; '.join(policies)}, and no rule admits it" if policies else "")


def compare_assertions(result: DiffResult, assertions: Sequence[Assertion], base: Analysis, head: Analysis,
                       options: ProveOptions) -> DiffResult:
    """The diff with its assertions proved on HEAD (input errors there are raised) and on BASE."""
    on_head = evaluate(head, assertions, options)
    return replace(result, assertions=compare(on_head, evaluate_base(base, assertions, options)))
