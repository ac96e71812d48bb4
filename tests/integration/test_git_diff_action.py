"""The GitHub Action (action.yml): its step script run for real on git repositories, and its wiring."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "ci"
SCRIPT = ROOT / "action" / "diff.sh"


def git(repo: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A clone of an `origin` whose main holds the base, checked out on a PR branch holding the head."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    shutil.copytree(FIXTURES / "base", origin / "manifests")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "base")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    git(clone, "checkout", "-q", "-b", "pr")
    shutil.rmtree(clone / "manifests")
    shutil.copytree(FIXTURES / "head", clone / "manifests")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "pr")
    git(clone, "update-ref", "-d", "refs/remotes/origin/main")  # as actions/checkout leaves it: base not fetched
    return clone


def run_action(repo: Path, tmp_path: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str],
                                                                     str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["GITHUB_OUTPUT"] = str(tmp_path / "output")
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    for key, value in inputs.items():
        env[key] = value
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=repo, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    output_file = tmp_path / "output"
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines()) if output_file.exists() else {}
    summary = (tmp_path / "summary.md").read_text() if (tmp_path / "summary.md").exists() else ""
    return proc, outputs, summary


def test_pull_request_diff_against_the_fetched_base_branch(pull_request: Path, tmp_path: Path) -> None:
    proc, outputs, summary = run_action(pull_request, tmp_path, GITHUB_BASE_REF="main", INPUT_PATHS="manifests",
                                        INPUT_FAIL_ON="added")
    assert proc.returncode == 0, proc.stderr  # the verdict is applied by a later step, after the SARIF upload
    assert outputs["exit-code"] == "1"
    assert "monitoring/Deployment/prometheus -> shop/Deployment/api: TCP:9090" in proc.stdout
    assert summary.startswith("### netverify: 1 connection added, 1 removed, 0 changed (2 changes); 1 endpoint added")
    assert "**failed**" in summary
    sarif = json.loads((pull_request / outputs["sarif-file"]).read_text())
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"] for loc in r["locations"]}
    assert uris == {"manifests/policies.yaml", "manifests/workloads.yaml"}


def test_default_fail_on_none_only_reports(pull_request: Path, tmp_path: Path) -> None:
    proc, outputs, summary = run_action(pull_request, tmp_path, GITHUB_BASE_REF="main", INPUT_PATHS="manifests",
                                        INPUT_FAIL_ON="none")
    assert outputs["exit-code"] == "0", proc.stdout + proc.stderr
    assert "**failed**" not in summary and "#### Changes (2), largest first" in summary


def test_explicit_base_and_extra_args(pull_request: Path, tmp_path: Path) -> None:
    proc, outputs, _ = run_action(pull_request, tmp_path, INPUT_BASE="HEAD~1", INPUT_PATHS="manifests",
                                  INPUT_ARGS="--by pod", INPUT_FAIL_ON="removed")
    assert outputs["exit-code"] == "1", proc.stdout + proc.stderr
    assert "netverify diff --git-base HEAD~1" in proc.stdout and "--by pod" in proc.stdout


def test_an_input_error_is_reported_and_recorded(pull_request: Path, tmp_path: Path) -> None:
    proc, outputs, _ = run_action(pull_request, tmp_path, INPUT_BASE="no-such-ref", INPUT_PATHS="manifests")
    assert outputs["exit-code"] == "2" and "sarif-file" not in outputs
    assert "unknown git revision 'no-such-ref'" in proc.stderr
    assert "::error::netverify diff could not run" in proc.stdout


def test_assertions_fail_the_job_and_say_the_pull_request_introduced_the_violation(pull_request: Path,
                                                                                  tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "assertions.yaml", pull_request / "netverify-assertions.yaml")
    proc, outputs, summary = run_action(pull_request, tmp_path, GITHUB_BASE_REF="main", INPUT_PATHS="manifests",
                                        INPUT_ASSERTIONS="netverify-assertions.yaml")
    assert outputs["exit-code"] == "1", proc.stdout + proc.stderr  # fail-on none: the assertions alone fail it
    assert "--assertions netverify-assertions.yaml" in proc.stdout
    assert "FAIL api-metrics-stay-in-shop (netverify-assertions.yaml:8): violated on HEAD, introduced by this " \
           "change" in proc.stdout
    assert "4 assertions: 2 violated on HEAD (1 introduced, 1 pre-existing), 2 hold — **failed**" in summary
    assert "| **FAIL** | monitoring-is-isolated | `netverify-assertions.yaml:14` | violated on HEAD, already " \
           "violated on BASE" in summary
    sarif = json.loads((pull_request / outputs["sarif-file"]).read_text())
    violated = [(r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                 r["locations"][0]["physicalLocation"]["region"]["startLine"])
                for r in sarif["runs"][0]["results"] if r["ruleId"] == "assertion-violated"]
    assert violated == [("error", "netverify-assertions.yaml", 8), ("warning", "netverify-assertions.yaml", 14)]


def test_several_assertion_files_are_all_passed_through(pull_request: Path, tmp_path: Path) -> None:
    (pull_request / "checks").mkdir()
    text = (FIXTURES / "assertions.yaml").read_text()
    head, _, rest = text.partition("  - name: only-the-api-reaches-the-ledger")
    (pull_request / "checks" / "a.yaml").write_text(head)
    (pull_request / "b.yaml").write_text(head.split("assertions:\n")[0] + "assertions:\n  - name: only-the-api-"
                                         "reaches-the-ledger" + rest)
    proc, outputs, _ = run_action(pull_request, tmp_path, GITHUB_BASE_REF="main", INPUT_PATHS="manifests",
                                  INPUT_ASSERTIONS="checks b.yaml")
    assert outputs["exit-code"] == "1", proc.stdout + proc.stderr
    assert "--assertions checks --assertions b.yaml" in proc.stdout
    assert "Assertions (4)" in proc.stdout


def test_action_yml_is_a_composite_action_wired_to_its_inputs() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        assert "uses" in step or step.get("shell") == "bash", step
    text = (ROOT / "action.yml").read_text()
    used = set(re.findall(r"inputs\.([a-z-]+)", text))
    assert used <= set(action["inputs"]), used - set(action["inputs"])
    assert used == set(action["inputs"]), set(action["inputs"]) - used
    diff_step = next(s for s in steps if s.get("id") == "diff")
    script_vars = set(re.findall(r"\$\{?(INPUT_[A-Z_]+)", SCRIPT.read_text()))
    assert set(k for k in diff_step["env"] if k.startswith("INPUT_")) <= script_vars
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert "steps.diff.outputs.sarif-file" in upload["with"]["sarif_file"]
    assert set(action["outputs"]) == {"exit-code", "sarif-file", "markdown-file"}
