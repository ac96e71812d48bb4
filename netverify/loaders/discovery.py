"""Which files a list of paths stands for: directories walked (sorted, recursively), stdin, and the
files found there that are not read (FIFOs and devices, symbolic links leaving the tree).

Invariants: a FIFO or device found in a directory is never opened (opening one may block forever);
each directory is walked once however many links lead to it; a link is never followed out of the
tree it was found in when that would read the machine (see `discover`); nothing here reads a file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator

from netverify.model import Diagnostic, Severity, SourceRef
from netverify.model.source import printable

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"


def discover(paths: Iterable[str], diagnostics: list[Diagnostic]) -> Iterator[str]:
    """Expand paths into manifest files (directories recursively, sorted); `-` is stdin.

    Paths given are read wherever they lead. Inside a directory, a symbolic link is not followed when it
    points at the directory itself or above it (`x -> /`, `x -> ..`: the whole machine), into /proc, /sys
    or /dev, or, when the directory is in a git work tree, out of that work tree (a repository under
    review cannot make netverify read the machine it runs on); each such link is a warning."""
    paths = list(paths)
    roots = tuple(os.path.realpath(p) for p in paths if p != STDIN and os.path.isdir(p))
    # Overlapping paths (`manifests/setup manifests`, a file and its directory, a link to either) are read
    # once: a file already yielded is not yielded again, so nothing is reported as its own duplicate.
    seen: set[str] = set()

    def first_time(file: str) -> bool:
        real = os.path.realpath(file)
        if real in seen:
            return False
        seen.add(real)
        return True

    for path in paths:
        if path == STDIN:
            yield STDIN
        elif os.path.isdir(path):
            yield from (f for f in _walk(path, roots, diagnostics) if first_time(f))
        elif os.path.exists(path):
            if first_time(path):
                yield path
        else:
            diagnostics.append(Diagnostic(Severity.ERROR, SourceRef(path), "no such file or directory",
                                          "check the path"))


_SYSTEM_TREES = ("/proc", "/sys", "/dev")


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _work_tree(directory: str) -> str | None:
    """The git work tree holding `directory` (the nearest ancestor with a `.git` entry), if any."""
    current = directory
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _link_problem(path: str, roots: tuple[str, ...], fence: str | None) -> str | None:
    """Why the symbolic link `path` is not followed, or None to follow it."""
    target = os.path.realpath(path)
    if any(_inside(root, target) and root != target for root in roots):  # `x -> /`, `x -> ..`
        return f"symbolic link to {printable(target)}, which holds the directory being read: not followed"
    if any(_inside(target, system) for system in _SYSTEM_TREES):
        return f"symbolic link to {printable(target)}, a system directory: not followed"
    if fence is not None and not _inside(target, fence) and not any(_inside(target, r) for r in roots):
        return f"symbolic link to {printable(target)}, outside the git work tree {printable(fence)}: not followed"
    return None


def _walk(root: str, roots: tuple[str, ...], diagnostics: list[Diagnostic]) -> Iterator[str]:
    seen: set[str] = set()
    fence = _work_tree(os.path.realpath(root))

    def onerror(exc: OSError) -> None:
        diagnostics.append(Diagnostic(Severity.ERROR, SourceRef(str(exc.filename or root)),
                                      f"cannot read directory: {exc.strerror}", "check its permissions"))

    def stays_inside(path: str) -> bool:
        if not os.path.islink(path):
            return True
        problem = _link_problem(path, roots, fence)
        if problem is None:
            return True
        diagnostics.append(Diagnostic(Severity.WARNING, SourceRef(printable(path)), problem,
                                      "pass the target as a path of its own to read it"))
        return False

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=onerror):
        real = os.path.realpath(dirpath)
        if real in seen:  # a symlink loop or a second link to the same directory
            dirnames[:] = []
            diagnostics.append(Diagnostic(Severity.WARNING, SourceRef(dirpath),
                                          "directory already read through another path (symlink loop?); skipped",
                                          "remove the link, or pass each directory once"))
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and stays_inside(os.path.join(dirpath, d)))
        for name in sorted(filenames):
            if name.endswith(MANIFEST_SUFFIXES) and not name.startswith("."):
                path = os.path.join(dirpath, name)
                if stays_inside(path):
                    yield from _regular_file(path, diagnostics)


def _regular_file(path: str, diagnostics: list[Diagnostic]) -> Iterator[str]:
    """A file found in a directory, unless it is a FIFO or device (reading one could block forever)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        yield path  # a dangling link or a link loop: reading it reports the error with the path
        return
    if stat.S_ISREG(mode):
        yield path
    else:
        diagnostics.append(Diagnostic(Severity.WARNING, SourceRef(path),
                                      "not a regular file (a FIFO or device?); skipped",
                                      "pass it explicitly to read it, e.g. from process substitution"))
