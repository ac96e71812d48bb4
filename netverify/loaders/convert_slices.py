"""Convert EndpointSlices (discovery.k8s.io/v1) into model objects: the ready backends of one Service.

Like `convert`'s functions: validates as the API server does, returns None when the object cannot be used,
and every problem lands in the `Fields` diagnostics at its line.
"""

from __future__ import annotations

from typing import Any

from netverify.loaders.fields import HINT_MAPPING, Fields, line_of
from netverify.model import EndpointSlice, ServicePort
from netverify.model.source import printable

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def convert_endpoint_slice(doc: Any, namespace: str, f: Fields) -> EndpointSlice | None:
    """An EndpointSlice (discovery.k8s.io/v1): the ready backends of one Service.

    Endpoints whose `conditions.ready` is false (starting, failing probes, terminating)
    receive no Service traffic and are left out; a missing `ready` means ready.
    """
    meta = f.map(doc, "metadata", "metadata", required=True)
    name = f.name(meta, "metadata.name") if meta is not None else None
    labels = f.labels(meta, "labels", "metadata.labels") if meta is not None else {}
    service = labels.get(SERVICE_NAME_LABEL)
    address_type = f.str(doc, "addressType", "addressType")
    addresses, pods = _slice_endpoints(f.list(doc, "endpoints", "endpoints") or [], address_type, f)
    ports: list[ServicePort] = []
    for i, p in enumerate(f.list(doc, "ports", "ports") or []):
        if not isinstance(p, dict):
            f.error(line_of(doc["ports"], i), f"ports[{i}]", "must be a mapping", HINT_MAPPING)
            continue
        number = f.port_number(p, "port", f"ports[{i}].port")
        if number is not None:  # no port: the slice does not restrict ports
            ports.append(ServicePort(number, number, f.protocol(p, "protocol", f"ports[{i}].protocol"),
                                     f.str(p, "name", f"ports[{i}].name") or None))
    if name is None or f.failed:
        return None
    if service is None:
        f.warn(doc.line, f"EndpointSlice has no {SERVICE_NAME_LABEL} label: it backs no Service and is ignored",
               f"add the label {SERVICE_NAME_LABEL}: <service name>")
        return None
    return EndpointSlice(namespace, name, service, tuple(addresses), tuple(pods), tuple(ports), f.ref(doc.line))


def _slice_endpoints(items: list[Any], address_type: str | None, f: Fields) -> tuple[list[str], list[str]]:
    """The ready endpoints' addresses (not for FQDN slices) and the pods they name."""
    addresses: list[str] = []
    pods: list[str] = []
    for i, ep in enumerate(items):
        path = f"endpoints[{i}]"
        if not isinstance(ep, dict):
            f.error(line_of(items, i), path, "must be a mapping", HINT_MAPPING)
            continue
        conditions: dict[str, Any] = f.map(ep, "conditions", f"{path}.conditions") or {}
        if f.bool(conditions, "ready", f"{path}.conditions.ready") is False:
            continue
        if address_type != "FQDN":
            for j, raw in enumerate(f.list(ep, "addresses", f"{path}.addresses") or []):
                ip = f.ip(raw, line_of(ep["addresses"], j), f"{path}.addresses[{j}]")
                if ip is not None and ip not in addresses:
                    addresses.append(ip)
        ref = f.map(ep, "targetRef", f"{path}.targetRef")
        if ref is not None and ref.get("kind") == "Pod" and isinstance(ref.get("name"), str):
            pods.append(printable(ref["name"]))
    return addresses, pods
