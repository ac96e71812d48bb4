"""NetworkPolicy semantics, one corner per test (networking.k8s.io/v1 API reference).

Each test builds a tiny inventory and states the exact allowed connection set. Every
answer is computed twice — by the graph engine (bulk, per class) and by the pair
evaluator that `can` uses for explanations — and both must agree.
"""

from __future__ import annotations

import itertools

from helpers_k8s import analyse, ns, pod, policy

from netverify.queries.context import Analysis
from netverify.semantics.evaluate import evaluate_pair
from netverify.sets import ConnectionSet

ALL = ConnectionSet.all()
NONE = ConnectionSet.none()
TCP = ConnectionSet.of


def allowed(a: Analysis, src: str, dst: str) -> ConnectionSet:
    s, d = a.by_id[src], a.by_id[dst]
    by_graph = a.graph.allowed(s, d)
    by_pair = evaluate_pair(a.policies, s, d).allowed
    assert by_graph == by_pair, f"graph {by_graph} != explain {by_pair} for {src}->{dst}"
    return by_graph


def base() -> list[dict]:
    return [
        ns("x", team="a"), ns("y", team="b"),
        pod("x", "a", "10.0.1.1", app="a"), pod("x", "b", "10.0.1.2", app="b"),
        pod("y", "a", "10.0.2.1", app="a"), pod("y", "b", "10.0.2.2", app="b"),
    ]


def test_no_policy_means_everything_is_allowed() -> None:
    a = analyse(*base())
    for s, d in itertools.permutations(["x/a", "x/b", "y/a", "y/b"], 2):
        assert allowed(a, s, d) == ALL


class TestPolicyTypesDefaulting:
    def test_a_policy_without_rules_or_types_isolates_ingress_only(self) -> None:
        a = analyse(*base(), policy("x", "deny", {"podSelector": {}}))
        assert allowed(a, "y/a", "x/a") == NONE
        assert allowed(a, "x/a", "y/a") == ALL  # egress untouched

    def test_empty_egress_list_without_policy_types_does_not_isolate_egress(self) -> None:
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "egress": []}))
        assert allowed(a, "x/a", "y/a") == ALL
        assert allowed(a, "y/a", "x/a") == NONE  # Ingress is always defaulted in

    def test_an_egress_rule_without_policy_types_adds_egress(self) -> None:
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}))
        assert allowed(a, "x/a", "y/a") == TCP("UDP", 53, 53)
        assert allowed(a, "y/a", "x/a") == NONE

    def test_explicit_egress_type_ignores_ingress_rules(self) -> None:
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "policyTypes": ["Egress"], "ingress": [{}]}))
        assert allowed(a, "y/a", "x/a") == ALL  # not isolated for ingress
        assert allowed(a, "x/a", "y/a") == NONE  # isolated for egress, no egress rules

    def test_explicit_ingress_type_with_empty_ingress_denies_all_ingress(self) -> None:
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}))
        assert allowed(a, "y/a", "x/b") == NONE


def test_isolation_is_per_pod_unselected_pods_stay_open() -> None:
    a = analyse(*base(), policy("x", "p", {"podSelector": {"matchLabels": {"app": "a"}}}))
    assert allowed(a, "y/a", "x/a") == NONE
    assert allowed(a, "y/a", "x/b") == ALL


def test_both_ends_must_agree() -> None:
    a = analyse(*base(),
                policy("x", "egress-all", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}),
                policy("y", "deny-in", {"podSelector": {}}))
    assert allowed(a, "x/a", "y/a") == NONE  # x/a's egress allows, y/a's ingress does not
    assert allowed(a, "x/a", "x/b") == ALL


