"""`--cluster`: the real kubernetes client over real HTTP gives the same answers as files.

A KubeAPIServer on 127.0.0.1 serves the objects of a manifest directory as the API
server would; netverify reads it through a generated kubeconfig (token auth) and every
answer is compared with loading the same manifests from files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubeapi_server import KubeAPIServer, read_manifests

from netverify.cli import main
from netverify.loaders.cluster import ClusterSource, load_cluster
from netverify.loaders.manifests import load_paths
from netverify.model import without_sources

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo"
TOKEN = "s3cr3t-t0ken-never-printed"
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "data"},
          "data": {"password": "aHVudGVyMg=="}}
CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "shop"},
              "data": {"k": "v"}}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_api() -> Iterator[KubeAPIServer]:
    with KubeAPIServer([*read_manifests(DEMO), SECRET, CONFIG_MAP], token=TOKEN) as api:
        yield api


@pytest.fixture
def kubeconfig(demo_api: KubeAPIServer, tmp_path: Path) -> str:
    return str(demo_api.write_kubeconfig(tmp_path / "kubeconfig", context="demo"))


@pytest.fixture(autouse=True)
def no_ambient_kubeconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see the developer's ~/.kube/config or an in-cluster service account."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)


# --- the same model as files ----------------------------------------------------------------


def test_the_cluster_loads_to_the_same_model_as_the_files(kubeconfig: str) -> None:
    live = load_cluster(ClusterSource(kubeconfig=kubeconfig))
    files = load_paths([str(DEMO)])
    assert live.errors == [] and files.errors == []
    assert without_sources(live.cluster) == without_sources(files.cluster)


def test_objects_are_located_by_context_kind_namespace_and_name(kubeconfig: str) -> None:
    cluster = load_cluster(ClusterSource(kubeconfig=kubeconfig)).cluster
    assert {p.source.file for p in cluster.pods} == {
        "cluster:demo/Pod/shop/web-7d9f8b6c5-abcde", "cluster:demo/Pod/shop/web-7d9f8b6c5-fghij",
        "cluster:demo/Pod/shop/debug"}
    assert cluster.namespace("shop") is not None and cluster.namespace("shop").source.file == (  # type: ignore[union-attr]
        "cluster:demo/Namespace/shop")


def test_matrix_from_the_cluster_equals_the_matrix_from_files(capsys: pytest.CaptureFixture[str],
                                                              kubeconfig: str) -> None:
    for fmt in ("json", "text"):
        code, from_files, _ = run(capsys, "matrix", str(DEMO), "-f", fmt)
        live_code, from_cluster, err = run(capsys, "matrix", "--cluster", "--kubeconfig", kubeconfig, "-f", fmt)
        assert (live_code, code) == (0, 0), err
        assert from_cluster == from_files


def test_can_and_exposure_from_the_cluster_equal_the_file_answers(capsys: pytest.CaptureFixture[str],
                                                                   kubeconfig: str) -> None:
    questions = [["can", "shop/web", "shop/api", "--port", "http", "-f", "json"],
                 ["can", "shop/debug", "svc/shop/api", "--port", "80", "-f", "json"],
                 ["exposure", "-f", "json"], ["matrix", "--by", "service", "-f", "json"]]
    for q in questions:
        file_code, file_out, _ = run(capsys, *q, str(DEMO))
        live_code, live_out, err = run(capsys, *q, "--cluster", "--kubeconfig", kubeconfig)
        assert live_code == file_code, err
        assert json.loads(live_out.replace("cluster:demo", "")) is not None
        assert _without_files(json.loads(live_out)) == _without_files(json.loads(file_out))


def _without_files(value: Any) -> Any:
    """JSON answers name the file and line of each rule; the cluster's differ, the rest must not."""
    if isinstance(value, dict):
        return {k: _without_files(v) for k, v in value.items() if k not in ("file", "line")}
    if isinstance(value, list):
        return [_without_files(v) for v in value]
    if isinstance(value, str) and "(" in value and ":" in value:  # "ns/policy ingress[0] (file:line)"
        return value.split(" (")[0]
    return value


# --- what is asked, and how ---------------------------------------------------------------


def test_lists_are_paginated_read_only_and_never_touch_secrets(demo_api: KubeAPIServer, kubeconfig: str) -> None:
    paged = load_cluster(ClusterSource(kubeconfig=kubeconfig, page_size=2))
    whole = load_paths([str(DEMO)])
    assert without_sources(paged.cluster) == without_sources(whole.cluster)
    assert {r.method for r in demo_api.requests} == {"GET"}
    assert all(r.authorization == f"Bearer {TOKEN}" for r in demo_api.requests)
    pod_pages = [r for r in demo_api.requests if r.path == "/api/v1/pods"]
    assert [r.query.get("limit") for r in pod_pages] == [["2"], ["2"]]
    assert "continue" not in pod_pages[0].query and "continue" in pod_pages[1].query
    touched = " ".join(demo_api.paths_requested())
    assert "secrets" not in touched and "configmaps" not in touched


