"""NV201 (a named port no destination defines) and NV202 (defined with another protocol)."""

from __future__ import annotations

from helpers_lint import codes, line_of, only, pod, policy, run

WEB = pod("shop", "web", "{app: web}", "10.0.0.1", "[{name: http, containerPort: 8080}]")
API = pod("shop", "api", "{app: api}", "10.0.0.2", "[{name: grpc, containerPort: 9000, protocol: UDP}]")


def test_an_ingress_port_name_is_resolved_on_the_selected_pods() -> None:
    docs = (WEB, policy("shop", "web", """
        podSelector: {matchLabels: {app: web}}
        ingress:
          - ports:
              - {port: https}
        """))
    f = only(run(*docs, select="NV2"), "NV201")
    assert f.source.line == line_of(docs, "{port: https}")
    assert "ingress[0] port 'https' (TCP) allows nothing" in f.message and "named 'https'" in f.message


def test_an_egress_port_name_is_resolved_on_the_peers_pods_not_the_source() -> None:
    docs = (WEB, API, policy("shop", "web", """
        podSelector: {matchLabels: {app: web}}
        egress:
          - to: [{podSelector: {matchLabels: {app: api}}}]
            ports: [{port: http}]
        """))
    assert codes(run(*docs, select="NV2")) == ["NV201"]  # web defines http; api, the destination, does not


def test_a_name_defined_with_another_protocol_is_nv202() -> None:
    docs = (WEB, API, policy("shop", "web", """
        podSelector: {matchLabels: {app: web}}
        egress:
          - to: [{podSelector: {matchLabels: {app: api}}}]
            ports: [{port: grpc}]
        """))
    f = only(run(*docs, select="NV2"), "NV202")
    assert "define 'grpc' as UDP, not TCP" in f.message


def test_a_named_port_towards_ipblocks_only_never_matches() -> None:
    docs = (WEB, policy("shop", "web", """
        podSelector: {matchLabels: {app: web}}
        egress:
          - to: [{ipBlock: {cidr: 203.0.113.0/24}}]
            ports: [{port: https}]
        """))
    f = only(run(*docs, select="NV2"), "NV201")
    assert "never matches an address outside the cluster" in f.message


def test_names_that_resolve_on_some_destination_are_not_reported() -> None:
    docs = (WEB, API, policy("shop", "all", """
        podSelector: {}
        ingress:
          - ports: [{port: http}, {port: grpc, protocol: UDP}, {port: 80}]
        egress:
          - ports: [{port: grpc, protocol: UDP}]
          - to: [{podSelector: {matchLabels: {app: web}}}]
            ports: [{port: http}]
        """))
    assert codes(run(*docs, select="NV2")) == []


def test_a_rule_without_any_destination_is_left_to_nv101_and_nv102() -> None:
    docs = (WEB, policy("shop", "ghost", """
        podSelector: {matchLabels: {app: ghost}}
        ingress:
          - ports: [{port: nope}]
        """))
    assert codes(run(*docs, select="NV2")) == []
