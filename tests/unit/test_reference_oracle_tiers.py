"""The reference oracle's admin tiers on the cases the conformance suite does not cover:
the two readings of "selected by a NetworkPolicy", equal priorities, Baseline Pass, hostNetwork
subjects, networks matching pod IPs and Node addresses."""

from __future__ import annotations

from typing import Any

import pytest
from reference_oracle import UndefinedOrder, tiered_allowed


def ns(name: str, **labels: str) -> dict[str, Any]:
    return {"kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def pod(namespace: str, name: str, ip: str, host_network: bool = False, **labels: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "web"}]}]}
    if host_network:
        spec["hostNetwork"] = True
    return {"kind": "Pod", "metadata": {"namespace": namespace, "name": name, "labels": labels},
            "spec": spec, "status": {"podIP": ip}}


def node(name: str, ip: str, **labels: str) -> dict[str, Any]:
    return {"kind": "Node", "metadata": {"name": name, "labels": labels},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}]}}


def cnp(name: str, tier: str, priority: int, subject: dict[str, Any], **gress: Any) -> dict[str, Any]:
    return {"kind": "ClusterNetworkPolicy", "apiVersion": "policy.networking.k8s.io/v1alpha2",
            "metadata": {"name": name}, "spec": {"tier": tier, "priority": priority, "subject": subject, **gress}}


ALL_NAMESPACES: dict[str, Any] = {"namespaces": {}}
A = pod("a", "client", "10.0.0.1", app="client")
B = pod("b", "server", "10.0.0.2", app="server")
BASE = [ns("a"), ns("b"), A, B]


def deny_all_egress_baseline() -> dict[str, Any]:
    return cnp("baseline", "Baseline", 10, ALL_NAMESPACES, egress=[{"action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}])


def ingress_only_np() -> dict[str, Any]:
    return {"kind": "NetworkPolicy", "metadata": {"namespace": "a", "name": "in"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]}}


def test_per_direction_an_ingress_only_networkpolicy_leaves_egress_to_the_baseline() -> None:
    docs = [*BASE, ingress_only_np(), deny_all_egress_baseline()]
    assert tiered_allowed(A, B, docs, "TCP", 80) is False


def test_selected_at_all_an_ingress_only_networkpolicy_makes_egress_final_and_open() -> None:
    docs = [*BASE, ingress_only_np(), deny_all_egress_baseline()]
    assert tiered_allowed(A, B, docs, "TCP", 80, np_selection="any") is True


def test_equal_priorities_with_different_actions_on_one_connection_are_undefined() -> None:
    allow = cnp("allow", "Admin", 5, ALL_NAMESPACES, egress=[{"action": "Accept", "to": [{"namespaces": {}}]}])
    deny = cnp("deny", "Admin", 5, ALL_NAMESPACES, egress=[{"action": "Deny", "to": [{"namespaces": {}}]}])
    with pytest.raises(UndefinedOrder):
        tiered_allowed(A, B, [*BASE, allow, deny], "TCP", 80)
    deny["spec"]["priority"] = 6
    assert tiered_allowed(A, B, [*BASE, allow, deny], "TCP", 80) is True


def test_equal_priorities_that_agree_are_not_a_conflict() -> None:
    one = cnp("one", "Admin", 5, ALL_NAMESPACES, egress=[{"action": "Deny", "to": [{"namespaces": {}}]}])
    two = cnp("two", "Admin", 5, ALL_NAMESPACES, egress=[{"action": "Deny", "to": [{"pods": {"podSelector": {}}}]}])
    assert tiered_allowed(A, B, [*BASE, one, two], "TCP", 80) is False


def test_baseline_pass_skips_the_rest_of_the_baseline_tier() -> None:
    passing = cnp("pass", "Baseline", 1, ALL_NAMESPACES, egress=[{"action": "Pass", "to": [{"namespaces": {}}]}])
    docs = [*BASE, passing, deny_all_egress_baseline()]
    assert tiered_allowed(A, B, docs, "TCP", 80) is True
    assert tiered_allowed(A, B, [*BASE, deny_all_egress_baseline()], "TCP", 80) is False


def test_networks_match_pod_ips_and_host_network_pods_are_reached_only_as_nodes() -> None:
    host = pod("b", "agent", "192.168.0.5", host_network=True, app="server")
    by_pods = cnp("pods", "Admin", 1, ALL_NAMESPACES,
                  egress=[{"action": "Deny", "to": [{"pods": {"podSelector": {"matchLabels": {"app": "server"}}}}]}])
    by_nodes = cnp("nodes", "Admin", 1, ALL_NAMESPACES,
                   egress=[{"action": "Deny", "to": [{"nodes": {"matchLabels": {"role": "worker"}}}]}])
    docs = [*BASE, host, node("n1", "192.168.0.5", role="worker")]
    assert tiered_allowed(A, B, [*docs, by_pods], "TCP", 80) is False
    assert tiered_allowed(A, host, [*docs, by_pods], "TCP", 80) is True
    assert tiered_allowed(A, host, [*docs, by_nodes], "TCP", 80) is False
    assert tiered_allowed(A, B, [*docs, by_nodes], "TCP", 80) is True


def test_host_network_pods_are_never_subjects() -> None:
    host = pod("a", "agent", "192.168.0.5", host_network=True, app="client")
    deny = cnp("deny", "Admin", 1, ALL_NAMESPACES, egress=[{"action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}])
    assert tiered_allowed(host, B, [*BASE, host, deny], "TCP", 80) is True
    assert tiered_allowed(A, B, [*BASE, host, deny], "TCP", 80) is False


def test_v1alpha1_only_the_baseline_named_default_counts() -> None:
    banp = {"kind": "BaselineAdminNetworkPolicy", "metadata": {"name": "other"},
            "spec": {"subject": {"namespaces": {}}, "egress": [{"action": "Deny", "to": [{"namespaces": {}}]}]}}
    assert tiered_allowed(A, B, [*BASE, banp], "TCP", 80) is True
    banp["metadata"]["name"] = "default"
    assert tiered_allowed(A, B, [*BASE, banp], "TCP", 80) is False
