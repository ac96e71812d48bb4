"""Assertions across a diff: a violation on HEAD is `introduced` by the change or `pre-existing` on BASE."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from netverify import report
from netverify.model import SourceRef
from netverify.queries.diff import DiffResult
from netverify.queries.diff_assertions import (
    FIXED,
    HOLDS,
    INTRODUCED,
    PRE_EXISTING,
    UNKNOWN,
    VIOLATED,
    AssertionComparison,
    Verdict,
    compare,
)

WHERE = SourceRef("assertions.yaml", 3)


def verdicts(**violated: bool) -> list[Verdict]:
    return [Verdict(name, WHERE, v, f"{name} is violated" if v else "") for name, v in violated.items()]


def test_each_status() -> None:
    result = compare(head=verdicts(a=True, b=True, c=False, d=False), base=verdicts(a=False, b=True, c=True, d=False))
    assert [(o.name, o.status) for o in result.outcomes] == [
        ("a", INTRODUCED), ("b", PRE_EXISTING), ("c", FIXED), ("d", HOLDS)]
    assert result.violated_on_head


def test_an_assertion_new_in_the_change_and_violated_is_introduced() -> None:
    result = compare(head=verdicts(new=True), base=[])
    assert result.outcomes[0].status == INTRODUCED


def undecided(*names: str) -> list[Verdict]:
    return [Verdict(name, WHERE, False, "the solver could not decide (timeout)", unknown=True) for name in names]


def test_undecided_on_head_is_unknown_whatever_base_says() -> None:
    result = compare(head=undecided("a", "b"), base=verdicts(a=True) + undecided("b"))
    assert [(o.status, o.violated_on_head, o.violated_on_base) for o in result.outcomes] == [
        (UNKNOWN, False, True), (UNKNOWN, False, None)]
    assert result.unknown_on_head and not result.violated_on_head
    assert result.outcomes[0].to_json()["violated_on_head"] is None


def test_violated_on_head_with_base_undecided_is_neither_introduced_nor_pre_existing() -> None:
    (outcome,) = compare(head=verdicts(a=True), base=undecided("a")).outcomes
    assert (outcome.status, outcome.violated_on_head, outcome.violated_on_base) == (VIOLATED, True, None)
    assert outcome.describe() == "violated on HEAD; the solver could not decide BASE"


def test_an_assertion_not_evaluable_on_base_is_introduced_when_violated() -> None:
    absent = [Verdict("a", WHERE, False, "not evaluated on BASE: no endpoint shop/Deployment/new", absent=True)]
    (outcome,) = compare(head=verdicts(a=True), base=absent).outcomes
    assert (outcome.status, outcome.on_base, outcome.violated_on_base) == (INTRODUCED, "absent", False)


def test_the_summary_counts_each_kind() -> None:
    result = compare(head=verdicts(a=True, b=True, c=False) + undecided("d"), base=verdicts(a=False, b=True, c=True))
    assert result.summary() == "4 assertions: 2 violated on HEAD (1 introduced, 1 pre-existing), 1 undecided, 1 hold"


def test_only_fixed_or_holding_assertions_pass() -> None:
    assert not compare(head=verdicts(a=False, b=False), base=verdicts(a=True, b=False)).violated_on_head


@pytest.fixture
def with_assertions() -> DiffResult:
    comparison = compare(head=verdicts(web_isolated=True, db_private=True, dns_open=False),
                         base=verdicts(web_isolated=False, db_private=True, dns_open=True))
    return replace(DiffResult("main", "working tree"), assertions=comparison)


def render(result: DiffResult, fmt: str) -> str:
    out = io.StringIO()
    report.write(result, fmt, out)
    return out.getvalue()


def test_text_and_markdown_say_introduced_or_pre_existing(with_assertions: DiffResult) -> None:
    text = render(with_assertions, "text")
    assert "FAIL web_isolated (assertions.yaml:3): violated on HEAD, introduced by this change" in text
    assert "FAIL db_private (assertions.yaml:3): violated on HEAD, already violated on BASE" in text
    assert "ok dns_open (assertions.yaml:3): violated on BASE, holds on HEAD (fixed by this change)" in text
    md = render(with_assertions, "md")
    assert "— **failed**" in md.splitlines()[0]
    assert "| **FAIL** | web_isolated | `assertions.yaml:3` | violated on HEAD, introduced by this change" in md


def test_json_sarif_and_junit_carry_the_assertions(with_assertions: DiffResult) -> None:
    data = json.loads(render(with_assertions, "json"))
    assert [(a["name"], a["status"], a["violated_on_head"], a["violated_on_base"]) for a in data["assertions"]] == [
        ("web_isolated", "introduced", True, False), ("db_private", "pre-existing", True, True),
        ("dns_open", "fixed", False, True)]
    sarif = json.loads(render(with_assertions, "sarif"))
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("assertion-violated", "error"),
                                                            ("assertion-violated", "warning")]
    junit = render(with_assertions, "junit")
    assert junit.count("<failure") == 2 and 'name="dns_open"' in junit


def test_an_empty_comparison_is_not_a_failure() -> None:
    result = replace(DiffResult("a", "b"), assertions=AssertionComparison(()))
    assert not result.assertions.violated_on_head
