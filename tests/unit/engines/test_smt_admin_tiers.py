"""The SMT engine's Admin and Baseline tiers: first match, the readings of peers and ports, and equal
priorities in every order.

Each case is a small inventory and one assertion, proved through the path `check` takes (helpers_smt):
every counterexample and witness is replayed through the evaluator in the order it names.
"""

from __future__ import annotations

from typing import Any

from helpers_k8s import analyse, ns, pod, policy
from helpers_smt import holds, prove

from netverify.engines.smt_types import Proved, Refuted

X_IP, Y_IP, Z_IP = "10.0.0.1", "10.0.1.1", "10.0.2.1"


def cnp(name: str, priority: int, ingress: list[dict[str, Any]] | None = None,
        egress: list[dict[str, Any]] | None = None, tier: str = "Admin",
        subject: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"tier": tier, "priority": priority, "subject": subject or {"namespaces": {}}}
    if ingress:
        spec["ingress"] = ingress
    if egress:
        spec["egress"] = egress
    return {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
            "metadata": {"name": name}, "spec": spec}


def rule(action: str, peers: list[dict[str, Any]], protocols: list[dict[str, Any]] | None = None,
         direction: str = "ingress") -> dict[str, Any]:
    out: dict[str, Any] = {"action": action, "from" if direction == "ingress" else "to": peers}
    if protocols:
        out["protocols"] = protocols
    return out


EVERY_NAMESPACE = [{"namespaces": {}}]


def inventory(*admin: dict[str, Any], extra: tuple[dict[str, Any], ...] = ()) -> Any:
    web = [{"name": "web", "containerPort": 8080}]
    return analyse(ns("x", team="a"), ns("y", team="b"), ns("z", team="c"),
                   pod("x", "a", X_IP, web, app="a"), pod("y", "b", Y_IP, web, app="b"),
                   pod("z", "c", Z_IP, web, app="c"), *extra, *admin)


