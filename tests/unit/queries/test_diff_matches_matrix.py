"""The diff is exactly the difference of the two matrices, explained: checked on generated clusters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netverify.loaders.manifests import load_paths
from netverify.queries.context import Analysis
from netverify.queries.diff import diff
from netverify.queries.diff_causes import without_sources
from netverify.sets import ConnectionSet

GENERATOR = Path(__file__).resolve().parents[3] / "benchmarks" / "gen_cluster.py"


def matrix_of(analysis: Analysis) -> dict[tuple[str, str], ConnectionSet]:
    return {(s.id, d.id): c for s, d, c in analysis.graph.connections()}


@pytest.fixture(scope="module", params=[1, 2, 3, 4])
def versions(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, Analysis]:
    out = tmp_path_factory.mktemp(f"gen{request.param}")
    subprocess.run([sys.executable, str(GENERATOR), "--pods", "80", "--policies", "25", "--mutate", "8",
                    "--seed", str(request.param), "--out", str(out)], check=True, capture_output=True, timeout=120)
    base = load_paths([str(out / "cluster"), str(out / "policies")])
    head = load_paths([str(out / "cluster"), str(out / "policies-mutated")])
    return Analysis(base.cluster), Analysis(head.cluster)


@pytest.mark.parametrize("reverse", [False, True], ids=["base->head", "head->base"])
def test_every_matrix_difference_is_reported_once_and_nothing_else(
        versions: tuple[Analysis, Analysis], reverse: bool) -> None:
    base, head = versions[::-1] if reverse else versions
    result = diff(base, head)
    before, after = matrix_of(base), matrix_of(head)
    none = ConnectionSet.none()
    expected = {k: (before.get(k, none), after.get(k, none)) for k in before.keys() | after.keys()
                if before.get(k) != after.get(k)}
    blocks = {b.id for b in result.outside}  # traffic with addresses outside the cluster is not in the matrix
    listed = [c for c in result.pairs() if c.src not in blocks and c.dst not in blocks]
    reported = {(c.src, c.dst): (c.before, c.after) for c in listed}
    assert len(reported) == len(listed)
    assert reported == expected


def test_every_change_names_a_located_cause(versions: tuple[Analysis, Analysis]) -> None:
    result = diff(*versions)
    for change in result.pairs():
        assert change.causes, change
        assert any(c.source.file and c.source.line for c in change.causes), change


def test_mutations_are_explained_by_the_mutated_policies(versions: tuple[Analysis, Analysis]) -> None:
    base, head = versions
    before = {p.id: without_sources(p) for p in base.cluster.policies}
    after = {p.id: without_sources(p) for p in head.cluster.policies}
    modified = {pid for pid in before.keys() | after.keys() if before.get(pid) != after.get(pid)}
    assert 0 < len(modified) <= 8
    for change in diff(base, head).pairs():
        named = {c.subject for c in change.causes if c.kind in ("rule", "policy")}
        assert named and named <= modified, (change, modified)
