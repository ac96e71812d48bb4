"""`can` on sets states its quantifier: every pair by default, at least one with `some` (issue 14).

The trap it closes: `netverify can 'shop/*' data/postgres || exit 1` passed in CI while two of
three shop workloads were cut off from the database.
"""

from __future__ import annotations

import pytest
from helpers_k8s import analyse, ns, pod, policy

from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointError, resolve
from netverify.queries.ports import PortError, PortQuery
from netverify.queries.reach import EmptySetError, ReachResult, can_reach

DB_ADMITS_API_ONLY = policy("data", "db", {
    "podSelector": {"matchLabels": {"app": "db"}},
    "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "api"}}}]}]})


def shop() -> Analysis:
    return analyse(ns("shop"), ns("data"), ns("empty"),
                   pod("shop", "api", "10.0.0.1", [{"name": "http", "containerPort": 80}], app="api"),
                   pod("shop", "web", "10.0.0.2", [{"name": "http", "containerPort": 8080}], app="web"),
                   pod("shop", "debug", "10.0.0.3", app="debug"),
                   pod("data", "db", "10.0.1.1", [{"name": "pg", "containerPort": 5432}], app="db"),
                   DB_ADMITS_API_ONLY)


def ask(src: str, dst: str, port: str | None = None, quantifier: str = "all") -> ReachResult:
    a = shop()
    return can_reach(a, resolve(a, src), resolve(a, dst), PortQuery.parse(port, None), quantifier)


def test_one_pair_of_three_is_denied_by_default_and_counted() -> None:
    result = ask("shop/*", "data/db", "5432")
    assert (result.pairs_allowed, result.pairs_total) == (1, 3)
    assert not result.allowed
    assert result.count_text() == "1 of 3 pairs allowed"
    data = result.to_json()
    assert (data["allowed"], data["quantifier"], data["pairs_allowed"], data["pairs_total"]) == (False, "all", 1, 3)


def test_some_asks_for_at_least_one_pair() -> None:
    assert ask("shop/*", "data/db", "5432", "some").allowed
    assert not ask("shop/app in (web,debug)", "data/db", "5432", "some").allowed


def test_every_pair_allowed_is_allowed_under_both_quantifiers() -> None:
    for quantifier in ("all", "some"):
        result = ask("shop/app=api", "data/db", "5432", quantifier)
        assert result.allowed and result.count_text() == "1 of 1 pairs allowed"


def test_a_destination_without_the_named_port_is_left_out_of_the_question() -> None:
    result = ask("data/db", "shop/*", "http")  # debug declares no port named http
    assert (result.pairs_allowed, result.pairs_total, result.pairs_not_applicable) == (2, 2, 1)
    assert result.allowed


@pytest.mark.parametrize(("src", "dst", "side"), [("empty/*", "data/db", "SRC"), ("shop/app=nope", "data/db", "SRC"),
                                                  ("data/db", "shop/tier=x", "DST")])
def test_an_empty_set_has_its_own_message_not_a_port_one(src: str, dst: str, side: str) -> None:
    with pytest.raises(EmptySetError, match=f"{side} .* matches no endpoint"):
        ask(src, dst, "pg")


def test_an_empty_set_names_what_its_namespace_holds() -> None:
    with pytest.raises(EmptySetError, match="namespace 'shop' has shop/api, shop/debug, shop/web"):
        ask("shop/app=nope", "data/db", "http")
    with pytest.raises(EmptySetError, match="namespace 'empty' has no endpoints"):
        ask("empty/*", "data/db")
    with pytest.raises(EmptySetError, match="no namespace 'ghost'"):
        ask("ghost/*", "data/db")


def test_a_named_port_no_member_declares_is_still_a_port_error() -> None:
    with pytest.raises(PortError, match="no destination in 'shop/\\*' has a container port named 'pg'"):
        ask("data/db", "shop/*", "pg")


def test_two_addresses_outside_the_cluster_are_no_question() -> None:
    with pytest.raises(EndpointError, match="both addresses outside the cluster"):
        ask("8.8.8.8", "1.1.1.1")
