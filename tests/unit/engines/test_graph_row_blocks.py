"""The engine's rows are built a block of source classes at a time (bounded memory at 100,000 pods).

Whatever the block size and whatever order rows are read in, they are exactly the rows built
in one block, and the matrix streamed from them is the same.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
from pathlib import Path

import pytest

from netverify import report
from netverify.engines import rows as rows_module
from netverify.engines.graph import ReachabilityGraph
from netverify.loaders.manifests import load_paths
from netverify.queries.context import Analysis
from netverify.queries.matrix import matrix
from netverify.sets import ConnectionSet

GENERATOR = Path(__file__).resolve().parents[3] / "benchmarks" / "gen_cluster.py"


@pytest.fixture(scope="module")
def cluster_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "c"
    subprocess.run([sys.executable, str(GENERATOR), "--pods", "400", "--policies", "40", "--seed", "3",
                    "--out", str(out)], check=True, capture_output=True)
    return out


def analysis(cluster_dir: Path) -> Analysis:
    return Analysis(load_paths((str(cluster_dir / "cluster"), str(cluster_dir / "policies")), "default").cluster)


def rows_with_blocks(cluster_dir: Path, block_bits: int, monkeypatch: pytest.MonkeyPatch) -> ReachabilityGraph:
    monkeypatch.setattr(rows_module.LazyRows, "BLOCK_BITS", block_bits)
    return analysis(cluster_dir).graph


def test_small_blocks_give_the_rows_of_one_block(cluster_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = [list(r) for r in analysis(cluster_dir).graph.rows]
    assert len(whole) > 100, "enough classes for many blocks"
    assert any(len(r) > 1 for r in whole), "rows with several allowed sets"
    blocked = rows_with_blocks(cluster_dir, 1, monkeypatch)  # 64 source classes per block
    assert [list(r) for r in blocked.rows] == whole


def test_rows_read_in_any_order_are_the_same(cluster_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = list(analysis(cluster_dir).graph.rows)
    blocked = rows_with_blocks(cluster_dir, 1, monkeypatch).rows
    order = list(range(len(whole)))
    random.Random(5).shuffle(order)  # evicts and recomputes blocks
    assert all(blocked[a] == whole[a] for a in order)
    assert blocked[-1] == whole[-1] and list(blocked[3:9]) == whole[3:9]
    with pytest.raises(IndexError):
        blocked[len(whole)]


def test_a_row_asked_alone_is_computed_alone_and_equals_its_blocks_row(cluster_dir: Path) -> None:
    whole = list(analysis(cluster_dir).graph.rows)
    g = analysis(cluster_dir).graph
    order = list(range(len(whole)))
    random.Random(7).shuffle(order)
    assert all(g.row(a) == whole[a] for a in order)
    assert isinstance(g.rows, rows_module.LazyRows) and not g.rows._blocks, "no block was computed"


def test_matrix_json_does_not_depend_on_the_block_size(cluster_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def matrix_text() -> str:
        out = io.StringIO()
        report.write(matrix(analysis(cluster_dir)), "json", out)
        return out.getvalue()

    whole = matrix_text()
    monkeypatch.setattr(rows_module.LazyRows, "BLOCK_BITS", 1)
    assert matrix_text() == whole


class TestARowAskedAloneIsKept:
    """`row` keeps the rows it computed alone (a search asks for its predecessors' rows again and
    again), a block's worth of them at most, the least recently asked for leaving first."""

    @staticmethod
    def counting(n: int, size_bits: int, monkeypatch: pytest.MonkeyPatch) -> tuple[rows_module.LazyRows, list[int]]:
        monkeypatch.setattr(rows_module.LazyRows, "BLOCK_BITS", size_bits)
        computed: list[int] = []

        def compute(lo: int, hi: int) -> list[rows_module.Row]:
            computed.extend(range(lo, hi))
            return [((1 << a, ConnectionSet.all()),) for a in range(lo, hi)]

        return rows_module.LazyRows(n, compute), computed

    def test_asking_again_computes_nothing(self, monkeypatch: pytest.MonkeyPatch) -> None:
        rows, computed = self.counting(1000, 1, monkeypatch)  # blocks of 64 rows
        assert [rows.row(5) for _ in range(3)] == [((1 << 5, ConnectionSet.all()),)] * 3
        assert computed == [5]

    def test_at_most_a_blocks_worth_is_kept_least_recently_asked_first_out(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        rows, computed = self.counting(1000, 1, monkeypatch)
        for a in range(64):  # a block's worth
            rows.row(a)
        rows.row(0)  # asked again: now the most recent
        rows.row(100)  # one more: row 1, the least recently asked for, leaves
        computed.clear()
        rows.row(0)
        rows.row(1)
        assert computed == [1]
        assert len(rows._single) == 64

    def test_a_computed_block_answers_first(self, monkeypatch: pytest.MonkeyPatch) -> None:
        rows, computed = self.counting(1000, 1, monkeypatch)
        rows[70]  # computes the block of rows 64..127
        computed.clear()
        assert rows.row(100) == ((1 << 100, ConnectionSet.all()),) and computed == []
