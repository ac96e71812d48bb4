"""The document cache that lets diff and equiv parse a file shared by both versions only once."""

from __future__ import annotations

from pathlib import Path

from netverify.loaders.manifests import DocumentCache, load_blobs, load_paths

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec: {containers: [{name: c, image: i}]}\n"


def write(directory: Path, text: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pod.yaml").write_text(text)
    return str(directory)


def test_two_versions_load_the_same_objects_with_and_without_the_cache(tmp_path: Path) -> None:
    base, head = write(tmp_path / "base", POD), write(tmp_path / "head", POD)
    cache = DocumentCache()
    cached = [load_paths([p], cache=cache) for p in (base, head)]
    plain = [load_paths([p]) for p in (base, head)]
    assert [r.cluster for r in cached] == [r.cluster for r in plain]
    assert cached[1].cluster.pods[0].source.file.endswith("head/pod.yaml"), "each version keeps its own file names"


def test_identical_content_is_parsed_once(tmp_path: Path) -> None:
    cache = DocumentCache()
    first = cache.documents(POD.encode())
    assert cache.documents(POD.encode()) is first
    assert cache.documents(POD.replace("web", "api").encode()) is not first


def test_a_broken_file_is_reported_by_every_load_that_reads_it(tmp_path: Path) -> None:
    broken = write(tmp_path / "broken", "kind: Pod\nmetadata: {name: [\n")
    cache = DocumentCache()
    for _ in range(2):
        errors = [d for d in load_paths([broken], cache=cache).diagnostics if d.severity.value == "error"]
        assert errors and errors[0].source.line > 0


def test_a_cache_without_room_keeps_nothing_and_still_loads() -> None:
    cache = DocumentCache(max_bytes=10)
    first = load_blobs([("a.yaml", POD.encode())], cache=cache)
    assert first.cluster.pods and cache.documents(POD.encode()) is not cache.documents(POD.encode())
