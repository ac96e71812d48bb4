"""The graph engine folds every tier per class: Admin (first match by priority, then name), the
NetworkPolicy tier (final for the classes it isolates), Baseline, then the default allow.

Each case is small enough to read the answer off the API text (admin-tiers.md); the property test
tests/property/test_matrix_vs_reference.py checks the same against the reference oracle at random.
"""

from __future__ import annotations

from typing import Any

from helpers_k8s import analyse, ns, pod, policy

from netverify.engines.graph import ReachabilityGraph
from netverify.queries.context import Analysis
from netverify.semantics.class_tiers import TierPolicy, TierSpec, tier_specs
from netverify.semantics.compile import SelectorTerm
from netverify.sets import ConnectionSet

WEB = [{"name": "web", "containerPort": 80}, {"name": "metrics", "containerPort": 9090}]
TCP80 = ConnectionSet.of("TCP", 80, 80)


def cnp(name: str, tier: str, priority: int, subject: dict[str, Any], **rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
            "metadata": {"name": name}, "spec": {"tier": tier, "priority": priority, "subject": subject, **rules}}


def node(name: str, ip: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}]}}


def base() -> list[dict[str, Any]]:
    return [ns("a", team="red"), ns("b", team="blue"), node("n1", "192.168.0.1", role="infra"),
            pod("a", "web", "10.0.0.1", WEB, node="n1", app="web"),
            pod("a", "cli", "10.0.0.2", node="n2", app="cli"),
            pod("b", "cli", "10.0.1.1", node="n2", app="cli"),
            pod("b", "agent", "192.168.0.1", host_network=True, node="n1")]


ALL_NAMESPACES = {"namespaces": {}}
IN_A = {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "a"}}}


def allowed(a: Analysis, src: str, dst: str) -> ConnectionSet:
    return a.graph.allowed(a.by_id[src], a.by_id[dst])


def test_an_admin_deny_overrides_a_network_policy_that_allows() -> None:
    a = analyse(*base(),
                policy("a", "allow-all-in", {"podSelector": {}, "ingress": [{}]}),
                cnp("guard", "Admin", 10, IN_A, ingress=[{"action": "Deny", "from": [{"namespaces": {}}],
                                                          "protocols": [{"tcp": {"destinationPort": {"number": 80}}}]}]))
    assert allowed(a, "b/cli", "a/web") == ConnectionSet.all() - TCP80
    assert allowed(a, "a/cli", "a/web") == ConnectionSet.all() - TCP80


def test_pass_leaves_the_connection_to_the_network_policy_and_then_to_the_baseline() -> None:
    a = analyse(*base(),
                policy("a", "web-from-a", {"podSelector": {"matchLabels": {"app": "web"}},
                                           "ingress": [{"from": [{"podSelector": {}}]}]}),
                cnp("pass", "Admin", 1, ALL_NAMESPACES, ingress=[{"action": "Pass", "from": [{"namespaces": {}}]}],
                    egress=[{"action": "Pass", "to": [{"namespaces": {}}]}]),
                cnp("deny-all", "Admin", 2, ALL_NAMESPACES, ingress=[{"action": "Deny", "from": [{"namespaces": {}}]}]),
                cnp("baseline", "Baseline", 1, ALL_NAMESPACES,
                    egress=[{"action": "Deny", "to": [{"namespaces": {"matchLabels": {"team": "blue"}}}]}]))
    # a/web is isolated for ingress: after the Pass, its NetworkPolicy decides (pods of a only); the
    # Deny of priority 2 comes after the Pass and never decides.
    assert allowed(a, "a/cli", "a/web") == ConnectionSet.all()
    assert allowed(a, "b/cli", "a/web") == ConnectionSet.none()
    # No NetworkPolicy for a/cli's ingress nor for any egress: the baseline decides, then the default.
    assert allowed(a, "b/cli", "a/cli") == ConnectionSet.all()
    assert allowed(a, "a/web", "b/cli") == ConnectionSet.none()  # egress towards team blue: baseline Deny


def test_equal_priorities_are_ordered_by_name() -> None:
    a = analyse(*base(),
                cnp("b-allow", "Admin", 5, IN_A, ingress=[{"action": "Accept", "from": [{"namespaces": {}}]}]),
                cnp("a-deny", "Admin", 5, IN_A, ingress=[{"action": "Deny", "from": [{"namespaces": {}}]}]))
    assert allowed(a, "b/cli", "a/web") == ConnectionSet.none()


