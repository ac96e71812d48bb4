"""Builders for small manifests used by the specification tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from netverify.loaders.manifests import LoadResult, load_objects
from netverify.loaders.snapshot import KubectlDumper
from netverify.model import SourceRef
from netverify.queries.context import Analysis
from netverify.semantics.options import Semantics


def dump_manifests(docs: Iterable[Any], **options: Any) -> str:
    """Multi-document YAML that kubectl reads back as `docs`: strings such as `y` (go-yaml's true) quoted."""
    return yaml.dump_all(list(docs), Dumper=KubectlDumper, **options)


def ns(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def pod(namespace: str, name: str, ip: str | None = None, ports: list[dict[str, Any]] | None = None,
        host_network: bool = False, node: str | None = None, **labels: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "x", "ports": ports or []}]}
    if host_network:
        spec["hostNetwork"] = True
    if node:
        spec["nodeName"] = node
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": name, "namespace": namespace, "labels": labels}, "spec": spec,
                           "status": {"phase": "Running"}}
    if ip:
        obj["status"]["podIP"] = ip
    return obj


def policy(namespace: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def load(*objects: dict[str, Any]) -> LoadResult:
    return load_objects((o, SourceRef("test.yaml", i + 1)) for i, o in enumerate(objects))


def analyse(*objects: dict[str, Any], by: str = "pod", ipblock_matches_pods: bool = True) -> Analysis:
    result = load(*objects)
    assert not result.errors, [d.render() for d in result.errors]
    return Analysis(result.cluster, Semantics(ipblock_matches_pods=ipblock_matches_pods), by)
