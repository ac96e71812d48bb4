"""Smoke test of benchmarks/run.py at the smallest size: it runs and reports every phase and command.

Times are measured, never asserted (the machine is shared); only the shape of the report is.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "run.py"


def _run_module() -> ModuleType:
    """benchmarks/run.py imported as a module (it is a script, not part of the package)."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import run  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(SCRIPT.parent))
    return run  # type: ignore[no-any-return]


@dataclass(frozen=True)
class BenchRun:
    out: Path
    stdout: str
    report: dict[str, Any]


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> BenchRun:
    """One run at 100 pods with 2 admin policies, shared by the tests that read its report or its cache."""
    tmp_path = tmp_path_factory.mktemp("bench")
    report = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "100", "--admin", "2", "--out",
                           str(tmp_path / "out"), "--json", str(report)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return BenchRun(tmp_path / "out", done.stdout, json.loads(report.read_text()))


def test_run_at_100_pods_reports_floor_phases_and_commands(bench_run: BenchRun) -> None:
    done, data = bench_run, bench_run.report
    assert "floor (PyYAML C parse)" in done.stdout and "matrix" in done.stdout and "machine:" in done.stdout

    (size,) = data["sizes"]
    assert (size["pods"], size["policies"]) == (100, 10)
    assert size["floor"]["exit"] == 0 and size["floor"]["peak_mib"] > 0
    commands = size["commands"]
    assert {"matrix", "can", "check (inventory)", "check (any)", "diff", "diff (heavy)", "equiv", "exposure"} \
        <= set(commands)
    if importlib.util.find_spec("yaml_rs") is not None:  # the fast parser's own floor, and every ratio to it
        assert size["fast_floor"]["exit"] == 0 and "fast floor (yaml-rs parse)" in done.stdout
        assert all(result["x_fast_floor_cpu"] > 0 for result in commands.values())
    assert commands["diff (heavy)"]["output_bytes"] > 0  # its JSON is kept to measure its size
    assert commands["diff (heavy, --pairs)"]["output_bytes"] > 0  # and the per-pair listing's, with its peak RSS
    assert size["heavy_mutations"] == 1 and "changes" in size["diff_heavy_summary"]
    assert "diff (heavy)" in done.stdout
    assert size["facts"]["endpoints_n"] >= size["facts"]["classes_n"] > 0
    for name, result in commands.items():
        assert result["exit"] in (0, 1), (name, result["stderr"])  # allowed/denied, never an input error
        assert result["x_floor"] > 0 and result["peak_mib"] > 0
        phases = result["phases"]
        assert phases["exit"] == result["exit"], name
        assert set(phases) >= {"load", "compile", "endpoints", "graph", "query", "total", "peak_mib"}
        assert phases["load"] > 0, f"{name} reads its input"
        parts = sum(phases[p] for p in ("load", "compile", "endpoints", "graph", "query"))
        assert abs(parts - phases["total"]) < 0.01, f"{name}: the phases split the run"
    assert commands["matrix"]["phases"]["graph"] > 0, "the matrix is computed by the graph engine"


def test_admin_policies_are_timed_in_every_command(bench_run: BenchRun) -> None:
    """--admin N: every command again with the admin policies loaded, against a floor that parses them too."""
    (size,) = bench_run.report["sizes"]
    commands = size["commands"]
    names = {"can (admin tiers)", "matrix (admin tiers)", "check (inventory, admin tiers)",
             "check (any, admin tiers)", "diff (heavy, admin tiers)", "equiv (admin tiers)", "lint (admin tiers)",
             "exposure (admin tiers)", "blast-radius (admin tiers)"}
    assert names <= set(commands)
    for name in names:
        assert name in bench_run.stdout
        assert commands[name]["exit"] in (0, 1), (name, commands[name]["stderr"])
    for floor in ("floor_admin", "floor_diff_admin", "floor_diff_heavy_admin"):
        assert size[floor]["exit"] == 0
    assert size["floor_admin"]["cpu_s"] > 0
    out = bench_run.out / "p100"
    for version in ("diff-admin/base", "diff-admin/head", "diff-heavy-admin/base", "diff-heavy-admin/head"):
        assert (out / version / "admin").is_dir() and (out / version / "cluster").is_dir()


def test_phase_child_reports_the_command_exit_code_and_its_phases(tmp_path: Path) -> None:
    report = tmp_path / "phases.json"
    demo = str(SCRIPT.parents[1] / "fixtures" / "demo")
    done = subprocess.run([sys.executable, str(SCRIPT), "--phases-out", str(report), "--",
                           "can", "shop/web", "data/postgres", demo, "--port", "5432"], capture_output=True, text=True,
                          timeout=600)
    phases = json.loads(report.read_text())
    assert done.returncode == phases["exit"] == 1, "web may not reach postgres in the demo"
    assert phases["graph"] == 0, "can evaluates the pair without building the graph"
    assert phases["peak_mib"]["query"] >= phases["peak_mib"]["load"] > 0


def test_generated_input_is_cached_between_runs(bench_run: BenchRun) -> None:
    """A second run over the same --out reads the input the first one generated (the shared run above)."""
    pods = bench_run.out / "p100" / "cluster" / "pods.yaml"
    stamp = pods.stat().st_mtime_ns
    run = _run_module()
    assert run.generate(100, bench_run.out, admin=2) == bench_run.out / "p100"
    assert pods.stat().st_mtime_ns == stamp


def test_facts_skip_an_empty_first_graph() -> None:
    """facts_of reads the first graph with endpoints: a command whose first graph is empty (one side of a diff
    without pods) no longer fails with an IndexError."""
    run = _run_module()

    class Graph:
        def __init__(self, endpoints: list[object]) -> None:
            self.endpoints, self.reps = endpoints, endpoints

    class Endpoint:
        def __init__(self, name: str) -> None:
            self.id = name

    clock = run.PhaseClock()
    clock.graphs = [Graph([]), Graph([Endpoint("a/x"), Endpoint("b/y")])]
    assert run.facts_of(clock) == {"endpoints_n": 2, "classes_n": 2, "pair": ["a/x", "b/y"]}
    clock.graphs = [Graph([])]
    assert run.facts_of(clock) == {}

