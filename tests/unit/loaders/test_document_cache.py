"""The document cache that lets diff and equiv parse a file shared by both versions only once."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any

from netverify.loaders.manifests import DocumentCache, LoadResult, load_blobs, load_paths
from netverify.model import SourceRef, relocated

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


MIXED = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: a}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, image: i, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Pod
metadata: {name: loose}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {}}], ports: [{port: http}]}]
"""


def _everything(result: LoadResult) -> tuple[object, ...]:
    return result.cluster, [(d.severity, d.source, d.message) for d in result.diagnostics]


def test_a_document_read_once_gives_each_version_what_reading_it_again_would(tmp_path: Path) -> None:
    """Pods, workloads, Services and Namespaces are converted once and moved to the other version's file names;
    the cluster and every diagnostic of each version equal those of a load without the cache."""
    versions = [write(tmp_path / name, MIXED) for name in ("base", "head", "again")]
    cache = DocumentCache()
    for namespace in ("default", "other"):
        cached = [load_paths([p], namespace, cache=cache) for p in versions]
        plain = [load_paths([p], namespace) for p in versions]
        assert [_everything(r) for r in cached] == [_everything(r) for r in plain]
    head = cached[1].cluster
    assert head.workloads[0].ports is cached[0].cluster.workloads[0].ports, "converted once, not once per version"
    assert {o.source.file for o in (*head.pods, *head.workloads, *head.services, *head.namespaces)
            if not getattr(o, "implicit", False)} == {f"{versions[1]}/pod.yaml"}
    assert [p.namespace for p in head.pods] == ["other"], "the namespace default is part of what a reading depends on"


def test_what_a_document_reports_is_reported_by_every_version_that_reads_it(tmp_path: Path) -> None:
    text = POD.replace("metadata:", "bogus: 1\nmetadata:").replace("apiVersion: v1", "apiVersion: v1", 1)
    cache = DocumentCache()
    for name in ("base", "head"):
        version = write(tmp_path / name, text)
        problems = [d for d in load_paths([version], cache=cache).diagnostics if "bogus" in d.message + d.hint
                    or "unknown field" in d.message]
        assert problems and problems[0].source.file == f"{version}/pod.yaml"


def test_a_definition_repeated_in_one_version_is_still_reported_there(tmp_path: Path) -> None:
    cache = DocumentCache()
    for name in ("base", "head"):
        version = tmp_path / name
        write(version, POD)
        (version / "again.yaml").write_text(POD)
        warnings = load_paths([str(version)], cache=cache).warnings
        assert [w.message.split(":")[0] for w in warnings] == ["duplicate Pod shop/web"]


def test_relocated_moves_every_source_reference_and_shares_the_rest(tmp_path: Path) -> None:
    policy = load_paths([write(tmp_path / "p", MIXED)]).cluster.policies[0]
    moved = relocated(policy, "elsewhere.yaml")
    refs = [policy.source, policy.ingress[0].source, policy.ingress[0].peers[0].source,
            policy.ingress[0].ports[0].source]
    assert [(r.file, r.line) for r in (moved.source, moved.ingress[0].source, moved.ingress[0].peers[0].source,
                                       moved.ingress[0].ports[0].source)] == [("elsewhere.yaml", r.line) for r in refs]
    assert moved.pod_selector is policy.pod_selector
    assert relocated(moved, "elsewhere.yaml") is moved


def _relocated_by_walking_every_field(obj: Any, file: str) -> Any:
    """The reference: relocated as it was first written, visiting every field of every dataclass."""
    if type(obj) is SourceRef:
        return obj if obj.file == file else SourceRef(file, obj.line)
    if type(obj) is tuple:
        moved = tuple(x if type(x) is str else _relocated_by_walking_every_field(x, file) for x in obj)
        return obj if all(a is b for a, b in zip(moved, obj, strict=True)) else moved
    if is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in fields(obj):
            value = getattr(obj, f.name)
            if f.init and not isinstance(value, (str, int, float, Enum)) and value is not None:
                moved_value = _relocated_by_walking_every_field(value, file)
                if moved_value is not value:
                    changes[f.name] = moved_value
        return replace(obj, **changes) if changes else obj
    return obj


FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"


def test_relocated_visits_only_fields_whose_types_hold_sources_and_gives_what_visiting_every_field_gives() -> None:
    """Every object of every fixture (all kinds: admin policies, nodes, slices, skipped objects), and whole
    clusters, moved both ways: equal to the reference, sharing exactly the same unchanged parts."""
    seen = 0
    for directory in sorted(p for p in FIXTURES.rglob("*") if p.is_dir()):
        cluster = load_paths([str(directory)]).cluster
        for obj in (cluster, *(o for part in fields(cluster) for o in _items(getattr(cluster, part.name)))):
            for file in ("elsewhere.yaml", obj.source.file if hasattr(obj, "source") else "x"):
                got, want = relocated(obj, file), _relocated_by_walking_every_field(obj, file)
                assert got == want and (got is obj) == (want is obj)
                assert [s.file for s in _sources(got)] == [s.file for s in _sources(want)]
                seen += 1
    assert seen > 1000


def _items(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else ()


def _sources(obj: Any) -> list[SourceRef]:
    if type(obj) is SourceRef:
        return [obj]
    if isinstance(obj, tuple):
        return [s for x in obj for s in _sources(x)]
    if is_dataclass(obj) and not isinstance(obj, type):
        return [s for f in fields(obj) for s in _sources(getattr(obj, f.name))]
    return []
