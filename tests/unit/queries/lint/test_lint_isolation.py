"""NV401 (egress isolation blocks DNS), NV402 (pod not isolated for ingress), NV403 (no default-deny)."""

from __future__ import annotations

from helpers_lint import DNS, codes, line_of, namespace, only, pod, policy, run

WEB = pod("shop", "web", "{app: web}", "10.0.0.1")
DENY_ALL = policy("shop", "deny", "podSelector: {}\npolicyTypes: [Ingress, Egress]")
ALLOW_DNS = policy("shop", "dns", """
    podSelector: {}
    policyTypes: [Egress]
    egress:
      - to:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
            podSelector: {matchLabels: {k8s-app: kube-dns}}
        ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    """)
UDP_ONLY = policy("shop", "dns", """
    podSelector: {}
    policyTypes: [Egress]
    egress:
      - to: [{namespaceSelector: {}}]
        ports: [{protocol: UDP, port: 53}]
    """)


def test_egress_isolation_without_a_dns_rule_is_reported_at_the_pod() -> None:
    docs = (WEB, DNS, DENY_ALL)
    f = only(run(*docs, select="NV401"), "NV401")
    assert f.source.line == line_of(docs, "name: web") - 2 and f.obj == "Pod shop/web"
    assert "isolated for egress by shop/deny" in f.message and "on 53/UDP and 53/TCP" in f.message


def test_a_dns_rule_on_udp_only_misses_tcp() -> None:
    f = only(run(WEB, DNS, DENY_ALL, UDP_ONLY, select="NV401"), "NV401")
    assert "on 53/TCP:" in f.message and "53/UDP" not in f.message.split("cannot reach")[1].split(":")[0]


def test_egress_open_to_dns_is_not_reported() -> None:
    assert codes(run(WEB, DNS, DENY_ALL, ALLOW_DNS, select="NV401")) == []


def test_pods_not_isolated_for_egress_are_not_reported() -> None:
    ingress_only = policy("shop", "deny", "podSelector: {}\npolicyTypes: [Ingress]")
    assert codes(run(WEB, DNS, ingress_only, select="NV401")) == []


def test_the_dns_pods_own_ingress_policy_counts_when_they_are_loaded() -> None:
    dns_lockdown = policy("kube-system", "lockdown", "podSelector: {}\npolicyTypes: [Ingress]")
    assert codes(run(WEB, DNS, DENY_ALL, ALLOW_DNS, dns_lockdown, select="NV401")) == ["NV401"]


def test_without_loaded_dns_pods_a_typical_coredns_pod_is_assumed() -> None:
    assert codes(run(WEB, DENY_ALL, select="NV401")) == ["NV401"]
    assert codes(run(WEB, DENY_ALL, ALLOW_DNS, select="NV401")) == []
    named = policy("shop", "dns", """
        podSelector: {}
        policyTypes: [Egress]
        egress:
          - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
            ports: [{protocol: UDP, port: dns}, {protocol: TCP, port: dns-tcp}]
        """)
    assert codes(run(WEB, DENY_ALL, named, select="NV401")) == []  # CoreDNS's port names resolve


def test_without_loaded_dns_pods_an_ipblock_over_the_pod_network_reaches_dns() -> None:
    to_pod_network = policy("shop", "dns", """
        podSelector: {}
        policyTypes: [Egress]
        egress:
          - to: [{ipBlock: {cidr: 10.0.0.0/8}}]
            ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
        """)
    assert codes(run(WEB, DENY_ALL, to_pod_network, select="NV401")) == []
    assert codes(run(WEB, DENY_ALL, to_pod_network, select="NV401", ipblock_scope="external")) == ["NV401"]


def test_a_pod_no_ingress_policy_selects_is_reported() -> None:
    api = pod("shop", "api", "{app: api}", "10.0.0.2")
    docs = (WEB, api, policy("shop", "web", "podSelector: {matchLabels: {app: web}}"))
    f = only(run(*docs, select="NV402"), "NV402")
    assert f.obj == "Pod shop/api" and "not isolated for ingress" in f.message


def test_egress_only_policies_do_not_isolate_for_ingress() -> None:
    egress_only = policy("shop", "out", "podSelector: {}\npolicyTypes: [Egress]")
    assert codes(run(WEB, egress_only, select="NV402")) == ["NV402"]


def test_isolated_and_host_network_pods_are_not_nv402() -> None:
    agent = pod("shop", "agent", "{app: agent}", "192.168.0.1", host_network=True)
    assert codes(run(WEB, agent, policy("shop", "all", "podSelector: {}"), select="NV402")) == []


def test_a_namespace_without_a_default_deny_is_info_at_the_namespace() -> None:
    docs = (namespace("shop"), WEB, policy("shop", "web", "podSelector: {matchLabels: {app: web}}"))
    result = run(*docs, select="NV403")
    f = only(result, "NV403")
    assert f.obj == "Namespace shop" and f.source.line == 1
    assert f.severity.value == "info" and not result.fails


