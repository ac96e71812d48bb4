"""Bad inputs that need a live file system: unreadable files, FIFOs, dangling links, symlink loops.

Errors about a whole file name the file (there is no line to name); everything else about the
run is the same contract as the catalogue: exit 2, a hint, no traceback, and nothing hangs.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_robustness import EXIT_INPUT, parse_stderr, run_cli

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  containers: [{{name: c, image: i}}]\n"
ROOT_READS_EVERYTHING = pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="running as root: chmod 000 does not stop root from reading, so there is no read error to report",
)


def manifests(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "manifests"
    folder.mkdir()
    for name in names:
        (folder / f"{name}.yaml").write_text(POD.format(name=name))
    return folder


def endpoints(outcome_out: str) -> list[str]:
    import json

    return [e["id"] for e in json.loads(outcome_out)["endpoints"]]


def assert_file_error(err: str, path: Path, message: str, hint: str) -> None:
    found = [d for d in parse_stderr(err) if d.head.startswith(f"{path}: error: ") and message in d.head]
    assert found, err
    assert any(hint in h for d in found for h in d.hints), err
    assert "Traceback" not in err


@ROOT_READS_EVERYTHING
def test_an_unreadable_file_is_reported_by_name(tmp_path: Path) -> None:
    folder = manifests(tmp_path, "web", "api")
    secret = folder / "api.yaml"
    secret.chmod(0)
    try:
        result = run_cli(["matrix", str(folder), "--format", "json"])
    finally:
        secret.chmod(0o644)
    assert result.code == EXIT_INPUT
    assert_file_error(result.err, secret, "cannot read file: Permission denied", "readable")


@ROOT_READS_EVERYTHING
def test_an_unreadable_directory_is_reported_by_name(tmp_path: Path) -> None:
    folder = manifests(tmp_path, "web")
    locked = folder / "locked"
    locked.mkdir()
    (locked / "api.yaml").write_text(POD.format(name="api"))
    locked.chmod(0)
    try:
        result = run_cli(["matrix", str(folder), "--format", "json"])
    finally:
        locked.chmod(0o755)
    assert result.code == EXIT_INPUT
    assert_file_error(result.err, locked, "cannot read directory: Permission denied", "permissions")


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs /proc/self/mem (Linux)")
def test_a_file_that_fails_while_being_read_is_reported_by_name(tmp_path: Path) -> None:
    """An I/O error after a successful open (here /proc/self/mem, whose offset 0 is unmapped: EIO).
    Unlike chmod 000, this cannot be read even by root, so the read-error path is tested everywhere."""
    folder = manifests(tmp_path, "web")
    broken = tmp_path / "broken.yaml"
    broken.symlink_to("/proc/self/mem")
    result = run_cli(["matrix", str(folder), str(broken), "--format", "json"])  # a path given is followed
    assert result.code == EXIT_INPUT
    assert_file_error(result.err, broken, "cannot read file: Input/output error", "symbolic link")
    assert result.out == ""


def test_a_dangling_symlink_is_a_read_error_naming_the_link(tmp_path: Path) -> None:
    folder = manifests(tmp_path, "web")
    link = folder / "moved.yaml"
    link.symlink_to(folder / "gone.yaml")
    result = run_cli(["matrix", str(folder), "--format", "json"])
    assert result.code == EXIT_INPUT
    assert_file_error(result.err, link, "cannot read file: No such file or directory", "symbolic link")


def test_a_loop_of_file_symlinks_is_a_read_error_not_a_hang(tmp_path: Path) -> None:
    folder = manifests(tmp_path, "web")
    (folder / "a.yaml").symlink_to(folder / "b.yaml")
    (folder / "b.yaml").symlink_to(folder / "a.yaml")
    result = run_cli(["matrix", str(folder), "--format", "json"])
    assert result.code == EXIT_INPUT
    assert_file_error(result.err, folder / "a.yaml", "Too many levels of symbolic links", "symbolic link")
    assert_file_error(result.err, folder / "b.yaml", "Too many levels of symbolic links", "symbolic link")


def test_a_directory_symlink_loop_is_read_once_with_a_warning(tmp_path: Path) -> None:
    folder = manifests(tmp_path, "web", "api")
    (folder / "again").symlink_to(folder)
    (folder / "nested").mkdir()
    (folder / "nested" / "up").symlink_to(folder)
    result = run_cli(["matrix", str(folder), "--format", "json"])
    assert result.code == 0, result.err
    assert sorted(endpoints(result.out)) == ["shop/api", "shop/web"]
    assert "duplicate" not in result.err, "each file is read once, however many links lead to it"
    warned = [d.head for d in parse_stderr(result.err) if "symlink loop" in d.head]
    assert {h.split(":")[0] for h in warned} == {str(folder / "again"), str(folder / "nested" / "up")}


def test_a_directory_symlink_loop_is_an_error_under_strict(tmp_path: Path) -> None:
    folder = manifests(tmp_path, "web")
    (folder / "again").symlink_to(folder)
    result = run_cli(["matrix", str(folder), "--strict"])
    assert result.code == EXIT_INPUT
    assert f"{folder / 'again'}: error: directory already read through another path" in result.err


def test_a_fifo_in_a_directory_is_skipped_not_waited_on(tmp_path: Path) -> None:
    """Opening a FIFO with no writer blocks forever: the walk must not open it.

    Run in a child process so that a regression fails the test instead of hanging the suite
    (the timeout is a guard, not a measurement).
    """
    folder = manifests(tmp_path, "web")
    fifo = folder / "pipe.yaml"
    os.mkfifo(fifo)
    code = "import sys; from netverify.cli import main; sys.exit(main(sys.argv[1:]))"
    child = subprocess.run([sys.executable, "-c", code, "matrix", str(folder), "--format", "json"],
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr
    assert endpoints(child.stdout) == ["shop/web"]
    assert f"{fifo}: warning: not a regular file" in child.stderr


def test_a_directory_named_like_a_manifest_is_walked(tmp_path: Path) -> None:
    folder = manifests(tmp_path, "web")
    odd = folder / "more.yaml"
    odd.mkdir()
    (odd / "api.yaml").write_text(POD.format(name="api"))
    result = run_cli(["matrix", str(folder), "--format", "json"])
    assert result.code == 0, result.err
    assert sorted(endpoints(result.out)) == ["shop/api", "shop/web"]


def test_a_missing_path_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = run_cli(["matrix", str(missing)])
    assert result.code == EXIT_INPUT
    assert_file_error(result.err, missing, "no such file or directory", "check the path")


def test_bad_yaml_on_standard_input_is_located_as_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    text = POD.format(name="web") + "---\n" + POD.format(name="api").replace("  name: api", "  name: api\n  name: x")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    result = run_cli(["matrix", "-"])
    assert result.code == EXIT_INPUT
    assert "<stdin>:13: error: duplicate key 'name' (first at line 12)" in result.err


def test_non_utf8_on_standard_input_names_the_line(monkeypatch: pytest.MonkeyPatch) -> None:
    text = POD.format(name="web").encode() + b"# caf\xe9\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    result = run_cli(["matrix", "-"])
    assert result.code == EXIT_INPUT
    assert "<stdin>:8: error: the file contains bytes that are not UTF-8" in result.err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("argv", [["matrix", "--format", "json"], ["matrix"], ["snapshot"], ["exposure"]],
                         ids=["matrix-json", "matrix-text", "snapshot", "exposure"])
def test_a_full_disk_is_reported_not_taken_for_a_bug(argv: list[str]) -> None:
    """Writing to /dev/full fails with ENOSPC, like a full disk: a plain error (exit 2), not an
    internal error, and no traceback when Python flushes what is left at exit."""
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
    code = "import sys; from netverify.cli import main; sys.exit(main(sys.argv[1:]))"
    with open("/dev/full", "w") as full:
        child = subprocess.run([sys.executable, "-c", code, argv[0], str(demo), *argv[1:]], stdout=full,
                               stderr=subprocess.PIPE, text=True, timeout=300)
    assert child.returncode == EXIT_INPUT, child.stderr
    assert child.stderr.startswith("error: cannot write the output: No space left on device\n  hint: "), child.stderr
    assert "Traceback" not in child.stderr and "Exception ignored" not in child.stderr


def test_a_symlink_leaving_the_git_work_tree_or_holding_the_tree_is_not_followed(tmp_path: Path) -> None:
    """A repository may commit `x -> /`: reading a directory must not read the whole machine, nor a file
    outside the repository (`creds.yaml -> ~/.kube/config`, whose content an error could quote)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".git").mkdir()
    folder = manifests(repo, "web")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "stolen.yaml").write_text(POD.format(name="stolen"))
    (folder / "root").symlink_to("/")
    (folder / "up").symlink_to("..")
    (folder / "elsewhere").symlink_to(outside)
    (folder / "creds.yaml").symlink_to(outside / "stolen.yaml")
    (folder / "proc").symlink_to("/proc/self")
    result = run_cli(["matrix", str(folder), "--format", "json"])
    assert result.code == 0, result.err
    assert sorted(endpoints(result.out)) == ["shop/web"]
    warned = {d.head.split(":")[0] for d in parse_stderr(result.err) if "not followed" in d.head}
    assert warned == {str(folder / n) for n in ("root", "up", "elsewhere", "creds.yaml", "proc")}
    strict = run_cli(["matrix", str(folder), "--strict"])
    assert strict.code == EXIT_INPUT, "under --strict a link not followed is an error"


def test_a_symlink_to_a_sibling_directory_is_followed_outside_git(tmp_path: Path) -> None:
    """Shared directories linked into each variant (diff/base/cluster -> ../../cluster) are read."""
    folder = manifests(tmp_path, "web")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "api.yaml").write_text(POD.format(name="api"))
    (folder / "shared").symlink_to(Path("..") / "shared")
    result = run_cli(["matrix", str(folder), "--format", "json"])
    assert result.code == 0, result.err
    assert sorted(endpoints(result.out)) == ["shop/api", "shop/web"]
    assert "not followed" not in result.err


def test_a_symlink_inside_the_work_tree_is_followed(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    folder = manifests(tmp_path, "web")
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "api.yaml").write_text(POD.format(name="api"))
    (folder / "base").symlink_to(tmp_path / "base")
    result = run_cli(["matrix", str(folder), "--format", "json"])
    assert result.code == 0, result.err
    assert sorted(endpoints(result.out)) == ["shop/api", "shop/web"]
