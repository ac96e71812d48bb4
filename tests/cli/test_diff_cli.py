"""`netverify diff` on the command line: exit codes for each --fail-on, usage errors, extra reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "fixtures" / "ci" / "base"
HEAD = ROOT / "fixtures" / "ci" / "head"


def variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of BASE with one edit to its policies."""
    out = tmp_path / name
    shutil.copytree(BASE, out)
    policies = out / "policies.yaml"
    text = policies.read_text()
    assert old in text
    policies.write_text(text.replace(old, new))
    return out


@pytest.fixture
def only_removed(tmp_path: Path) -> Path:
    only_api = "            matchLabels: {team: shop}\n          podSelector:\n            matchLabels: {app: api}\n"
    return variant(tmp_path, "narrowed", "            matchLabels: {team: shop}\n", only_api)


@pytest.fixture
def only_added(tmp_path: Path) -> Path:
    return variant(tmp_path, "widened", "        - {port: 5432}\n", "        - {port: 5432}\n        - {port: 5433}\n")


@pytest.mark.parametrize(("mode", "expected"), [(None, 0), ("added", 1), ("removed", 1), ("any", 1)])
def test_fail_on_with_added_and_removed_connections(mode: str | None, expected: int,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    args = ["diff", str(BASE), str(HEAD)] + (["--fail-on", mode] if mode else [])
    assert main(args) == expected
    out = capsys.readouterr().out
    assert "1 connection added, 1 removed" in out
    assert ("FAIL: --fail-on" in out) == bool(expected)


@pytest.mark.parametrize(("mode", "expected"), [(None, 0), ("added", 0), ("removed", 1), ("any", 1)])
def test_fail_on_when_connections_are_only_removed(mode: str | None, expected: int, only_removed: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(BASE), str(only_removed)] + (["--fail-on", mode] if mode else [])) == expected
    assert "0 connections added, 1 removed" in capsys.readouterr().out


@pytest.mark.parametrize(("mode", "expected"), [(None, 0), ("added", 1), ("removed", 0), ("any", 1)])
def test_fail_on_when_ports_are_only_added(mode: str | None, expected: int, only_added: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(BASE), str(only_added)] + (["--fail-on", mode] if mode else [])) == expected
    assert "0 connections added, 0 removed, 2 changed" in capsys.readouterr().out


@pytest.mark.parametrize("mode", ["added", "removed", "any"])
def test_no_change_never_fails(mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    same = variant(tmp_path, "same", "name: web-ingress", "name: renamed-web-ingress")
    assert main(["diff", str(BASE), str(same), "--fail-on", mode]) == 0
    assert "no connectivity changes" in capsys.readouterr().out


@pytest.mark.parametrize("args", [
    ["diff", str(BASE)],
    ["diff", str(BASE), str(HEAD), str(HEAD)],
    ["diff"],
    ["diff", str(BASE), str(HEAD), "--report", "sarif"],
    ["diff", str(BASE), str(HEAD), "--report", "pdf=x.pdf"],
    ["diff", str(BASE), str(HEAD), "--by", "service"],
    ["diff", str(BASE), str(HEAD), "-f", "csv"],
    ["diff", str(BASE), str(HEAD), "--fail-on", "everything"],
])
def test_usage_errors_exit_2_without_a_traceback(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.strip() and "Traceback" not in err


def test_bad_manifests_on_either_side_are_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = variant(tmp_path, "broken", "podSelector: {}\n  policyTypes: [Ingress]\n---\napiVersion",
                     "podSelector: {}\n  policyTypes: [Sideways]\n---\napiVersion")
    assert main(["diff", str(BASE), str(broken)]) == 2
    err = capsys.readouterr().err
    assert f"{broken / 'policies.yaml'}:" in err and "Sideways" in err


def test_extra_reports_match_the_formats_written_to_stdout(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    sarif, md = tmp_path / "out.sarif", tmp_path / "summary.md"
    assert main(["diff", str(BASE), str(HEAD), "-f", "json", "--report", f"sarif={sarif}",
                 "--report", f"md={md}"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["pairs"]["added"] == 1
    assert main(["diff", str(BASE), str(HEAD), "-f", "sarif"]) == 0
    assert sarif.read_text() == capsys.readouterr().out
    assert main(["diff", str(BASE), str(HEAD), "-f", "md"]) == 0
    assert md.read_text() == capsys.readouterr().out


def test_a_report_that_cannot_be_written_is_an_input_error(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(BASE), str(HEAD), "--report", f"md={tmp_path / 'missing' / 'x.md'}"]) == 2
    assert "cannot write" in capsys.readouterr().err
