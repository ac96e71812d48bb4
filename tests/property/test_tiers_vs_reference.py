"""netverify's verdict through the tiers (`evaluate.decide_pair` over `tiers_of`) agrees with the
reference oracle's reading of the admin tiers on random small clusters: ClusterNetworkPolicies of both tiers (random priorities, actions,
subjects, peers of every form, protocols), v1alpha1 AdminNetworkPolicies and the baseline, mixed
with NetworkPolicies (either policyTypes), a hostNetwork pod and Nodes. Where the oracle finds an
equal-priority conflict (undefined upstream), netverify must report an overlap for that pair."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_oracle import UndefinedOrder, tiered_allowed

from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.report.tiers_format import describe_one
from netverify.semantics.admin_compile import compile_admin_policies
from netverify.semantics.admin_tier import pair_overlaps
from netverify.semantics.compile import compile_policies, ip_blocks
from netverify.semantics.endpoints import build_endpoints
from netverify.semantics.evaluate import decide_pair, tiers_of
from netverify.semantics.netpol_tier import NetworkPolicySelection
from netverify.semantics.options import Semantics

PROBES = [("TCP", 80), ("TCP", 8080), ("UDP", 53), ("SCTP", 80)]
NAMESPACES = {"x": {"team": "a"}, "y": {"team": "b"}}
NODES = [("n1", "192.168.0.1", {"role": "worker"}), ("n2", "192.168.0.2", {"role": "infra"})]
labels_st = st.dictionaries(st.sampled_from(["app", "tier"]), st.sampled_from(["a", "b"]), max_size=2)
selector_st = st.one_of(st.just({}), st.builds(lambda ml: {"matchLabels": ml}, labels_st))
ns_selector_st = st.one_of(st.just({}), st.builds(lambda t: {"matchLabels": {"team": t}}, st.sampled_from("ab")))


def pods() -> list[dict[str, Any]]:
    out = []
    for i, (ns, app, ip) in enumerate([("x", "a", "10.0.0.1"), ("x", "b", "10.0.0.2"), ("y", "a", "10.0.1.1"),
                                       ("y", "b", "10.0.1.2")]):
        out.append({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"namespace": ns, "name": f"p{i}", "labels": {"app": app, "tier": "a" if i % 2 else "b"}},
                    "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [
                        {"containerPort": 80, "name": "web"}, {"containerPort": 53, "protocol": "UDP", "name": "dns"}]}]},
                    "status": {"podIP": ip}})
    out.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "y", "name": "host", "labels": {"app": "a"}},
                "spec": {"hostNetwork": True, "nodeName": "n2", "containers": [{"name": "c"}]},
                "status": {"podIP": "192.168.0.2"}})
    return out


def nodes() -> list[dict[str, Any]]:
    return [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": n, "labels": labels},
             "status": {"addresses": [{"type": "InternalIP", "address": ip}]}} for n, ip, labels in NODES]


v1alpha2_ports_st = st.lists(st.one_of(
    st.builds(lambda p, n: {p: {"destinationPort": {"number": n}}}, st.sampled_from(["tcp", "udp", "sctp"]),
              st.sampled_from([53, 80, 8080])),
    st.builds(lambda p: {p: {"destinationPort": {"range": {"start": 50, "end": 100}}}}, st.sampled_from(["tcp", "udp"])),
    st.builds(lambda n: {"destinationNamedPort": n}, st.sampled_from(["web", "dns"])),
), min_size=1, max_size=2)


def subject_st() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(st.builds(lambda s: {"namespaces": s}, ns_selector_st),
                     st.builds(lambda n, p: {"pods": {"namespaceSelector": n, "podSelector": p}}, ns_selector_st,
                               selector_st))


def peer_st(direction: str) -> st.SearchStrategy[dict[str, Any]]:
    selectors = [st.builds(lambda s: {"namespaces": s}, ns_selector_st),
                 st.builds(lambda n, p: {"pods": {"namespaceSelector": n, "podSelector": p}}, ns_selector_st, selector_st)]
    if direction == "egress":
        selectors += [st.builds(lambda c: {"networks": [c]}, st.sampled_from(["10.0.0.0/24", "0.0.0.0/0", "10.0.1.2/32",
                                                                              "192.168.0.0/24"])),
                      st.builds(lambda r: {"nodes": {"matchLabels": {"role": r}}}, st.sampled_from(["worker", "infra"]))]
    return st.one_of(*selectors)


@st.composite
def rule_st(draw: st.DrawFn, direction: str, actions: list[str], ports_key: str) -> dict[str, Any]:
    peers = draw(st.lists(peer_st(direction), min_size=1, max_size=2))
    rule: dict[str, Any] = {"action": draw(st.sampled_from(actions)), "from" if direction == "ingress" else "to": peers}
    if draw(st.booleans()):
        if ports_key == "protocols":
            rule["protocols"] = draw(v1alpha2_ports_st)
        else:
            rule["ports"] = [{"portNumber": {"protocol": "TCP", "port": 80}}]
        if any("networks" in p or "nodes" in p for p in peers):  # the experimental CRD's CEL rule
            rule[ports_key] = [e for e in rule[ports_key] if "destinationNamedPort" not in e and "namedPort" not in e]
            if not rule[ports_key]:
                del rule[ports_key]
    return rule


@st.composite
def cnp_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"tier": draw(st.sampled_from(["Admin", "Baseline"])), "priority": draw(st.integers(0, 3)),
                            "subject": draw(subject_st())}
    for direction in ("ingress", "egress"):
        rules = draw(st.lists(rule_st(direction, ["Accept", "Deny", "Pass"], "protocols"), max_size=2))
        if rules:
            spec[direction] = rules
    return {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
            "metadata": {"name": name}, "spec": spec}


@st.composite
def np_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    types = draw(st.sampled_from([["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    spec: dict[str, Any] = {"podSelector": draw(selector_st), "policyTypes": types}
    for t in types:
        key, peers = ("ingress", "from") if t == "Ingress" else ("egress", "to")
        spec[key] = [{peers: [{"namespaceSelector": draw(ns_selector_st)}]}] if draw(st.booleans()) else []
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"namespace": draw(st.sampled_from(["x", "y"])), "name": name}, "spec": spec}


def check(objects: list[dict[str, Any]], reading: NetworkPolicySelection) -> None:
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
                  for n, labels in NAMESPACES.items()]
    docs = namespaces + nodes() + pods() + objects
    result = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs))
    assert not result.errors, [e.render() for e in result.errors]
    cluster = result.cluster
    nps = compile_policies(cluster.policies, Semantics())
    admin = compile_admin_policies(cluster.admin_policies, cluster.nodes)
    tiers = tiers_of(nps, admin, reading)
    endpoints = {e.id: e for e in build_endpoints(cluster, Semantics(), ip_blocks(nps), "pod")}
    raw = {f"{p['metadata']['namespace']}/{p['metadata']['name']}": p for p in pods()}
    for sid, src in raw.items():
        if src["spec"].get("hostNetwork"):
            continue  # node traffic: exempt from every tier in both readers
        for did, dst in raw.items():
            if sid == did:
                continue
            pair = decide_pair(tiers, endpoints[sid], endpoints[did])
            overlaps = pair_overlaps(tiers, endpoints[sid], endpoints[did])
            for proto, port in PROBES:
                try:
                    want = tiered_allowed(src, dst, docs, proto, port, reading.value)
                except UndefinedOrder:
                    assert any(o.connections.allows(proto, port) for o in overlaps), (sid, did, proto, port)
                    continue
                got = pair.allowed.allows(proto, port)
                assert got == want, (sid, did, proto, port, describe_one(pair.egress.decisions, proto, port),
                                     describe_one(pair.ingress.decisions, proto, port))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 3).flatmap(lambda n: st.tuples(*[cnp_st(f"cnp{i}") for i in range(n)])),
       st.integers(0, 2).flatmap(lambda n: st.tuples(*[np_st(f"np{i}") for i in range(n)])),
       st.sampled_from(list(NetworkPolicySelection)))
def test_tier_walk_agrees_with_the_oracle(admin: tuple[dict[str, Any], ...], network: tuple[dict[str, Any], ...],
                                          reading: NetworkPolicySelection) -> None:
    check([*admin, *network], reading)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rule_st("egress", ["Allow", "Deny", "Pass"], "ports"), min_size=1, max_size=2),
       st.lists(rule_st("ingress", ["Allow", "Deny"], "ports"), min_size=1, max_size=2), subject_st())
def test_v1alpha1_kinds_agree_with_the_oracle(anp_rules: list[dict[str, Any]], banp_rules: list[dict[str, Any]],
                                              subject: dict[str, Any]) -> None:
    for peers in (r.get("from", []) + r.get("to", []) for r in anp_rules + banp_rules):
        for peer in peers:
            if "pods" in peer:
                peer["pods"].setdefault("namespaceSelector", {})
    if "pods" in subject:
        subject["pods"].setdefault("namespaceSelector", {})
    anp = {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
           "metadata": {"name": "anp"}, "spec": {"priority": 1, "subject": subject, "egress": anp_rules}}
    banp = {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
            "metadata": {"name": "default"}, "spec": {"subject": {"namespaces": {}}, "ingress": banp_rules}}
    check([anp, banp], NetworkPolicySelection.PER_DIRECTION)
