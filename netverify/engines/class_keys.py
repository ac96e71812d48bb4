"""How endpoints are keyed into classes: what makes two endpoints indistinguishable to every policy of every tier
(`class_key`), and what a named port entry resolves on (`named_ports_key`). The graph builds its classes from the
first; subject groups that ingress partitions are shared by (graph, diff, lint) are keyed on the second."""

from __future__ import annotations

from netverify.semantics.endpoints import Endpoint, visible_labels

__all__ = ["class_key", "named_ports_key"]


def class_key(ep: Endpoint, ip_signature: object, with_node: bool,
              label_keys: frozenset[str] | None) -> tuple[object, ...]:
    """Endpoints with equal keys are indistinguishable to every policy (exactly, not approximately):
    `ip_signature` and `label_keys` come from what the tiers observe (compile.observe)."""
    named = tuple(sorted((p.name, p.protocol, p.port) for p in ep.ports if p.name))
    return (ep.kind == "External", ep.namespace, visible_labels(ep.labels, label_keys), named, ep.host_network,
            ip_signature, ep.node_name if with_node else None)


def named_ports_key(ep: Endpoint) -> tuple[object, ...]:
    """What a named port entry resolves on: external addresses resolve none."""
    if ep.external:
        return ("external",)
    return tuple(sorted((p.name, p.protocol, p.port) for p in ep.ports if p.name))
