"""A small tiered world for the property tests of the admin tiers: two labelled namespaces, four pods
and a hostNetwork pod on two labelled Nodes, and hypothesis strategies for ClusterNetworkPolicies of
both tiers (random priorities, actions, subjects, peers of every form, protocols) and NetworkPolicies.

Shared by the verdict (test_tiers_vs_reference.py) and diff (test_diff_tiers_vs_reference.py) tests,
so both draw from one world and one reading of the CRD's rules (e.g. no named port beside
`networks`/`nodes` peers).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

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
                    "status": {"phase": "Running", "podIP": ip}})
    out.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "y", "name": "host", "labels": {"app": "a"}},
                "spec": {"hostNetwork": True, "nodeName": "n2", "containers": [{"name": "c"}]},
                "status": {"phase": "Running", "podIP": "192.168.0.2"}})
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


def fixed_objects() -> list[dict[str, Any]]:
    """The Namespaces, Nodes and pods every drawn policy set is read with."""
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
                  for n, labels in NAMESPACES.items()]
    return namespaces + nodes() + pods()
