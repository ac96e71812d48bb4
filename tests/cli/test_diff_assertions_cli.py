"""`netverify diff --assertions`: assertions proved on both versions, with the real solver.

The fixture's assertions (fixtures/ci/assertions.yaml) cover every case on fixtures/ci base -> head:
the change lets Prometheus read the API's metrics (a violation it introduces), shop could already
reach monitoring (pre-existing), the change stops the web tier reaching the ledger (fixed), and the
API keeps reaching the ledger (holds).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
BASE, HEAD = ROOT / "fixtures" / "ci" / "base", ROOT / "fixtures" / "ci" / "head"
ASSERTIONS = ROOT / "fixtures" / "ci" / "assertions.yaml"
EXPECTED = {"api-metrics-stay-in-shop": "introduced", "monitoring-is-isolated": "pre-existing",
            "only-the-api-reaches-the-ledger": "fixed", "api-reaches-the-ledger": "holds"}


def assertions_file(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "assertions.yaml"
    path.write_text("apiVersion: netverify.dev/v1alpha1\nkind: Assertions\nassertions:\n" + "".join(entries))
    return path


def entry(name: str, src: str, dst: str, expect: str, extra: str = "") -> str:
    return f"  - name: {name}\n    from: {src}\n    to: {dst}\n    expect: {expect}\n{extra}"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["diff", *args, "-f", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else {}, err


def statuses(data: dict[str, Any]) -> dict[str, str]:
    return {a["name"]: a["status"] for a in data["assertions"]}


def test_each_assertion_is_introduced_pre_existing_fixed_or_holding(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = run(capsys, str(BASE), str(HEAD), "--assertions", str(ASSERTIONS))
    assert code == 1
    assert statuses(data) == EXPECTED
    by_name = {a["name"]: a for a in data["assertions"]}
    introduced = by_name["api-metrics-stay-in-shop"]
    assert (introduced["violated_on_head"], introduced["violated_on_base"]) == (True, False)
    assert introduced["message"] == (
        "counterexample: monitoring/Deployment/prometheus -> shop/Deployment/api on 9090/TCP is allowed by rule "
        f"shop/api-ingress ingress[1] ({HEAD}/policies.yaml:47)")
    assert by_name["monitoring-is-isolated"]["violated_on_base"] is True
    assert by_name["only-the-api-reaches-the-ledger"]["message"].endswith(f"({BASE}/policies.yaml:57)")


def test_the_diff_itself_is_unchanged_by_assertions(capsys: pytest.CaptureFixture[str]) -> None:
    _, plain, _ = run(capsys, str(BASE), str(HEAD))
    _, checked, _ = run(capsys, str(BASE), str(HEAD), "-a", str(ASSERTIONS))
    assert {k: v for k, v in checked.items() if k != "assertions"} == plain


def test_reverting_the_change_swaps_introduced_and_fixed(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = run(capsys, str(HEAD), str(BASE), "--assertions", str(ASSERTIONS))
    assert code == 1  # the revert re-introduces web -> ledger
    assert statuses(data) == {"api-metrics-stay-in-shop": "fixed", "monitoring-is-isolated": "pre-existing",
                              "only-the-api-reaches-the-ledger": "introduced", "api-reaches-the-ledger": "holds"}


def test_passes_when_head_violates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = assertions_file(tmp_path, entry("web-cannot-reach-ledger", "shop/app=web", "payments/app=ledger", "deny"),
                           entry("api-reaches-ledger", "shop/app=api", "payments/app=ledger", "allow",
                                 '    ports: ["5432/TCP"]\n'))
    code, data, _ = run(capsys, str(BASE), str(HEAD), "--assertions", str(path))
    assert code == 0
    assert statuses(data) == {"web-cannot-reach-ledger": "fixed", "api-reaches-ledger": "holds"}


def test_assertions_and_fail_on_combine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = assertions_file(tmp_path, entry("api-reaches-ledger", "shop/app=api", "payments/app=ledger", "allow",
                                           '    ports: ["5432/TCP"]\n'))
    assert run(capsys, str(BASE), str(HEAD), "-a", str(path))[0] == 0
    assert run(capsys, str(BASE), str(HEAD), "-a", str(path), "--fail-on", "added")[0] == 1


def test_an_endpoint_new_in_the_change_cannot_be_violated_on_base(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = assertions_file(tmp_path, entry("worker-is-quiet", "shop/Deployment/worker", "shop/app=web", "deny"),
                           entry("web-cannot-reach-ledger", "shop/app=web", "payments/app=ledger", "deny"))
    code, data, _ = run(capsys, str(BASE), str(HEAD), "--assertions", str(path))
    assert code == 1
    worker = data["assertions"][0]
    assert (worker["status"], worker["base"], worker["violated_on_base"]) == ("introduced", "absent", False)
    assert statuses(data)["web-cannot-reach-ledger"] == "fixed"  # the others are still proved on BASE


def test_an_endpoint_head_does_not_have_is_a_located_input_error(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = assertions_file(tmp_path, entry("ghost", "shop/Deployment/ghost", "shop/app=web", "deny"))
    code, _, err = run(capsys, str(BASE), str(HEAD), "--assertions", str(path))
    assert code == 2
    assert f"{path}:5" in err and "ghost" in err and "Traceback" not in err


@pytest.mark.parametrize(("text", "where"), [
    ("apiVersion: netverify.dev/v1alpha1\nkind: Assertions\nassertions:\n  - name: x\n    from: shop/*\n", ":4"),
    ("kind: Assertions\nassertions: [\n", ":"),
])
def test_a_bad_assertion_file_is_a_located_input_error(text: str, where: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, data, err = run(capsys, str(BASE), str(HEAD), "--assertions", str(path))
    assert (code, data) == (2, {})
    assert f"{path}{where}" in err and "Traceback" not in err


def test_solver_options_need_assertions(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(BASE), str(HEAD), "--timeout", "5")
    assert code == 2 and "need --assertions" in err


@pytest.mark.parametrize(("fmt", "expected"), [
    ("text", ["FAIL api-metrics-stay-in-shop (", "violated on HEAD, introduced by this change",
              "FAIL monitoring-is-isolated (", "violated on HEAD, already violated on BASE",
              "FAIL: 4 assertions: 2 violated on HEAD (1 introduced, 1 pre-existing), 2 hold"]),
    ("md", ["; 4 assertions: 2 violated on HEAD (1 introduced, 1 pre-existing), 2 hold — **failed**",
            "| **FAIL** | api-metrics-stay-in-shop |"]),
    ("junit", ['name="api-metrics-stay-in-shop"', 'message="violated on HEAD, introduced by this change"']),
    ("sarif", ['"ruleId": "assertion-violated"', "api-metrics-stay-in-shop: violated on HEAD, introduced"]),
])
def test_every_format_says_who_introduced_the_violation(fmt: str, expected: list[str],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(BASE), str(HEAD), "-a", str(ASSERTIONS), "-f", fmt]) == 1
    out = capsys.readouterr().out
    for text in expected:
        assert text in out


NO_BUDGET = ("--rlimit", "1")  # z3's deterministic resource limit: with 1 unit the solver gives up on every query


def test_an_assertion_the_solver_cannot_decide_on_head_is_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = run(capsys, str(BASE), str(HEAD), "--assertions", str(ASSERTIONS), "--fail-on", "added",
                        *NO_BUDGET)
    assert code == 3  # never a pass, and it outranks the violations, as in `check`
    # The claims a loaded connection refutes are decided by the reachability graph, without the solver
    # (queries/loaded_search.py); the two that hold need a proof, which the solver cannot give.
    status = {a["name"]: a["status"] for a in data["assertions"]}
    assert status == {"api-metrics-stay-in-shop": "violated", "monitoring-is-isolated": "pre-existing",
                      "only-the-api-reaches-the-ledger": "unknown", "api-reaches-the-ledger": "unknown"}
    assert all(a["violated_on_head"] is None and a["message"].startswith("the solver could not decide")
               for a in data["assertions"] if a["status"] == "unknown")
    assert data["summary"]["pairs"]["added"] and data["changes"]  # the diff itself is still reported


@pytest.mark.parametrize(("fmt", "expected"), [
    ("text", "UNKNOWN: 4 assertions: 2 violated on HEAD (0 introduced, 1 pre-existing), 2 undecided, 0 hold"),
    ("md", "2 undecided, 0 hold — **undecided**"),
    ("sarif", '"ruleId": "assertion-undecided"'),
    ("junit", 'message="could not be decided on HEAD (solver unknown or timeout): not a pass"'),
])
def test_every_format_says_an_undecided_assertion_is_not_a_pass(fmt: str, expected: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(BASE), str(HEAD), "-a", str(ASSERTIONS), "-f", fmt, *NO_BUDGET]) == 3
    assert expected in capsys.readouterr().out


def test_a_diff_without_assertions_does_not_load_the_solver() -> None:
    """z3 costs start-up time: only --assertions pays for it (a fresh interpreter, so nothing is preloaded)."""
    probe = ("import sys, contextlib, io\nfrom netverify.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    code = main(['diff', {str(BASE)!r}, {str(HEAD)!r}])\n"
             "print(code, 'z3' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120).stdout
    assert out.split() == ["0", "False"]