def test_an_expired_continue_token_restarts_the_list(kubeconfig: str, demo_api: KubeAPIServer) -> None:
    demo_api.expire_continue = True
    result = load_cluster(ClusterSource(kubeconfig=kubeconfig, page_size=2))
    assert without_sources(result.cluster) == without_sources(load_paths([str(DEMO)]).cluster)
    assert demo_api.expire_continue is False  # the 410 was served


def test_progress_is_reported_per_page_through_the_callback(kubeconfig: str) -> None:
    events: list[Any] = []
    load_cluster(ClusterSource(kubeconfig=kubeconfig, page_size=1), events.append)
    pods = [(e.read, e.done) for e in events if e.kind == "Pod"]
    assert pods == [(1, False), (2, False), (3, True)]


def test_namespace_filter_reads_only_those_namespaces(capsys: pytest.CaptureFixture[str], demo_api: KubeAPIServer,
                                                      kubeconfig: str, tmp_path: Path) -> None:
    code, out, err = run(capsys, "matrix", "--cluster", "--kubeconfig", kubeconfig, "-n", "shop", "-n", "data",
                         "-f", "json")
    assert code == 0, err
    paths = demo_api.paths_requested()
    assert "/api/v1/namespaces/shop" in paths and "/api/v1/namespaces/monitoring" not in paths
    assert all("/namespaces/shop/" in p or "/namespaces/data/" in p for p in paths if p.endswith("/pods"))
    ids = {e["id"] for e in json.loads(out)["endpoints"]}
    assert ids and all(i.split("/")[0] in ("shop", "data") for i in ids)


def test_endpoints_are_read_when_the_cluster_has_no_endpointslice_api(capsys: pytest.CaptureFixture[str],
                                                                       tmp_path: Path) -> None:
    endpoints = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "api", "namespace": "shop"},
                 "subsets": [{"addresses": [{"ip": "10.0.1.99", "targetRef": {"kind": "Pod", "name": "debug"}}],
                              "ports": [{"name": "http", "port": 7000, "protocol": "TCP"}]}]}
    with KubeAPIServer([*read_manifests(DEMO), endpoints], token=TOKEN, missing_groups={"discovery.k8s.io"}) as api:
        kc = str(api.write_kubeconfig(tmp_path / "kc"))
        code, out, err = run(capsys, "can", "shop/Deployment/web", "svc/shop/api", "--cluster", "--kubeconfig", kc,
                             "-f", "json")
    data = json.loads(out)
    assert data["service"]["backends_from"] == "EndpointSlices"
    assert data["service"]["backends"] == ["shop/debug"]
    assert data["translations"][0]["target"] == [{"protocol": "TCP", "ports": [[7000, 7000]]}]


# --- snapshot ----------------------------------------------------------------------------


def test_a_snapshot_answers_exactly_like_the_cluster(capsys: pytest.CaptureFixture[str], kubeconfig: str,
                                                     tmp_path: Path) -> None:
    snap = tmp_path / "snap.yaml"
    code, _, err = run(capsys, "snapshot", "--cluster", "--kubeconfig", kubeconfig, "-o", str(snap))
    assert code == 0 and f"to {snap}" in err
    text = snap.read_text()
    assert "10.0.1.10" in text and "tier: frontend" in text and "containerPort: 8080" in text
    assert TOKEN not in text and "image" not in text and "hunter2" not in text and "aHVudGVyMg" not in text
    assert without_sources(load_paths([str(snap)]).cluster) == without_sources(
        load_cluster(ClusterSource(kubeconfig=kubeconfig)).cluster)
    for q in (["matrix", "-f", "json"], ["exposure", "-f", "json"], ["can", "shop/web", "svc/shop/api", "-f", "json"]):
        _, from_snapshot, _ = run(capsys, *q, str(snap))
        _, from_cluster, _ = run(capsys, *q, "--cluster", "--kubeconfig", kubeconfig)
        assert _without_files(json.loads(from_snapshot)) == _without_files(json.loads(from_cluster))


# --- 1,000 pods ---------------------------------------------------------------------------


def test_a_generated_1000_pod_cluster_gives_the_file_matrix(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    out_dir = tmp_path / "gen"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_cluster.py"), "--pods", "1000", "--policies", "100",
                    "--seed", "5", "--out", str(out_dir)], check=True, capture_output=True, timeout=300)
    objects = read_manifests(out_dir / "cluster", out_dir / "policies")
    assert sum(1 for o in objects if o["kind"] == "Pod") == 1000
    with KubeAPIServer(objects, token=TOKEN) as api:
        kc = str(api.write_kubeconfig(tmp_path / "kc"))
        code, from_cluster, err = run(capsys, "matrix", "--cluster", "--kubeconfig", kc, "-f", "json")
        pages = [r for r in api.requests if r.path == "/api/v1/pods"]
    assert code == 0, err
    assert len(pages) == 2  # 1,000 pods in pages of 500
    _, from_files, _ = run(capsys, "matrix", str(out_dir / "cluster"), str(out_dir / "policies"), "-f", "json")
    assert from_cluster == from_files
    assert len(json.loads(from_cluster)["connections"]) > 0