def test_a_default_deny_needs_the_empty_selector_ingress_and_no_rules() -> None:
    assert codes(run(WEB, policy("shop", "deny", "podSelector: {}"), select="NV403")) == []
    allow_all = policy("shop", "open", "podSelector: {}\ningress:\n  - {}")
    assert codes(run(WEB, allow_all, select="NV403")) == ["NV403"]
    egress_deny = policy("shop", "deny", "podSelector: {}\npolicyTypes: [Egress]")
    assert codes(run(WEB, egress_deny, select="NV403")) == ["NV403"]


def test_the_dns_pods_themselves_are_not_asked_to_reach_dns() -> None:
    lockdown = policy("kube-system", "lockdown", "podSelector: {}\npolicyTypes: [Egress]")
    assert codes(run(DNS, lockdown, select="NV401")) == []


def _cluster_policy(name: str, tier: str, ingress_rule: str) -> str:
    return f"""apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {{name: {name}}}
spec:
  tier: {tier}
  priority: 10
  subject: {{namespaces: {{}}}}
  ingress:
  - {ingress_rule}
"""


def _nv403(*docs: str) -> str:
    return only(run(namespace("shop"), WEB, *docs, select="NV403"), "NV403").message


def test_nv403_names_a_baseline_deny_of_every_pod_in_either_spelling() -> None:
    """A Baseline-tier Deny of every pod on every port is the namespace's default deny from pods, whether
    its peer is `namespaces: {}` or `pods` with both selectors empty (both pick every pod)."""
    for peer in ("namespaces: {}", "pods: {namespaceSelector: {}, podSelector: {}}"):
        deny = _cluster_policy("default-deny", "Baseline", f"{{name: all, action: Deny, from: [{{{peer}}}]}}")
        message = _nv403(deny)
        assert "ClusterNetworkPolicy/default-deny ingress[0]" in message and "(Baseline tier)" in message, peer
        assert "not from addresses outside the cluster, which admin ingress rules never match" in message
        assert "pods added later accept traffic from everywhere" not in message


def test_nv403_a_deny_of_some_ports_or_above_networkpolicy_is_no_default_deny() -> None:
    """Only a rule of every port, in a tier below NetworkPolicy, is a default NetworkPolicy can refine."""
    some_ports = _cluster_policy("deny-web", "Baseline", "{name: web, action: Deny, from: [{namespaces: {}}], "
                                                         "protocols: [{tcp: {destinationPort: {number: 80}}}]}")
    admin = _cluster_policy("deny-all", "Admin", "{name: all, action: Deny, from: [{namespaces: {}}]}")
    for docs in ((some_ports,), (admin,)):
        assert "pods added later accept traffic from everywhere" in _nv403(*docs)


# NV401 with admin tiers and no DNS pod loaded: the typical CoreDNS pod's address is unknown but in the
# pod network, like the loaded pods' addresses (as without admin tiers: test_an_ipblock_over_the_pod_network...).
UNRELATED_ADMIN = """apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: unrelated}
spec:
  tier: Admin
  priority: 5
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: nobody}}}}
  ingress:
  - {name: none, action: Deny, from: [{namespaces: {}}]}
"""
TO_POD_NETWORK = policy("shop", "dns", """
    podSelector: {}
    policyTypes: [Egress]
    egress:
      - to: [{ipBlock: {cidr: 10.0.0.0/8}}]
        ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    """)


def test_nv401_an_ipblock_over_the_pod_network_reaches_the_typical_dns_pod_with_admin_tiers_too() -> None:
    """Loading an admin policy that governs nothing here must not change NV401: the egress rule to the
    pod network reaches the typical DNS pod (its address is in the pod network) in both readings."""
    assert codes(run(WEB, DENY_ALL, TO_POD_NETWORK, select="NV401")) == []
    assert codes(run(WEB, DENY_ALL, TO_POD_NETWORK, UNRELATED_ADMIN, select="NV401")) == []


def test_nv401_an_admin_deny_of_the_pod_network_blocks_the_typical_dns_pod() -> None:
    """An Admin-tier Deny of the pod network's addresses (networks match pod IPs too) denies the typical
    DNS pod as it denies every loaded pod: NV401, though no NetworkPolicy isolates web."""
    deny_network = """apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: no-pod-network}
spec:
  tier: Admin
  priority: 5
  subject: {namespaces: {}}
  egress:
  - {name: pods, action: Deny, to: [{networks: [10.0.0.0/8]}]}
"""
    f = only(run(WEB, deny_network, select="NV401"), "NV401")
    assert f.obj == "Pod shop/web" and "decided by the admin tiers (ClusterNetworkPolicy/no-pod-network)" in f.message
