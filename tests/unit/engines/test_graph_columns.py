"""A column (who may send to one class) is bit b of every row, computed without the rows.

Lint asks who reaches the DNS pods; at 100,000 pods the rows of every class cost minutes, a
column costs as much as the policies. Both answers must be the same, node traffic included.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers_k8s import analyse, ns, pod, policy

from netverify.engines.bitsets import bit_list
from netverify.engines.columns import SenderIndex
from netverify.engines.graph import ReachabilityGraph
from netverify.loaders.manifests import load_paths
from netverify.queries.context import Analysis
from netverify.sets import ConnectionSet

GENERATOR = Path(__file__).resolve().parents[3] / "benchmarks" / "gen_cluster.py"


def column_from_rows(g: ReachabilityGraph, b: int) -> dict[int, ConnectionSet]:
    return {a: c for a in range(len(g.reps)) if (c := g.class_allowed(a, b))}


def column_read(g: ReachabilityGraph, b: int) -> dict[int, ConnectionSet]:
    col = g.column(b)
    masks = [m for m, _ in col]
    assert all(not (x & y) for i, x in enumerate(masks) for y in masks[i + 1:]), "parts must be disjoint"
    return {a: c for m, c in col for a in bit_list(m)}


def assert_columns_are_rows(g: ReachabilityGraph) -> None:
    senders = SenderIndex(g)
    odd = sum(1 << a for a in range(1, len(g.reps), 2))
    for b in range(len(g.reps)):
        expected = column_from_rows(g, b)
        assert column_read(g, b) == expected, g.reps[b].id
        # The sender index (blast-radius's search) gives the same column, whole or restricted to some sources.
        for within in (g.index.everyone, odd):
            parts = senders.column(b, within)
            masks = [m for m, _ in parts]
            assert all(not (x & y) for i, x in enumerate(masks) for y in masks[i + 1:]), "parts must be disjoint"
            assert {a: c for m, c in parts for a in bit_list(m)} == {
                a: c for a, c in expected.items() if within >> a & 1}, g.reps[b].id


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columns_of_a_generated_cluster_are_bits_of_its_rows(tmp_path: Path, seed: int) -> None:
    out = tmp_path / "c"
    subprocess.run([sys.executable, str(GENERATOR), "--pods", "300", "--policies", "40", "--seed", str(seed),
                    "--out", str(out)], check=True, capture_output=True)
    cluster = load_paths((str(out / "cluster"), str(out / "policies")), "default").cluster
    assert_columns_are_rows(Analysis(cluster).graph)


def test_columns_keep_node_traffic_and_isolation_per_direction() -> None:
    a = analyse(ns("x", team="a"), ns("y"),
                pod("x", "web", "10.0.1.1", [{"name": "http", "containerPort": 8080}], node="n1", app="web"),
                pod("x", "api", "10.0.1.2", [{"name": "http", "containerPort": 9090}], node="n2", app="api"),
                pod("y", "cli", "10.0.2.1", node="n1", app="cli"),
                pod("y", "agent", "192.168.0.1", host_network=True, node="n1"),
                pod("y", "agent2", "192.168.0.2", host_network=True, node="n2"),
                policy("x", "deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
                policy("x", "http-in", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}],
                                                                         "ports": [{"port": "http"}]}]}),
                policy("y", "egress", {"podSelector": {"matchLabels": {"app": "cli"}}, "policyTypes": ["Egress"],
                                       "egress": [{"to": [{"ipBlock": {"cidr": "10.0.1.0/30", "except": ["10.0.1.2/32"]}}],
                                                   "ports": [{"port": 8000, "endPort": 9000}]}]}))
    g = a.graph
    assert_columns_are_rows(g)
    web = g.class_of["x/web"]
    senders = column_read(g, web)
    assert senders[g.class_of["y/agent"]] == ConnectionSet.all()  # node traffic from its own node
    assert g.class_of["y/agent2"] not in senders  # another node: policy says no
    assert senders[g.class_of["y/cli"]].allows("TCP", 8080)
