"""`exposure` agrees with the reference oracle on random clusters: for every pod, both directions, on
probe addresses and ports, what it reports as admitted from (ingress) or sent to (egress) outside the
cluster is what the oracle's tier walk allows (tests/reference_oracle.py).

It holds the shortcuts of `OutsideReach` to the API's reading: endpoints that look alike share one
answer, each endpoint is asked only of the policies that may select it (indexed by the first label
their podSelector requires), and each answer is decided by a tier of those policies alone. Pods carry
random labels, policies random selectors (matchLabels, In, DoesNotExist), ipBlocks and ports;
admin tiers folded in or not (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy).
"""

from __future__ import annotations

from typing import Any

from helpers_strategies import (
    NAMESPACES,
    admin_policies_st,
    labels_st,
    load_with_namespaces,
    network_policies_st,
    node_documents,
    port_st,
    selector_st,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from reference_oracle import UndefinedOrder, direction_verdict

from netverify.model import Direction
from netverify.queries.context import Analysis
from netverify.queries.exposure import Exposure, exposure
from netverify.semantics.options import NetworkPolicySelection, Semantics

ADDRESSES = ("203.0.113.7", "8.8.8.8", "10.200.0.1", "10.9.9.9")  # none of them a pod IP (10.0.0.1-6)
PORTS = (("TCP", 80), ("TCP", 443), ("UDP", 53))


def outside(address: str) -> dict[str, Any]:
    """An address outside the cluster as the oracle's pod dicts: no identity (hostNetwork), only an IP."""
    return {"kind": "Pod", "metadata": {"namespace": "", "name": address, "labels": {}},
            "spec": {"hostNetwork": True, "containers": []}, "status": {"podIP": address}}


def pod(ns: str, name: str, labels: dict[str, str], ip: str, named: bool) -> dict[str, Any]:
    ports = [{"name": "http", "containerPort": 80}] if named else []
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]},
            "status": {"phase": "Running", "podIP": ip}}


peer_st = st.one_of(st.builds(lambda s: {"podSelector": s}, selector_st),
                    st.builds(lambda c: {"ipBlock": {"cidr": c}}, st.sampled_from(
                        ["0.0.0.0/0", "10.0.0.0/8", "203.0.113.0/24", "8.8.0.0/16"])),
                    st.just({"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}))
rule_st = st.builds(lambda peers, ports: {**({"peers": peers} if peers is not None else {}),
                                          **({"ports": ports} if ports is not None else {})},
                    st.one_of(st.none(), st.lists(peer_st, min_size=1, max_size=2)),
                    st.one_of(st.none(), st.lists(port_st, min_size=1, max_size=2)))


@st.composite
def cluster_st(draw: st.DrawFn) -> list[dict[str, Any]]:
    objects = [pod(draw(st.sampled_from(["x", "y"])), f"p{i}", draw(labels_st), f"10.0.0.{i + 1}",
                   draw(st.booleans())) for i in range(draw(st.integers(1, 6)))]
    objects += draw(network_policies_st(rule_st, ["x", "y"], 5))
    return node_documents() + objects + draw(admin_policies_st(2))  # with the admin tiers folded in, or none


def allowed_by(found: Exposure | None, address: str, protocol: str, port: int) -> bool:
    return found is not None and any(r.addresses.contains_address(address) and r.connections.allows(protocol, port)
                                     for r in found.reaches)


# A subject chosen by its namespace's labels, denied every IPv4 address: only IPv6 stays exposed.
DENY_IPV4 = {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
             "metadata": {"name": "admin0"},
             "spec": {"tier": "Admin", "priority": 0, "subject": {"namespaces": {"matchLabels": {"team": "a"}}},
                      "egress": [{"action": "Deny", "to": [{"networks": ["10.0.0.0/24", "0.0.0.0/0"]}]}]}}


# Equal priorities whose rules disagree: undefined upstream, so the oracle refuses them (the tool breaks the tie
# by name, tests/cli/test_check_admin_tiers.py); the addresses they do not touch are still compared.
EQUAL_PRIORITIES = [
    {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy", "metadata": {"name": "admin0"},
     "spec": {"priority": 2, "subject": {"namespaces": {}},
              "egress": [{"action": "Deny", "to": [{"networks": ["10.0.0.0/24", "0.0.0.0/0"]}]}]}},
    {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy", "metadata": {"name": "admin1"},
     "spec": {"priority": 2, "subject": {"namespaces": {}},
              "egress": [{"action": "Allow", "to": [{"networks": ["0.0.0.0/0"]}]}]}},
]


def oracle_verdict(*args: Any) -> bool | None:
    """The oracle's answer, or None where equal priorities leave the order undefined."""
    try:
        return bool(direction_verdict(*args))
    except UndefinedOrder:
        return None


@example([pod("x", "p0", {}, "10.0.0.1", False), DENY_IPV4], NetworkPolicySelection.PER_DIRECTION)
@example([*node_documents(), pod("x", "p0", {}, "10.0.0.1", False), *EQUAL_PRIORITIES],
         NetworkPolicySelection.PER_DIRECTION)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_st(), st.sampled_from(list(NetworkPolicySelection)))
def test_exposure_agrees_with_the_reference_oracle(objects: list[dict[str, Any]],
                                                   reading: NetworkPolicySelection) -> None:
    analysis = Analysis(load_with_namespaces(objects), Semantics(np_selection=reading), "pod")
    result = exposure(analysis)
    ingress = {e.endpoint.id: e for e in result.direct}
    egress = {e.endpoint.id: e for e in result.egress if e.direction is Direction.EGRESS}
    # The oracle reads the Namespaces' labels from the documents, as load_with_namespaces adds them.
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
                  for n, labels in NAMESPACES.items()]
    docs = namespaces + [o for o in objects if o["kind"] != "Pod"] + [o for o in objects if o["kind"] == "Pod"]
    for doc in (o for o in objects if o["kind"] == "Pod"):
        ep_id = f"{doc['metadata']['namespace']}/{doc['metadata']['name']}"
        for address in ADDRESSES[:3]:  # the egress view lists endpoints that reach the internet only
            for protocol, port in PORTS:
                into = oracle_verdict("ingress", doc, outside(address), doc, docs, protocol, port, reading.value)
                if into is not None:
                    assert allowed_by(ingress.get(ep_id), address, protocol, port) is into, (ep_id, address, port)
        if ep_id in egress:
            for address in ADDRESSES:
                for protocol, port in PORTS:
                    out = oracle_verdict("egress", doc, outside(address), outside(address), docs, protocol, port,
                                         reading.value)
                    if out is not None:
                        assert allowed_by(egress[ep_id], address, protocol, port) is out, (ep_id, address, port)
