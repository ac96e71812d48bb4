"""`netverify matrix --by pod` agrees, pair by pair and port by port, with the reference oracle.

A fixed 50-pod example exercises every corner at once; hypothesis then draws random
small clusters (labels, all selector operators, AND/OR peers, ipBlocks with except,
numeric/named/range ports, both directions, policyTypes present or defaulted), and random
clusters with the admin tiers mixed in (AdminNetworkPolicy, BaselineAdminNetworkPolicy and
ClusterNetworkPolicy of both tiers: Pass chains, equal priorities, networks, nodes and domainNames
peers, named ports, host-networked pods and Nodes) against the oracle's `tiered_allowed`.
"""

from __future__ import annotations

import io
import json
import random
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from helpers_k8s import dump_manifests
from helpers_strategies import ADMIN_NODES, admin_policies_st, network_policies_st, node_documents
from helpers_strategies import NAMESPACES as ADMIN_NAMESPACES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_oracle import UndefinedOrder, allowed, tiered_allowed

from netverify.cli import main
from netverify.engines.graph import ReachabilityGraph
from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.queries.context import Analysis
from netverify.semantics.admin_tier import admin_policies
from netverify.semantics.class_tiers import tier_specs
from netverify.semantics.options import NetworkPolicySelection

PROBES = [("TCP", 80), ("TCP", 81), ("TCP", 443), ("TCP", 8080), ("UDP", 53), ("UDP", 80), ("SCTP", 80), ("TCP", 9999)]
KEYS, VALUES = ["app", "tier", "env"], ["a", "b", "c"]


def matrix_json(tmp: Path, docs: list[dict[str, Any]]) -> dict[str, Any]:
    path = tmp / "cluster.yaml"
    path.write_text(dump_manifests(docs))
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["matrix", str(path), "--by", "pod", "--format", "json"])
    assert code == 0
    return json.loads(buf.getvalue())


def netverify_allows(conns: dict[tuple[str, str], list[dict[str, Any]]], src: str, dst: str, proto: str, port: int) -> bool:
    for entry in conns.get((src, dst), []):
        if entry["protocol"] == proto and any(lo <= port <= hi for lo, hi in entry["ports"]):
            return True
    return False


def compare(tmp: Path, namespaces: dict[str, dict[str, str]], pods: list[dict[str, Any]], policies: list[dict[str, Any]]) -> None:
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
            for n, labels in namespaces.items()]
    data = matrix_json(tmp, docs + pods + policies)
    conns = {(c["src"], c["dst"]): c["allowed"] for c in data["connections"]}
    mismatches = []
    for s in pods:
        for d in pods:
            sid = f"{s['metadata']['namespace']}/{s['metadata']['name']}"
            did = f"{d['metadata']['namespace']}/{d['metadata']['name']}"
            if sid == did:
                continue
            for proto, port in PROBES:
                want = allowed(s, d, policies, namespaces, proto, port)
                got = netverify_allows(conns, sid, did, proto, port)
                if want != got:
                    mismatches.append(f"{sid} -> {did} {proto}/{port}: oracle {want}, netverify {got}")
    assert not mismatches, "\n".join(mismatches[:20])


# --- random clusters -------------------------------------------------------------------------

def make_pod(ns: str, name: str, labels: dict[str, str], ip: str, ports: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]},
            "status": {"phase": "Running", "podIP": ip}}


labels_st = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)
expr_st = st.one_of(
    st.builds(lambda k, v: {"key": k, "operator": "In", "values": v}, st.sampled_from(KEYS), st.lists(st.sampled_from(VALUES), min_size=1, max_size=2, unique=True)),
    st.builds(lambda k, v: {"key": k, "operator": "NotIn", "values": v}, st.sampled_from(KEYS), st.lists(st.sampled_from(VALUES), min_size=1, max_size=2, unique=True)),
    st.builds(lambda k: {"key": k, "operator": "Exists"}, st.sampled_from(KEYS)),
    st.builds(lambda k: {"key": k, "operator": "DoesNotExist"}, st.sampled_from(KEYS)),
)
selector_st = st.builds(lambda ml, me: {**({"matchLabels": ml} if ml else {}), **({"matchExpressions": me} if me else {})},
                        labels_st.map(lambda d: dict(list(d.items())[:1])), st.lists(expr_st, max_size=2))