class TestFirstMatch:
    def test_the_lower_priority_decides_and_networkpolicies_are_not_asked(self) -> None:
        a = inventory(cnp("deny-all", 20, [rule("Deny", EVERY_NAMESPACE)]),
                      cnp("accept-x", 10, [rule("Accept", [{"namespaces": {"matchLabels": {"team": "a"}}}])]),
                      extra=(policy("y", "deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]}),))
        assert holds(prove(a, "x/a", "y/b", "allow"))  # Accept at 10 comes before Deny at 20, and over the NP
        assert holds(prove(a, "z/c", "y/b", "deny"))

    def test_pass_leaves_the_connection_to_networkpolicies_then_the_baseline(self) -> None:
        a = inventory(cnp("pass-x", 10, [rule("Pass", [{"namespaces": {"matchLabels": {"team": "a"}}}])]),
                      cnp("deny-all", 20, [rule("Deny", EVERY_NAMESPACE)]),
                      cnp("baseline-deny", 0, [rule("Deny", EVERY_NAMESPACE)], tier="Baseline"))
        assert holds(prove(a, "x/a", "y/b", "deny"))  # passed, no NP isolates y, the Baseline denies
        admitted = inventory(cnp("pass-x", 10, [rule("Pass", [{"namespaces": {"matchLabels": {"team": "a"}}}])]),
                             cnp("deny-all", 20, [rule("Deny", EVERY_NAMESPACE)]),
                             cnp("baseline-deny", 0, [rule("Deny", EVERY_NAMESPACE)], tier="Baseline"),
                             extra=(policy("y", "from-x", {"podSelector": {}, "ingress": [
                                 {"from": [{"namespaceSelector": {"matchLabels": {"team": "a"}}}]}]}),))
        assert holds(prove(admitted, "x/a", "y/b", "allow"))  # passed, and y's NetworkPolicy admits x: final

    def test_a_named_port_resolves_on_the_destination_with_its_protocol(self) -> None:
        a = inventory(cnp("deny-web", 10, [rule("Deny", EVERY_NAMESPACE, [{"destinationNamedPort": "web"}])]))
        assert holds(prove(a, "x/a", "y/b", "deny", ("8080/TCP",)))
        assert holds(prove(a, "x/a", "y/b", "allow", ("80/TCP", "8080/UDP")))

    def test_networks_match_pod_ips_whatever_the_ipblock_scope(self) -> None:
        objects = [ns("x"), ns("y"), pod("x", "a", X_IP, app="a"), pod("y", "b", Y_IP, app="b"),
                   cnp("deny-to-y", 10, egress=[rule("Deny", [{"networks": ["10.0.1.0/24"]}], direction="egress")])]
        for matches_pods in (True, False):
            a = analyse(*objects, ipblock_matches_pods=matches_pods)
            result = prove(a, "x/a", "y/b", "deny")
            assert holds(result) and result.proof is not None
            assert [r.policy for r in result.proof.admin_rules] == ["ClusterNetworkPolicy/deny-to-y"]

    def test_domain_names_never_match(self) -> None:
        a = inventory(cnp("accept-dns-name", 10, egress=[rule("Accept", [{"domainNames": ["*.example.com"]}],
                                                              direction="egress")]),
                      cnp("deny-rest", 20, egress=[rule("Deny", [{"networks": ["0.0.0.0/0"]}], direction="egress")]))
        result = prove(a, "x/a", "93.184.216.34/32", "deny")
        assert holds(result)


class TestEqualPriorities:
    """Upstream leaves the order of equal priorities undefined: a claim holds only in every order."""

    TIE = (cnp("accept-x", 10, [rule("Accept", [{"namespaces": {"matchLabels": {"team": "a"}}}])]),
           cnp("deny-all", 10, [rule("Deny", EVERY_NAMESPACE)]))

    def test_neither_allow_nor_deny_holds_when_the_order_decides(self) -> None:
        a = inventory(*self.TIE)
        allow, deny = prove(a, "x/a", "y/b", "allow"), prove(a, "x/a", "y/b", "deny")
        assert isinstance(allow, Refuted) and isinstance(deny, Refuted)
        assert allow.counterexample is not None and deny.counterexample is not None
        assert "deny-all before ClusterNetworkPolicy/accept-x" in allow.counterexample.order[0]
        assert "accept-x before ClusterNetworkPolicy/deny-all" in deny.counterexample.order[0]

    def test_some_order_is_enough_for_reachable(self) -> None:
        result = prove(inventory(*self.TIE), "x/a", "y/b", "reachable")
        assert isinstance(result, Proved) and result.witness is not None and result.witness.allowed

    def test_a_claim_every_order_agrees_on_is_proved_for_every_order(self) -> None:
        result = prove(inventory(*self.TIE), "z/c", "y/b", "deny")  # only deny-all matches z
        assert holds(result) and result.proof is not None
        assert result.proof.every_order == ("Admin tier, priority 10: ClusterNetworkPolicy/accept-x, "
                                            "ClusterNetworkPolicy/deny-all",)

    def test_equal_actions_need_no_order(self) -> None:
        a = inventory(cnp("deny-x", 10, [rule("Deny", [{"namespaces": {"matchLabels": {"team": "a"}}}])]),
                      cnp("deny-all", 10, [rule("Deny", EVERY_NAMESPACE)]))
        assert holds(prove(a, "x/a", "y/b", "deny"))

    def test_ties_in_the_baseline_tier_are_free_too(self) -> None:
        a = inventory(cnp("b-accept", 5, [rule("Accept", EVERY_NAMESPACE)], tier="Baseline"),
                      cnp("b-deny", 5, [rule("Deny", EVERY_NAMESPACE)], tier="Baseline"))
        assert isinstance(prove(a, "x/a", "y/b", "allow"), Refuted)
        assert isinstance(prove(a, "x/a", "y/b", "deny"), Refuted)

    def test_pass_against_deny_depends_on_what_networkpolicies_say(self) -> None:
        tie = (cnp("pass-x", 3, [rule("Pass", [{"namespaces": {"matchLabels": {"team": "a"}}}])]),
               cnp("deny-all", 3, [rule("Deny", EVERY_NAMESPACE)]))
        # Pass first: no NP, no baseline -> allowed; Deny first -> denied. Undefined either way.
        assert isinstance(prove(inventory(*tie), "x/a", "y/b", "deny"), Refuted)
        # With an NP that denies y's ingress, both orders deny.
        isolated = inventory(*tie, extra=(policy("y", "deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]}),))
        assert holds(prove(isolated, "x/a", "y/b", "deny"))
