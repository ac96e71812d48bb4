"""The Admin and Baseline tiers as verdict tiers (semantics/admin_tier.py) folded with NetworkPolicy
by `decide_pair`: what each tier decides, how the walk reads, what every match carries, and the
equal-priority overlaps that are reported instead of silently resolved."""

from __future__ import annotations

from typing import Any

import pytest

from netverify.loaders.manifests import load_objects
from netverify.model import Cluster, SourceRef
from netverify.report.tiers_format import describe_one
from netverify.semantics.admin_compile import DOMAIN_NAMES_NOTE, AdminRuleRef, compile_admin_policies
from netverify.semantics.admin_tier import AdminPolicyTier, pair_overlaps
from netverify.semantics.compile import compile_policies, ip_blocks
from netverify.semantics.endpoints import Endpoint, build_endpoints, external_endpoint
from netverify.semantics.evaluate import DirectionVerdict, PairVerdict, decide_pair, tiers_of
from netverify.semantics.netpol_tier import NetworkPolicySelection, NetworkPolicyTier
from netverify.semantics.options import Semantics
from netverify.semantics.verdict import Action, Tier


def pod(ns: str, name: str, ip: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": ns, "name": name, "labels": labels},
            "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 8080, "name": "http"}]}]},
            "status": {"podIP": ip}}


def cnp(name: str, priority: int, egress: list[dict[str, Any]], tier: str = "Admin") -> dict[str, Any]:
    return {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
            "metadata": {"name": name},
            "spec": {"tier": tier, "priority": priority, "subject": {"namespaces": {}}, "egress": egress}}


def setup(*objects: dict[str, Any]) -> tuple[Cluster, dict[str, Endpoint]]:
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in ("tenant-a", "tenant-b")]
    docs += [pod("tenant-a", "web", "10.0.0.1", app="web"), pod("tenant-b", "api", "10.0.1.1", app="api")]
    result = load_objects((d, SourceRef("t.yaml", i + 1)) for i, d in enumerate([*docs, *objects]))
    assert result.errors == []
    eps = build_endpoints(result.cluster, Semantics(), ip_blocks(compile_policies(result.cluster.policies, Semantics())),
                          "pod")
    return result.cluster, {e.id: e for e in eps}


def tiers(cluster: Cluster, reading: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION,
          ) -> tuple[Tier, ...]:
    return tiers_of(compile_policies(cluster.policies, Semantics()),
                    compile_admin_policies(cluster.admin_policies, cluster.nodes), reading)


def pair(cluster: Cluster, src: Endpoint, dst: Endpoint,
         reading: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION) -> PairVerdict:
    return decide_pair(tiers(cluster, reading), src, dst)


def walk(side: DirectionVerdict, protocol: str, port: int) -> str:
    return describe_one(side.decisions, protocol, port)