cidr_st = st.sampled_from([("10.0.0.0/16", []), ("10.0.0.0/16", ["10.0.1.0/24"]), ("10.0.2.0/24", []),
                           ("0.0.0.0/0", ["10.0.0.0/8"]), ("10.0.1.0/30", ["10.0.1.2/31"])])
peer_st = st.one_of(
    st.builds(lambda s: {"podSelector": s}, selector_st),
    st.builds(lambda s: {"namespaceSelector": s}, selector_st),
    st.builds(lambda a, b: {"namespaceSelector": a, "podSelector": b}, selector_st, selector_st),
    st.builds(lambda c: {"ipBlock": {"cidr": c[0], **({"except": c[1]} if c[1] else {})}}, cidr_st),
)
port_st = st.one_of(
    st.builds(lambda p: {"port": p}, st.sampled_from([80, 81, 443])),
    st.builds(lambda p, proto: {"port": p, "protocol": proto}, st.sampled_from(["http", "dns", "metrics"]), st.sampled_from(["TCP", "UDP"])),
    st.builds(lambda lo: {"port": lo, "endPort": lo + 400}, st.sampled_from([80, 8000])),
    st.builds(lambda proto: {"protocol": proto}, st.sampled_from(["UDP", "SCTP"])),
)
rule_st = st.builds(lambda peers, ports: {**({"peers": peers} if peers is not None else {}), **({"ports": ports} if ports is not None else {})},
                    st.one_of(st.none(), st.lists(peer_st, max_size=2)), st.one_of(st.none(), st.lists(port_st, max_size=2)))


@st.composite
def cluster_st(draw: st.DrawFn) -> tuple[dict[str, dict[str, str]], list[dict[str, Any]], list[dict[str, Any]]]:
    namespaces = {n: draw(labels_st) for n in ("x", "y", "z")[: draw(st.integers(1, 3))]}
    pods = []
    for i in range(draw(st.integers(2, 6))):
        ns = draw(st.sampled_from(sorted(namespaces)))
        ports = draw(st.lists(st.sampled_from([{"name": "http", "containerPort": 80}, {"name": "http", "containerPort": 8080},
                                               {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                                               {"name": "metrics", "containerPort": 443}]), max_size=2, unique_by=lambda p: p["name"]))
        pods.append(make_pod(ns, f"p{i}", draw(labels_st), f"10.0.{draw(st.integers(0, 2))}.{i + 1}", ports))
    policies = []
    for j in range(draw(st.integers(0, 4))):
        spec: dict[str, Any] = {"podSelector": draw(selector_st)}
        types = draw(st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
        if types:
            spec["policyTypes"] = types
        for key, peers_key in (("ingress", "from"), ("egress", "to")):
            rules = draw(st.one_of(st.none(), st.lists(rule_st, max_size=2)))
            if rules is not None:
                spec[key] = [{(peers_key if k == "peers" else k): v for k, v in r.items()} for r in rules]
        policies.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                         "metadata": {"name": f"np{j}", "namespace": draw(st.sampled_from(sorted(namespaces)))}, "spec": spec})
    return namespaces, pods, policies


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cluster_st())
def test_random_clusters_agree_with_the_reference(tmp_path: Path, cluster: Any) -> None:
    compare(tmp_path, *cluster)


