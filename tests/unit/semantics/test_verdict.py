"""The grammar of a decision (semantics/verdict.py): tiers folded in order, first match, isolation,
and the exemptions where no policy applies.

Tier examples follow the AdminNetworkPolicy API (policy.networking.k8s.io): tiers in order, the
first tier that allows or denies a connection decides it, Pass leaves it to the next tier, and
what every tier passes takes the default (allow).
"""

from __future__ import annotations

from helpers_k8s import analyse, ns, pod

from netverify.model import Direction, SourceRef
from netverify.semantics.compile import PolicyRef, RuleRef
from netverify.semantics.netpol_tier import NetworkPolicyTier
from netverify.semantics.verdict import (
    NODE_TRAFFIC,
    SELF_TRAFFIC,
    Action,
    Decision,
    RuleMatch,
    exemption,
    first_match,
    fold,
    is_node_traffic,
    is_self_traffic,
    isolating,
    ungoverned_note,
)
from netverify.sets import ConnectionSet

ALL = ConnectionSet.all()
NONE = ConnectionSet.none()
TCP = ConnectionSet.of
SRC = SourceRef("p.yaml", 1)


def rule(i: int) -> RuleRef:
    return RuleRef("ns/p", Direction.INGRESS, i, SRC)


def decision(allow: ConnectionSet, deny: ConnectionSet, tier: str = "T") -> Decision:
    return Decision(tier, allow, deny)


class TestFold:
    def test_no_tier_means_the_default(self) -> None:
        assert fold([]) == ALL
        assert fold([], default=Action.DENY) == NONE

    def test_a_passing_tier_changes_nothing(self) -> None:
        assert fold([Decision.passing("T")]) == ALL
        assert fold([Decision.passing("T")], default=Action.DENY) == NONE

    def test_the_first_tier_to_decide_a_connection_wins(self) -> None:
        admin = decision(TCP("TCP", 80, 80), TCP("TCP", 1, 1000) - TCP("TCP", 80, 80))
        netpol = decision(TCP("TCP"), ALL - TCP("TCP"))  # allows all TCP, denies the rest
        assert fold([admin, netpol]) == TCP("TCP") - TCP("TCP", 1, 1000) | TCP("TCP", 80, 80)

    def test_a_later_allow_cannot_undo_an_earlier_deny(self) -> None:
        assert fold([decision(NONE, TCP("UDP")), decision(ALL, NONE)]) == ALL - TCP("UDP")

    def test_what_every_tier_passes_takes_the_default(self) -> None:
        baseline = decision(NONE, TCP("SCTP"))
        assert fold([decision(TCP("TCP", 53, 53), NONE), baseline]) == ALL - TCP("SCTP")
        assert fold([decision(TCP("TCP", 53, 53), NONE), baseline], default=Action.DENY) == TCP("TCP", 53, 53)


class TestFirstMatch:
    def test_the_first_rule_that_matches_decides_and_later_rules_see_only_the_rest(self) -> None:
        d = first_match("Admin", (), [RuleMatch(rule(0), TCP("TCP", 80, 80), Action.DENY),
                                      RuleMatch(rule(1), TCP("TCP"), Action.ALLOW)])
        assert d.deny == TCP("TCP", 80, 80)
        assert d.allow == TCP("TCP") - TCP("TCP", 80, 80)
        assert [m.allowed for m in d.matches] == [TCP("TCP", 80, 80), TCP("TCP") - TCP("TCP", 80, 80)]

    def test_pass_claims_its_connections_for_the_next_tier(self) -> None:
        d = first_match("Admin", (), [RuleMatch(rule(0), TCP("TCP"), Action.PASS),
                                      RuleMatch(rule(1), ALL, Action.DENY)])
        assert d.allow == NONE
        assert d.deny == ALL - TCP("TCP")
        assert d.passes == TCP("TCP")
        assert fold([d, decision(NONE, NONE)]) == TCP("TCP")

    def test_a_rule_wholly_shadowed_by_earlier_ones_is_not_a_step(self) -> None:
        d = first_match("Admin", (), [RuleMatch(rule(0), ALL, Action.ALLOW),
                                      RuleMatch(rule(1), TCP("TCP"), Action.DENY)])
        assert [m.rule.index for m in d.matches] == [0]


class TestIsolating:
    def test_allows_the_union_of_the_matching_rules_and_denies_the_rest(self) -> None:
        d = isolating("NetworkPolicy", (PolicyRef("ns/p", SRC),),
                      [RuleMatch(rule(0), TCP("TCP", 80, 80)), RuleMatch(rule(1), TCP("UDP", 53, 53))], [])
        assert d.allow == TCP("TCP", 80, 80) | TCP("UDP", 53, 53)
        assert d.deny == ALL - d.allow
        assert d.passes == NONE

    def test_isolated_with_no_matching_rule_denies_everything(self) -> None:
        d = isolating("NetworkPolicy", (PolicyRef("ns/p", SRC),), [], [])
        assert (d.allow, d.deny) == (NONE, ALL)
        assert fold([d]) == NONE


class TestNetworkPolicyTier:
    def test_a_subject_no_policy_selects_is_passed_to_the_next_tier(self) -> None:
        a = analyse(ns("x"), pod("x", "a", "10.0.0.1"), pod("x", "b", "10.0.0.2"))
        tier = NetworkPolicyTier(a.policies)
        d = tier.decide(Direction.INGRESS, a.by_id["x/b"], a.by_id["x/a"], a.by_id["x/b"])
        assert d.decided == NONE
        assert "not isolated for ingress" in d.note


class TestExemptions:
    def setup_method(self) -> None:
        self.a = analyse(ns("x"), pod("x", "a", "10.0.0.1"), pod("x", "b", "10.0.0.2"))

    def test_a_pod_to_itself_is_exempt_in_both_directions(self) -> None:
        a = self.a.by_id["x/a"]
        assert is_self_traffic(a, a)
        assert exemption(a, a) is SELF_TRAFFIC
        assert SELF_TRAFFIC.open == (Direction.EGRESS, Direction.INGRESS)

    def test_two_pods_are_not_exempt(self) -> None:
        a, b = self.a.by_id["x/a"], self.a.by_id["x/b"]
        assert not is_self_traffic(a, b)
        assert not is_node_traffic(a, b)
        assert exemption(a, b) is None
        assert ungoverned_note(a) is None

    def test_a_hostnetwork_pod_to_a_pod_on_its_own_node_is_exempt_at_ingress(self) -> None:
        host = pod("x", "h", "192.168.0.1")
        host["spec"].update(hostNetwork=True, nodeName="n1")
        guest = pod("x", "g", "10.0.0.3")
        guest["spec"]["nodeName"] = "n1"
        a = analyse(ns("x"), host, guest)
        h, g = a.by_id["x/h"], a.by_id["x/g"]
        assert is_node_traffic(h, g) and not is_node_traffic(g, h)
        assert exemption(h, g) is NODE_TRAFFIC
        assert ungoverned_note(h) is not None  # hostNetwork: no policy governs its side
