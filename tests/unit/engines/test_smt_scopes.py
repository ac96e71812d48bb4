"""Scopes and outcomes of the SMT engine.

`inventory` reasons about the loaded endpoints; `any` also about every pod that could exist
in the set (any other labels, any named ports, any IP), in an existing namespace, or with
hypothetical namespaces in a namespace that does not exist yet. Unknown is never a pass.
"""

from __future__ import annotations

from typing import Any

from helpers_k8s import analyse, ns, pod, policy
from helpers_smt import connection, hard_objects, holds, prove, rules

from netverify.engines.smt_types import Proved, Refuted, Unknown
from netverify.queries.assertions import EndpointSpec
from netverify.queries.context import Analysis
from netverify.semantics.evaluate import evaluate_pair
from netverify.semantics.selectors import parse_selector


def shop(*extra: dict[str, Any]) -> Analysis:
    """x is default-deny for ingress except from pods labelled role=admin (none is deployed)."""
    return analyse(
        ns("x", team="a"), ns("y", team="b"),
        pod("x", "a", "10.0.1.1", app="a"), pod("x", "b", "10.0.1.2", app="b"),
        pod("y", "a", "10.0.2.1", app="a"),
        policy("x", "admins", {"podSelector": {}, "ingress": [{"from": [
            {"namespaceSelector": {}, "podSelector": {"matchLabels": {"role": "admin"}}}]}]}),
        *extra)