def example_50(seed: int = 7) -> tuple[dict[str, dict[str, str]], list[dict[str, Any]], list[dict[str, Any]]]:
    """A fixed 50-pod, 12-policy cluster touching every corner (deterministic)."""
    rng = random.Random(seed)
    namespaces = {"web": {"team": "a", "env": "prod"}, "api": {"team": "a", "env": "prod"},
                  "db": {"team": "b", "env": "prod"}, "dev": {"env": "dev"}, "ops": {"team": "ops"}}
    pods = []
    for i in range(50):
        ns = sorted(namespaces)[i % 5]
        labels = {k: rng.choice(VALUES) for k in KEYS if rng.random() < 0.7}
        ports = [{"name": "http", "containerPort": rng.choice([80, 8080])}] + (
            [{"name": "dns", "containerPort": 53, "protocol": "UDP"}] if i % 7 == 0 else [])
        pods.append(make_pod(ns, f"pod{i}", labels, f"10.0.{i % 3}.{i + 10}", ports))
    np = lambda ns, name, spec: {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",  # noqa: E731
                                 "metadata": {"name": name, "namespace": ns}, "spec": spec}
    policies = [
        np("db", "default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        np("db", "from-api", {"podSelector": {"matchLabels": {"tier": "a"}}, "ingress": [{"from": [
            {"namespaceSelector": {"matchLabels": {"team": "a"}}, "podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "b"]}]}}],
            "ports": [{"port": "http"}]}]}),
        np("db", "dns", {"podSelector": {}, "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}),
        np("web", "ingress-ext", {"podSelector": {"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]},
                                  "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.1.0/24"]}}], "ports": [{"port": 80, "endPort": 90}]}]}),
        np("web", "or-peers", {"podSelector": {"matchLabels": {"app": "a"}}, "ingress": [{"from": [
            {"namespaceSelector": {"matchLabels": {"env": "dev"}}}, {"podSelector": {"matchLabels": {"tier": "b"}}}]}]}),
        np("api", "egress-only", {"podSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["c"]}]},
                                  "policyTypes": ["Egress"], "egress": [{"to": [{"namespaceSelector": {}}], "ports": [{"port": "http"}]},
                                                                       {"ports": [{"protocol": "UDP", "port": "dns"}]}]}),
        np("api", "empty-egress", {"podSelector": {"matchLabels": {"app": "b"}}, "egress": []}),
        np("dev", "allow-all-in", {"podSelector": {}, "ingress": [{}]}),
        np("dev", "deny-some", {"podSelector": {"matchLabels": {"env": "a"}}, "policyTypes": ["Ingress"]}),
        np("ops", "sctp", {"podSelector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
                           "ingress": [{"ports": [{"protocol": "SCTP"}]}], "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.2.0/24"]}}]}]}),
        np("ops", "pods-and-ns", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchExpressions": [{"key": "team", "operator": "Exists"}]},
                                                                         "podSelector": {"matchLabels": {"env": "c"}}}], "ports": [{"port": 443}, {"port": 81}]}]}),
        np("web", "egress-types-default", {"podSelector": {"matchLabels": {"tier": "c"}}, "egress": [{"to": [{"podSelector": {}}]}]}),
    ]
    return namespaces, pods, policies


def test_a_50_pod_example_agrees_with_the_reference(tmp_path: Path) -> None:
    compare(tmp_path, *example_50())


# --- with the admin tiers --------------------------------------------------------------------

TIER_PROBES = [("TCP", 80), ("TCP", 8080), ("TCP", 443), ("UDP", 53), ("SCTP", 80)]
POD_PORTS = [{"name": "web", "containerPort": 80}, {"name": "web", "containerPort": 8080},
             {"name": "dns", "containerPort": 53, "protocol": "UDP"}]


def pod_on(ns: str, name: str, labels: dict[str, str], ip: str, ports: list[dict[str, Any]], node: str,
           host_network: bool = False) -> dict[str, Any]:
    pod = make_pod(ns, name, labels, ip, ports)
    pod["spec"]["nodeName"] = node
    if host_network:
        pod["spec"]["hostNetwork"] = True
    return pod


