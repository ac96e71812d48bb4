"""Blast radius, shortest paths and entry points from outside the cluster (queries.paths, queries.entry_points).

The random-cluster agreement with a plain BFS is in tests/property/test_paths_vs_matrix_bfs.py; these
cases pin the meaning on small clusters a reader can check by hand, and on fixtures/lateral.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers_strategies import load_with_namespaces

from netverify.loaders.manifests import load_paths
from netverify.queries.context import Analysis
from netverify.queries.endpoints import resolve
from netverify.queries.entry_points import Origin, entry_points
from netverify.queries.paths import Source, blast_radius, find_paths
from netverify.queries.ports import PortQuery
from netverify.sets import IPSet

LATERAL = str(Path(__file__).resolve().parents[3] / "fixtures" / "lateral")
INTERNET = Source("internet", origin=Origin.internet())


def lateral(by: str = "workload") -> Analysis:
    result = load_paths([LATERAL], "default")
    assert not result.errors
    return Analysis(result.cluster, by=by)


def source(analysis: Analysis, text: str) -> Source:
    return Source(text, resolve(analysis, text).members)


def pod(ns: str, name: str, labels: dict[str, str], ip: str = "", port: int | None = None) -> dict[str, Any]:
    ports = [{"name": "http", "containerPort": port}] if port else []
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]},
            "status": {"phase": "Running", **({"podIP": ip} if ip else {})}}


def policy(ns: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}


def only_from(selector: dict[str, str], target: dict[str, str]) -> dict[str, Any]:
    return {"podSelector": {"matchLabels": target}, "ingress": [{"from": [{"podSelector": {"matchLabels": selector}}]}]}


def chain(*extra: dict[str, Any]) -> Analysis:
    """a -> b -> c -> d in namespace x, each pod admitting only the one before it; plus `extra`."""
    pods = [pod("x", n, {"app": n}) for n in "abcd"]
    policies = [policy("x", f"into-{dst}", only_from({"app": src}, {"app": dst}))
                for src, dst in (("a", "b"), ("b", "c"), ("c", "d"))]
    policies.append(policy("x", "into-a", {"podSelector": {"matchLabels": {"app": "a"}}, "ingress": []}))
    return Analysis(load_with_namespaces(pods + policies + list(extra)), by="pod")


def hops(result: Any) -> dict[str, tuple[int, str | None]]:
    return {r.endpoint.id: (r.hops, result.via_name(r)) for r in result.reached}


def test_blast_radius_lists_each_endpoint_with_its_minimal_hop_count_and_a_predecessor() -> None:
    result = blast_radius(chain(), source(chain(), "x/a"))
    assert hops(result) == {"x/b": (1, "x/a"), "x/c": (2, "x/b"), "x/d": (3, "x/c")}
    assert result.by_hops() == {1: 1, 2: 1, 3: 1}
    assert result.by_namespace() == {"x": 3}


def test_max_hops_stops_the_search() -> None:
    analysis = chain()
    assert set(hops(blast_radius(analysis, source(analysis, "x/a"), max_hops=2))) == {"x/b", "x/c"}


def test_the_sources_are_not_listed_as_reached() -> None:
    analysis = chain()
    result = blast_radius(analysis, source(analysis, "x/app in (a,b)"))
    assert hops(result) == {"x/c": (1, "x/b"), "x/d": (2, "x/c")}


def test_a_shortcut_gives_the_smaller_hop_count() -> None:
    shortcut = policy("x", "a-into-d", only_from({"app": "a"}, {"app": "d"}))
    analysis = chain(shortcut)
    assert hops(blast_radius(analysis, source(analysis, "x/a")))["x/d"] == (1, "x/a")


def test_the_port_query_restricts_every_hop() -> None:
    pods = [pod("x", "a", {"app": "a"}), pod("x", "b", {"app": "b"}, port=80), pod("x", "c", {"app": "c"}, port=8080)]
    policies = [policy("x", "b", {"podSelector": {"matchLabels": {"app": "b"}}, "ingress": [{"ports": [{"port": 80}]}]}),
                policy("x", "c", {"podSelector": {"matchLabels": {"app": "c"}},
                                  "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "b"}}}],
                                               "ports": [{"port": 8080}]}]}),
                policy("x", "a", {"podSelector": {"matchLabels": {"app": "a"}}, "ingress": []})]
    analysis = Analysis(load_with_namespaces(pods + policies), by="pod")
    src = source(analysis, "x/a")
    assert set(hops(blast_radius(analysis, src))) == {"x/b", "x/c"}
    assert set(hops(blast_radius(analysis, src, PortQuery.parse("80", None)))) == {"x/b"}
    # A named port resolves on each destination: `http` is 80 on b and 8080 on c.
    assert set(hops(blast_radius(analysis, src, PortQuery.parse("http", None)))) == {"x/b", "x/c"}


def test_replicas_of_one_class_that_may_not_talk_are_reached_through_another_endpoint() -> None:
    # Two web pods alike to every policy (one class); web admits only api, api admits web.
    pods = [pod("x", "web-1", {"app": "web"}), pod("x", "web-2", {"app": "web"}), pod("x", "api", {"app": "api"})]
    policies = [policy("x", "web", only_from({"app": "api"}, {"app": "web"})),
                policy("x", "api", only_from({"app": "web"}, {"app": "api"}))]
    analysis = Analysis(load_with_namespaces(pods + policies), by="pod")
    assert hops(blast_radius(analysis, source(analysis, "x/web-1"))) == {"x/api": (1, "x/web-1"),
                                                                         "x/web-2": (2, "x/api")}


def test_paths_gives_the_shortest_path_with_what_each_hop_allows_and_the_rules() -> None:
    analysis = lateral()
    result = find_paths(analysis, INTERNET, resolve(analysis, "data/*").members, "data/*")
    assert result.reachable and result.hops == 3
    (path,) = result.paths
    assert [(h.src_name, h.dst.id, h.allowed.describe()) for h in path] == [
        ("internet", "web/Deployment/frontend", "TCP:8443"),
        ("web/Deployment/frontend", "app/Deployment/api", "TCP:8000"),
        ("app/Deployment/api", "data/StatefulSet/postgres", "TCP:5432")]
    assert [str(r.policy) for r in path[2].rules] == ["app/api", "data/postgres"]
    assert any("LoadBalancer port 443/TCP" in n for n in path[0].notes)


def test_paths_to_an_unreachable_destination() -> None:
    analysis = lateral()
    result = find_paths(analysis, INTERNET, resolve(analysis, "app/reports").members, "app/reports")
    assert not result.reachable and result.hops is None and not result.paths


def test_avoiding_the_only_way_through_makes_the_destination_unreachable() -> None:
    analysis = lateral()
    frontend, db, api = (resolve(analysis, t).members for t in ("web/frontend", "data/postgres", "app/api"))
    assert find_paths(analysis, Source("f", frontend), db, "db").hops == 2
    assert not find_paths(analysis, Source("f", frontend), db, "db", avoiding=api).reachable


def test_all_shortest_paths_and_the_limit() -> None:
    # a reaches d through b1 or b2 (two classes: different labels), never directly.
    pods = [pod("x", "a", {"app": "a"}), pod("x", "b1", {"app": "b1"}), pod("x", "b2", {"app": "b2"}),
            pod("x", "d", {"app": "d"})]
    policies = [policy("x", "d", {"podSelector": {"matchLabels": {"app": "d"}},
                                  "ingress": [{"from": [{"podSelector": {"matchExpressions": [
                                      {"key": "app", "operator": "In", "values": ["b1", "b2"]}]}}]}]})]
    analysis = Analysis(load_with_namespaces(pods + policies), by="pod")
    src, dst = Source("a", resolve(analysis, "x/a").members), resolve(analysis, "x/d").members
    every = find_paths(analysis, src, dst, "x/d", max_paths=10)
    assert every.hops == 2 and not every.truncated
    assert sorted(p[0].dst.id for p in every.paths) == ["x/b1", "x/b2"]
    one = find_paths(analysis, src, dst, "x/d")
    assert len(one.paths) == 1 and one.truncated


def test_entry_points_by_pod_ip_and_through_a_load_balancer() -> None:
    analysis = lateral()
    entries = {e.endpoint.id: e for e in entry_points(analysis, Origin.internet(), PortQuery())}
    assert set(entries) == {"web/Deployment/frontend"}
    vias = [r.via for r in entries["web/Deployment/frontend"].routes]
    assert vias[0] == "pod IP" and any("LoadBalancer" in v for v in vias)


def test_an_unisolated_pod_is_an_entry_point_and_a_private_range_is_not_the_internet() -> None:
    pods = [pod("x", "open", {"app": "open"}), pod("x", "office", {"app": "office"}),
            pod("x", "closed", {"app": "closed"})]
    policies = [policy("x", "office", {"podSelector": {"matchLabels": {"app": "office"}},
                                       "ingress": [{"from": [{"ipBlock": {"cidr": "192.168.0.0/16"}}]}]}),
                policy("x", "closed", {"podSelector": {"matchLabels": {"app": "closed"}}, "ingress": []})]
    analysis = Analysis(load_with_namespaces(pods + policies), by="pod")
    assert [e.endpoint.id for e in entry_points(analysis, Origin.internet(), PortQuery())] == ["x/open"]
    office = Origin("192.168.1.0/24", IPSet.from_cidr("192.168.1.0/24"))
    assert [e.endpoint.id for e in entry_points(analysis, office, PortQuery())] == ["x/office", "x/open"]


def test_a_node_port_with_cluster_traffic_policy_is_a_conditional_entry_point() -> None:
    pods = [pod("x", "web", {"app": "web"}, port=8080)]
    policies = [policy("x", "web", {"podSelector": {"matchLabels": {"app": "web"}},
                                    "ingress": [{"from": [{"ipBlock": {"cidr": "203.0.113.0/24"}}]}]})]
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "x"},
               "spec": {"type": "NodePort", "selector": {"app": "web"},
                        "ports": [{"port": 80, "targetPort": "http", "nodePort": 30080}]}}
    analysis = Analysis(load_with_namespaces(pods + policies + [service]), by="pod")
    (entry,) = entry_points(analysis, Origin.internet(), PortQuery())
    by_via = {r.via.split(":")[0]: r for r in entry.routes}
    assert by_via["pod IP"].allowed.describe() == "all" and not by_via["pod IP"].conditional
    assert by_via["Service x/Service/web"].conditional  # the client address becomes a node address


def test_blast_radius_from_the_internet_starts_at_hop_one() -> None:
    analysis = lateral()
    result = blast_radius(analysis, INTERNET)
    assert hops(result) == {"web/Deployment/frontend": (1, "internet"), "app/Deployment/api": (2, "web/Deployment/frontend"),
                            "kube-system/Deployment/coredns": (2, "web/Deployment/frontend"),
                            "data/StatefulSet/postgres": (3, "app/Deployment/api")}
    data = result.to_json()
    assert data["source"] == ["internet"] and data["summary"]["by_hops"] == {"1": 1, "2": 2, "3": 1}
    assert [e["id"] for e in data["entries"]] == ["web/Deployment/frontend"]  # type: ignore[index]



def test_equal_sets_and_the_same_rules_share_one_json_object() -> None:
    """What lets report.json_shared write a repeated set or rule list once; the JSON values are unchanged."""
    from netverify.queries.entry_points import JsonPieces
    from netverify.sets import ConnectionSet

    class Rule:
        def to_json(self) -> dict[str, object]:
            return {"policy": "p"}

    pieces = JsonPieces()
    web = pieces.connections(ConnectionSet.of("TCP", 80, 80))
    assert web == ConnectionSet.of("TCP", 80, 80).to_json()
    assert pieces.connections(ConnectionSet.of("TCP", 80, 80)) is web, "an equal set, built again"
    assert pieces.connections(ConnectionSet.of("TCP", 443, 443)) != web
    rule = Rule()
    listed = pieces.rules((rule,))  # type: ignore[arg-type]
    assert listed == [{"policy": "p"}]
    assert pieces.rules((rule,)) is listed, "another tuple of the same rule"  # type: ignore[arg-type]
    assert pieces.rules((Rule(),)) is not listed  # type: ignore[arg-type]
