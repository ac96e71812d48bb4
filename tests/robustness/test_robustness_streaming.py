"""A 200 MB manifest file is streamed: peak memory stays far below the file's size.

The file is built in the test's temporary directory (never committed) and read by the loader in
a child process, which reports how much its peak resident set grew while loading. A loader that
read the whole file, or kept every parsed document, grows by at least the file's size (the
control test shows the measure sees it); the bound asserted is an eighth of the file, while a
streaming loader grows only by the small model it keeps of each document.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TARGET_BYTES = 200_000_000
# Each document is a Deployment whose last-applied-configuration annotation is ~100 KB, as
# `kubectl apply` writes them: large scalars the loader must read and then drop.
DOCUMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  namespace: shop\n  annotations:\n"
    "    kubectl.kubernetes.io/last-applied-configuration: |\n{blob}"
    "spec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers: [{{name: c, image: i}}]\n---\n"
)
BLOB = ("      " + "x" * 99 + "\n") * 1000

# The child reports the high-water mark of its own memory (VmHWM) after its imports and after
# loading. Not getrusage(): on Linux ru_maxrss survives exec, so a child forked from a big pytest
# process would report the parent's size as its own. VmHWM belongs to the new address space.
MEASURE = """
import json, sys
from pathlib import Path
from netverify.loaders.manifests import load_blobs, load_paths

def high_water():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

mode, path = sys.argv[1:]
baseline = high_water()
if mode == "whole":  # the control: what reading the file whole costs, as a loader that did would
    result = load_blobs([(path, Path(path).read_bytes())])
else:
    result = load_paths(["-" if mode == "stdin" else path])
print(json.dumps({"growth": high_water() - baseline, "workloads": len(result.cluster.workloads),
                  "errors": [f"{d.source}: {d.message}" for d in result.errors]}))
"""
HAS_PROC = Path("/proc/self/status").exists()
pytestmark = [pytest.mark.large_input, pytest.mark.skipif(not HAS_PROC, reason="reads VmHWM from /proc (Linux)")]


@pytest.fixture(scope="module")
def big_manifest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """(path, documents, lines) of a ~200 MB multi-document file."""
    path = tmp_path_factory.mktemp("large") / "big.yaml"
    written = documents = lines = 0
    with path.open("w") as handle:
        while written < TARGET_BYTES:
            text = DOCUMENT.format(i=documents, blob=BLOB)
            handle.write(text)
            written, documents, lines = written + len(text), documents + 1, lines + text.count("\n")
    return path, documents, lines


def measure(path: Path, mode: str = "file") -> dict[str, Any]:
    """Load `path` in a child process (as a path, from stdin, or read whole) and report its memory growth."""
    with path.open("rb") as stdin:
        child = subprocess.run([sys.executable, "-c", MEASURE, mode, str(path)], stdin=stdin, capture_output=True,
                               text=True, check=True)
    return dict(json.loads(child.stdout))


def streamed_bound(size: int) -> int:
    """A streaming loader grows by what it keeps (a small model per document): far below the file."""
    return size // 8


def test_the_measure_sees_a_file_read_whole(big_manifest: tuple[Path, int, int]) -> None:
    """The control: a loader holding the whole text grows by at least the file's size, which the bound refuses."""
    path, documents, _ = big_manifest
    report = measure(path, "whole")
    assert report["workloads"] == documents
    assert report["growth"] >= path.stat().st_size > streamed_bound(path.stat().st_size)


@pytest.mark.parametrize("mode", ["file", "stdin"])
def test_a_200_mb_file_is_read_whole_in_bounded_memory(big_manifest: tuple[Path, int, int], mode: str) -> None:
    path, documents, _ = big_manifest
    report = measure(path, mode)
    assert report["errors"] == []
    assert report["workloads"] == documents, "every document was read"
    size = path.stat().st_size
    assert report["growth"] < streamed_bound(size), f"grew by {report['growth']} reading {size} bytes: not streamed"


def test_an_error_at_the_end_of_a_200_mb_file_names_its_line_in_bounded_memory(
        big_manifest: tuple[Path, int, int]) -> None:
    """A non-UTF-8 byte after 200 MB: its line is found by re-reading the file in chunks."""
    path, _, lines = big_manifest
    size = path.stat().st_size
    with path.open("ab") as handle:
        handle.write(b"# caf\xe9\n")
    try:
        report = measure(path)
    finally:
        with path.open("r+b") as handle:
            handle.truncate(size)
    [error] = report["errors"]
    assert error.startswith(f"{path}:{lines + 1}: the file contains bytes that are not UTF-8 (")
    assert error.endswith(f" at byte {size + len(b'# caf')})")
    assert report["growth"] < streamed_bound(size)
