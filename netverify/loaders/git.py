"""Read manifests as they are at a git revision, with `git` itself and without a checkout.

Files are listed with `git ls-tree` and read with one `git cat-file --batch` process;
each is labelled `REF:path` (path relative to the repository root), which is also the
name `git show` accepts, so every message points at the exact blob it came from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from netverify.errors import SourceError
from netverify.loaders.kindmap import KindMap
from netverify.loaders.manifests import MANIFEST_SUFFIXES, DocumentCache, LoadResult, load_blobs
from netverify.model import Diagnostic, Severity, SourceRef

_FETCH_HINT = ("name a branch, tag or commit that exists locally; in CI fetch the base first "
               "(e.g. `git fetch origin main` or actions/checkout with fetch-depth: 0)")


class GitProblem(SourceError):
    """git is missing, the directory is not a repository, or the revision does not exist."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class _Entry:
    mode: str
    kind: str  # blob, tree, commit (submodule)
    path: str  # relative to the repository root, with `/`


def _git(args: Sequence[str], cwd: str, stdin: bytes | None = None) -> bytes:
    exe = shutil.which("git")
    if exe is None:
        raise GitProblem("git is not installed or not on PATH", "install git to use --git-base")
    proc = subprocess.run([exe, *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitProblem(f"git {args[0]} failed: {detail[-1] if detail else 'exit ' + str(proc.returncode)}")
    return proc.stdout


def repository_root(cwd: str) -> str:
    try:
        out = _git(["rev-parse", "--show-toplevel"], cwd)
    except GitProblem as exc:
        raise GitProblem(f"{os.path.abspath(cwd)} is not inside a git repository ({exc.message})",
                         "run netverify from a clone of the repository, or compare two directories instead") from None
    return out.decode().strip()


def resolve_commit(ref: str, root: str) -> str:
    """The commit `ref` names; a clear error when it does not exist here."""
    if ref.startswith("-"):
        raise GitProblem(f"{ref!r} is not a git revision", _FETCH_HINT)
    try:
        out = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], root)
    except GitProblem:
        raise GitProblem(f"unknown git revision {ref!r}", _FETCH_HINT) from None
    return out.decode().strip()


def _list_tree(commit: str, root: str) -> list[_Entry]:
    out = _git(["ls-tree", "-r", "-z", "--full-tree", commit], root)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, _obj = meta.decode().split(" ", 2)
        entries.append(_Entry(mode, kind, path.decode("utf-8", "surrogateescape")))
    return entries


def _is_manifest(path: str) -> bool:
    """Mirror the directory walk: manifest suffixes, no hidden file or directory on the way."""
    parts = path.split("/")
    return path.endswith(MANIFEST_SUFFIXES) and not any(p.startswith(".") for p in parts)


def _repo_relative(path: str, root: str, cwd: str) -> str:
    full = os.path.realpath(os.path.join(cwd, path))
    rel = os.path.relpath(full, os.path.realpath(root))
    if rel == os.curdir:
        return ""
    if rel.startswith(os.pardir + os.sep) or rel == os.pardir:
        raise GitProblem(f"{path} is outside the git repository at {root}", "pass paths inside the repository")
    return rel.replace(os.sep, "/")


def select_files(entries: list[_Entry], wanted: list[str]) -> tuple[list[str], list[str]]:
    """Files under the wanted repository paths ("" = everything); and the wanted paths absent at the revision."""
    blobs = {e.path for e in entries if e.kind == "blob" and e.mode != "120000"}  # symlinks: not followed
    chosen: dict[str, None] = {}
    missing = []
    for want in wanted:
        if want in blobs:  # an explicitly named file is read whatever its suffix, as on disk
            chosen[want] = None
            continue
        prefix = want + "/" if want else ""
        under = sorted(p for p in blobs if p.startswith(prefix) and _is_manifest(p[len(prefix):]))
        if not under and not any(p.startswith(prefix) for p in blobs):
            missing.append(want)
        chosen.update(dict.fromkeys(under))
    return list(chosen), missing


def _read_blobs(commit: str, ref_label: str, paths: list[str], root: str) -> Iterator[tuple[str, bytes]]:
    """Every file's content from one `git cat-file --batch` run (one process, not one per file)."""
    if not paths:
        return
    request = "".join(f"{commit}:{p}\n" for p in paths).encode("utf-8", "surrogateescape")
    out = _git(["cat-file", "--batch"], root, stdin=request)
    pos = 0
    for path in paths:
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        yield f"{ref_label}:{path}", out[pos:pos + size]
        pos += size + 1  # content is followed by a newline


def load_git(ref: str, paths: Sequence[str], default_namespace: str = "default", cwd: str | None = None,
             cache: DocumentCache | None = None, kinds: KindMap | None = None) -> LoadResult:
    """Load the manifests under `paths` (relative to `cwd`) as they are at revision `ref`.

    Raises GitProblem when git cannot answer; a path absent at `ref` is a warning (the
    revision simply had no manifests there, e.g. a directory added by the change).
    """
    here = cwd or os.getcwd()
    first = os.path.join(here, paths[0]) if paths else here
    root = repository_root(first if os.path.isdir(first) else os.path.dirname(first) or here)
    commit = resolve_commit(ref, root)
    wanted = [_repo_relative(p, root, here) for p in (paths or [os.curdir])]
    files, missing = select_files(_list_tree(commit, root), wanted)
    result = load_blobs(_read_blobs(commit, ref, files, root), default_namespace, cache, kinds)
    for want in missing:
        result.diagnostics.append(Diagnostic(
            Severity.WARNING, SourceRef(f"{ref}:{want}"), f"no such path at {ref}: read as empty",
            "expected when the change adds these manifests; otherwise check the path"))
    return result
