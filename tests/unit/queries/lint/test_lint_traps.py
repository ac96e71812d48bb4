"""NV505/NV506: namespaceSelector and podSelector as two peers or as one, reported where the readings differ."""

from __future__ import annotations

from helpers_lint import Severity, codes, line_of, namespace, only, pod, policy, run

SHOP, DATA = namespace("shop", team="shop"), namespace("data", team="data")
WEB = pod("shop", "web", "{app: web}", "10.0.0.1")
API = pod("shop", "api", "{app: api}", "10.0.0.2")
DB = pod("data", "db", "{app: db}", "10.0.1.1")
LOCAL_WEB = pod("data", "web", "{app: web}", "10.0.1.2")


def db_policy(peers: str) -> str:
    return policy("data", "db", f"""
        podSelector: {{matchLabels: {{app: db}}}}
        ingress:
          - from:
{peers}
        """)


SPLIT = """              - namespaceSelector: {matchLabels: {team: shop}}
              - podSelector: {matchLabels: {app: web}}"""
COMBINED = """              - namespaceSelector: {matchLabels: {team: shop}}
                podSelector: {matchLabels: {app: web}}"""


def test_two_peers_whose_pod_selector_finds_nothing_locally_are_a_likely_typo() -> None:
    docs = (SHOP, DATA, WEB, API, DB, db_policy(SPLIT))
    f = only(run(*docs, select="NV5"), "NV505")
    assert f.severity is Severity.WARNING
    assert f.source.line == line_of(docs, "- namespaceSelector: {matchLabels: {team: shop}}")
    assert "admitting 2 endpoints (shop/api, shop/web)" in f.message
    assert "as one peer (AND) they would admit 1 endpoint (shop/web)" in f.message


def test_two_peers_that_both_match_locally_are_info_since_an_or_is_plausible() -> None:
    f = only(run(SHOP, DATA, WEB, API, DB, LOCAL_WEB, db_policy(SPLIT), select="NV5"), "NV505")
    assert f.severity is Severity.INFO


def test_two_peers_are_not_reported_where_both_readings_admit_the_same() -> None:
    # Everything in shop is web, and no web pod runs in data: OR and AND admit the same endpoints.
    assert codes(run(SHOP, DATA, WEB, DB, db_policy(SPLIT), select="NV5")) == []


def test_other_peers_of_the_rule_count_in_both_readings() -> None:
    peers = "              - namespaceSelector: {}\n" + SPLIT  # admits everyone: the readings agree
    assert codes(run(SHOP, DATA, WEB, API, DB, db_policy(peers), select="NV5")) == []


def test_one_peer_that_matches_is_the_normal_idiom() -> None:
    assert codes(run(SHOP, DATA, WEB, API, DB, db_policy(COMBINED), select="NV5")) == []


def test_one_peer_that_matches_nothing_where_two_would_is_nv506() -> None:
    peers = """              - namespaceSelector: {matchLabels: {team: data}}
                podSelector: {matchLabels: {app: web}}"""
    docs = (SHOP, DATA, WEB, DB, db_policy(peers))
    f = only(run(*docs, select="NV5"), "NV506")
    assert f.severity is Severity.INFO and "would admit 1 endpoint (data/db)" in f.message


def test_one_empty_peer_where_two_peers_would_add_nothing_is_not_nv506() -> None:
    peers = """              - namespaceSelector: {matchLabels: {team: billing}}
                podSelector: {matchLabels: {app: web}}"""
    assert codes(run(SHOP, DATA, WEB, DB, db_policy(peers), select="NV506")) == []


def test_the_trap_is_found_in_egress_rules_too() -> None:
    docs = (SHOP, DATA, WEB, API, DB, policy("data", "db", """
        podSelector: {matchLabels: {app: db}}
        egress:
          - to:
              - podSelector: {matchLabels: {app: web}}
              - namespaceSelector: {matchLabels: {team: shop}}
        """))
    f = only(run(*docs, select="NV505"), "NV505")
    assert "egress[0] to[0] and to[1]" in f.message
