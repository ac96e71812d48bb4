"""Filters for large reports: --src/--dst endpoint sets, and the namespace-level matrix (--by namespace)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments and outputs name files relative to the repository; monkeypatch restores the directory."""
    monkeypatch.chdir(ROOT)


def pairs(capsys: pytest.CaptureFixture[str], *args: str) -> dict[tuple[str, str], Any]:
    code, out, err = run(capsys, "matrix", *args, "--format", "json")
    assert code == 0, err
    return {(c["src"], c["dst"]): c["allowed"] for c in json.loads(out)["connections"]}


def test_src_and_dst_keep_exactly_the_pairs_between_the_two_sets(capsys: pytest.CaptureFixture[str]) -> None:
    everything = pairs(capsys, "fixtures/demo")
    some = pairs(capsys, "fixtures/demo", "--src", "shop/*", "--dst", "kube-system/*", "--dst", "data/postgres")
    assert some == {k: v for k, v in everything.items()
                    if k[0].startswith("shop/") and k[1] in ("kube-system/Deployment/coredns",
                                                             "data/StatefulSet/postgres")}
    assert ("shop/Deployment/api", "data/StatefulSet/postgres") in some


def test_src_filters_the_text_table_and_the_html_page(capsys: pytest.CaptureFixture[str]) -> None:
    _, text, _ = run(capsys, "matrix", "fixtures/demo", "--src", "*/app=web")
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert rows and all(line.startswith("│ shop/Deployment/web ") for line in rows)
    _, page, _ = run(capsys, "matrix", "fixtures/demo", "--src", "*/app=web", "--format", "html")
    assert '"shop/Deployment/web",3,"Deployment",0,' in page and ',1,1]' in page


def test_an_unknown_endpoint_in_a_filter_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "matrix", "fixtures/demo", "--src", "nowhere/x")
    assert code == 2 and out == "" and "nowhere" in err


def _expected_cells(everything: dict[tuple[str, str], Any], endpoints: list[dict[str, Any]],
                    singles: set[str]) -> dict[tuple[str, str], tuple[int, int]]:
    ns = {e["id"]: e["namespace"] for e in endpoints}
    count = Counter(ns.values())
    out = {}
    for a in count:
        for b in count:
            total = count[a] * count[b] - (sum(1 for s in singles if ns[s] == a) if a == b else 0)
            allowed = sum(1 for (s, d) in everything if ns[s] == a and ns[d] == b)
            if total:  # a cell without pairs (one pod alone in its namespace) is left out
                out[(a, b)] = (total, allowed)
    return out


def test_the_namespace_matrix_counts_the_endpoint_pairs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "matrix", "fixtures/demo", "--by", "namespace", "--format", "json")
    assert code == 0
    cells = {(c["src"], c["dst"]): c for c in json.loads(out)["cells"]}
    _, full, _ = run(capsys, "matrix", "fixtures/demo", "--format", "json")
    data = json.loads(full)
    everything = {(c["src"], c["dst"]) for c in data["connections"]}
    singles = {"shop/debug", "data/StatefulSet/postgres", "monitoring/Deployment/prometheus"}  # one pod each
    expected = _expected_cells(dict.fromkeys(everything), data["endpoints"], singles)
    assert {k: (c["pairs"], c["allowed"]) for k, c in cells.items()} == expected
    assert cells[("shop", "kube-system")]["status"] == "all"
    assert cells[("shop", "data")]["status"] == "some"
    assert cells[("shop", "monitoring")]["status"] == "none"


def test_the_namespace_matrix_as_text_says_all_some_none_with_counts(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "matrix", "fixtures/demo", "--by", "namespace")
    assert out.startswith("4 namespaces, 19 allowed pairs of 46 (any port)")
    assert "│ shop           │ data         │ some    │ 1 of 6 (some ports)" in out


def test_by_namespace_is_for_matrix_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "lint", "fixtures/demo", "--by", "namespace")
    assert code == 2 and "matrix only" in err


def test_the_namespace_matrix_of_a_generated_cluster_agrees_with_its_pairs(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_cluster.py"), "--pods", "200", "--policies", "20",
                    "--out", str(tmp_path)], check=True, capture_output=True)
    args = (str(tmp_path / "cluster"), str(tmp_path / "policies"))
    _, out, _ = run(capsys, "matrix", *args, "--by", "namespace", "--format", "json")
    cells = json.loads(out)["cells"]
    _, full, _ = run(capsys, "matrix", *args, "--format", "json")
    assert sum(c["allowed"] for c in cells) == len(json.loads(full)["connections"])


def test_namespace_flag_with_files_reports_the_pairs_inside_the_namespace(capsys: pytest.CaptureFixture[str]) -> None:
    everything = pairs(capsys, "fixtures/demo")
    inside = pairs(capsys, "fixtures/demo", "-n", "shop")
    assert inside == {k: v for k, v in everything.items() if k[0].startswith("shop/") and k[1].startswith("shop/")}
    assert ("shop/Deployment/web", "shop/Deployment/api") in inside
    code, _, err = run(capsys, "lint", "fixtures/demo", "-n", "shop")
    assert code != 2 and "only apply with --cluster" not in err, "other commands keep only the namespace's objects"
