"""The endpoint grammar: NS/SELECTOR wins whenever the rest reads as a selector (issue 14).

Prefixed label keys (`app.kubernetes.io/name`, the Kubernetes recommended labels) contain a
`/`; kubectl accepts them in selectors, so `ns/app.kubernetes.io/name=x` is a set, never
`ns/Kind/name`.
"""

from __future__ import annotations

import pytest
from helpers_k8s import analyse, ns, pod

from netverify.queries.endpoints import EndpointError, reads_as_selector, resolve

PROM = {"app.kubernetes.io/name": "prometheus"}
GRAF = {"app.kubernetes.io/name": "grafana"}


def cluster():  # type: ignore[no-untyped-def]
    return analyse(ns("monitoring"), ns("other"),
                   pod("monitoring", "prometheus-0", "10.0.0.1", **PROM),
                   pod("monitoring", "grafana-1", "10.0.0.2", **GRAF),
                   pod("monitoring", "plain", "10.0.0.3", app="x"),
                   pod("other", "prometheus-9", "10.0.0.4", **PROM))


def ids(text: str) -> list[str]:
    return sorted(e.id for e in resolve(cluster(), text).members)


@pytest.mark.parametrize(("text", "expected"), [
    ("monitoring/app.kubernetes.io/name=prometheus", ["monitoring/prometheus-0"]),
    ("monitoring/app.kubernetes.io/name == prometheus", ["monitoring/prometheus-0"]),
    ("*/app.kubernetes.io/name=prometheus", ["monitoring/prometheus-0", "other/prometheus-9"]),
    ("*/app.kubernetes.io/name in (prometheus,grafana)",
     ["monitoring/grafana-1", "monitoring/prometheus-0", "other/prometheus-9"]),
    ("monitoring/app.kubernetes.io/name in (prometheus)", ["monitoring/prometheus-0"]),
    ("monitoring/app.kubernetes.io/name notin (prometheus)", ["monitoring/grafana-1", "monitoring/plain"]),
    ("monitoring/app.kubernetes.io/name!=grafana", ["monitoring/plain", "monitoring/prometheus-0"]),
    ("monitoring/app.kubernetes.io/name", ["monitoring/grafana-1", "monitoring/prometheus-0"]),  # key exists
    ("monitoring/!app.kubernetes.io/name", ["monitoring/plain"]),
    ("monitoring/app=x,!app.kubernetes.io/name", ["monitoring/plain"]),
    ("monitoring/*", ["monitoring/grafana-1", "monitoring/plain", "monitoring/prometheus-0"]),
])
def test_prefixed_label_keys_make_a_set(text: str, expected: list[str]) -> None:
    found = resolve(cluster(), text)
    assert found.is_set
    assert sorted(e.id for e in found.members) == expected


@pytest.mark.parametrize("text", ["monitoring/prometheus-0", "monitoring/Pod/prometheus-0", "10.0.0.1"])
def test_names_and_addresses_still_name_one_endpoint(text: str) -> None:
    found = resolve(cluster(), text)
    assert not found.is_set
    assert [e.id for e in found.members] == ["monitoring/prometheus-0"]


def test_a_selector_that_does_not_parse_is_reported_as_a_selector_error() -> None:
    with pytest.raises(EndpointError, match="endpoint set .*app.kubernetes.io/name in"):
        resolve(cluster(), "monitoring/app.kubernetes.io/name in prometheus")


@pytest.mark.parametrize(("rest", "is_selector"), [
    ("app=web", True), ("tier in (a,b)", True), ("tier notin (a)", True), ("!legacy", True), ("a,b", True),
    ("*", True), ("app.kubernetes.io/name", True), ("example.com/team=x", True),
    ("web", False), ("Deployment/web", False), ("deployment/web", False), ("Service/api", False),
    ("StatefulSet/postgres", False), ("monitoring/grafana", False), ("web-7d9f", False), ("0", False),
])
def test_what_reads_as_a_selector(rest: str, is_selector: bool) -> None:
    assert reads_as_selector(rest) is is_selector
