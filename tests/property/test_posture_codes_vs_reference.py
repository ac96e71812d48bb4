"""NV401 and NV402 with admin tiers are true, by the reference oracle (tests/reference_oracle.py), on random
small clusters of admin policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy)
mixed with NetworkPolicies and a loaded CoreDNS pod, in both readings of `--np-selection`:

- NV401 (a pod cannot reach cluster DNS): reported for a pod exactly with the DNS ports the oracle says it
  cannot reach (its egress and the DNS pod's ingress folded); and every pod whose own egress the oracle
  denies a DNS port is reported;
- NV402 warning ("every pod and address may connect to it on every port"): every other pod may, on every probe;
- NV402 info ("its ingress from pods is left to the admin tiers (A, B)"): the named policies alone decide
  it: the pod's ingress verdicts are those of an inventory holding only the named policies.

Undefined orders of equal priorities (NV701's business) are left out."""

from __future__ import annotations

import re
from typing import Any

from helpers_admin_strategies import AdminShapes, ns_selector_st, pod_selector_st
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from reference_oracle import UndefinedOrder, direction_verdict

from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.queries.context import Analysis
from netverify.queries.lint import LintOptions, lint
from netverify.semantics.options import NetworkPolicySelection, Semantics

PROBES = [("TCP", 80), ("UDP", 53), ("TCP", 53)]
DNS_PROBES = [("UDP", 53), ("TCP", 53)]
NAMESPACES = {"x": {"team": "a"}, "y": {"team": "b"}, "kube-system": {"team": "c"}}
SHAPES = AdminShapes(teams=("a", "b", "c"), keys=("app",), values=("a", "b"), networks=("10.0.0.0/24",),
                     numbers={"tcp": (53, 80), "udp": (53,)})
DNS = "kube-system/coredns"


def _pod(ns: str, name: str, labels: dict[str, str], ip: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": ns, "name": name, "labels": labels},
            "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "web"},
                                                            {"containerPort": 53, "protocol": "UDP", "name": "dns"},
                                                            {"containerPort": 53, "name": "dns-tcp"}]}]},
            "status": {"podIP": ip}}


PODS = [_pod("x", "p0", {"app": "a"}, "10.0.0.1"), _pod("x", "p1", {"app": "b"}, "10.0.0.2"),
        _pod("y", "p2", {"app": "a"}, "10.0.1.1"), _pod("kube-system", "coredns", {"k8s-app": "kube-dns"}, "10.0.2.1")]