def test_node_traffic_is_exempt_from_every_tier() -> None:
    a = analyse(*base(), cnp("deny", "Admin", 0, IN_A, ingress=[{"action": "Deny", "from": [{"namespaces": {}}]}]),
                policy("a", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]}))
    assert allowed(a, "b/agent", "a/web") == ConnectionSet.all()  # same node n1
    assert allowed(a, "b/agent", "a/cli") == ConnectionSet.none()  # another node: the NetworkPolicy decides


def test_networks_match_pod_addresses_whatever_the_ipblock_scope() -> None:
    docs = [*base(), cnp("no-10", "Admin", 0, {"pods": {"namespaceSelector": {}, "podSelector": {}}},
                         egress=[{"action": "Deny", "to": [{"networks": ["10.0.0.0/24"]}]}])]
    for scope in (True, False):
        a = analyse(*docs, ipblock_matches_pods=scope)
        assert allowed(a, "b/cli", "a/web") == ConnectionSet.none()
        assert allowed(a, "b/cli", "b/agent") == ConnectionSet.all()


def test_host_networked_pods_are_nodes_to_admin_peers_never_namespaces_or_pods() -> None:
    a = analyse(*base(), cnp("deny", "Admin", 0, {"namespaces": {"matchLabels": {"team": "red"}}},
                             egress=[{"action": "Deny", "to": [{"namespaces": {}}]},
                                     {"action": "Deny", "to": [{"nodes": {"matchLabels": {"role": "infra"}}}],
                                      "protocols": [{"tcp": {"destinationPort": {"number": 22}}}]}]))
    assert allowed(a, "a/cli", "b/cli") == ConnectionSet.none()
    assert allowed(a, "a/cli", "b/agent") == ConnectionSet.all() - ConnectionSet.of("TCP", 22, 22)
    assert allowed(a, "b/agent", "a/cli") == ConnectionSet.all()  # never a subject


def test_named_ports_resolve_on_the_destination() -> None:
    a = analyse(*base(), cnp("only-web", "Admin", 0, ALL_NAMESPACES, egress=[
        {"action": "Accept", "to": [{"namespaces": {}}], "protocols": [{"destinationNamedPort": "web"}]},
        {"action": "Deny", "to": [{"namespaces": {}}]}]))
    assert allowed(a, "b/cli", "a/web") == TCP80
    assert allowed(a, "a/web", "a/cli") == ConnectionSet.none()  # a/cli has no port named web


def test_labels_only_admin_selectors_read_split_classes_and_workloads() -> None:
    docs = [*base(), pod("a", "web2", "10.0.0.9", WEB, node="n1", app="web", canary="yes"),
            cnp("canary", "Admin", 0, {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"canary": "yes"}}}},
                ingress=[{"action": "Deny", "from": [{"namespaces": {}}]}])]
    a = analyse(*docs)
    assert "canary" in a.label_keys
    assert a.graph.class_of["a/web"] != a.graph.class_of["a/web2"]
    assert allowed(a, "b/cli", "a/web2") == ConnectionSet.none()
    assert allowed(a, "b/cli", "a/web") == ConnectionSet.all()


def test_the_union_shortcut_equals_the_fold_of_the_tiers() -> None:
    """When the first tier with a policy for a class is the NetworkPolicy tier, the graph takes the
    union of its rules instead of folding partitions (graph.py's optimisation). An Admin tier whose
    policy selects every class but has no rules passes everything, and forces the fold: the rows
    must be the same."""
    a = analyse(*base(),
                policy("a", "web-in", {"podSelector": {"matchLabels": {"app": "web"}},
                                       "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "blue"}}}],
                                                    "ports": [{"port": "web"}]}]}),
                policy("b", "cli-out", {"podSelector": {}, "policyTypes": ["Egress"],
                                        "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/24"}}]}]}))
    shortcut = a.graph
    silent = TierSpec("Admin", False, (TierPolicy(SelectorTerm(), (), ()),))
    folded = ReachabilityGraph(a.endpoints, a.policies, {e.id: a.ip_signature(e) for e in a.endpoints},
                               a.label_keys, (silent, *tier_specs(a.policies)))
    assert [list(r) for r in folded.rows] == [list(r) for r in shortcut.rows]
    assert [folded.column(b) for b in range(len(folded.reps))] == [shortcut.column(b) for b in range(len(shortcut.reps))]