class TestAnyScope:
    def test_a_pod_that_could_exist_with_extra_labels_refutes_what_the_inventory_proves(self) -> None:
        a = shop()
        assert holds(prove(a, "y/*", "x/*", "deny"))
        r = prove(a, "y/*", "x/*", "deny", scope="any")
        assert isinstance(r, Refuted) and r.counterexample is not None
        conn = r.counterexample
        assert conn.src_synthesized and conn.src.namespace == "y" and conn.src.labels_map.get("role") == "admin"
        assert conn.allowed and rules(r) == {"x/admins ingress[0]"}
        # the synthesized pod is replayed through the evaluator: it really is allowed
        assert evaluate_pair(a.policies, conn.src, conn.dst).allowed.allows(conn.protocol, conn.port)

    def test_a_selector_that_excludes_the_admitted_label_keeps_the_proof(self) -> None:
        a = shop()
        r = prove(a, EndpointSpec(namespace="y", pod_selector=parse_selector("role notin (admin)")), "x/*", "deny",
                  scope="any")
        assert holds(r) and rules(r) == {"x/admins ingress[0]"}

    def test_exact_labels_leave_no_room_for_extra_ones(self) -> None:
        a = shop()
        r = prove(a, EndpointSpec(namespace="y", labels=(("app", "a"),)), "x/*", "deny", scope="any")
        assert holds(r) and rules(r) == {"x/admins ingress[0]"}

    def test_a_pod_that_could_exist_has_any_named_ports(self) -> None:
        a = analyse(ns("x"), ns("y"), pod("y", "client", "10.0.2.1"),
                    policy("x", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": "metrics"}]}]}))
        vacuous = prove(a, "y/*", "x/*", "deny")  # no pod of x is loaded
        assert isinstance(vacuous, Proved) and vacuous.notes
        r = prove(a, "y/*", "x/*", "reachable", ("9100/TCP",), scope="any")
        assert isinstance(r, Proved) and r.witness is not None and r.witness.dst_synthesized
        named = [(p.name, p.port, p.protocol) for p in r.witness.dst.ports]
        assert named == [("metrics", 9100, "TCP")] and rules(r) == {"x/p ingress[0]"}

    def test_a_pod_that_could_exist_takes_its_ip_from_the_pod_cidr(self) -> None:
        a = shop(policy("y", "from-net", {"podSelector": {}, "ingress": [{"from": [
            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}]}))
        r = prove(a, "x/app=new", "y/*", "reachable", scope="any", pod_cidr="10.1.0.0/16")
        assert isinstance(r, Refuted) and r.proof is not None and "y/from-net ingress[0]" in rules(r)
        w = connection(prove(a, "x/app=new", "y/*", "reachable", scope="any", pod_cidr="10.2.0.0/16"))
        assert w is not None and w.src.ips[0].startswith("10.2.")

    def test_two_pods_that_could_exist_never_share_an_address(self) -> None:
        a = shop()
        one = prove(a, EndpointSpec(namespace="x", cidr="10.9.0.5/32"), EndpointSpec(namespace="y", cidr="10.9.0.5/32"),
                    "reachable", scope="any")
        assert isinstance(one, Refuted) and "no connection matches the query's endpoints and ports" in one.notes
        two = connection(prove(a, EndpointSpec(namespace="x", cidr="10.9.0.4/31"),
                               EndpointSpec(namespace="y", cidr="10.9.0.4/31"), "reachable", scope="any"))
        assert two is not None and {two.src.ips[0], two.dst.ips[0]} == {"10.9.0.4", "10.9.0.5"}

    def test_an_any_scope_proof_covers_pods_not_deployed_yet(self) -> None:
        a = shop(policy("y", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]}))
        r = prove(a, "*/*", "y/*", "deny", scope="any")
        assert holds(r) and r.proof is not None and {p.id for p, _ in r.proof.policies} == {"y/deny"}

    def test_host_network_src_on_a_node_reaches_a_pod_that_could_exist_there(self) -> None:
        a = shop(pod("y", "h", "192.168.0.9", host_network=True, node="n1"),
                 policy("x", "deny", {"podSelector": {}}))
        r = prove(a, "y/h", "x/*", "deny", scope="any")
        assert isinstance(r, Refuted) and r.counterexample is not None
        assert r.counterexample.dst.node_name == "n1" and "node" in r.counterexample.verdict.note


class TestNamespaces:
    def peers_from_team_c(self) -> Analysis:
        return shop(policy("y", "team-c", {"podSelector": {}, "ingress": [{"from": [
            {"namespaceSelector": {"matchLabels": {"team": "c"}}}]}]}))

    def test_without_hypothetical_namespaces_only_existing_namespaces_count(self) -> None:
        r = prove(self.peers_from_team_c(), "*/*", "y/*", "deny", scope="any")
        assert holds(r) and rules(r) == {"y/team-c ingress[0]"}

    def test_hypothetical_namespaces_have_any_labels(self) -> None:
        r = prove(self.peers_from_team_c(), "*/*", "y/*", "deny", scope="any", hypothetical=True)
        assert isinstance(r, Refuted) and r.counterexample is not None
        src = r.counterexample.src
        assert src.namespace not in ("x", "y") and src.ns_labels_map["team"] == "c"
        assert src.ns_labels_map["kubernetes.io/metadata.name"] == src.namespace
        assert rules(r) == {"y/team-c ingress[0]"}

    def test_a_namespace_not_in_the_inventory_is_empty_unless_hypothetical(self) -> None:
        a = shop()
        r = prove(a, "new/*", "x/*", "reachable", scope="any")
        assert isinstance(r, Refuted) and r.notes == ("no connection matches the query's endpoints and ports",)
        w = prove(a, "new/*", "x/*", "reachable", scope="any", hypothetical=True)
        assert isinstance(w, Proved) and w.witness is not None and w.witness.src.namespace == "new"

    def test_a_namespace_selector_bounds_where_pods_that_could_exist_live(self) -> None:
        a = shop(policy("y", "from-team-b", {"podSelector": {}, "ingress": [{"from": [
            {"namespaceSelector": {"matchLabels": {"team": "b"}}}]}]}))
        r = prove(a, EndpointSpec(namespace_selector=parse_selector("team=a")), "y/*", "deny", scope="any")
        assert holds(r) and rules(r) == {"y/from-team-b ingress[0]"}
        w = connection(prove(a, EndpointSpec(namespace_selector=parse_selector("team=b")), "y/*", "reachable",
                             scope="any"))
        assert w is not None and w.src.namespace == "y"

    def test_different_namespace_relation(self) -> None:
        a = shop(policy("y", "same-ns", {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}))
        tenants = EndpointSpec(namespace_selector=parse_selector("team"))
        open_x = prove(a, tenants, tenants, "deny", scope="any", relation="different-namespace")
        assert isinstance(open_x, Refuted) and open_x.counterexample is not None  # x admits role=admin of y
        assert open_x.counterexample.src.namespace == "y" and open_x.counterexample.dst.namespace == "x"
        r = prove(a, tenants, EndpointSpec(namespace="y"), "deny", scope="any", relation="different-namespace")
        assert holds(r) and rules(r) == {"y/same-ns ingress[0]"}
        same = prove(a, tenants, EndpointSpec(namespace="y"), "reachable", scope="any", relation="same-namespace")
        assert isinstance(same, Proved) and same.witness is not None and same.witness.src.namespace == "y"


class TestOutcomes:
    def test_an_allow_assertion_that_covers_nothing_fails(self) -> None:
        r = prove(shop(), "x/*", "y/app=nothing", "allow")
        assert isinstance(r, Refuted) and r.counterexample is None and "covers nothing" in r.notes[-1]

    def test_reachable_is_refuted_with_a_proof(self) -> None:
        r = prove(shop(), "y/*", "x/*", "reachable")
        assert isinstance(r, Refuted) and r.proof is not None and rules(r) == {"x/admins ingress[0]"}

    def test_a_tiny_solver_budget_is_unknown_never_proved(self) -> None:
        a = analyse(*hard_objects())
        r = prove(a, EndpointSpec(cidr="0.0.0.0/0"), EndpointSpec(namespace="x"), "allow", ("1-65535/TCP",),
                  scope="any", rlimit=1)
        assert isinstance(r, Unknown) and r.reason
        decided = prove(a, EndpointSpec(cidr="0.0.0.0/0"), EndpointSpec(namespace="x"), "allow", ("1-65535/TCP",),
                        scope="any")
        assert not isinstance(decided, Unknown)


class TestHypotheticalRelations:
    TENANTS = EndpointSpec(namespace_selector=parse_selector("tenant"))

    def test_two_new_namespaces_of_a_different_namespace_counterexample_have_two_names(self) -> None:
        r = prove(shop(), self.TENANTS, self.TENANTS, "deny", scope="any", relation="different-namespace",
                  hypothetical=True)
        assert isinstance(r, Refuted) and r.counterexample is not None
        src, dst = r.counterexample.src, r.counterexample.dst
        assert src.namespace != dst.namespace and "tenant" in src.ns_labels_map and "tenant" in dst.ns_labels_map

    def test_a_same_namespace_witness_in_a_new_namespace_names_it_once(self) -> None:
        r = prove(shop(), self.TENANTS, self.TENANTS, "reachable", scope="any", relation="same-namespace",
                  hypothetical=True)
        assert isinstance(r, Proved) and r.witness is not None
        assert r.witness.src.namespace == r.witness.dst.namespace
        assert r.witness.src.ns_labels == r.witness.dst.ns_labels
