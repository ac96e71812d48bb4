"""Rows and columns asked for together (`rows_of`, `columns_of`: what the diff reads for thousands of
scattered classes) are exactly the rows of the whole matrix and their transposes, in the order asked,
repeats included."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import ReachabilityGraph
from netverify.loaders.manifests import load_paths
from netverify.queries.context import Analysis
from netverify.semantics.evaluate import decide_pair
from netverify.sets import ConnectionSet

GENERATOR = Path(__file__).resolve().parents[3] / "benchmarks" / "gen_cluster.py"


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    out = tmp_path_factory.mktemp("gen") / "c"
    subprocess.run([sys.executable, str(GENERATOR), "--pods", "300", "--policies", "30", "--seed", "11",
                    "--admin", "4", "--out", str(out)], check=True, capture_output=True)
    paths = tuple(str(out / d) for d in ("cluster", "policies", "admin"))
    return Analysis(load_paths(paths, "default").cluster)


@pytest.fixture(scope="module")
def graph_and_rows(analysis: Analysis) -> tuple[ReachabilityGraph, list[dict[int, ConnectionSet]]]:
    graph = analysis.graph
    cells = [{b: conns for mask, conns in row for b in bit_list(mask)} for row in graph.rows]
    return graph, cells


def test_rows_of_are_the_rows_in_the_order_asked(graph_and_rows: tuple[ReachabilityGraph, list[dict[int, ConnectionSet]]]) -> None:
    graph, cells = graph_and_rows
    n = len(cells)
    assert n > 50 and any(len(set(c.values())) > 1 for c in cells), "classes with several allowed sets"
    asked = random.Random(3).sample(range(n), n // 2) + [0, 0]
    got = graph.rows_of(asked)
    assert [{b: c for m, c in row for b in bit_list(m)} for row in got] == [cells[a] for a in asked]


def test_columns_of_are_the_transposed_rows(graph_and_rows: tuple[ReachabilityGraph, list[dict[int, ConnectionSet]]]) -> None:
    graph, cells = graph_and_rows
    n = len(cells)
    asked = random.Random(4).sample(range(n), n // 2) + [n - 1, n - 1]
    got = graph.columns_of(asked)
    expected = [{a: cells[a][b] for a in range(n) if b in cells[a]} for b in asked]
    assert [{a: c for m, c in column for a in bit_list(m)} for column in got] == expected
    assert got[0] == graph.column(asked[0])


def test_rows_of_gives_each_rows_ingress_part_what_each_destination_ingress_admits(
        analysis: Analysis, graph_and_rows: tuple[ReachabilityGraph, list[dict[int, ConnectionSet]]]) -> None:
    graph, cells = graph_and_rows
    n = len(cells)
    tiers = analysis.tiers
    asked = random.Random(5).sample(range(n), 12)
    parts: list[Any] = []
    for a, row, ingress in zip(asked, graph.rows_of(asked, parts), parts, strict=True):
        assert {b: c for m, c in row for b in bit_list(m)} == cells[a]
        admitted = {b: c for m, c in ingress for b in bit_list(m)}
        assert sum(m.bit_count() for m, _ in ingress) == len(admitted)  # disjoint
        src = graph.reps[a]
        for b in range(n):
            if b != a:  # a class's pair with itself is left to `allowed`
                expected = decide_pair(tiers, src, graph.reps[b]).ingress.allowed
                assert admitted.get(b, ConnectionSet.none()) == expected, (a, b)

