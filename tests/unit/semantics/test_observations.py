"""What policies observe of an endpoint is said once (compile.observe), for every kind: the class keys
of the graph, the workload grouping of endpoints and the SMT vocabulary are derived from it."""

from __future__ import annotations

from typing import Any

from helpers_k8s import analyse, ns, pod, policy

from netverify.semantics.admin_compile import admin_observations, compile_admin_policies
from netverify.semantics.compile import compile_policies, observe
from netverify.semantics.options import Semantics
from netverify.sets import IPSet

ADMIN: dict[str, Any] = {
    "apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy", "metadata": {"name": "guard"},
    "spec": {"tier": "Admin", "priority": 1,
             "subject": {"pods": {"namespaceSelector": {"matchLabels": {"tenant": "t1"}},
                                  "podSelector": {"matchLabels": {"canary": "yes"}}}},
             "egress": [{"action": "Deny", "to": [{"networks": ["10.1.0.0/16"]}]},
                        {"action": "Accept", "to": [{"pods": {"namespaceSelector": {},
                                                              "podSelector": {"matchLabels": {"role": "db"}}}}],
                         "protocols": [{"destinationNamedPort": "sql"}]},
                        {"action": "Pass", "to": [{"nodes": {"matchLabels": {"zone": "a"}}}]}]}}
NODE: dict[str, Any] = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "labels": {"zone": "a"}},
                        "status": {"addresses": [{"type": "InternalIP", "address": "192.168.0.1"}]}}
NP = policy("x", "web", {"podSelector": {"matchLabels": {"app": "web"}},
                         "ingress": [{"from": [{"ipBlock": {"cidr": "10.2.0.0/16"}}], "ports": [{"port": "http"}]}]})


def test_admin_observations_merge_into_what_network_policies_observe() -> None:
    a = analyse(ns("x"), NODE, ADMIN, NP)
    seen = observe(compile_policies(a.cluster.policies, Semantics()),
                   [admin_observations(compile_admin_policies(a.cluster.admin_policies, a.cluster.nodes))])
    assert seen.label_keys == {"app", "canary", "role"}
    assert seen.namespace_labels == {"tenant": {"t1"}}
    assert seen.ip_blocks == (IPSet.from_cidr("10.2.0.0/16", ()),)
    assert seen.addresses == (IPSet.from_cidr("10.1.0.0/16", ()), IPSet.from_addresses(["192.168.0.1"]))
    assert seen.port_names == {("http", "TCP")}
    assert seen.any_protocol_port_names == {"sql"}


def test_the_analysis_derives_its_keys_from_the_merged_observations() -> None:
    a = analyse(ns("x"), NODE, ADMIN, NP, pod("x", "p", "10.0.0.1", app="web", canary="yes", other="z"))
    assert a.label_keys == a.observations.label_keys == {"app", "canary", "role"}
    assert a.address_atoms is not None  # networks and node addresses split classes under either ipBlock scope


def test_without_admin_policies_nothing_changes_for_network_policies() -> None:
    a = analyse(ns("x"), NP)
    assert a.observations == observe(a.policies)
    assert a.address_atoms is None
