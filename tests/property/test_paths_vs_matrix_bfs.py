"""`blast-radius` and `paths`, searched on endpoint classes, agree with a plain breadth-first search over
the endpoint matrix (every allowed pair, as `netverify matrix` lists it) on random clusters.

The matrix is the per-pair answer (itself checked against the reference oracle in
test_matrix_vs_reference.py); the search here shares nothing with the class search but it:
a queue of endpoint ids and the pairs. Checked: every endpoint's minimal hop count, that each
predecessor is one hop closer and may send to it, that --max-hops cuts at the right depth, and
that `paths` finds the nearest destination, that entry points from the internet are what `exposure`
finds, lists only real shortest paths and, with enough room,
all of them. The clusters mix admin policies of both tiers in (helpers_strategies.admin_policies_st).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from helpers_strategies import (
    admin_policies_st,
    labels_st,
    load_with_namespaces,
    network_policies_st,
    port_st,
    selector_st,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.queries.context import Analysis
from netverify.queries.entry_points import Origin, entry_points
from netverify.queries.exposure import INTERNET, exposure
from netverify.queries.matrix import matrix
from netverify.queries.paths import Source, blast_radius, find_paths
from netverify.queries.ports import PortQuery

QUERIES = [PortQuery(), PortQuery.parse("80", None), PortQuery.parse("http", None), PortQuery.parse(None, "UDP")]


def pod(ns: str, name: str, labels: dict[str, str], ip: str, named: bool, owner: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels}
    if owner:  # replicas of one workload: several pods behind one endpoint by default
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": owner, "controller": True,
                                    "uid": owner}]
    ports = [{"name": "http", "containerPort": 80}] if named else []
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]},
            "status": {"phase": "Running", "podIP": ip}}


rule_st = st.builds(lambda peers, ports: {**({"peers": peers} if peers is not None else {}),
                                          **({"ports": ports} if ports is not None else {})},
                    st.one_of(st.none(), st.lists(st.one_of(
                        st.builds(lambda s: {"podSelector": s}, selector_st),
                        st.builds(lambda s: {"namespaceSelector": s}, selector_st),
                        st.builds(lambda c: {"ipBlock": {"cidr": c}}, st.sampled_from(
                            ["0.0.0.0/0", "10.0.0.0/8", "203.0.113.0/24", "10.0.0.0/30"]))), max_size=2)),
                    st.one_of(st.none(), st.lists(port_st, min_size=1, max_size=2)))


@st.composite
def cluster_st(draw: st.DrawFn) -> list[dict[str, Any]]:
    objects = []
    for i in range(draw(st.integers(2, 9))):
        owner = draw(st.sampled_from([None, None, "w1", "w2"]))
        ns = "x" if owner else draw(st.sampled_from(["x", "y"]))
        objects.append(pod(ns, f"p{i}", draw(labels_st) if not owner else {"app": owner}, f"10.0.0.{i + 1}",
                           draw(st.booleans()), owner))
    objects += draw(network_policies_st(rule_st, ["x", "y"], 5))
    return objects + draw(admin_policies_st(2))  # with the admin tiers folded in, or none


def pairs(analysis: Analysis, query: PortQuery) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {e.id: set() for e in analysis.endpoints}
    for conn in matrix(analysis, query).connections():
        if conn.src.id != conn.dst.id:
            out[conn.src.id].add(conn.dst.id)
    return out


def bfs(succ: dict[str, set[str]], sources: set[str], limit: int | None = None) -> dict[str, int]:
    dist = {s: 0 for s in sources}
    queue = deque(sorted(sources))
    while queue:
        a = queue.popleft()
        if limit is not None and dist[a] >= limit:
            continue
        for b in sorted(succ[a]):
            if b not in dist:
                dist[b] = dist[a] + 1
                queue.append(b)
    return dist


def count_shortest(succ: dict[str, set[str]], sources: set[str], targets: set[str], hops: int) -> int:
    """Endpoint paths of exactly `hops` hops from a source to a target along increasing distance."""
    dist = bfs(succ, sources)
    ways = {s: 1 for s in sources}
    for level in range(1, hops + 1):
        for b in [e for e, d in dist.items() if d == level]:
            ways[b] = sum(ways[a] for a, d in dist.items() if d == level - 1 and b in succ[a])
    return sum(ways.get(t, 0) for t in targets if dist.get(t) == hops)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_st(), st.sampled_from(["pod", "workload"]), st.sampled_from(QUERIES), st.data())
def test_blast_radius_agrees_with_a_bfs_over_the_matrix(objects: list[dict[str, Any]], by: str, query: PortQuery,
                                                         data: st.DataObject) -> None:
    analysis = Analysis(load_with_namespaces(objects), by=by)
    ids = [e.id for e in analysis.endpoints]
    chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True))
    limit = data.draw(st.one_of(st.none(), st.integers(0, 3)))
    succ = pairs(analysis, query)
    want = bfs(succ, set(chosen), limit)
    members = tuple(e for e in analysis.endpoints if e.id in chosen)
    result = blast_radius(analysis, Source("s", members), query, limit)
    got = {r.endpoint.id: r.hops for r in result.reached}
    assert got == {e: d for e, d in want.items() if d > 0}
    for r in result.reached:
        assert r.via is not None and r.endpoint.id in succ[r.via.id]
        assert want[r.via.id] == r.hops - 1
        assert r.allowed


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_st(), st.sampled_from(["pod", "workload"]), st.sampled_from(QUERIES), st.data())
def test_paths_are_the_shortest_paths_of_the_matrix(objects: list[dict[str, Any]], by: str, query: PortQuery,
                                                    data: st.DataObject) -> None:
    analysis = Analysis(load_with_namespaces(objects), by=by)
    ids = [e.id for e in analysis.endpoints]
    src_ids = set(data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True)))
    dst_ids = set(data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True)))
    succ = pairs(analysis, query)
    dist = bfs(succ, src_ids)
    nearest = min((dist[t] for t in dst_ids if t in dist), default=None)
    sources = tuple(e for e in analysis.endpoints if e.id in src_ids)
    targets = [e for e in analysis.endpoints if e.id in dst_ids]
    result = find_paths(analysis, Source("s", sources), targets, "t", query, max_paths=1000)
    assert result.hops == nearest
    assert result.reachable == (nearest is not None)
    if nearest is None:
        assert not result.paths
        return
    for path in result.paths:
        assert len(path) == nearest
        if path:
            assert path[0].src is not None and path[0].src.id in src_ids and path[-1].dst.id in dst_ids
        for hop in path:
            assert hop.src is not None and hop.dst.id in succ[hop.src.id] and hop.allowed
    listed = [tuple([p[0].src.id if p[0].src else ""] + [h.dst.id for h in p]) if p else () for p in result.paths]
    assert len(set(listed)) == len(listed) or nearest == 0
    if nearest > 0:
        assert len(listed) == count_shortest(succ, src_ids, dst_ids, nearest)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_st(), st.sampled_from(QUERIES))
def test_entry_points_by_pod_ip_are_what_exposure_finds(objects: list[dict[str, Any]], query: PortQuery) -> None:
    analysis = Analysis(load_with_namespaces(objects), by="pod")
    want = {}
    for exp in exposure(analysis).direct:
        allowed = [r.connections & query.connections(exp.endpoint) for r in exp.reaches if r.addresses & INTERNET]
        if any(allowed):
            want[exp.endpoint.id] = {c for c in allowed if c}
    got = {e.endpoint.id: e.allowed for e in entry_points(analysis, Origin.internet(), query)}
    assert set(got) == set(want)
    for ep_id, parts in want.items():
        union = parts.pop()
        for c in parts:
            union = union | c
        assert got[ep_id] == union