@st.composite
def tiered_cluster_st(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pods on two Nodes (some host-networked, with their node's address), NetworkPolicies and admin
    policies of both tiers and both API versions: (pods, every document)."""
    nodes = {name: ip for name, ip, _ in ADMIN_NODES}
    pods = []
    for i in range(draw(st.integers(2, 5))):
        ports = draw(st.lists(st.sampled_from(POD_PORTS), max_size=2, unique_by=lambda p: p["name"]))
        pods.append(pod_on(draw(st.sampled_from(sorted(ADMIN_NAMESPACES))), f"p{i}", draw(labels_st),
                           f"10.0.{draw(st.integers(0, 1))}.{i + 1}", ports, draw(st.sampled_from(sorted(nodes)))))
    for i in range(draw(st.integers(0, 2))):
        node = draw(st.sampled_from(sorted(nodes)))
        pods.append(pod_on(draw(st.sampled_from(sorted(ADMIN_NAMESPACES))), f"host{i}", draw(labels_st), nodes[node],
                           [{"name": "web", "containerPort": 9000 + i}], node, host_network=True))
    policies = draw(network_policies_st(rule_st, sorted(ADMIN_NAMESPACES), 2))
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
                  for n, labels in ADMIN_NAMESPACES.items()]
    return pods, namespaces + node_documents() + pods + policies + draw(admin_policies_st())


def compare_tiered(tmp: Path, pods: list[dict[str, Any]], docs: list[dict[str, Any]]) -> int:
    """Every ordered pair of distinct pods, port by port: the matrix against the oracle's tier walk.
    Node traffic (a host-networked pod to a pod of its node) is allowed whatever the policies say;
    probes the oracle finds undefined (equal priorities that disagree) are skipped. Returns how
    many probes were compared."""
    data = matrix_json(tmp, docs)
    conns = {(c["src"], c["dst"]): c["allowed"] for c in data["connections"]}
    mismatches, compared = [], 0
    for s in pods:
        for d in pods:
            sid = f"{s['metadata']['namespace']}/{s['metadata']['name']}"
            did = f"{d['metadata']['namespace']}/{d['metadata']['name']}"
            if sid == did:
                continue
            node_traffic = bool(s["spec"].get("hostNetwork")) and s["spec"]["nodeName"] == d["spec"]["nodeName"]
            for proto, port in TIER_PROBES:
                try:
                    want = node_traffic or tiered_allowed(s, d, docs, proto, port)
                except UndefinedOrder:
                    continue
                compared += 1
                got = netverify_allows(conns, sid, did, proto, port)
                if want != got:
                    mismatches.append(f"{sid} -> {did} {proto}/{port}: oracle {want}, netverify {got}")
    assert not mismatches, "\n".join(mismatches[:20])
    return compared


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(tiered_cluster_st())
def test_random_tiered_clusters_agree_with_the_reference(tmp_path: Path, cluster: Any) -> None:
    compare_tiered(tmp_path, *cluster)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiered_cluster_st())
def test_the_other_reading_of_network_policy_selection_agrees_with_the_reference(cluster: Any) -> None:
    """--np-selection any (admin-tiers.md 2.5): a pod any NetworkPolicy selects has the NetworkPolicy
    tier final in both directions; a direction no selecting policy covers is allowed there."""
    pods, docs = cluster
    loaded = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs))
    assert not loaded.errors, [e.render() for e in loaded.errors]
    analysis = Analysis(loaded.cluster, by="pod")
    graph = ReachabilityGraph(analysis.endpoints, analysis.policies,
                              {e.id: analysis.ip_signature(e) for e in analysis.endpoints}, analysis.label_keys,
                              tier_specs(analysis.policies, admin_policies(analysis.tiers), NetworkPolicySelection.ANY))
    for s in pods:
        for d in pods:
            if s is d:
                continue
            src, dst = (analysis.by_id[f"{p['metadata']['namespace']}/{p['metadata']['name']}"] for p in (s, d))
            node_traffic = bool(s["spec"].get("hostNetwork")) and s["spec"]["nodeName"] == d["spec"]["nodeName"]
            for proto, port in TIER_PROBES:
                try:
                    want = node_traffic or tiered_allowed(s, d, docs, proto, port, np_selection="any")
                except UndefinedOrder:
                    continue
                assert graph.allowed(src, dst).allows(proto, port) is want, (src.id, dst.id, proto, port)