@st.composite
def np_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    types = draw(st.sampled_from([["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    spec: dict[str, Any] = {"podSelector": draw(pod_selector_st(["app"], ["a", "b"])), "policyTypes": types}
    for t in types:
        key, side = ("ingress", "from") if t == "Ingress" else ("egress", "to")
        rule = st.builds(lambda s, ports, side=side: {side: [{"namespaceSelector": s}], **({"ports": ports} if ports else {})},
                         ns_selector_st(["a", "b", "c"]),
                         st.lists(st.sampled_from([{"protocol": "UDP", "port": 53}, {"port": 53}, {"port": 80}]),
                                  max_size=2, unique_by=lambda p: (p.get("protocol"), p["port"])))
        spec[key] = draw(st.lists(rule, max_size=2))
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"namespace": draw(st.sampled_from(["x", "y", "kube-system"])), "name": name}, "spec": spec}


def _inventory(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
            for n, labels in NAMESPACES.items()] + PODS + objects


def _pods(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{d['metadata']['namespace']}/{d['metadata']['name']}": d for d in docs if d["kind"] == "Pod"}


def _lint(docs: list[dict[str, Any]], reading: NetworkPolicySelection) -> list[Any]:
    loaded = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs))
    assert not loaded.errors, [e.render() for e in loaded.errors]
    analysis = Analysis(loaded.cluster, Semantics(np_selection=reading), "pod")
    return lint(analysis, (), LintOptions(select=("NV401", "NV402"))).findings


def _verdict(direction: str, subject: dict[str, Any], peer: dict[str, Any], dst: dict[str, Any],
             docs: list[dict[str, Any]], probe: tuple[str, int], reading: str) -> bool:
    return direction_verdict(direction, subject, peer, dst, docs, *probe, np_selection=reading)


def _named_policies(message: str, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The admin policies an NV402 info names: `left to the admin tiers (Kind/name, Kind/name), and ...`."""
    names = re.search(r"left to the admin tiers \(([^)]*)\)", message)
    assert names is not None and " more" not in names.group(1), message
    wanted = set(names.group(1).split(", "))
    return [d for d in docs if f"{d['kind']}/{d['metadata']['name']}" in wanted]


def _undefined(docs: list[dict[str, Any]], reading: str) -> bool:
    pods = _pods(docs)
    try:
        for a in pods.values():
            for b in pods.values():
                for probe in PROBES:
                    _verdict("ingress", b, a, b, docs, probe, reading)
                    _verdict("egress", a, b, b, docs, probe, reading)
    except UndefinedOrder:
        return True
    return False


BASELINE_DENY = ({"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                  "metadata": {"name": "cnp0"},
                  "spec": {"tier": "Baseline", "priority": 0, "subject": {"namespaces": {}},
                           "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}]}},)
EGRESS_ONLY = ({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"namespace": "x", "name": "np0"},
                "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"namespaceSelector": {}}]}]}},)


# Under --np-selection any, x's pods (an egress-only NetworkPolicy selects them) have their ingress allowed by
# the NetworkPolicy tier: the Baseline deny never sees it (NV402 once named it, as info).
@example(list(BASELINE_DENY), EGRESS_ONLY)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(SHAPES.admin_set(least=1, most=3),
       st.integers(0, 2).flatmap(lambda n: st.tuples(*[np_st(f"np{i}") for i in range(n)])))
def test_nv401_and_nv402_with_admin_tiers_agree_with_the_oracle(admin: list[dict[str, Any]],
                                                               network: tuple[dict[str, Any], ...]) -> None:
    docs = _inventory([*admin, *network])
    pods = _pods(docs)
    dns = pods[DNS]
    for reading in NetworkPolicySelection:
        assume(not _undefined(docs, reading.value))
        found = _lint(docs, reading)
        dns_findings = {f.subjects[0]: f for f in found if f.code == "NV401"}
        for pid, pod in pods.items():
            if pid == DNS:
                continue
            blocked = [f"{port}/{proto}" for proto, port in DNS_PROBES
                       if not (_verdict("egress", pod, dns, dns, docs, (proto, port), reading.value)
                               and _verdict("ingress", dns, pod, dns, docs, (proto, port), reading.value))]
            own = [p for p in DNS_PROBES if not _verdict("egress", pod, dns, dns, docs, p, reading.value)]
            if pid in dns_findings:
                assert blocked and f"on {' and '.join(blocked)} with every tier folded" in dns_findings[pid].message, (
                    reading, dns_findings[pid].message, blocked)
            else:
                assert not own, (reading, pid, own)
        for f in found:
            if f.code != "NV402":
                continue
            (pid,) = f.subjects
            subject = pods[pid]
            if "left to the admin tiers" in f.message:
                alone = _inventory(_named_policies(f.message, docs))
                for peer in pods.values():
                    if peer is not subject:
                        for probe in PROBES:
                            assert _verdict("ingress", subject, peer, subject, docs, probe, reading.value) == \
                                _verdict("ingress", subject, peer, subject, alone, probe, reading.value), (
                                    reading, f.message, peer["metadata"]["name"], probe)
            else:
                assert "every pod and address may connect" in f.message
                assert all(_verdict("ingress", subject, peer, subject, docs, probe, reading.value)
                           for peer in pods.values() if peer is not subject for probe in PROBES), (reading, f.message)
