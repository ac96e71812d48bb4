"""Objects of a live cluster's API answers, as the manifest converters read them (loaders/cluster.py reads
them): plain JSON made located (line 0) with the nesting limit of files, legacy Endpoints as the EndpointSlices
they stand for, and the `cluster:` source reference every answer cites. No network here."""

from __future__ import annotations

from typing import Any

from netverify.loaders.kubeconfig import ClusterError
from netverify.loaders.yamlio import MAX_DEPTH, LocatedList, LocatedMap
from netverify.model import SourceRef


def source_ref(context: str, kind: str, namespace: str, name: str) -> SourceRef:
    """Where an object read from a cluster is cited: `cluster:<context>/<kind>/<namespace>/<name>`."""
    return SourceRef(f"cluster:{context}/{kind}/{namespace + '/' if namespace else ''}{name}")


def located(value: Any, depth: int = 0) -> Any:
    """Plain JSON -> LocatedMap/LocatedList (line 0), the shape the converters read; nesting limited as for
    files (an API answer is no more trusted than a manifest)."""
    if depth > MAX_DEPTH:
        raise ClusterError(f"the API server answered with an object nested deeper than {MAX_DEPTH} levels",
                           "check that the kubeconfig points at a Kubernetes API server")
    if isinstance(value, dict):
        out = LocatedMap()
        for k, v in value.items():
            out[k] = located(v, depth + 1)
        return out
    if isinstance(value, list):
        items = LocatedList()
        items.extend(located(v, depth + 1) for v in value)
        return items
    return value


def slices_from_endpoints(obj: dict[str, Any]) -> dict[str, Any]:
    """An Endpoints object as one EndpointSlice per subset would show it (ready addresses only)."""
    meta = as_mapping(obj.get("metadata"))
    endpoints, ports = [], []
    for subset in object_items(obj.get("subsets")):
        for address in object_items(subset.get("addresses")):
            entry: dict[str, Any] = {"addresses": [address.get("ip")], "conditions": {"ready": True}}
            if isinstance(address.get("targetRef"), dict):
                entry["targetRef"] = address["targetRef"]
            endpoints.append(entry)
        for p in object_items(subset.get("ports")):
            if p not in ports:
                ports.append(p)
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": meta.get("name"), "namespace": meta.get("namespace"),
                         "labels": {"kubernetes.io/service-name": meta.get("name")}},
            "addressType": "IPv4", "endpoints": endpoints, "ports": ports}


def as_mapping(value: Any) -> dict[str, Any]:
    """A mapping of an API answer, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def object_items(value: Any) -> list[dict[str, Any]]:
    """The objects of a list from an API answer; anything else in it is left for the converter to refuse."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