def test_policies_are_additive_and_order_free() -> None:
    pols = [
        policy("x", "p1", {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}),
        policy("x", "p2", {"podSelector": {"matchLabels": {"app": "a"}}, "ingress": [{"ports": [{"port": 443}]}]}),
        policy("x", "p3", {"podSelector": {}}),
    ]
    results = set()
    for order in itertools.permutations(pols):
        a = analyse(*base(), *order)
        results.add((allowed(a, "y/a", "x/a"), allowed(a, "y/a", "x/b")))
    assert results == {(TCP("TCP", 80, 80) | TCP("TCP", 443, 443), TCP("TCP", 80, 80))}


class TestEmptyVersusMissing:
    def test_a_rule_with_no_from_allows_every_peer_including_external(self) -> None:
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "ingress": [{}]}))
        assert allowed(a, "y/a", "x/a") == ALL
        from netverify.semantics.endpoints import external_endpoint
        ext = external_endpoint("8.8.8.8")
        assert evaluate_pair(a.policies, ext, a.by_id["x/a"]).allowed == ALL

    def test_an_empty_from_list_is_the_same_as_missing(self) -> None:
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "ingress": [{"from": [], "ports": [{"port": 80}]}]}))
        assert allowed(a, "y/a", "x/a") == TCP("TCP", 80, 80)

    def test_an_empty_ports_list_allows_every_port_and_protocol(self) -> None:
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}], "ports": []}]}))
        assert allowed(a, "x/b", "x/a") == ALL

    def test_empty_pod_selector_peer_means_all_pods_of_the_policy_namespace(self) -> None:
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}))
        assert allowed(a, "x/b", "x/a") == ALL
        assert allowed(a, "y/b", "x/a") == NONE

    def test_empty_namespace_selector_means_all_namespaces_but_not_external(self) -> None:
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}))
        assert allowed(a, "y/b", "x/a") == ALL
        from netverify.semantics.endpoints import external_endpoint
        assert evaluate_pair(a.policies, external_endpoint("8.8.8.8"), a.by_id["x/a"]).allowed == NONE


class TestAndVersusOr:
    AND = {"from": [{"namespaceSelector": {"matchLabels": {"team": "b"}}, "podSelector": {"matchLabels": {"app": "a"}}}]}
    OR = {"from": [{"namespaceSelector": {"matchLabels": {"team": "b"}}}, {"podSelector": {"matchLabels": {"app": "a"}}}]}

    def test_both_selectors_in_one_peer_must_both_match(self) -> None:
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "ingress": [self.AND]}))
        assert allowed(a, "y/a", "x/b") == ALL
        assert allowed(a, "y/b", "x/b") == NONE  # right namespace, wrong pod
        assert allowed(a, "x/a", "x/b") == NONE  # right pod, wrong namespace

    def test_two_peers_are_alternatives_and_pod_selector_alone_is_own_namespace(self) -> None:
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "ingress": [self.OR]}))
        assert allowed(a, "y/b", "x/b") == ALL  # namespace matches
        assert allowed(a, "x/a", "x/b") == ALL  # pod in the policy's namespace matches
        a2 = analyse(*base(), ns("z", team="c"), pod("z", "a", "10.0.3.1", app="a"),
                     policy("x", "p", {"podSelector": {}, "ingress": [self.OR]}))
        assert allowed(a2, "z/a", "x/b") == NONE  # app=a in another namespace does not match podSelector alone


