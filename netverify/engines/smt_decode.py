"""Decoding a solver model's side into an endpoint the evaluator can replay (a pod that could exist,
or an address outside the cluster). Receives the z3 module from engines/smt.py (the only importer)."""

from __future__ import annotations

import ipaddress
from typing import Any

from netverify.engines.smt_encode import SideVars
from netverify.engines.smt_vocabulary import EXTERNAL, NO_NODE, Vocabulary
from netverify.model import NAMESPACE_NAME_LABEL, ContainerPort
from netverify.semantics.endpoints import Endpoint, external_endpoint
from netverify.sets import PROTOCOLS


def synthesize(z3: Any, v: Vocabulary, value: Any, side: SideVars, cls: int, role: str,
               new_namespace: str = "new-namespace") -> Endpoint:
    """The pod (or outside address) a model describes, as an Endpoint the evaluator can replay."""
    ip4, ip6 = value(side.ip4).as_long(), value(side.ip6).as_long()
    ip = str(ipaddress.IPv4Address(ip4) if z3.is_true(value(side.v4)) else ipaddress.IPv6Address(ip6))
    if cls == EXTERNAL:
        return external_endpoint(ip)
    ns_i = value(side.ns).as_long()
    if ns_i < v.fresh:
        namespace, ns_labels = v.namespaces[ns_i], dict(v.ns_labels[ns_i])
    else:
        decoded = {k: _decode(value(var).as_long(), v.ns_values[k], new_namespace if k == NAMESPACE_NAME_LABEL
                              else "other") for k, var in side.nslab.items()}
        ns_labels = {k: val for k, val in decoded.items() if val is not None}
        namespace = ns_labels[NAMESPACE_NAME_LABEL]  # always present, never a taken name
    labels = {k: _decode(value(var).as_long(), v.pod_values[k], "other") for k, var in side.lab.items()}
    ports = []
    for name, (present, proto, number) in side.np.items():
        if z3.is_true(value(present)):
            ports.append(ContainerPort(value(number).as_long(), PROTOCOLS[value(proto).as_long()], name))
    node_i = value(side.node).as_long()
    name = f"new-{role}-pod"
    return Endpoint(
        f"{namespace}/{name}", "Pod", namespace, name,
        tuple(sorted((k, x) for k, x in labels.items() if x is not None)),
        tuple(sorted(ns_labels.items())), tuple(ports), (ip,), False,
        v.nodes[node_i] if node_i != NO_NODE else None, (name,), 1,
    )


def _decode(code: int, values: list[str], other: str) -> str | None:
    """A label value from its code: None when absent, a value no selector mentions for OTHER."""
    if code < 0:
        return None
    if code < len(values):
        return values[code]
    candidate, n = other, 1
    while candidate in values:
        n += 1
        candidate = f"{other}-{n}"
    return candidate

