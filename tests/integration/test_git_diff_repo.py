"""`netverify diff --git-base REF`: real git repositories, a base commit and a head, no checkout of REF."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from netverify.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ci"


def git(repo: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, cwd=repo, check=True, capture_output=True, text=True).stdout


def write_version(repo: Path, version: str, into: str = "manifests") -> None:
    target = repo / into
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(FIXTURES / version, target)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose first commit holds the base manifests and whose working tree holds the head."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write_version(root, "base")
    (root / "README.md").write_text("not a manifest\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    write_version(root, "head")
    monkeypatch.chdir(root)
    return root


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    """The per-pair listing (`--pairs`): these tests are about which pairs git's versions give."""
    code = main(["diff", *args, "-f", "json", "--pairs"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else {}, err


def pairs(entries: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(e["src"], e["dst"]) for e in entries}


def test_working_tree_against_the_base_commit(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = run_json(capsys, "--git-base", "HEAD", "manifests")
    assert code == 0
    assert pairs(data["added"]) == {("monitoring/Deployment/prometheus", "shop/Deployment/api")}
    assert pairs(data["removed"]) == {("shop/Deployment/web", "payments/StatefulSet/ledger")}
    assert data["changed"] == []
    assert [e["id"] for e in data["endpoints_added"]] == ["shop/Deployment/worker"]
    [cause] = data["added"][0]["cause"]
    assert (cause["file"], cause["policy"], cause["rule"]) == ("manifests/policies.yaml", "shop/api-ingress", 1)
    head_lines = (repo / "manifests" / "policies.yaml").read_text().splitlines()
    assert "- from:" in head_lines[cause["line"] - 1]


def test_a_head_commit_compares_the_same_as_its_working_tree(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    code, data, _ = run_json(capsys, "--git-base", "HEAD~1", "manifests")
    assert code == 0
    assert pairs(data["added"]) == {("monitoring/Deployment/prometheus", "shop/Deployment/api")}
    code, same, _ = run_json(capsys, "--git-base", "HEAD", "manifests")
    assert same == {"added": [], "removed": [], "changed": [], "endpoints_added": [], "endpoints_removed": [],
                    "outside": []}


def test_base_files_are_named_ref_colon_path(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "manifests" / "policies.yaml").unlink()  # every policy removed: the causes live in BASE only
    code, data, _ = run_json(capsys, "--git-base", "HEAD", "manifests")
    assert code == 0
    files = {c["file"] for e in data["added"] + data["changed"] for c in e["cause"] if c["kind"] == "policy"}
    assert files == {"HEAD:manifests/policies.yaml"}
    shown = subprocess.run(["git", "show", "HEAD:manifests/policies.yaml"], cwd=repo, capture_output=True, check=True)
    assert b"default-deny-ingress" in shown.stdout


def test_diagnostics_about_base_files_point_into_the_revision(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "manifests" / "broken.yaml").write_text("kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\n"
                                                     "metadata: {name: x}\nspec: {podSelector: 3}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "broken")
    code = main(["diff", "--git-base", "HEAD", "manifests"])
    err = capsys.readouterr().err
    assert code == 2
    assert "HEAD:manifests/broken.yaml:4" in err and "manifests/broken.yaml:4" in err.replace("HEAD:", "", 1)


def test_hidden_directories_and_other_files_are_skipped_as_on_disk(repo: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".github").mkdir()
    (repo / ".github" / "ci.yaml").write_text("on: push\n")
    (repo / "notes.txt").write_text("kind: Broken\n")
    git(repo, "add", ".github", "notes.txt")
    git(repo, "commit", "-q", "-m", "noise")
    code, data, err = run_json(capsys, "--git-base", "HEAD")  # no PATH: the whole repository
    assert code == 0, err
    assert pairs(data["added"]) == {("monitoring/Deployment/prometheus", "shop/Deployment/api")}


def test_subdirectory_and_absolute_paths(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "manifests")
    code, from_inside, _ = run_json(capsys, "--git-base", "HEAD")
    assert code == 0 and from_inside["added"]
    monkeypatch.chdir(tmp_path)
    code, from_outside, _ = run_json(capsys, "--git-base", "HEAD", str(repo / "manifests"))
    assert code == 0 and pairs(from_outside["added"]) == pairs(from_inside["added"])


def test_a_directory_the_change_adds_is_empty_at_base(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_version(repo, "head", into="new-app")
    code, data, err = run_json(capsys, "--git-base", "HEAD", "new-app")
    assert code == 0
    assert "HEAD:new-app: warning: no such path at HEAD: read as empty" in err
    assert len(data["endpoints_added"]) == 5 and not data["added"]


@pytest.mark.parametrize(("args", "message"), [
    (["--git-base", "no-such-branch"], "unknown git revision 'no-such-branch'"),
    (["--git-base", "--output=x"], "is not a git revision"),
    (["--git-base", "HEAD", "manifests", "../elsewhere"], "is outside the git repository"),
])
def test_git_problems_are_input_errors(repo: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                       message: str) -> None:
    (repo.parent / "elsewhere").mkdir()
    code = main(["diff", *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_outside_any_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    code = main(["diff", "--git-base", "main", "."])
    err = capsys.readouterr().err
    assert code == 2 and "is not inside a git repository" in err and "hint:" in err


def test_sarif_locations_drop_the_revision_prefix(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "manifests" / "policies.yaml").unlink()
    assert main(["diff", "--git-base", "HEAD", "manifests", "-f", "sarif"]) == 0
    log = json.loads(capsys.readouterr().out)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"] for loc in r["locations"]}
    assert "manifests/policies.yaml" in uris and not any(u.startswith("HEAD:") for u in uris)


def test_assertions_are_proved_on_the_base_commit_and_the_working_tree(repo: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(FIXTURES / "assertions.yaml", repo / "netverify-assertions.yaml")
    code, data, _ = run_json(capsys, "--git-base", "HEAD", "manifests", "--assertions", "netverify-assertions.yaml")
    assert code == 1
    assert {a["name"]: a["status"] for a in data["assertions"]} == {
        "api-metrics-stay-in-shop": "introduced", "monitoring-is-isolated": "pre-existing",
        "only-the-api-reaches-the-ledger": "fixed", "api-reaches-the-ledger": "holds"}
    fixed = next(a for a in data["assertions"] if a["status"] == "fixed")
    assert fixed["message"].endswith("(HEAD:manifests/policies.yaml:57)")  # BASE's rule, read from the revision


def test_assertions_pass_once_the_change_is_committed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Comparing the committed head with itself: violations are all pre-existing, fixes are plain holds."""
    shutil.copy(FIXTURES / "assertions.yaml", repo / "netverify-assertions.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    code, data, _ = run_json(capsys, "--git-base", "HEAD", "manifests", "--assertions", "netverify-assertions.yaml")
    assert code == 1  # HEAD still violates two assertions, but the diff did not introduce them
    assert [a["status"] for a in data["assertions"]] == ["pre-existing", "pre-existing", "holds", "holds"]
    assert data["added"] == data["removed"] == []

