"""Write a loaded inventory back as manifests: `netverify snapshot`.

The manifests hold exactly what the analysis reads (names, labels, owners, container
ports, pod IPs, node names, Services, EndpointSlices, NetworkPolicies, the admin policy kinds,
Nodes) and nothing else: no images, environment, commands or annotations, so a snapshot of a live cluster can be
attached to a bug report. Loading a snapshot gives back an equal Cluster (sources aside),
hence the same answers as the cluster it was read from.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

import yaml

from netverify.loaders.scalars import resolve_plain
from netverify.model import (
    AdminPeer,
    AdminPolicy,
    AdminPort,
    AdminRule,
    AdminTier,
    Cluster,
    ContainerPort,
    Direction,
    EndpointSlice,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Node,
    OwnerRef,
    Peer,
    PeerForm,
    Pod,
    PortSpec,
    Rule,
    Service,
    SubjectForm,
    Workload,
)

_API_VERSION = {
    "Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "ReplicaSet": "apps/v1",
    "ReplicationController": "v1", "Job": "batch/v1", "CronJob": "batch/v1",
}
# The group a snapshot gives custom resources read as workloads: netverify reads them back by their
# spec.template, whatever the group (loaders.kinds).
_CUSTOM_GROUP = "snapshot.netverify.io"
_SCALED = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")
SERVICE_NAME_LABEL = "kubernetes.io/service-name"

try:
    from yaml import CSafeDumper as _BaseDumper
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]


class KubectlDumper(_BaseDumper):
    """A safe dumper that quotes every string kubectl (and netverify's reader) would not read back as that
    string: PyYAML writes `y`, `0o17` or `1e3` bare, which go-yaml reads as true, 15 and 1000.0. Use it to
    write manifests: yaml.dump_all(docs, Dumper=KubectlDumper)."""


def _represent_str(dumper: Any, value: str) -> Any:
    style = None if isinstance(resolve_plain(value), str) and resolve_plain(value) == value else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


KubectlDumper.add_representer(str, _represent_str)


def manifests(cluster: Cluster) -> Iterator[dict[str, Any]]:
    """Every object of the cluster as a manifest; namespaces only implied by objects are left out."""
    for ns in cluster.namespaces:
        if not ns.implicit:
            yield namespace_manifest(ns)
    yield from (workload_manifest(w) for w in cluster.workloads)
    yield from (pod_manifest(p) for p in cluster.pods)
    yield from (service_manifest(s) for s in cluster.services)
    yield from (endpoint_slice_manifest(s) for s in cluster.endpoint_slices)
    yield from (policy_manifest(p) for p in cluster.policies)
    yield from (node_manifest(n) for n in cluster.nodes)
    yield from (admin_policy_manifest(p) for p in cluster.admin_policies)


def write_snapshot(cluster: Cluster, out: TextIO, origin: str) -> int:
    """Write the manifests as multi-document YAML; returns how many objects were written."""
    out.write(f"# netverify snapshot of {origin}\n"
              "# Trimmed to what NetworkPolicy analysis reads; for netverify, not for kubectl apply.\n")
    count = 0
    for obj in manifests(cluster):
        out.write("---\n")
        out.write(yaml.dump(obj, Dumper=KubectlDumper, sort_keys=False, default_flow_style=False, width=120))
        count += 1
    return count


# --- per kind -----------------------------------------------------------------------------


def _meta(namespace: str, name: str, labels: tuple[tuple[str, str], ...] = (), owner: OwnerRef | None = None
          ) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = dict(labels)
    if owner is not None:
        meta["ownerReferences"] = [{"apiVersion": _API_VERSION.get(owner.kind, "v1"), "kind": owner.kind,
                                    "name": owner.name, "controller": True}]
    return meta


def namespace_manifest(ns: Namespace) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": ns.name}
    if ns.labels:
        meta["labels"] = dict(ns.labels)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def _container_ports(ports: tuple[ContainerPort, ...]) -> list[dict[str, Any]]:
    out = []
    for p in ports:
        entry: dict[str, Any] = {"containerPort": p.port, "protocol": p.protocol}
        if p.name:
            entry["name"] = p.name
        out.append(entry)
    return out


def _pod_spec(ports: tuple[ContainerPort, ...], host_network: bool, node: str | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "main"}
    if ports:
        container["ports"] = _container_ports(ports)
    spec: dict[str, Any] = {"containers": [container]}
    if host_network:
        spec["hostNetwork"] = True
    if node:
        spec["nodeName"] = node
    return spec


def pod_manifest(pod: Pod) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": "Running"}
    if pod.ips:
        status["podIP"] = pod.ips[0]
        status["podIPs"] = [{"ip": ip} for ip in pod.ips]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": _meta(pod.namespace, pod.name, pod.labels, pod.owner),
            "spec": _pod_spec(pod.ports, pod.host_network, pod.node_name), "status": status}


def workload_manifest(w: Workload) -> dict[str, Any]:
    template = {"metadata": {"labels": dict(w.labels)}, "spec": _pod_spec(w.ports, w.host_network)}
    spec: dict[str, Any] = {}
    if w.kind not in _API_VERSION:  # a custom resource's pods: written as the pod template they were read as
        kind, _, group = w.kind.partition(".")  # Service.serving.knative.dev: a built-in name in another group
        if w.replicas is not None:
            spec["replicas"] = w.replicas
        spec["template"] = template
        return {"apiVersion": f"{group or _CUSTOM_GROUP}/v1", "kind": kind,
                "metadata": _meta(w.namespace, w.name, (), w.owner), "spec": spec}
    if w.kind in _SCALED and w.replicas is not None:
        spec["replicas"] = w.replicas
    if w.kind == "Job" and w.replicas is not None:
        spec["parallelism"] = w.replicas
    if w.kind == "CronJob":
        spec["schedule"] = "@daily"
        spec["jobTemplate"] = {"spec": {"template": template}}
    else:
        if w.kind != "Job" and w.labels:
            spec["selector"] = {"matchLabels": dict(w.labels)}
        spec["template"] = template
    return {"apiVersion": _API_VERSION[w.kind], "kind": w.kind,
            "metadata": _meta(w.namespace, w.name, (), w.owner), "spec": spec}


def service_manifest(s: Service) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": s.type}
    if s.selector is not None:
        spec["selector"] = dict(s.selector)
    ports = []
    for p in s.ports:
        entry: dict[str, Any] = {"port": p.port, "targetPort": p.target_port, "protocol": p.protocol}
        if p.name:
            entry["name"] = p.name
        if p.node_port:
            entry["nodePort"] = p.node_port
        ports.append(entry)
    if ports:
        spec["ports"] = ports
    if s.cluster_ips:
        spec["clusterIP"] = s.cluster_ips[0]
        spec["clusterIPs"] = list(s.cluster_ips)
    if s.external_name:
        spec["externalName"] = s.external_name
    if s.external_traffic_policy != "Cluster":
        spec["externalTrafficPolicy"] = s.external_traffic_policy
    if s.load_balancer_source_ranges:
        spec["loadBalancerSourceRanges"] = list(s.load_balancer_source_ranges)
    if s.external_ips:
        spec["externalIPs"] = list(s.external_ips)
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(s.namespace, s.name), "spec": spec}


def endpoint_slice_manifest(s: EndpointSlice) -> dict[str, Any]:
    """Endpoints pair an address with its pod when the counts allow; loading gives the same model back."""
    ready = {"ready": True}
    endpoints: list[dict[str, Any]]
    if len(s.addresses) == len(s.target_pods):
        endpoints = [{"addresses": [ip], "conditions": ready, "targetRef": {"kind": "Pod", "name": pod,
                                                                             "namespace": s.namespace}}
                     for ip, pod in zip(s.addresses, s.target_pods, strict=True)]
    else:
        endpoints = [{"addresses": [ip], "conditions": ready} for ip in s.addresses]
        endpoints += [{"addresses": [], "conditions": ready,
                       "targetRef": {"kind": "Pod", "name": pod, "namespace": s.namespace}} for pod in s.target_pods]
    family = "IPv6" if s.addresses and ":" in s.addresses[0] else "IPv4"
    ports = []
    for p in s.ports:
        entry: dict[str, Any] = {"port": p.port, "protocol": p.protocol}
        if p.name:
            entry["name"] = p.name
        ports.append(entry)
    meta = _meta(s.namespace, s.name, ((SERVICE_NAME_LABEL, s.service),))
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta, "addressType": family,
            "endpoints": endpoints, "ports": ports}


def selector_manifest(sel: LabelSelector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if sel.match_labels:
        out["matchLabels"] = dict(sel.match_labels)
    if sel.match_expressions:
        out["matchExpressions"] = [{"key": r.key, "operator": r.operator, **({"values": list(r.values)}
                                                                            if r.values else {})}
                                   for r in sel.match_expressions]
    return out


def _peer(peer: Peer) -> dict[str, Any]:
    if peer.ip_block is not None:
        block: dict[str, Any] = {"cidr": peer.ip_block.cidr}
        if peer.ip_block.excepts:
            block["except"] = list(peer.ip_block.excepts)
        return {"ipBlock": block}
    out: dict[str, Any] = {}
    if peer.pod_selector is not None:
        out["podSelector"] = selector_manifest(peer.pod_selector)
    if peer.namespace_selector is not None:
        out["namespaceSelector"] = selector_manifest(peer.namespace_selector)
    return out


def _port(port: PortSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"protocol": port.protocol}
    if port.port is not None:
        out["port"] = port.port
    if port.end_port is not None:
        out["endPort"] = port.end_port
    return out


def _rule(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rule.peers:
        out["from" if rule.direction is Direction.INGRESS else "to"] = [_peer(p) for p in rule.peers]
    if rule.ports:
        out["ports"] = [_port(p) for p in rule.ports]
    return out


def policy_manifest(p: NetworkPolicy) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": selector_manifest(p.pod_selector)}
    if p.declared_policy_types is not None:
        spec["policyTypes"] = [d.policy_type for d in p.declared_policy_types]
    if p.ingress:
        spec["ingress"] = [_rule(r) for r in p.ingress]
    if p.egress:
        spec["egress"] = [_rule(r) for r in p.egress]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta(p.namespace, p.name),
            "spec": spec}


# --- the admin kinds and Nodes (a v1alpha1 portRange whose start equals its end comes back as the
# portNumber it means) ------------------------------------------------------------------------


def node_manifest(node: Node) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": node.name}
    if node.labels:
        meta["labels"] = dict(node.labels)
    out: dict[str, Any] = {"apiVersion": "v1", "kind": "Node", "metadata": meta}
    if node.pod_cidrs:
        out["spec"] = {"podCIDRs": list(node.pod_cidrs)}
    out["status"] = {"addresses": [{"type": a.type, "address": a.address} for a in node.addresses]}
    return out


def _pods(namespace_selector: LabelSelector, pod_selector: LabelSelector) -> dict[str, Any]:
    return {"namespaceSelector": selector_manifest(namespace_selector), "podSelector": selector_manifest(pod_selector)}


def _admin_peer(peer: AdminPeer) -> dict[str, Any]:
    if peer.form is PeerForm.NAMESPACES:
        return {"namespaces": selector_manifest(peer.namespace_selector)}
    if peer.form is PeerForm.PODS:
        return {"pods": _pods(peer.namespace_selector, peer.pod_selector)}
    if peer.form is PeerForm.NETWORKS:
        return {"networks": list(peer.networks)}
    if peer.form is PeerForm.NODES:
        return {"nodes": selector_manifest(peer.node_selector)}
    return {"domainNames": list(peer.domain_names)}


def _v1alpha1_port(port: AdminPort) -> dict[str, Any]:
    if port.named is not None:
        return {"namedPort": port.named}
    if port.start == port.end:
        return {"portNumber": {"protocol": port.protocol, "port": port.start}}
    return {"portRange": {"protocol": port.protocol, "start": port.start, "end": port.end}}


def _v1alpha2_protocol(port: AdminPort) -> dict[str, Any]:
    if port.named is not None:
        return {"destinationNamedPort": port.named}
    where = {"number": port.start} if port.start == port.end else {"range": {"start": port.start, "end": port.end}}
    return {str(port.protocol).lower(): {"destinationPort": where}}


def _admin_rule(rule: AdminRule, ports_key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rule.name:
        out["name"] = rule.name
    out["action"] = rule.action_as_written
    out["from" if rule.direction is Direction.INGRESS else "to"] = [_admin_peer(p) for p in rule.peers]
    if rule.ports is not None:
        convert = _v1alpha1_port if ports_key == "ports" else _v1alpha2_protocol
        out[ports_key] = [convert(p) for p in rule.ports]
    return out


def admin_policy_manifest(policy: AdminPolicy) -> dict[str, Any]:
    ports_key = "protocols" if policy.kind == "ClusterNetworkPolicy" else "ports"
    spec: dict[str, Any] = {}
    if policy.kind == "ClusterNetworkPolicy":
        spec["tier"] = policy.tier.value
    if policy.priority is not None:
        spec["priority"] = policy.priority
    s = policy.subject
    spec["subject"] = ({"namespaces": selector_manifest(s.namespace_selector)} if s.form is SubjectForm.NAMESPACES
                       else {"pods": _pods(s.namespace_selector, s.pod_selector)})
    for direction in Direction:  # ingress first, as the manifests write it
        if rules := policy.rules(direction):
            spec[direction.value] = [_admin_rule(r, ports_key) for r in rules]
    assert policy.tier is AdminTier.BASELINE or policy.kind != "BaselineAdminNetworkPolicy"
    return {"apiVersion": policy.api_version, "kind": policy.kind, "metadata": {"name": policy.name}, "spec": spec}
