"""`netverify equiv` and `netverify contains`: exit codes, formats, --any, --git-base, usage errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netverify.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "equiv"
BEFORE, AFTER, NARROWED, TRAP = (str(FIXTURES / n) for n in ("before", "after", "narrowed", "trap"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_equivalent_refactoring_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "equiv", BEFORE, AFTER)
    assert code == 0
    assert out.startswith(f"EQUIVALENT  A = {BEFORE} (6 policies), B = {AFTER} (2 policies)")
    assert "loaded endpoints and every address outside the cluster (graph engine)" in out


def test_a_non_equivalent_refactoring_exits_1_with_the_rules_on_each_side(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "equiv", BEFORE, NARROWED)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("NOT EQUIVALENT")
    assert "distinguishing connection: shop/Deployment/worker -> shop/Deployment/api on 8000/TCP" in out
    assert f"A ({BEFORE}) allows it:" in out and f"B ({NARROWED}) denies it:" in out
    assert any("admitted by shop/api-from-worker ingress[0]" in line for line in lines)
    assert any("not by shop/api ingress[0]" in line and "app in (web)" in line for line in lines)


@pytest.mark.parametrize(("a", "b", "expected"), [(BEFORE, NARROWED, 0), (NARROWED, BEFORE, 1), (BEFORE, AFTER, 0)])
def test_contains_exits_0_when_a_allows_everything_b_allows(a: str, b: str, expected: int,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "contains", a, b)
    assert code == expected
    assert out.startswith("A CONTAINS B" if expected == 0 else "A DOES NOT CONTAIN B")


def test_any_pod_finds_what_the_inventory_cannot(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "equiv", BEFORE, TRAP)[0] == 0
    code, out, _ = run(capsys, "equiv", BEFORE, TRAP, "--any")
    assert code == 1
    assert "a pod that could exist in namespace" in out and "(SMT engine)" in out
    assert run(capsys, "equiv", BEFORE, AFTER, "--any", "--hypothetical-namespaces")[0] == 0


def test_the_smt_engine_gives_the_inventory_answer_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "equiv", BEFORE, TRAP, "--engine", "smt")[0] == 0
    assert run(capsys, "equiv", BEFORE, NARROWED, "--engine", "smt")[0] == 1


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "equiv", BEFORE, NARROWED, "-f", "json")
    data = json.loads(out)
    assert code == 1
    assert (data["relation"], data["status"], data["holds"], data["scope"]) == ("equiv", "fails", False, "inventory")
    assert data["distinguishing"]["src"]["id"] == "shop/Deployment/worker"
    assert data["distinguishing"]["allowed_by"] == "A"
    code, out, _ = run(capsys, "contains", BEFORE, AFTER, "-f", "json", "--any")
    assert (code, json.loads(out)["status"], json.loads(out)["distinguishing"]) == (0, "holds", None)


def test_markdown_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "equiv", BEFORE, NARROWED, "-f", "md")
    assert code == 1
    assert out.startswith(f"**NOT EQUIVALENT**: A = `{BEFORE}` (6 policies)")
    assert "```\ndistinguishing connection: shop/Deployment/worker -> shop/Deployment/api on 8000/TCP" in out


@pytest.mark.parametrize(("args", "message"), [
    (["equiv", BEFORE], "equiv compares two policy sets: give A and B"),
    (["contains", BEFORE, AFTER, NARROWED], "contains compares two policy sets"),
    (["equiv", BEFORE, AFTER, "--any", "--engine", "graph"], "--any is proved with the SMT engine"),
    (["equiv", BEFORE, AFTER, "--timeout", "5"], "need --any or --engine smt"),
    (["equiv", BEFORE, AFTER, "--by", "service"], "--by service is not supported"),
    (["equiv", BEFORE, AFTER, "--any", "--pod-cidr", "10.0.0.0/33"], "is not a valid CIDR"),
])
def test_usage_errors_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_bad_manifests_are_located_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\nspec: [1\n")
    code, _, err = run(capsys, "equiv", BEFORE, str(bad))
    assert code == 2
    assert f"{bad}:" in err


def git(repo: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize(("head", "expected"), [("after", 0), ("narrowed", 1)])
def test_git_base_compares_a_revision_with_the_working_tree(head: str, expected: int, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copytree(FIXTURES / "before", repo / "manifests")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "six policies")
    shutil.rmtree(repo / "manifests")
    shutil.copytree(FIXTURES / head, repo / "manifests")
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "equiv", "--git-base", "HEAD", "manifests")
    assert code == expected
    assert "A = HEAD (6 policies), B = working tree (2 policies)" in out
    if expected:
        assert "A (HEAD) allows it:" in out and "HEAD:manifests/policies.yaml" in out
    code, _, err = run(capsys, "equiv", "--git-base", "no-such-ref", "manifests")
    assert code == 2 and "unknown git revision 'no-such-ref'" in err


def test_policies_only_sides_share_an_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    inventory = str(FIXTURES / "before" / "inventory.yaml")
    a, b, narrowed = (str(FIXTURES / n / "policies.yaml") for n in ("before", "after", "narrowed"))
    code, out, err = run(capsys, "equiv", a, b, "--inventory", inventory)
    assert code == 0 and out.startswith("EQUIVALENT") and err == ""  # each side is read with the workloads
    code, out, _ = run(capsys, "equiv", a, narrowed, "--inventory", inventory)
    assert code == 1 and "shop/Deployment/worker -> shop/Deployment/api on 8000/TCP" in out
    # without the shared inventory there is nothing to compare the policies on but outside addresses
    code, out, _ = run(capsys, "equiv", a, narrowed)
    assert code == 0 and "for the 0 loaded endpoints" in out
    assert "note: no pod or workload was loaded: only addresses outside the cluster were compared" in out


def test_a_solver_that_runs_out_of_budget_is_exit_3_never_a_verdict(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """200 pods and 30 policies need far more than the solver budget of 1 unit it is given (--rlimit: the same
    point on every machine, unlike --timeout)."""
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "gen_cluster.py"
    subprocess.run([sys.executable, str(script), "--pods", "200", "--policies", "30", "--seed", "5", "--mutate", "3",
                    "--out", str(tmp_path)], check=True, capture_output=True, timeout=300)
    args = [str(tmp_path / "policies"), str(tmp_path / "policies-mutated"), "--inventory", str(tmp_path / "cluster")]
    code, out, _ = run(capsys, "equiv", *args, "--any", "--rlimit", "1")
    assert code == 3
    assert out.startswith("UNKNOWN") and "this is not a proof" in out
    code, out, _ = run(capsys, "contains", *args, "--engine", "smt", "--rlimit", "1", "-f", "json")
    assert code == 3 and json.loads(out)["holds"] is None
