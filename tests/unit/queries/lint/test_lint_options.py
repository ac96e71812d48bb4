"""--select/--ignore, the code registry and its docs pages, skipped checks, and the redundancy hook."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from helpers_lint import codes, pod, policy, run

from netverify.loaders.manifests import load_blobs
from netverify.queries.context import Analysis
from netverify.queries.lint import LintOptions, lint
from netverify.queries.lint.codes import CODES, family_selected, is_code_pattern, selected

DOCS = Path(__file__).resolve().parents[4] / "docs" / "lint"
WEB = pod("shop", "web", "{app: web}", "10.0.0.1")
LEGACY = policy("shop", "legacy", "podSelector: {matchLabels: {app: legacy}}")


def test_select_and_ignore_take_codes_and_family_prefixes() -> None:
    assert selected("NV101", (), ())
    assert selected("NV101", ("NV1",), ()) and not selected("NV201", ("NV1",), ())
    assert not selected("NV101", (), ("NV10",)) and selected("NV201", (), ("NV10",))
    assert not selected("NV101", ("NV1",), ("NV101",))
    assert family_selected("NV6", (), ()) and family_selected("NV6", ("NV601",), ())
    assert not family_selected("NV6", ("NV1",), ()) and not family_selected("NV6", (), ("NV6",))
    assert all(is_code_pattern(c) for c in ("NV", "NV1", "NV10", "NV101"))
    assert not any(is_code_pattern(c) for c in ("101", "NVX", "NV1011", "E501", ""))


def test_ignored_codes_are_not_reported_and_selected_ones_are() -> None:
    assert set(codes(run(WEB, LEGACY))) == {"NV101", "NV402", "NV403"}
    assert sorted(codes(run(WEB, LEGACY, select="NV4"))) == ["NV402", "NV403"]
    loaded = load_blobs([("a.yaml", "---\n".join((WEB, LEGACY)).encode())])
    result = lint(Analysis(loaded.cluster), (), LintOptions(ignore=("NV4", "NV6")))
    assert codes(result) == ["NV101"]


def test_without_pods_or_workloads_inventory_checks_are_skipped_with_a_note() -> None:
    result = run(LEGACY)
    assert codes(result) == [] and "no pods or workloads were loaded" in result.notes[0]


def test_every_code_has_a_docs_page_with_what_why_a_failing_and_a_fixed_example() -> None:
    index = (DOCS / "README.md").read_text()
    for code, info in CODES.items():
        page = (DOCS / f"{code}.md").read_text()
        assert page.startswith(f"# {code}: ")
        for section in ("## What it detects", "## Why it matters", "## Failing example", "## Fixed"):
            assert section in page, (code, section)
        assert f"Severity: {info.severity.value}" in page, code
        assert f"[{code}]({code}.md)" in index, code
    documented = {p.stem for p in DOCS.glob("NV[1-5]*.md")}
    assert documented == {c for c in CODES if c < "NV6"}


def test_every_message_is_one_line_ending_with_its_docs_link() -> None:
    result = run(WEB, LEGACY, policy("shop", "bad", "podSelector: {}\npolicyTypes: [ingress]"))
    assert result.findings
    for f in result.findings:
        assert "\n" not in f.message and f.message.endswith(f"(see docs/lint/{f.code}.md)")
        assert re.fullmatch(r"NV[0-9]{3}", f.code)


def test_redundancy_findings_are_included_when_the_module_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    from netverify.model import Severity, SourceRef
    from netverify.queries.lint.findings import Finding

    calls: list[tuple[str, float]] = []

    class FakeModule:
        @staticmethod
        def redundancy_findings(analysis: Analysis, scope: str = "inventory", timeout_s: float = 30.0,
                                notes: list[str] | None = None) -> list[Finding]:
            calls.append((scope, timeout_s))
            return [Finding(SourceRef("a.yaml", 1), "NV601", Severity.INFO, "redundant")]

    monkeypatch.setitem(sys.modules, "netverify.queries.lint.redundancy", FakeModule)
    loaded = load_blobs([("a.yaml", WEB.encode())])
    analysis = Analysis(loaded.cluster)
    [found] = lint(analysis, (), LintOptions(select=("NV6",), scope="any", timeout_s=5.0)).findings
    assert found.code == "NV601" and found.message == "redundant (see docs/lint/NV601.md)"
    assert calls == [("any", 5.0)]
    assert codes(lint(analysis, (), LintOptions(select=("NV1",)))) == [] and len(calls) == 1  # not even called


def test_lint_works_without_the_redundancy_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "netverify.queries.lint.redundancy", None)  # import raises ModuleNotFoundError
    loaded = load_blobs([("a.yaml", "---\n".join((WEB, LEGACY)).encode())])
    assert "NV101" in codes(lint(Analysis(loaded.cluster)))
