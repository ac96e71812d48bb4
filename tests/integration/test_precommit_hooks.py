"""The hooks in .pre-commit-hooks.yaml, run by the real `pre-commit` tool.

pre-commit installs a hook repository into its own virtualenv from a git repository, so the
tests build one: a copy of this working tree (tracked and untracked, minus ignored files)
committed in a temporary directory. PRE_COMMIT_HOME is shared by the session, so the
environment is installed once (pip reads this machine's configured package index).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "ci"
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")


def git(repo: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, cwd=repo, check=True, capture_output=True, text=True).stdout


def project_files() -> list[str]:
    """The files of this working tree that a clone would have, plus uncommitted new ones."""
    if (ROOT / ".git").exists():
        listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        return [f for f in listed.split("\0") if f and (ROOT / f).is_file()]
    return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in project_files():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "netverify under test")
    return repo, git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="session")
def pre_commit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    env.pop("PRE_COMMIT", None)
    return env


@pytest.fixture
def manifests_repo(tmp_path: Path) -> Path:
    """A project whose `main` holds fixtures/ci/base under manifests/, checked out on a branch."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copytree(FIXTURES / "base", repo / "manifests")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "change")
    return repo


def configure(repo: Path, hook_repo: tuple[Path, str], hook: str, args: list[str]) -> None:
    path, rev = hook_repo
    config = {"repos": [{"repo": str(path), "rev": rev, "hooks": [{"id": hook, "args": args}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(repo, "add", "-A")


def pre_commit(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PRE_COMMIT, *args], cwd=repo, env=env, capture_output=True, text=True, timeout=900,
                          check=False)


def test_the_hook_manifest_is_valid(pre_commit_env: dict[str, str]) -> None:
    proc = pre_commit(ROOT, pre_commit_env, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {"netverify-check", "netverify-lint", "netverify-diff"} <= set(hooks)
    assert hooks["netverify-check"]["entry"] == "netverify check" and not hooks["netverify-check"]["pass_filenames"]


DIFF_ARGS = ["--git-base", "main", "--fail-on", "added", "manifests"]


def test_diff_hook_passes_when_the_change_adds_no_connection(
        manifests_repo: Path, hook_repo: tuple[Path, str], pre_commit_env: dict[str, str]) -> None:
    policies = manifests_repo / "manifests" / "policies.yaml"
    policies.write_text(policies.read_text().replace("name: web-ingress", "name: allow-web"))  # cosmetic
    configure(manifests_repo, hook_repo, "netverify-diff", DIFF_ARGS)
    proc = pre_commit(manifests_repo, pre_commit_env, "run", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "netverify diff" in proc.stdout and "Passed" in proc.stdout


def test_diff_hook_fails_with_the_added_connection_and_its_cause(
        manifests_repo: Path, hook_repo: tuple[Path, str], pre_commit_env: dict[str, str]) -> None:
    shutil.rmtree(manifests_repo / "manifests")
    shutil.copytree(FIXTURES / "head", manifests_repo / "manifests")
    configure(manifests_repo, hook_repo, "netverify-diff", DIFF_ARGS)
    proc = pre_commit(manifests_repo, pre_commit_env, "run", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert "+ rule shop/api-ingress ingress[1] now admits TCP:9090" in proc.stdout
    assert "monitoring/Deployment/prometheus -> shop/Deployment/api: TCP:9090" in proc.stdout
    assert "FAIL: --fail-on added" in proc.stdout


def test_try_repo_runs_the_diff_hook_on_bad_input_and_reports_the_location(
        manifests_repo: Path, hook_repo: tuple[Path, str], pre_commit_env: dict[str, str]) -> None:
    """`pre-commit try-repo`, as a user would before adopting the hook (the hook runs without args)."""
    (manifests_repo / "manifests" / "broken.yaml").write_text("kind: NetworkPolicy\napiVersion: v0\n")
    git(manifests_repo, "add", "-A")
    proc = pre_commit(manifests_repo, pre_commit_env, "try-repo", str(hook_repo[0]), "netverify-diff",
                      "--ref", hook_repo[1], "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "diff compares two versions" in proc.stdout  # no args: the usage error, not a traceback


CHECK_ARGS = ["--assertions", "netverify-assertions.yaml", "manifests"]


def assertions(repo: Path, *names: str) -> None:
    """netverify-assertions.yaml with the named assertions of fixtures/ci/assertions.yaml."""
    data = yaml.safe_load((FIXTURES / "assertions.yaml").read_text())
    data["assertions"] = [a for a in data["assertions"] if a["name"] in names]
    assert len(data["assertions"]) == len(names)
    (repo / "netverify-assertions.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def test_check_hook_passes_when_every_assertion_holds(
        manifests_repo: Path, hook_repo: tuple[Path, str], pre_commit_env: dict[str, str]) -> None:
    assertions(manifests_repo, "api-metrics-stay-in-shop", "api-reaches-the-ledger")
    configure(manifests_repo, hook_repo, "netverify-check", CHECK_ARGS)
    proc = pre_commit(manifests_repo, pre_commit_env, "run", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "netverify check" in proc.stdout and "Passed" in proc.stdout


def test_check_hook_fails_with_the_counterexample_of_a_violated_assertion(
        manifests_repo: Path, hook_repo: tuple[Path, str], pre_commit_env: dict[str, str]) -> None:
    assertions(manifests_repo, "api-reaches-the-ledger", "only-the-api-reaches-the-ledger")
    configure(manifests_repo, hook_repo, "netverify-check", CHECK_ARGS)
    proc = pre_commit(manifests_repo, pre_commit_env, "run", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert "FAILS   only-the-api-reaches-the-ledger  (netverify-assertions.yaml:" in proc.stdout
    assert "shop/Deployment/web -> payments/StatefulSet/ledger on 5432/TCP: allowed" in proc.stdout
    assert "2 assertions: 1 hold, 1 fail, 0 unknown" in proc.stdout


def test_check_hook_reports_a_bad_assertion_file_with_its_location(
        manifests_repo: Path, hook_repo: tuple[Path, str], pre_commit_env: dict[str, str]) -> None:
    (manifests_repo / "netverify-assertions.yaml").write_text(
        "apiVersion: netverify.dev/v1alpha1\nkind: Assertions\nassertions:\n  - name: x\n    from: shop/*\n")
    configure(manifests_repo, hook_repo, "netverify-check", CHECK_ARGS)
    proc = pre_commit(manifests_repo, pre_commit_env, "run", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "exit code: 2" in proc.stdout  # an input error, not a violation
    assert "netverify-assertions.yaml:4: error: assertion x: assertions[0].expect: is required" in proc.stdout
    assert "Traceback" not in proc.stdout


def _has_command(name: str) -> bool:
    from netverify.cli import cli

    return name in cli.all_commands()


PROMETHEUS_INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: prometheus-ingress
  namespace: monitoring
spec:
  podSelector:
    matchLabels: {app: prometheus}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {team: platform}
"""


def lint_available() -> pytest.MarkDecorator:
    """Checked when the tests are collected: the lint command is being written alongside this hook."""
    return pytest.mark.skipif(not _has_command("lint"), reason="`netverify lint` is not a command in this build")


@lint_available()
def test_lint_hook_passes_when_only_informational_findings_remain(
        manifests_repo: Path, hook_repo: tuple[Path, str], pre_commit_env: dict[str, str]) -> None:
    (manifests_repo / "manifests" / "monitoring.yaml").write_text(PROMETHEUS_INGRESS)
    configure(manifests_repo, hook_repo, "netverify-lint", ["manifests"])
    proc = pre_commit(manifests_repo, pre_commit_env, "run", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "netverify lint" in proc.stdout and "Passed" in proc.stdout


@lint_available()
def test_lint_hook_fails_on_a_policy_that_selects_nothing(
        manifests_repo: Path, hook_repo: tuple[Path, str], pre_commit_env: dict[str, str]) -> None:
    typo = PROMETHEUS_INGRESS.replace("{app: prometheus}", "{app: prometheus-server}")
    (manifests_repo / "manifests" / "monitoring.yaml").write_text(typo)
    configure(manifests_repo, hook_repo, "netverify-lint", ["manifests"])
    proc = pre_commit(manifests_repo, pre_commit_env, "run", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert "manifests/monitoring.yaml:1: warning NV101 NetworkPolicy monitoring/prometheus-ingress" in proc.stdout
