"""The diff's reports of a large change: every cause on one screen, a pull-request comment under GitHub's limit.

A change the size of the issue's example (145 causes, thousands of changes naming thousands of
endpoints) is built directly as a DiffResult, so the test is about the reports alone.
"""

from __future__ import annotations

import io
import json

from netverify import report
from netverify.model import SourceRef
from netverify.queries.diff import Change, DiffResult
from netverify.queries.diff_cause import Cause
from netverify.queries.diff_sets import members
from netverify.sets import ConnectionSet

GITHUB_COMMENT_LIMIT = 65_536  # characters


def endpoints(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(sorted(f"{prefix}-{i % 7}/Deployment/{prefix}-workload-{i}" for i in range(n)))


def large_diff() -> DiffResult:
    changes = []
    for k in range(145):
        cause = Cause("rule", "admits", f"team-{k}/allow-{k}",
                      f"rule team-{k}/allow-{k} ingress[0] now admits TCP:1-65535 (policy modified)",
                      SourceRef("manifests/policies.yaml", 10 + k), direction="ingress", rule=0)
        for j in range(20):
            changes.append(Change(endpoints(f"src{k}", 12 + j), endpoints(f"dst{k}-{j}", 40), ConnectionSet.none(),
                                  ConnectionSet.of("TCP", 1, 65535 - j), (cause,)))
    changes.sort(key=Change.order)
    return DiffResult("main", "working tree", tuple(changes), compared=10_000, fail_on="added")


def written(result: DiffResult, fmt: str) -> str:
    out = io.StringIO()
    report.write(result, fmt, out)
    return out.getvalue()


def test_the_comment_names_every_cause_and_stays_under_githubs_limit() -> None:
    result = large_diff()
    md = written(result, "md")
    assert len(md) < GITHUB_COMMENT_LIMIT
    assert md.startswith("### netverify: ") and "**failed**" in md.splitlines()[0]
    for k in range(145):
        assert f"rule team-{k}/allow-{k} ingress[0] now admits TCP:1-65535" in md
    shown = md.count("\n| + | team-")  # rows of the changes table
    assert 0 < shown < len(result.changes)
    assert f"…and {len(result.changes) - shown:,} more changes: the JSON report" in md


def test_sets_are_summarised_by_namespace_with_a_count() -> None:
    text = written(large_diff(), "text")
    assert "40 endpoints in 7 namespaces: " in text and "… 3 more" in text
    assert "src0-workload-0" in text and "src0-workload-30" not in text  # the first few names only


def test_sarif_has_one_result_per_cause_and_junit_one_case_per_change() -> None:
    result = large_diff()
    sarif = json.loads(written(result, "sarif"))
    results = sarif["runs"][0]["results"]
    assert len(results) == 145
    assert all(r["level"] == "error" for r in results)  # every cause adds traffic: --fail-on added
    junit = written(result, "junit")
    assert junit.count("<testcase ") == len(result.changes) == 2900


def test_the_json_names_every_endpoint_of_every_change() -> None:
    result = large_diff()
    data = json.loads(written(result, "json"))
    assert data["summary"]["changes"] == 2900 and data["summary"]["causes"] == 145
    assert sum(c["pairs"] for c in data["changes"]) == sum(data["summary"]["pairs"].values())
    assert all(c["sources"]["count"] * c["destinations"]["count"] == c["pairs"] for c in data["changes"])
    assert all(len(members(data, c["sources"])) == c["sources"]["count"] for c in data["changes"])
    # every endpoint is listed once, in one set, however many changes name it
    named = [m for s in data["sets"] for m in s["members"]]
    assert len(named) == len(set(named)) == data["summary"]["named"]