TO_TENANT_B = [{"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "tenant-b"}}}]


def test_the_first_matching_rule_by_priority_decides_and_the_walk_names_it() -> None:
    cluster, eps = setup(cnp("guard", 20, [{"name": "deny-cross", "action": "Deny", "to": TO_TENANT_B}]),
                         cnp("exception", 10, [{"name": "web-to-api", "action": "Pass", "to": TO_TENANT_B,
                                                "protocols": [{"tcp": {"destinationPort": {"number": 8080}}}]}]))
    result = pair(cluster, eps["tenant-a/web"], eps["tenant-b/api"])
    assert result.allowed.allows("TCP", 8080) and not result.allowed.allows("TCP", 80)
    assert walk(result.egress, "TCP", 8080) == \
        "[Admin] pass (exception web-to-api) -> [NetworkPolicy] no match -> [Baseline] no match -> default allow"
    assert walk(result.egress, "TCP", 80) == "[Admin] deny (guard deny-cross)"


def test_every_match_carries_its_effect_tier_priority_action_and_rule() -> None:
    cluster, eps = setup(cnp("guard", 20, [{"name": "deny-cross", "action": "Deny", "to": TO_TENANT_B}]))
    admin, network_policy, baseline = pair(cluster, eps["tenant-a/web"], eps["tenant-b/api"]).egress.decisions
    (match,) = admin.matches
    assert isinstance(match.rule, AdminRuleRef)
    effect = match.effect
    assert (effect.tier, effect.priority, effect.action, effect.rule) == ("Admin", 20, Action.DENY, "guard deny-cross")
    assert (network_policy.tier, baseline.tier) == ("NetworkPolicy", "Baseline")
    assert not network_policy.decided and not baseline.decided


def test_the_tiers_are_admin_networkpolicy_baseline_and_the_networkpolicy_tier_alone_without_admin_policies() -> None:
    cluster, _ = setup(cnp("default", 1, [{"action": "Deny", "to": TO_TENANT_B}], tier="Baseline"))
    admin, network_policy, baseline = tiers(cluster)
    assert isinstance(admin, AdminPolicyTier) and not admin.policies
    assert isinstance(network_policy, NetworkPolicyTier) and isinstance(baseline, AdminPolicyTier)
    assert [t.name for t in (admin, network_policy, baseline)] == ["Admin", "NetworkPolicy", "Baseline"]
    plain, _ = setup()
    assert [t.name for t in tiers(plain)] == ["NetworkPolicy"]


def test_policies_of_a_tier_are_asked_by_priority_whatever_the_inventory_order() -> None:
    cluster, eps = setup(cnp("late", 30, [{"action": "Accept", "to": TO_TENANT_B}]),
                         cnp("early", 2, [{"action": "Deny", "to": TO_TENANT_B}]))
    result = pair(cluster, eps["tenant-a/web"], eps["tenant-b/api"])
    assert not result.allowed
    assert walk(result.egress, "TCP", 80) == "[Admin] deny (early egress[0])"


def test_equal_priorities_that_decide_the_same_connection_differently_are_reported_with_the_connections() -> None:
    cluster, eps = setup(cnp("b-allow", 5, [{"action": "Accept", "to": TO_TENANT_B}]),
                         cnp("a-deny", 5, [{"action": "Deny", "to": TO_TENANT_B,
                                            "protocols": [{"tcp": {"destinationPort": {"number": 80}}}]}]))
    src, dst = eps["tenant-a/web"], eps["tenant-b/api"]
    result = pair(cluster, src, dst)
    (overlap,) = pair_overlaps(tiers(cluster), src, dst)
    assert overlap.priority == 5 and {overlap.first.name, overlap.second.name} == {"a-deny", "b-allow"}
    assert overlap.connections.allows("TCP", 80) and not overlap.connections.allows("TCP", 81)
    assert not result.allowed.allows("TCP", 80)  # the name breaks the tie, as kube-network-policies does


def test_a_baseline_deny_applies_only_where_no_networkpolicy_isolates_in_that_direction() -> None:
    ingress_only = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": {"namespace": "tenant-a", "name": "in"},
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]}}
    cluster, eps = setup(cnp("default", 1, [{"action": "Deny", "to": TO_TENANT_B}], tier="Baseline"), ingress_only)
    src, dst = eps["tenant-a/web"], eps["tenant-b/api"]
    assert not pair(cluster, src, dst).allowed
    assert pair(cluster, src, dst, NetworkPolicySelection.ANY).allowed.is_all()


def test_domain_names_are_never_assumed_to_match_an_address() -> None:
    cluster, _ = setup(cnp("dns", 1, [{"action": "Accept", "to": [{"domainNames": ["*.example.com"]}]},
                                      {"action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}]))
    _, eps = setup()
    outside = external_endpoint("93.184.216.34")
    result = pair(cluster, eps["tenant-a/web"], outside)
    assert not result.allowed
    admin = result.egress.decisions[0]
    assert any(DOMAIN_NAMES_NOTE in m.reason for m in admin.misses)
    assert [m.action for m in admin.matches] == [Action.DENY]


def test_networks_match_pod_addresses_whatever_the_ipblock_scope() -> None:
    cluster, eps = setup(cnp("pods", 1, [{"action": "Deny", "to": [{"networks": ["10.0.1.0/24"]}]}]))
    assert not pair(cluster, eps["tenant-a/web"], eps["tenant-b/api"]).allowed
    assert pair(cluster, eps["tenant-b/api"], eps["tenant-a/web"]).allowed.is_all()


def test_hostnetwork_pods_and_outside_addresses_are_never_admin_subjects() -> None:
    cluster, eps = setup(cnp("all", 1, [{"action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}]))
    outside = external_endpoint("93.184.216.34")
    result = pair(cluster, outside, eps["tenant-a/web"])
    assert result.allowed.is_all()
    assert all(not d.decided for d in result.egress.decisions)
    assert not pair(cluster, eps["tenant-a/web"], outside).allowed


@pytest.mark.parametrize("reading", list(NetworkPolicySelection))
def test_without_admin_policies_both_readings_of_np_selection_give_the_same_verdicts(
        reading: NetworkPolicySelection) -> None:
    ingress_only = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": {"namespace": "tenant-a", "name": "in"},
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}}
    cluster, eps = setup(ingress_only)
    web, api = eps["tenant-a/web"], eps["tenant-b/api"]
    assert pair(cluster, web, api, reading).allowed.is_all()
    assert not pair(cluster, api, web, reading).allowed