class TestSelectors:
    def rule(self, expr: dict) -> dict:
        return {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {"matchExpressions": [expr]}}]}]}

    def test_notin_matches_pods_without_the_key(self) -> None:
        a = analyse(*base(), pod("y", "c", "10.0.2.3"), policy("x", "p", self.rule({"key": "app", "operator": "NotIn", "values": ["a"]})))
        assert allowed(a, "y/c", "x/a") == ALL  # no app label at all
        assert allowed(a, "y/b", "x/a") == ALL
        assert allowed(a, "y/a", "x/a") == NONE

    def test_does_not_exist_and_exists(self) -> None:
        a = analyse(*base(), pod("y", "c", "10.0.2.3"), policy("x", "p", self.rule({"key": "app", "operator": "DoesNotExist"})))
        assert allowed(a, "y/c", "x/a") == ALL
        assert allowed(a, "y/a", "x/a") == NONE
        a = analyse(*base(), pod("y", "c", "10.0.2.3"), policy("x", "p", self.rule({"key": "app", "operator": "Exists"})))
        assert allowed(a, "y/c", "x/a") == NONE
        assert allowed(a, "y/a", "x/a") == ALL

    def test_in_requires_the_key(self) -> None:
        a = analyse(*base(), pod("y", "c", "10.0.2.3"), policy("x", "p", self.rule({"key": "app", "operator": "In", "values": ["a", "b"]})))
        assert allowed(a, "y/c", "x/a") == NONE
        assert allowed(a, "y/b", "x/a") == ALL

    def test_match_labels_and_expressions_are_anded(self) -> None:
        sel = {"matchLabels": {"app": "a"}, "matchExpressions": [{"key": "tier", "operator": "Exists"}]}
        a = analyse(*base(), pod("x", "c", "10.0.1.3", app="a", tier="web"),
                    policy("x", "p", {"podSelector": sel}))
        assert allowed(a, "y/a", "x/c") == NONE  # selected: isolated
        assert allowed(a, "y/a", "x/a") == ALL  # app=a but no tier: not selected

    def test_every_namespace_has_its_name_label(self) -> None:
        peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}}
        a = analyse(*base(), policy("x", "p", {"podSelector": {}, "ingress": [{"from": [peer]}]}))
        assert allowed(a, "y/a", "x/a") == ALL
        assert allowed(a, "x/b", "x/a") == NONE

    def test_an_undeclared_namespace_exists_with_only_its_name_label(self) -> None:
        peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "q"}}}
        a = analyse(*base(), pod("q", "p", "10.0.9.1"), policy("x", "p", {"podSelector": {}, "ingress": [{"from": [peer]}]}))
        assert allowed(a, "q/p", "x/a") == ALL
        assert a.cluster.namespace("q").implicit


