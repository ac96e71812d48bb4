"""NV101 (a policy selects no pod) and NV102 (a peer matches no pod)."""

from __future__ import annotations

from helpers_lint import codes, line_of, namespace, only, pod, policy, run

WEB = pod("shop", "web", "{app: web}", "10.0.0.1")
API = pod("shop", "api", "{app: api}", "10.0.0.2")
SHOP = namespace("shop", team="shop")


def test_a_policy_whose_selector_matches_no_pod_is_reported_at_the_policy() -> None:
    docs = (SHOP, WEB, policy("shop", "payments", "podSelector: {matchLabels: {app: payment}}"))
    f = only(run(*docs, select="NV101"), "NV101")
    assert f.source.line == line_of(docs, "apiVersion: networking.k8s.io/v1")  # the document start
    assert f.obj == "NetworkPolicy shop/payments"
    assert "no pod of namespace shop has labels app=payment" in f.message
    assert f.message.endswith("(see docs/lint/NV101.md)")


def test_a_policy_in_a_namespace_without_pods_says_so() -> None:
    f = only(run(WEB, policy("prod", "web", "podSelector: {}"), select="NV101"), "NV101")
    assert "namespace prod has no loaded pods" in f.message


def test_policies_that_select_pods_are_not_reported() -> None:
    docs = (WEB, policy("shop", "all", "podSelector: {}"),
            policy("shop", "web", "podSelector: {matchLabels: {app: web}}"),
            policy("shop", "expr", "podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [db]}]}"))
    assert codes(run(*docs, select="NV101")) == []


def test_a_policy_selecting_only_a_host_network_pod_is_nv503s_subject_not_nv101() -> None:
    agent = pod("shop", "agent", "{app: agent}", "192.168.0.1", host_network=True)
    assert codes(run(agent, WEB, policy("shop", "agent", "podSelector: {matchLabels: {app: agent}}"),
                     select="NV101")) == []


def test_a_pod_selector_peer_looks_only_in_the_policys_namespace() -> None:
    db = pod("data", "db", "{app: db}", "10.0.1.1")
    docs = (WEB, db, policy("data", "db", """
        podSelector: {matchLabels: {app: db}}
        ingress:
          - from:
              - podSelector: {matchLabels: {app: web}}
        """))
    f = only(run(*docs, select="NV102"), "NV102")
    assert f.source.line == line_of(docs, "- podSelector: {matchLabels: {app: web}}")
    assert "ingress[0] from[0]" in f.message and "policy's namespace only" in f.message


def test_a_namespace_selector_that_matches_no_namespace_says_so() -> None:
    docs = (SHOP, WEB, policy("shop", "web", """
        podSelector: {}
        egress:
          - to:
              - namespaceSelector: {matchLabels: {team: billing}}
        """))
    f = only(run(*docs, select="NV102"), "NV102")
    assert "egress[0] to[0]" in f.message and "no namespace has labels team=billing" in f.message


def test_peers_that_match_a_pod_are_not_reported() -> None:
    db = pod("data", "db", "{app: db}", "10.0.1.1")
    docs = (SHOP, WEB, API, db, policy("data", "db", """
        podSelector: {}
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {team: shop}}
                podSelector: {matchLabels: {app: web}}
              - podSelector: {}
              - namespaceSelector: {}
              - ipBlock: {cidr: 192.0.2.0/24}
        """))
    assert codes(run(*docs, select="NV102")) == []


def test_a_peer_that_would_match_only_a_host_network_pod_matches_nothing_and_says_why() -> None:
    agent = pod("ops", "agent", "{app: agent}", "192.168.0.1", host_network=True)
    docs = (WEB, agent, policy("shop", "web", """
        podSelector: {}
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ops}}
        """))
    f = only(run(*docs, select="NV102"), "NV102")
    assert "hostNetwork pods (ops/agent)" in f.message
