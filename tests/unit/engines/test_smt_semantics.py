"""The SMT encoding, one semantic corner of networking.k8s.io/v1 per test (inventory scope).

Each test states an assertion about a tiny inventory and the engine's answer: Proved with the
policies and rules the unsat core needed, or Refuted with a counterexample that names the rule
that admits it (or fails to). Every counterexample is also replayed by the engine through the
pair evaluator (a disagreement raises ReplayMismatch), so a wrong model cannot pass silently.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from helpers_k8s import analyse, ns, pod, policy
from helpers_smt import connection, holds, policies, prove, rules

from netverify.engines.smt_types import Proved, Refuted
from netverify.queries.assertions import EndpointSpec
from netverify.queries.context import Analysis


def base(*extra: dict[str, Any], ipblock_matches_pods: bool = True) -> Analysis:
    return analyse(
        ns("x", team="a"), ns("y", team="b"),
        pod("x", "a", "10.0.1.1", [{"name": "http", "containerPort": 8080}], app="a"),
        pod("x", "b", "10.0.1.2", app="b"),
        pod("y", "a", "10.0.2.1", [{"name": "http", "containerPort": 9000}], app="a"),
        pod("y", "b", "10.0.2.2", [{"name": "dns", "containerPort": 53, "protocol": "UDP"}], app="b"),
        *extra, ipblock_matches_pods=ipblock_matches_pods)


class TestPolicyTypesDefaulting:
    def test_a_policy_without_rules_or_types_isolates_ingress_only(self) -> None:
        a = base(policy("x", "deny", {"podSelector": {}}))
        r = prove(a, "y/a", "x/a", "deny")
        assert holds(r) and policies(r) == {"x/deny ingress"} and rules(r) == set()
        assert holds(prove(a, "x/a", "y/a", "allow"))

    def test_empty_egress_list_without_policy_types_does_not_isolate_egress(self) -> None:
        a = base(policy("x", "p", {"podSelector": {}, "egress": []}))
        assert holds(prove(a, "x/a", "y/*", "allow"))
        assert policies(prove(a, "y/a", "x/a", "deny")) == {"x/p ingress"}

    def test_an_egress_rule_without_policy_types_adds_egress(self) -> None:
        a = base(policy("x", "p", {"podSelector": {}, "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}))
        allowed = prove(a, "x/a", "y/b", "allow", ("53/UDP",))
        assert holds(allowed) and rules(allowed) == {"x/p egress[0]"}
        denied = prove(a, "x/a", "y/b", "deny", ("TCP",))
        assert holds(denied) and policies(denied) == {"x/p egress"} and rules(denied) == {"x/p egress[0]"}

    def test_explicit_egress_type_ignores_ingress_rules(self) -> None:
        a = base(policy("x", "p", {"podSelector": {}, "policyTypes": ["Egress"], "ingress": [{}]}))
        assert holds(prove(a, "y/*", "x/*", "allow"))
        denied = prove(a, "x/a", "y/a", "deny")
        assert holds(denied) and policies(denied) == {"x/p egress"} and rules(denied) == set()


class TestEmptyVersusMissing:
    def test_a_rule_with_neither_peers_nor_ports_admits_everything(self) -> None:
        a = base(policy("x", "p", {"podSelector": {}, "ingress": [{}]}))
        r = prove(a, "*/*", "x/a", "allow")
        assert holds(r) and rules(r) == {"x/p ingress[0]"}
        assert holds(prove(a, EndpointSpec(cidr="0.0.0.0/0"), "x/a", "allow", scope="any"))

    def test_an_empty_from_list_is_every_peer_too(self) -> None:
        a = base(policy("x", "p", {"podSelector": {}, "ingress": [{"from": [], "ports": []}]}))
        assert holds(prove(a, "y/*", "x/*", "allow"))
        assert holds(prove(a, EndpointSpec(cidr="8.8.8.0/24"), "x/b", "allow", scope="any"))

    def test_an_empty_ingress_list_admits_nothing(self) -> None:
        a = base(policy("x", "p", {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}))
        r = prove(a, "*/*", "x/a", "deny")
        assert holds(r) and policies(r) == {"x/p ingress"}

    def test_an_empty_pod_selector_peer_is_the_policy_namespace_only(self) -> None:
        a = base(policy("x", "p", {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}))
        assert holds(prove(a, "x/b", "x/a", "allow"))
        r = prove(a, "y/*", "x/*", "deny")
        assert holds(r) and rules(r) == {"x/p ingress[0]"}

    def test_an_empty_namespace_selector_peer_is_every_pod_but_no_outside_address(self) -> None:
        a = base(policy("x", "p", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}))
        assert holds(prove(a, "y/*", "x/*", "allow"))
        r = prove(a, EndpointSpec(cidr="0.0.0.0/0"), "x/*", "deny", scope="any")
        assert holds(r) and rules(r) == {"x/p ingress[0]"}

    def test_an_empty_ports_list_is_every_port_and_protocol(self) -> None:
        a = base(policy("x", "p", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}], "ports": []}]}))
        assert holds(prove(a, "y/b", "x/a", "allow", ("TCP", "UDP", "SCTP")))


class TestPeers:
    AND = {"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"team": "b"}}, "podSelector": {"matchLabels": {"app": "a"}}}]}]}
    OR = {"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"team": "b"}}}, {"podSelector": {"matchLabels": {"app": "a"}}}]}]}

    def test_pod_and_namespace_selector_in_one_peer_must_both_match(self) -> None:
        a = base(policy("x", "p", self.AND))
        assert holds(prove(a, "y/a", "x/b", "allow"))
        refuted = prove(a, "*/app=a", "x/b", "allow")  # x/a is app=a but not in a team=b namespace
        assert isinstance(refuted, Refuted)
        conn = connection(refuted)
        assert conn is not None and conn.src.id == "x/a" and not conn.allowed
        assert rules(refuted) == {"x/p ingress[0]"}
        r = prove(a, "y/b", "x/*", "deny")
        assert holds(r) and rules(r) == {"x/p ingress[0]"}

    def test_two_peers_are_either_one(self) -> None:
        a = base(policy("x", "p", self.OR))
        assert holds(prove(a, "y/b", "x/b", "allow"))  # by the namespace selector
        assert holds(prove(a, "x/a", "x/b", "allow"))  # by the pod selector
        assert holds(prove(a, "*/app=a", "x/b", "allow"))

    def test_ip_block_is_cidr_minus_except(self) -> None:
        a = base(policy("x", "p", {"podSelector": {"matchLabels": {"app": "a"}}, "ingress": [{"from": [
            {"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.2.0/24"]}}]}]}))
        assert holds(prove(a, "x/b", "x/a", "allow"))  # 10.0.1.2 is inside, not excepted
        r = prove(a, "y/*", "x/a", "deny")  # 10.0.2.0/24 is carved out
        assert holds(r) and rules(r) == {"x/p ingress[0]"}
        assert holds(prove(a, EndpointSpec(cidr="10.0.2.0/24"), "x/a", "deny", scope="any"))
        witness = connection(prove(a, EndpointSpec(cidr="10.0.0.0/8"), "x/a", "reachable", scope="any"))
        assert witness is not None and witness.src.external
        assert witness.src.ips[0].startswith("10.0.") and not witness.src.ips[0].startswith("10.0.2.")

    def test_ipv6_blocks_and_addresses(self) -> None:
        a = base(pod("y", "v6", "2001:db8:1::5", app="v6"),
                 policy("x", "p", {"podSelector": {"matchLabels": {"app": "a"}}, "ingress": [{"from": [
                     {"ipBlock": {"cidr": "2001:db8::/32", "except": ["2001:db8:1::/48"]}}]}]}))
        r = prove(a, "y/v6", "x/a", "deny")  # its address is carved out
        assert holds(r) and rules(r) == {"x/p ingress[0]"}
        assert holds(prove(a, EndpointSpec(cidr="0.0.0.0/0"), "x/a", "deny", scope="any"))  # another family
        w = connection(prove(a, EndpointSpec(cidr="::/0"), "x/a", "reachable", scope="any"))
        assert w is not None
        address = ipaddress.ip_address(w.src.ips[0])
        assert address in ipaddress.ip_network("2001:db8::/32")
        assert address not in ipaddress.ip_network("2001:db8:1::/48")

    def test_ip_blocks_match_only_outside_addresses_with_ipblock_scope_external(self) -> None:
        a = base(policy("x", "p", {"podSelector": {"matchLabels": {"app": "a"}}, "ingress": [{"from": [
            {"ipBlock": {"cidr": "10.0.0.0/16"}}]}]}), ipblock_matches_pods=False)
        r = prove(a, "x/b", "x/a", "deny")
        assert holds(r) and rules(r) == {"x/p ingress[0]"}
        assert holds(prove(a, EndpointSpec(cidr="10.0.0.0/16"), "x/a", "allow", scope="any"))


class TestPorts:
    def test_a_named_port_resolves_on_the_destination_for_ingress(self) -> None:
        a = base(policy("x", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": "http"}]}]}))
        r = prove(a, "y/*", "x/a", "allow", ("8080/TCP",))
        assert holds(r) and rules(r) == {"x/p ingress[0]"}
        assert holds(prove(a, "y/*", "x/a", "deny", ("1-8079/TCP", "8081-65535/TCP", "UDP", "SCTP")))
        assert holds(prove(a, "y/*", "x/b", "deny"))  # x/b has no port named http
        assert holds(prove(a, "y/*", "x/a", "allow", ("http/TCP",)))

    def test_a_named_port_resolves_on_the_destination_for_egress(self) -> None:
        a = base(policy("x", "p", {"podSelector": {"matchLabels": {"app": "b"}}, "policyTypes": ["Egress"],
                                   "egress": [{"ports": [{"port": "http"}]}]}))
        assert holds(prove(a, "x/b", "x/a", "allow", ("8080/TCP",)))  # x/a's http
        assert holds(prove(a, "x/b", "y/a", "allow", ("9000/TCP",)))  # y/a's http
        r = prove(a, "x/b", "y/a", "allow", ("8080/TCP",))
        assert isinstance(r, Refuted) and rules(r) == {"x/p egress[0]"}
        assert holds(prove(a, "x/b", EndpointSpec(cidr="0.0.0.0/0"), "deny", scope="any"))  # never outside

    def test_a_named_port_needs_the_protocol_to_match_too(self) -> None:
        a = base(policy("y", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": "dns", "protocol": "TCP"}]}]}))
        r = prove(a, "x/*", "y/b", "deny")  # y/b's dns is 53/UDP
        assert holds(r) and rules(r) == {"y/p ingress[0]"}

    def test_end_port_makes_an_inclusive_range(self) -> None:
        a = base(policy("x", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": 8000, "endPort": 8080}]}]}))
        assert holds(prove(a, "y/*", "x/*", "allow", ("8000-8080/TCP",)))
        assert holds(prove(a, "y/*", "x/*", "allow", ("8000/TCP", "8080/TCP")))  # both ends are in
        assert holds(prove(a, "y/*", "x/*", "deny", ("7999/TCP", "8081/TCP", "8000-8080/UDP")))
        none = prove(a, "y/*", "x/*", "reachable", ("8081-9000/TCP",))
        assert isinstance(none, Refuted) and none.proof is not None and rules(none) == {"x/p ingress[0]"}

    def test_protocol_defaults_to_tcp(self) -> None:
        a = base(policy("y", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": 53}]}]}))
        assert holds(prove(a, "x/a", "y/b", "allow", ("53/TCP",)))
        r = prove(a, "x/a", "y/b", "allow", ("53/UDP",))
        assert isinstance(r, Refuted) and connection(r) is not None and rules(r) == {"y/p ingress[0]"}

    def test_protocol_without_port_is_every_port_of_that_protocol(self) -> None:
        a = base(policy("y", "p", {"podSelector": {}, "ingress": [{"ports": [{"protocol": "UDP"}]}]}))
        assert holds(prove(a, "x/*", "y/*", "allow", ("UDP",)))
        assert holds(prove(a, "x/*", "y/*", "deny", ("TCP", "SCTP")))


class TestDirections:
    def test_isolation_is_per_direction(self) -> None:
        a = base(policy("x", "in", {"podSelector": {}, "policyTypes": ["Ingress"]}))
        assert holds(prove(a, "x/*", "y/*", "allow"))  # egress of x is not isolated
        assert holds(prove(a, "y/*", "x/*", "deny"))

    def test_isolation_is_per_pod(self) -> None:
        a = base(policy("x", "in", {"podSelector": {"matchLabels": {"app": "a"}}}))
        assert holds(prove(a, "y/*", "x/b", "allow"))
        assert holds(prove(a, "y/*", "x/a", "deny"))

    def test_egress_and_ingress_must_both_allow(self) -> None:
        a = base(policy("x", "out", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}),
                 policy("y", "in", {"podSelector": {"matchLabels": {"app": "a"}}, "ingress": []}))
        assert holds(prove(a, "x/*", "y/b", "allow"))
        r = prove(a, "x/a", "y/a", "deny")
        assert holds(r) and policies(r) == {"y/in ingress"}  # the open egress is no part of the reason
        refuted = prove(a, "x/a", "y/*", "allow")
        assert isinstance(refuted, Refuted) and refuted.counterexample is not None
        assert refuted.counterexample.dst.id == "y/a"
        assert [v.direction for v in refuted.counterexample.deciding()] == ["ingress"]

    def test_policies_are_additive(self) -> None:
        a = base(policy("x", "one", {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}),
                 policy("x", "two", {"podSelector": {}, "ingress": [{"ports": [{"port": 443}]}]}))
        r = prove(a, "y/*", "x/a", "allow", ("80/TCP", "443/TCP"))
        assert holds(r) and rules(r) == {"x/one ingress[0]", "x/two ingress[0]"}


class TestHostNetworkAndSelf:
    def host(self, *extra: dict[str, Any]) -> Analysis:
        return base(pod("x", "h", "192.168.0.5", host_network=True, node="n1", app="a"),
                    pod("y", "c", "10.0.2.3", node="n1", app="c"),
                    policy("x", "deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
                    policy("y", "deny", {"podSelector": {}}), *extra)

    def test_host_network_pods_are_not_isolated(self) -> None:
        a = self.host(policy("y", "from-app-a", {"podSelector": {}, "ingress": [{"from": [
            {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "a"}}}]}]}))
        assert holds(prove(a, "y/a", "x/h", "allow"))  # x/deny selects x/h but does not isolate it
        assert holds(prove(a, "x/a", "y/b", "deny"))  # its neighbour x/a is isolated

    def test_host_network_pods_are_matched_by_ip_blocks_not_selectors(self) -> None:
        a = self.host(policy("y", "from-app-a", {"podSelector": {"matchLabels": {"app": "b"}}, "ingress": [{"from": [
            {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "a"}}}]}]}),
                      policy("y", "from-nodes", {"podSelector": {"matchLabels": {"app": "a"}}, "ingress": [{"from": [
                          {"ipBlock": {"cidr": "192.168.0.0/16"}}]}]}))
        r = prove(a, "x/h", "y/b", "deny")
        assert holds(r) and "y/from-app-a ingress[0]" in rules(r)
        r = prove(a, "x/h", "y/a", "allow")
        assert holds(r) and rules(r) == {"y/from-nodes ingress[0]"}

    def test_a_host_network_pod_reaches_pods_on_its_own_node(self) -> None:
        a = self.host()
        r = prove(a, "x/h", "y/*", "reachable")
        assert isinstance(r, Proved) and r.witness is not None and r.witness.dst.id == "y/c"
        assert "node" in r.witness.verdict.note
        assert holds(prove(a, "x/h", "y/b", "deny"))  # y/b has no node: isolated as usual

    def test_a_pod_to_itself_is_not_a_network_question(self) -> None:
        a = base(policy("x", "deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}))
        r = prove(a, "x/a", "x/a", "deny")
        assert isinstance(r, Proved) and r.notes == ("no connection matches the query's endpoints and ports",)
        assert holds(prove(a, "x/*", "x/*", "deny"))  # every pair but each pod with itself

    def test_replicas_of_one_workload_are_different_pods(self) -> None:
        deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w", "namespace": "x"},
                      "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "w"}}, "template": {
                          "metadata": {"labels": {"app": "w"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}
        a = analyse(ns("x"), deployment, policy("x", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}),
                    by="workload")
        r = prove(a, "x/Deployment/w", "x/Deployment/w", "deny")
        assert isinstance(r, Refuted) and r.counterexample is not None
        assert r.counterexample.port == 80 and rules(r) == {"x/p ingress[0]"}