class TestPorts:
    def web(self) -> list[dict]:
        return [ns("x"), ns("y"),
                pod("x", "srv", "10.0.1.1", ports=[{"name": "http", "containerPort": 8080},
                                                   {"name": "dns", "containerPort": 5353, "protocol": "UDP"}], app="srv"),
                pod("x", "other", "10.0.1.2", ports=[{"name": "http", "containerPort": 9000}], app="other"),
                pod("y", "cli", "10.0.2.1", app="cli")]

    def test_protocol_defaults_to_tcp(self) -> None:
        a = analyse(*self.web(), policy("x", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}))
        assert allowed(a, "y/cli", "x/srv") == TCP("TCP", 80, 80)

    def test_protocol_without_port_means_every_port_of_that_protocol(self) -> None:
        a = analyse(*self.web(), policy("x", "p", {"podSelector": {}, "ingress": [{"ports": [{"protocol": "UDP"}]}]}))
        assert allowed(a, "y/cli", "x/srv") == TCP("UDP")

    def test_end_port_is_an_inclusive_range(self) -> None:
        a = analyse(*self.web(), policy("x", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": 8000, "endPort": 8080}]}]}))
        assert allowed(a, "y/cli", "x/srv") == TCP("TCP", 8000, 8080)

    def test_a_named_port_resolves_on_each_destination_for_ingress(self) -> None:
        a = analyse(*self.web(), policy("x", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": "http"}]}]}))
        assert allowed(a, "y/cli", "x/srv") == TCP("TCP", 8080, 8080)
        assert allowed(a, "y/cli", "x/other") == TCP("TCP", 9000, 9000)

    def test_a_named_port_resolves_on_the_destination_for_egress_too(self) -> None:
        a = analyse(*self.web(), policy("y", "p", {"podSelector": {}, "policyTypes": ["Egress"],
                                                   "egress": [{"ports": [{"port": "http"}]}]}))
        assert allowed(a, "y/cli", "x/srv") == TCP("TCP", 8080, 8080)
        assert allowed(a, "y/cli", "x/other") == TCP("TCP", 9000, 9000)

    def test_a_named_port_needs_the_same_protocol(self) -> None:
        a = analyse(*self.web(), policy("x", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": "dns"}]}]}))
        assert allowed(a, "y/cli", "x/srv") == NONE  # dns is UDP on x/srv, the rule asks TCP
        a = analyse(*self.web(), policy("x", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": "dns", "protocol": "UDP"}]}]}))
        assert allowed(a, "y/cli", "x/srv") == TCP("UDP", 5353, 5353)

    def test_a_named_port_never_matches_an_external_destination(self) -> None:
        from netverify.semantics.endpoints import external_endpoint
        a = analyse(*self.web(), policy("y", "p", {"podSelector": {}, "policyTypes": ["Egress"],
                                                   "egress": [{"ports": [{"port": "http"}]}]}))
        assert evaluate_pair(a.policies, a.by_id["y/cli"], external_endpoint("1.1.1.1")).allowed == NONE


class TestIPBlocks:
    RULE = {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.2.0/24"]}}]}]}

    def test_cidr_minus_except(self) -> None:
        a = analyse(*base(), pod("y", "c", "10.1.0.5"), policy("x", "p", self.RULE))
        assert allowed(a, "x/b", "x/a") == ALL  # 10.0.1.2 in cidr
        assert allowed(a, "y/a", "x/a") == NONE  # 10.0.2.1 excepted
        assert allowed(a, "y/c", "x/a") == NONE  # outside the cidr

    def test_ipblocks_match_only_external_addresses_when_asked(self) -> None:
        a = analyse(*base(), policy("x", "p", self.RULE), ipblock_matches_pods=False)
        assert allowed(a, "x/b", "x/a") == NONE

    def test_a_pod_without_ip_never_matches_an_ipblock(self) -> None:
        a = analyse(*base(), pod("x", "noip", None), policy("x", "p", {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}))
        assert allowed(a, "x/noip", "x/a") == NONE

    def test_ipv6(self) -> None:
        a = analyse(ns("x"), pod("x", "a", "fd00::1"), pod("x", "b", "fd00::2"), pod("x", "c", "fd01::1"),
                    policy("x", "p", {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "fd00::/64"}}]}]}))
        assert allowed(a, "x/b", "x/a") == ALL
        assert allowed(a, "x/c", "x/a") == NONE


class TestImplementationChoices:
    def test_a_pod_can_always_reach_itself(self) -> None:
        a = analyse(*base(), policy("x", "deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}))
        assert allowed(a, "x/a", "x/a") == ALL
        assert "itself" in evaluate_pair(a.policies, a.by_id["x/a"], a.by_id["x/a"]).note
        assert all(s.id != d.id for s, d, _ in a.graph.connections())

    def test_host_network_pods_are_not_isolated_and_match_only_ipblocks(self) -> None:
        a = analyse(*base(), pod("x", "h", "192.168.0.10", host_network=True, app="a"),
                    policy("x", "p", {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}))
        assert allowed(a, "y/a", "x/h") == ALL  # not governed
        assert allowed(a, "x/h", "x/a") == NONE  # podSelector cannot match a hostNetwork pod
        a = analyse(*base(), pod("x", "h", "192.168.0.10", host_network=True),
                    policy("x", "p", {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "192.168.0.0/24"}}]}]}))
        assert allowed(a, "x/h", "x/a") == ALL

    def test_traffic_from_the_pods_own_node_is_always_allowed(self) -> None:
        a = analyse(*base()[:2], pod("x", "a", "10.0.1.1", node="n1", app="a"), pod("x", "h", "192.168.0.10", host_network=True, node="n1"),
                    pod("x", "far", "10.0.1.9", node="n2"),
                    policy("x", "deny", {"podSelector": {}}))
        assert allowed(a, "x/h", "x/a") == ALL
        assert allowed(a, "x/h", "x/far") == NONE
