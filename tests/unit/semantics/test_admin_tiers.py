"""The tier walk of one direction: what each tier decides, how the explanation reads, and the
equal-priority overlaps that are reported instead of silently resolved."""

from __future__ import annotations

from typing import Any

from netverify.loaders.manifests import load_objects
from netverify.model import AdminAction, Cluster, SourceRef
from netverify.semantics.admin_compile import DOMAIN_NAMES_NOTE, compile_admin_policies
from netverify.semantics.admin_tiers import NetworkPolicySelection
from netverify.semantics.compile import compile_policies, ip_blocks
from netverify.semantics.endpoints import Endpoint, build_endpoints, external_endpoint
from netverify.semantics.options import Semantics
from netverify.semantics.tiered import TieredPair, tiered_pair


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


def pair(cluster: Cluster, src: Endpoint, dst: Endpoint,
         reading: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION) -> TieredPair:
    return tiered_pair(compile_policies(cluster.policies, Semantics()),
                       compile_admin_policies(cluster.admin_policies, cluster.nodes), src, dst, reading)


TO_TENANT_B = [{"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "tenant-b"}}}]


def test_the_first_matching_rule_by_priority_decides_and_the_walk_names_it() -> None:
    cluster, eps = setup(cnp("guard", 20, [{"name": "deny-cross", "action": "Deny", "to": TO_TENANT_B}]),
                         cnp("exception", 10, [{"name": "web-to-api", "action": "Pass", "to": TO_TENANT_B,
                                                "protocols": [{"tcp": {"destinationPort": {"number": 8080}}}]}]))
    result = pair(cluster, eps["tenant-a/web"], eps["tenant-b/api"])
    assert result.allowed.allows("TCP", 8080) and not result.allowed.allows("TCP", 80)
    assert result.egress is not None
    assert result.egress.describe("TCP", 8080) == \
        "[Admin] pass (exception web-to-api) -> [NetworkPolicy] no match -> [Baseline] no match -> default allow"
    assert result.egress.describe("TCP", 80) == "[Admin] deny (guard deny-cross)"


def test_equal_priorities_that_decide_the_same_connection_differently_are_reported_with_the_connections() -> None:
    cluster, eps = setup(cnp("b-allow", 5, [{"action": "Accept", "to": TO_TENANT_B}]),
                         cnp("a-deny", 5, [{"action": "Deny", "to": TO_TENANT_B,
                                            "protocols": [{"tcp": {"destinationPort": {"number": 80}}}]}]))
    result = pair(cluster, eps["tenant-a/web"], eps["tenant-b/api"])
    assert result.egress is not None
    (overlap,) = result.egress.overlaps
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
    assert result.egress is not None
    admin = result.egress.tiers[0]
    assert any(DOMAIN_NAMES_NOTE in m.reason for m in admin.misses)
    assert [s.action for s in admin.steps] == [AdminAction.DENY]


def test_networks_match_pod_addresses_whatever_the_ipblock_scope() -> None:
    cluster, eps = setup(cnp("pods", 1, [{"action": "Deny", "to": [{"networks": ["10.0.1.0/24"]}]}]))
    assert not pair(cluster, eps["tenant-a/web"], eps["tenant-b/api"]).allowed
    assert pair(cluster, eps["tenant-b/api"], eps["tenant-a/web"]).allowed.is_all()
