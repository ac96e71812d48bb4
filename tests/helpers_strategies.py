"""Hypothesis strategies for small random NetworkPolicy pieces, shared by the property tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

from netverify.loaders.manifests import load_objects
from netverify.model import Cluster, SourceRef

KEYS, VALUES = ["app", "tier"], ["a", "b", "c"]
NAMESPACES = {"x": {"team": "a"}, "y": {"team": "b"}}

labels_st = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2)
selector_st = st.one_of(
    st.builds(lambda ml: {"matchLabels": ml}, labels_st),
    st.builds(lambda k, v: {"matchExpressions": [{"key": k, "operator": "In", "values": [v]}]},
              st.sampled_from(KEYS), st.sampled_from(VALUES)),
    st.builds(lambda k: {"matchExpressions": [{"key": k, "operator": "DoesNotExist"}]}, st.sampled_from(KEYS)),
)
port_st = st.one_of(st.builds(lambda p: {"port": p}, st.sampled_from([80, 443])),
                    st.just({"port": "http"}), st.just({"protocol": "UDP"}))


def load_with_namespaces(objects: list[dict[str, Any]]) -> Cluster:
    """The objects loaded together with the NAMESPACES (each at its own line of `gen.yaml`); no errors."""
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
                  for n, labels in NAMESPACES.items()]
    result = load_objects((obj, SourceRef("gen.yaml", i + 1)) for i, obj in enumerate(namespaces + objects))
    assert not result.errors, result.errors
    return result.cluster


@st.composite
def edited_policies(draw: st.DrawFn, base: list[dict[str, Any]],
                    policy_st: Callable[[str], st.SearchStrategy[dict[str, Any]]], max_new: int) -> list[dict[str, Any]]:
    """Another version of `base`: each policy kept (twice as likely), edited or dropped, and up to
    `max_new` new ones."""
    out = []
    for j, p in enumerate(base):
        fate = draw(st.sampled_from(["keep", "keep", "edit", "drop"]))
        if fate != "drop":
            out.append(p if fate == "keep" else draw(policy_st(f"np{j}")))
    return out + [draw(policy_st(f"new{j}")) for j in range(draw(st.integers(0, max_new)))]


# --- admin tiers: AdminNetworkPolicy / BaselineAdminNetworkPolicy (v1alpha1), ClusterNetworkPolicy (v1alpha2)

ADMIN_NODES = (("n1", "192.168.0.1", {"role": "worker"}), ("n2", "192.168.0.2", {"role": "infra"}))
ADMIN_PRIORITIES = st.integers(0, 2)  # few values: equal priorities are drawn often


def node_documents() -> list[dict[str, Any]]:
    """The Nodes of ADMIN_NODES (labels for `nodes` peers, InternalIP addresses)."""
    return [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": n, "labels": labels},
             "status": {"addresses": [{"type": "InternalIP", "address": ip}]}} for n, ip, labels in ADMIN_NODES]


admin_selector_st = st.one_of(st.just({}), st.builds(lambda k, v: {"matchLabels": {k: v}}, st.sampled_from(KEYS),
                                                     st.sampled_from(VALUES)),
                              st.builds(lambda k: {"matchExpressions": [{"key": k, "operator": "DoesNotExist"}]},
                                        st.sampled_from(KEYS)))
admin_ns_selector_st = st.one_of(
    st.just({}), st.builds(lambda t: {"matchLabels": {"team": t}}, st.sampled_from("ab")),
    st.builds(lambda n: {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": [n]}]},
              st.sampled_from(sorted(NAMESPACES))))
admin_subject_st = st.one_of(
    st.builds(lambda s: {"namespaces": s}, admin_ns_selector_st),
    st.builds(lambda n, p: {"pods": {"namespaceSelector": n, "podSelector": p}}, admin_ns_selector_st, admin_selector_st))
ADMIN_NETWORKS = ["10.0.0.0/24", "0.0.0.0/0", "10.0.1.2/32", "192.168.0.0/24", "192.168.0.2/32", "10.0.0.0/8"]


def admin_peer_st(direction: str, domain_names: bool) -> st.SearchStrategy[dict[str, Any]]:
    """One `from`/`to` entry: namespaces and pods peers both ways; egress also networks, nodes and
    (ANP, CNP) domainNames."""
    forms = [st.builds(lambda s: {"namespaces": s}, admin_ns_selector_st),
             st.builds(lambda n, p: {"pods": {"namespaceSelector": n, "podSelector": p}}, admin_ns_selector_st,
                       admin_selector_st)]
    if direction == "egress":
        forms += [st.builds(lambda c: {"networks": c}, st.lists(st.sampled_from(ADMIN_NETWORKS), min_size=1,
                                                                 max_size=2, unique=True)),
                  st.builds(lambda r: {"nodes": {"matchLabels": {"role": r}}}, st.sampled_from(["worker", "infra"]))]
        if domain_names:
            forms.append(st.just({"domainNames": ["www.example.com"]}))
    return st.one_of(*forms)


v1alpha1_port_st = st.one_of(
    st.builds(lambda proto, p: {"portNumber": {"protocol": proto, "port": p}}, st.sampled_from(["TCP", "UDP"]),
              st.sampled_from([53, 80, 8080])),
    st.builds(lambda lo: {"portRange": {"protocol": "TCP", "start": lo, "end": lo + 100}}, st.sampled_from([1, 8000])),
    st.builds(lambda n: {"namedPort": n}, st.sampled_from(["web", "dns"])))
v1alpha2_protocol_st = st.one_of(
    st.builds(lambda proto, n: {proto: {"destinationPort": {"number": n}}}, st.sampled_from(["tcp", "udp", "sctp"]),
              st.sampled_from([53, 80, 8080])),
    st.builds(lambda proto: {proto: {"destinationPort": {"range": {"start": 50, "end": 100}}}},
              st.sampled_from(["tcp", "udp"])),
    st.builds(lambda n: {"destinationNamedPort": n}, st.sampled_from(["web", "dns"])))


@st.composite
def admin_rule_st(draw: st.DrawFn, direction: str, actions: list[str], ports_key: str,
                  domain_names: bool = True) -> dict[str, Any]:
    peers = draw(st.lists(admin_peer_st(direction, domain_names), min_size=1, max_size=2))
    rule: dict[str, Any] = {"action": draw(st.sampled_from(actions)),
                            "from" if direction == "ingress" else "to": peers}
    if draw(st.booleans()):
        ports = draw(st.lists(v1alpha2_protocol_st if ports_key == "protocols" else v1alpha1_port_st,
                              min_size=1, max_size=2))
        if any("nodes" in p or "domainNames" in p for p in peers):  # the CRD's CEL rule: no named port there
            ports = [p for p in ports if "namedPort" not in p and "destinationNamedPort" not in p]
        if ports:
            rule[ports_key] = ports
    return rule


@st.composite
def admin_policy_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """A ClusterNetworkPolicy (either tier) or a v1alpha1 AdminNetworkPolicy, with 0-2 rules a direction."""
    v1alpha2 = draw(st.booleans())
    spec: dict[str, Any] = {"priority": draw(ADMIN_PRIORITIES), "subject": draw(admin_subject_st)}
    if v1alpha2:
        spec = {"tier": draw(st.sampled_from(["Admin", "Baseline"])), **spec}
    actions, ports_key = (["Accept", "Deny", "Pass"], "protocols") if v1alpha2 else (["Allow", "Deny", "Pass"], "ports")
    for direction in ("ingress", "egress"):
        rules = draw(st.lists(admin_rule_st(direction, actions, ports_key), max_size=2))
        if rules:
            spec[direction] = rules
    version, kind = ("v1alpha2", "ClusterNetworkPolicy") if v1alpha2 else ("v1alpha1", "AdminNetworkPolicy")
    return {"apiVersion": f"policy.networking.k8s.io/{version}", "kind": kind, "metadata": {"name": name},
            "spec": spec}


@st.composite
def baseline_policy_st(draw: st.DrawFn) -> dict[str, Any]:
    """The v1alpha1 BaselineAdminNetworkPolicy (named `default`, actions Allow/Deny, no domainNames)."""
    spec: dict[str, Any] = {"subject": draw(admin_subject_st)}
    for direction in ("ingress", "egress"):
        rules = draw(st.lists(admin_rule_st(direction, ["Allow", "Deny"], "ports", domain_names=False), max_size=2))
        if rules:
            spec[direction] = rules
    return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
            "metadata": {"name": "default"}, "spec": spec}


@st.composite
def admin_policies_st(draw: st.DrawFn, max_policies: int = 4) -> list[dict[str, Any]]:
    """Up to `max_policies` admin policies of both tiers and both API versions, and maybe the baseline."""
    out = [draw(admin_policy_st(f"admin{i}")) for i in range(draw(st.integers(0, max_policies)))]
    return out + ([draw(baseline_policy_st())] if draw(st.booleans()) else [])


@st.composite
def network_policies_st(draw: st.DrawFn, rule_st: st.SearchStrategy[dict[str, Any]], namespaces: Sequence[str],
                        max_policies: int) -> list[dict[str, Any]]:
    """Up to `max_policies` NetworkPolicies (np0, np1, ...), each in one of `namespaces`, with a random pod
    selector and policyTypes, and up to two rules per direction drawn from `rule_st` ({"peers", "ports"})."""
    policies = []
    for j in range(draw(st.integers(0, max_policies))):
        spec: dict[str, Any] = {"podSelector": draw(selector_st),
                                "policyTypes": draw(st.sampled_from([["Ingress"], ["Egress"], ["Ingress", "Egress"]]))}
        for key, peers_key in (("ingress", "from"), ("egress", "to")):
            rules = draw(st.lists(rule_st, max_size=2))
            spec[key] = [{(peers_key if k == "peers" else k): v for k, v in r.items()} for r in rules]
        policies.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                         "metadata": {"name": f"np{j}", "namespace": draw(st.sampled_from(list(namespaces)))},
                         "spec": spec})
    return policies
