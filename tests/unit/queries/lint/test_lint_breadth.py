"""NV501 (broad ingress over narrower rules), NV502 (ipBlock over pod IPs), NV503/NV504 (hostNetwork)."""

from __future__ import annotations

from helpers_lint import codes, line_of, namespace, only, pod, policy, run

WEB = pod("shop", "web", "{app: web}", "10.0.0.1")
API = pod("shop", "api", "{app: api}", "10.0.0.2")
AGENT = pod("ops", "agent", "{app: agent}", "192.168.0.7", host_network=True)
OPS = namespace("ops", team="ops")


def api_policy(broad_peer: str, broad_ports: str = "[{port: 8000}]", narrow_ports: str = "[{port: 8000}]") -> str:
    return policy("shop", "api", f"""
        podSelector: {{matchLabels: {{app: api}}}}
        ingress:
          - from: [{{podSelector: {{matchLabels: {{app: web}}}}}}]
            ports: {narrow_ports}
          - from: [{broad_peer}]
            ports: {broad_ports}
        """)


def test_every_namespace_on_the_same_port_makes_the_narrow_rule_moot() -> None:
    docs = (WEB, API, api_policy("{namespaceSelector: {}}"))
    f = only(run(*docs, select="NV501"), "NV501")
    assert f.source.line == line_of(docs, "- from: [{namespaceSelector: {}}]")
    assert "shop/api ingress[0]" in f.message and "every pod of every namespace" in f.message
    assert [r.line for r in f.related] == [line_of(docs, "- from: [{podSelector")]


def test_an_ipblock_for_every_address_is_broad_too() -> None:
    assert codes(run(WEB, API, api_policy("{ipBlock: {cidr: 0.0.0.0/0}}"), select="NV501")) == ["NV501"]


def test_a_broad_rule_on_other_ports_is_a_normal_pattern() -> None:
    docs = (WEB, API, api_policy("{ipBlock: {cidr: 0.0.0.0/0}}", "[{port: 443}]"))
    assert codes(run(*docs, select="NV501")) == []


def test_a_narrow_rule_that_admits_more_ports_keeps_its_effect() -> None:
    docs = (WEB, API, api_policy("{namespaceSelector: {}}", "[{port: 8000}]", "[{port: 8000}, {port: 9000}]"))
    assert codes(run(*docs, select="NV501")) == []


def test_an_internet_block_that_excepts_the_pod_network_does_not_cover_pod_peers() -> None:
    docs = (WEB, API, api_policy("{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}"))
    assert codes(run(*docs, select="NV501")) == []


def test_an_ipblock_containing_pod_ips_is_reported_with_the_pods() -> None:
    docs = (WEB, API, policy("shop", "api", """
        podSelector: {matchLabels: {app: api}}
        egress:
          - to: [{ipBlock: {cidr: 10.0.0.0/24, except: [10.0.0.2/32]}}]
        """))
    f = only(run(*docs, select="NV502"), "NV502")
    assert f.source.line == line_of(docs, "ipBlock: {cidr: 10.0.0.0/24")
    assert "egress[0] to[0]" in f.message and "IPs of 1 loaded pod (shop/web)" in f.message


def test_external_ranges_everywhere_blocks_and_host_network_ips_are_not_nv502() -> None:
    docs = (WEB, AGENT, policy("shop", "web", """
        podSelector: {}
        egress:
          - to:
              - ipBlock: {cidr: 203.0.113.0/24}
              - ipBlock: {cidr: 0.0.0.0/0}
              - ipBlock: {cidr: 192.168.0.0/24}
        """))
    assert codes(run(*docs, select="NV502")) == []


def test_a_policy_selecting_a_host_network_pod_is_reported() -> None:
    docs = (OPS, AGENT, WEB, policy("ops", "agent", "podSelector: {matchLabels: {app: agent}}"))
    f = only(run(*docs, select="NV503"), "NV503")
    assert "selects hostNetwork pods (ops/agent)" in f.message
    assert codes(run(OPS, AGENT, WEB, policy("shop", "web", "podSelector: {}"), select="NV503")) == []


def test_a_pod_selector_peer_over_a_host_network_pod_is_reported() -> None:
    docs = (OPS, AGENT, WEB, policy("shop", "web", """
        podSelector: {}
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {team: ops}}
                podSelector: {matchLabels: {app: agent}}
        """))
    f = only(run(*docs, select="NV504"), "NV504")
    assert f.source.line == line_of(docs, "- namespaceSelector: {matchLabels: {team: ops}}")


def test_a_whole_namespace_peer_is_not_about_its_host_network_pods() -> None:
    docs = (OPS, AGENT, WEB, policy("shop", "web", """
        podSelector: {}
        ingress:
          - from: [{namespaceSelector: {matchLabels: {team: ops}}}, {podSelector: {matchLabels: {app: web}}}]
        """))
    assert codes(run(*docs, select="NV504")) == []
