#!/usr/bin/env python3
"""Benchmark netverify on generated clusters, against the cost of merely reading the input.

    python benchmarks/run.py                      # 100, 1000, 3000, 10000 pods (10 pods per policy)
    python benchmarks/run.py --sizes 1000,3000 --json bench.json
    python benchmarks/run.py --full               # adds 100000 pods / 10000 policies
    python benchmarks/run.py --nca                # also network-config-analyzer 2.1.0, in its own venv

For each size the input is generated once (benchmarks/out/, gitignored). `diff` compares the
policies with MUTATIONS edits; `diff (heavy)` with one policy in ten edited (`--format json`,
whose output size is recorded as `output_bytes`), and `diff (heavy, --pairs)` the same change
listed pair by pair (its output size and peak RSS: the streaming bound). With `--admin N`, N admin
network policies are generated too and every command runs again with them loaded ("(admin tiers)"
rows: can, matrix, check in both scopes, diff (heavy), equiv, lint, exposure, blast-radius), each
against a floor that parses the admin policies as well. Each command runs
in its own process (`python benchmarks/run.py --phases-out F -- ARGS`, which runs netverify's
CLI in-process with its output sent to /dev/null); its wall time and peak RSS (os.wait4) are
recorded by this process, and the child reports how its run split into phases: load
(manifests read and validated), compile, endpoints, graph (the class-level reachability
engine) and query (everything else: the command's own work and its output), each with the
peak RSS reached by its end. The floor is a process that only parses the same files with
PyYAML's C loader (`yaml.load_all(..., Loader=yaml.CSafeLoader)`); every command is also
shown as a multiple of it. A second floor, when yaml-rs (netverify's optional fast parser,
`pip install '.[fast]'`) is installed: yaml-rs parsing the same files to Python objects;
every command is shown as a multiple of that one too ("x fast floor").

network-config-analyzer is never a netverify dependency: --nca runs it from its own virtualenv,
found by --nca-venv DIR or the NCA_VENV environment variable (benchmarks/out/nca-venv by default),
and installed there with pip on first use. It is run at sizes up to --nca-max-pods (3,000).

Unattended at 10,000 and 100,000 pods (each command in its own process, killed at --timeout,
memory bounded with --mem-limit):  python benchmarks/run.py --sizes 100000 --timeout 900 --mem-limit 8
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUICK_SIZES = (100, 1000, 3000, 10000)
FULL_SIZE = 100_000
PODS_PER_POLICY = 10
MUTATIONS = 10
HEAVY_SHARE = 10  # diff (heavy): one policy in this many edited
NCA_VERSION = "2.1.0"

# Assertion files for `check`, one per scope (docs/assertions.md); every generated cluster has
# kube-system DNS. Whether they hold does not matter here (exit 0 or 1), only what proving costs.
ASSERTIONS = """\
apiVersion: netverify.dev/v1alpha1
kind: Assertions
assertions:
  - name: kube-system-closed-to-ssh
    from: "*/*"
    to: "kube-system/*"
    ports: ["22/TCP"]
    scope: {scope}
    expect: deny
  - name: dns-reachable
    from: "*/*"
    to: "kube-system/k8s-app=kube-dns"
    ports: ["53/UDP"]
    scope: {scope}
    expect: allow
"""
SCOPES = ("inventory", "any")

FLOOR_SCRIPT = """\
import sys, yaml
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        for _ in yaml.load_all(f, Loader=yaml.CSafeLoader):
            pass
"""
# The new parser's own floor: yaml-rs reading the same files to Python objects, document by document as the fast
# path reads them (one multi-document string at a time would hold a whole 100,000-pod file's objects at once).
FAST_FLOOR_SCRIPT = """\
import re, sys, yaml_rs
boundary = re.compile(r"\\n(?=---(?:[ \\n]|$))")
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        for doc in boundary.split(f.read()):
            yaml_rs.loads(doc, parse_datetime=False)
"""


def fast_parser_installed() -> bool:
    return subprocess.run([sys.executable, "-c", "import yaml_rs"], capture_output=True).returncode == 0


MEMORY_LIMIT: list[int] = []  # bytes of address space per measured process (--mem-limit), none when empty


def _limit_memory() -> None:
    import resource

    if MEMORY_LIMIT:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT[0], MEMORY_LIMIT[0]))


def run_measured(cmd: list[str], cwd: Path | None = None, timeout: float = 3600.0,
                 output: Path | None = None) -> dict[str, Any]:
    """Run a process with output to /dev/null (or to `output`): its wall and CPU time, peak RSS (MiB)
    and exit code.

    A process still running at the timeout is killed (exit -9, timed_out true)."""
    with open(output or os.devnull, "wb") as sink, open(os.devnull, "rb") as nothing, \
            tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=err, stdin=nothing, cwd=cwd, preexec_fn=_limit_memory)
        deadline = start + timeout
        while True:  # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the max of all)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read()[-400:].decode("utf-8", "replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss_kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss // 1024
    out = {"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
           "peak_mib": round(rss_kib / 1024, 1), "exit": proc.returncode, "timed_out": wall >= timeout,
           "stderr": stderr}
    if output is not None:
        out["output_bytes"] = output.stat().st_size
    return out


def heavy_mutations(pods: int) -> int:
    return max(1, pods // PODS_PER_POLICY // HEAVY_SHARE)


def generate(pods: int, out: Path, admin: int = 0) -> Path:
    target = out / f"p{pods}"
    done = target / ".done-heavy"  # inputs cached before the heavy mutation existed are generated again
    admin_done = target / f".done-admin-{admin}"
    if not done.exists() or (admin and not admin_done.exists()):
        subprocess.run([sys.executable, str(HERE / "gen_cluster.py"), "--pods", str(pods), "--policies",
                        str(max(1, pods // PODS_PER_POLICY)), "--seed", "7", "--mutate", str(MUTATIONS),
                        "--heavy", str(heavy_mutations(pods)), "--admin", str(admin), "--out", str(target)],
                       check=True, stderr=subprocess.DEVNULL)
        if admin:
            admin_done.write_text("ok\n")
        for scope in SCOPES:
            (target / f"assertions-{scope}.yaml").write_text(ASSERTIONS.format(scope=scope))
        done.write_text("ok\n")
    # Each version as one directory of links (made also over inputs cached by an older run.py); with --admin,
    # versions that hold the admin policies on both sides too.
    versions: list[tuple[str, tuple[str, ...]]] = [("", ()), *([("-admin", ("admin",))] if admin else [])]
    for diff, side, policies in (("diff", "base", "policies"), ("diff", "head", "policies-mutated"),
                                 ("diff-heavy", "base", "policies"), ("diff-heavy", "head", "policies-heavy")):
        for suffix, extra in versions:
            d = target / f"{diff}{suffix}" / side
            d.mkdir(parents=True, exist_ok=True)
            for name, src in (("cluster", "cluster"), ("policies", policies), *((e, e) for e in extra)):
                link = d / name
                if not link.exists():
                    link.symlink_to(Path("..") / ".." / src)
    return target


def yaml_files(*dirs: Path) -> list[str]:
    return [str(p) for d in dirs for p in sorted(d.rglob("*.yaml"))]


def commands() -> set[str]:
    text = subprocess.run([sys.executable, "-m", "netverify", "--help"], capture_output=True, text=True).stdout
    listed = text.split("Commands:", 1)[-1]
    return {line.split()[0] for line in listed.splitlines() if line.strip()}


# --- phases of one command (runs in the measured child process) --------------------------------

# The functions that delimit the phases of every command; the rest of a run is the query.
PHASE_FUNCTIONS = (
    ("load", "netverify.loaders.manifests", "load_paths"),
    ("compile", "netverify.semantics.compile", "compile_policies"),
    ("endpoints", "netverify.semantics.endpoints", "build_endpoints"),
)
PHASES = ("load", "compile", "endpoints", "graph", "query")


class PhaseClock:
    """Exclusive wall time per phase (a phase nested in another is charged to itself only) and
    the peak RSS (MiB) reached by the end of each phase."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self.peak_mib = dict.fromkeys(PHASES, 0.0)
        self.graphs: list[Any] = []
        self.report: Path | None = None
        self._stack: list[list[Any]] = []  # [phase, start, time spent in nested phases]

    def wrap(self, phase: str, fn: Any) -> Any:
        clock = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            clock._stack.append([phase, time.perf_counter(), 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                _, start, nested = clock._stack.pop()
                spent = time.perf_counter() - start
                clock.seconds[phase] += spent - nested
                clock.peak_mib[phase] = max(clock.peak_mib[phase], _peak_mib())
                if clock._stack:
                    clock._stack[-1][2] += spent
        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        return timed


    def save_partial(self) -> None:
        """The phases so far and the facts, for the runner to read even if the command is then killed."""
        if self.report is not None:
            self.report.write_text(json.dumps({"partial": True, **{p: round(self.seconds[p], 3) for p in PHASES
                                                                    if p != "query"}, "facts": facts_of(self)}))


def _peak_mib() -> float:
    import resource

    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 1024 / 1024


def _install(clock: PhaseClock) -> None:
    """Wrap the phase functions in their own modules and wherever the CLI's imports bound them by
    name; modules imported later (lazily, by a command) bind the wrapped functions."""
    import importlib

    import netverify.cli  # noqa: F401  (what `python -m netverify` imports before any command runs)
    from netverify.engines.graph import ReachabilityGraph

    wrapped = {}
    for phase, mod, name in PHASE_FUNCTIONS:
        fn = getattr(importlib.import_module(mod), name)
        wrapped[id(fn)] = clock.wrap(phase, fn)
    for module in [m for n, m in list(sys.modules.items()) if n.startswith("netverify") and m is not None]:
        for attr, value in list(vars(module).items()):
            if id(value) in wrapped:
                setattr(module, attr, wrapped[id(value)])
    build = clock.wrap("graph", ReachabilityGraph.__init__)

    def init(graph: Any, *args: Any, **kwargs: Any) -> None:
        build(graph, *args, **kwargs)
        clock.graphs.append(graph)
        clock.save_partial()
    ReachabilityGraph.__init__ = init  # type: ignore[method-assign,assignment]


def facts_of(clock: PhaseClock) -> dict[str, Any]:
    """Endpoint and class counts of the (first) graph built, and a pair of endpoints for `can`."""
    graphs = [g for g in clock.graphs if len(g.endpoints)]  # the first graph may be empty (a side with no pods)
    if not graphs:
        return {}
    g = graphs[0]
    eps = g.endpoints
    return {"endpoints_n": len(eps), "classes_n": len(g.reps), "pair": [eps[0].id, eps[len(eps) // 2].id]}


def _phases_main(report: Path, command: list[str]) -> int:
    clock = PhaseClock()
    clock.report = report
    _install(clock)
    from netverify.cli import main as cli_main

    start = time.perf_counter()
    code = cli_main(command)  # stdout is /dev/null (run_measured)
    total = time.perf_counter() - start
    clock.seconds["query"] = total - sum(clock.seconds[p] for p in PHASES if p != "query")
    clock.peak_mib["query"] = _peak_mib()
    report.write_text(json.dumps({"exit": code, "total": round(total, 3),
                                  **{p: round(clock.seconds[p], 3) for p in PHASES},
                                  "peak_mib": {p: round(clock.peak_mib[p], 1) for p in PHASES},
                                  "facts": facts_of(clock)}))
    return code


def netverify_run(args: list[str], scratch: Path, timeout: float, output: Path | None = None) -> dict[str, Any]:
    """One netverify command in its own process: wall, CPU, peak RSS and exit, plus its phases
    (its output goes to /dev/null, or to `output` when its size is wanted)."""
    report = scratch / "phases.json"
    report.unlink(missing_ok=True)
    r = run_measured([sys.executable, str(Path(__file__).resolve()), "--phases-out", str(report), "--", *args],
                     timeout=timeout, output=output)
    if report.exists():
        r["phases"] = json.loads(report.read_text())
    return r


def bench_size(pods: int, out: Path, available: set[str], nca: Path | None, nca_max_pods: int,
               nca_timeout: float, timeout: float, admin: int = 0) -> dict[str, Any]:
    data = generate(pods, out, admin)
    cluster, policies = data / "cluster", data / "policies"
    base_files = yaml_files(cluster, policies)
    diff_files = base_files + yaml_files(cluster, data / "policies-mutated")
    heavy_files = base_files + yaml_files(cluster, data / "policies-heavy")
    row: dict[str, Any] = {"pods": pods, "policies": max(1, pods // PODS_PER_POLICY),
                           "bytes": sum(os.path.getsize(f) for f in base_files)}
    row["floor"] = run_measured([sys.executable, "-c", FLOOR_SCRIPT, *base_files])
    row["floor_diff"] = run_measured([sys.executable, "-c", FLOOR_SCRIPT, *diff_files])
    row["floor_diff_heavy"] = run_measured([sys.executable, "-c", FLOOR_SCRIPT, *heavy_files])
    if fast_parser_installed():
        row["fast_floor"] = run_measured([sys.executable, "-c", FAST_FLOOR_SCRIPT, *base_files])
        row["fast_floor_diff"] = run_measured([sys.executable, "-c", FAST_FLOOR_SCRIPT, *diff_files])
        row["fast_floor_diff_heavy"] = run_measured([sys.executable, "-c", FAST_FLOOR_SCRIPT, *heavy_files])
    inv = [str(cluster), str(policies)]
    results: dict[str, Any] = {}
    results["matrix"] = netverify_run(["matrix", *inv, "--format", "json"], data, timeout)
    facts = results["matrix"].get("phases", {}).get("facts", {})
    # Services as the destinations: every client against every Service, per backend (queries/service_cells)
    results["matrix (by service)"] = netverify_run(["matrix", *inv, "--by", "service", "--format", "json"], data,
                                                   timeout)
    row["facts"] = facts
    if "pair" in facts:
        results["can"] = netverify_run(["can", *facts["pair"], *inv], data, timeout)
    if "check" in available:
        for scope in SCOPES:
            results[f"check ({scope})"] = netverify_run(
                ["check", *inv, "--assertions", str(data / f"assertions-{scope}.yaml")], data, timeout)
    if "diff" in available:
        diff = ["diff", str(data / "diff" / "base"), str(data / "diff" / "head")]
        results["diff"] = netverify_run(diff, data, timeout)
        heavy = ["diff", str(data / "diff-heavy" / "base"), str(data / "diff-heavy" / "head"), "--format", "json"]
        results["diff (heavy)"] = netverify_run(heavy, data, timeout, output=data / "diff-heavy.json")
        row["heavy_mutations"] = heavy_mutations(pods)
        row["diff_heavy_summary"] = _diff_summary(data / "diff-heavy.json")
        # --pairs streams every pair: its output size and peak RSS (the memory bound of issue 17)
        pairs_out = data / "diff-heavy-pairs.json"
        results["diff (heavy, --pairs)"] = netverify_run([*heavy, "--pairs"], data, timeout, output=pairs_out)
        pairs_out.unlink(missing_ok=True)
    if "equiv" in available:  # the two policy versions of `diff`, over one inventory (exit 1: they differ)
        results["equiv"] = netverify_run(["equiv", str(data / "diff" / "base"), str(data / "diff" / "head")], data,
                                         timeout)
    if "lint" in available:
        results["lint"] = netverify_run(["lint", *inv], data, timeout)
    if "exposure" in available:
        results["exposure"] = netverify_run(["exposure", *inv, "--format", "json"], data, timeout)
    if "blast-radius" in available and "pair" in facts:  # from one endpoint, and from the internet (docs/paths.md)
        results["blast-radius"] = netverify_run(["blast-radius", facts["pair"][0], *inv, "--format", "json"], data,
                                                timeout)
        results["blast-radius (internet)"] = netverify_run(
            ["blast-radius", "--from", "internet", *inv, "--format", "json"], data, timeout)
    floor_of = {"diff": "floor_diff", "diff (heavy)": "floor_diff_heavy", "diff (heavy, --pairs)": "floor_diff_heavy",
                "equiv": "floor_diff"}
    if admin and "pair" in facts:  # the three tiers (--admin N): every command again, the admin policies added
        admin_files = yaml_files(data / "admin")
        row["floor_admin"] = run_measured([sys.executable, "-c", FLOOR_SCRIPT, *base_files, *admin_files])
        row["floor_diff_admin"] = run_measured([sys.executable, "-c", FLOOR_SCRIPT, *diff_files, *admin_files,
                                                *admin_files])
        row["floor_diff_heavy_admin"] = run_measured([sys.executable, "-c", FLOOR_SCRIPT, *heavy_files,
                                                      *admin_files, *admin_files])
        if fast_parser_installed():
            row["fast_floor_admin"] = run_measured([sys.executable, "-c", FAST_FLOOR_SCRIPT, *base_files,
                                                    *admin_files])
            row["fast_floor_diff_admin"] = run_measured([sys.executable, "-c", FAST_FLOOR_SCRIPT, *diff_files,
                                                         *admin_files, *admin_files])
            row["fast_floor_diff_heavy_admin"] = run_measured([sys.executable, "-c", FAST_FLOOR_SCRIPT,
                                                               *heavy_files, *admin_files, *admin_files])
        tiered = admin_tier_runs(data, facts, available, timeout)
        results.update(tiered)
        floor_of.update({name: "floor_admin" for name in tiered})
        floor_of.update({ADMIN_DIFF_HEAVY: "floor_diff_heavy_admin", ADMIN_EQUIV: "floor_diff_admin"})
    for name, r in results.items():
        base = row[floor_of.get(name, "floor")]
        r["x_floor"] = round(r["wall_s"] / base["wall_s"], 2) if base["wall_s"] else None
        r["x_floor_cpu"] = round(r["cpu_s"] / base["cpu_s"], 2) if base["cpu_s"] else None
        fast = row.get("fast_" + floor_of.get(name, "floor"))
        if fast and fast["cpu_s"]:
            r["x_fast_floor_cpu"] = round(r["cpu_s"] / fast["cpu_s"], 2)
    row["commands"] = results
    if nca is not None:
        if pods <= nca_max_pods:
            row["nca"] = run_nca(nca, data, nca_timeout)
        else:
            row["nca_note"] = f"network-config-analyzer not run above {nca_max_pods} pods (--nca-max-pods)"
    return row


ADMIN_DIFF_HEAVY = "diff (heavy, admin tiers)"
ADMIN_EQUIV = "equiv (admin tiers)"


def admin_tier_runs(data: Path, facts: dict[str, Any], available: set[str], timeout: float) -> dict[str, Any]:
    """Every command with the generated admin policies loaded (--admin N): the single-inventory commands read
    data/admin beside the cluster and policies; diff (heavy) and equiv compare versions that both hold them
    (diff-heavy-admin/, diff-admin/), so what changes is a NetworkPolicy edit under the admin tiers."""
    tiers = [str(data / "cluster"), str(data / "policies"), str(data / "admin")]
    runs: dict[str, list[str]] = {
        "can (admin tiers)": ["can", *facts["pair"], *tiers],
        "matrix (admin tiers)": ["matrix", *tiers, "--format", "json"],
    }
    if "check" in available:
        for scope in SCOPES:
            runs[f"check ({scope}, admin tiers)"] = ["check", *tiers, "--assertions",
                                                     str(data / f"assertions-{scope}.yaml")]
    if "diff" in available:
        runs[ADMIN_DIFF_HEAVY] = ["diff", str(data / "diff-heavy-admin" / "base"),
                                  str(data / "diff-heavy-admin" / "head"), "--format", "json"]
    if "equiv" in available:
        runs[ADMIN_EQUIV] = ["equiv", str(data / "diff-admin" / "base"), str(data / "diff-admin" / "head")]
    if "lint" in available:
        runs["lint (admin tiers)"] = ["lint", *tiers]
    if "exposure" in available:
        runs["exposure (admin tiers)"] = ["exposure", *tiers, "--format", "json"]
    if "blast-radius" in available:
        runs["blast-radius (admin tiers)"] = ["blast-radius", facts["pair"][0], *tiers, "--format", "json"]
    return {name: netverify_run(args, data, timeout) for name, args in runs.items()}


def _diff_summary(path: Path) -> dict[str, Any]:
    """The `summary` of a diff's JSON output (empty when the run wrote none)."""
    try:
        return dict(json.loads(path.read_text()).get("summary", {}))
    except (OSError, ValueError):
        return {}


# --- network-config-analyzer (optional, never a netverify dependency) -------------------------


def nca_venv(venv: Path) -> tuple[Path | None, str]:
    """The `nca` executable, installed from PyPI into its own virtualenv on first use."""
    exe = venv / "bin" / "nca"
    if exe.exists():
        return exe, "installed"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "-q"]
    got = subprocess.run([*pip, "install", f"network-config-analyzer=={NCA_VERSION}"], capture_output=True, text=True)
    if got.returncode != 0 or not exe.exists():
        return None, f"could not install network-config-analyzer {NCA_VERSION}: {got.stderr.strip()[-300:]}"
    return exe, "installed"


def run_nca(exe: Path, data: Path, timeout: float) -> dict[str, Any]:
    """Its connectivity map (txt, its fastest output) and the semantic diff of the two policy versions.

    Exit 0 or 1 are answers (1: the versions differ); a run killed at the timeout says so.
    """
    cluster = str(data / "cluster")
    topology = ["--pod_list", cluster, "--ns_list", cluster]
    runs = {
        # Its fastest output of the connectivity map (issue 19): text without the firewall rules.
        "connectivity": [str(exe), "--connectivity", str(data / "policies"), *topology,
                         "--output_format", "txt_no_fw_rules"],
        "semantic_diff": [str(exe), "--semantic_diff", str(data / "policies-mutated"),
                          "--base_np_list", str(data / "policies"), *topology,
                          "--base_pod_list", cluster, "--base_ns_list", cluster],
    }
    return {name: run_measured(cmd, timeout=timeout) for name, cmd in runs.items()}


# --- output -----------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"


def _size(row: dict[str, Any]) -> str:
    return f"{row['pods']:,}/{row['policies']:,}"


def _ratio(nca: dict[str, Any], ours: dict[str, Any] | None) -> str:
    if nca["exit"] not in (0, 1):
        return "timed out" if nca.get("timed_out") else f"exit {nca['exit']}"
    if ours is None or not ours["wall_s"]:
        return ""
    cpu = f", {nca['cpu_s'] / ours['cpu_s']:.0f}x in CPU time" if ours["cpu_s"] else ""
    return f"netverify {nca['wall_s'] / ours['wall_s']:.0f}x faster{cpu}"


NCA_OURS = {"connectivity": "matrix", "semantic_diff": "diff"}


def table(rows: list[dict[str, Any]], header: bool = True) -> str:
    """A Markdown table: one line per command, its phases, and network-config-analyzer's figures."""
    lines = []
    if header:
        lines += ["| pods/policies | command | wall s | cpu s | peak MiB | x floor | x floor cpu | x fast floor cpu | "
                  + " | ".join(PHASES) + " |", "|---|---|---:|---:|---:|---:|---:|---:|" + "---:|" * len(PHASES)]
    for row in rows:
        f = row["floor"]
        lines.append(f"| {_size(row)} | floor (PyYAML C parse) | {f['wall_s']:.2f} | {f['cpu_s']:.2f} | "
                     f"{f['peak_mib']:.0f} | 1.00 | 1.00 | |||||||")
        ff = row.get("fast_floor")
        if ff:
            lines.append(f"| | fast floor (yaml-rs parse) | {ff['wall_s']:.2f} | {ff['cpu_s']:.2f} | "
                         f"{ff['peak_mib']:.0f} | {ff['wall_s'] / f['wall_s']:.2f} | {ff['cpu_s'] / f['cpu_s']:.2f} "
                         "| 1.00 |||||||")
        for name, r in row["commands"].items():
            mark = " (timed out)" if r["timed_out"] else "" if r["exit"] in (0, 1) else f" (exit {r['exit']})"
            xf = f"{'>' if r['timed_out'] else ''}{r['x_floor']:.2f}" if r["x_floor"] is not None else "-"
            ph = r.get("phases", {})
            cells = " | ".join(f"{ph[p]:.2f}" if p in ph else "-" for p in PHASES)
            xc = f"{'>' if r['timed_out'] else ''}{r['x_floor_cpu']:.2f}" if r["x_floor_cpu"] is not None else "-"
            xff = f"{r['x_fast_floor_cpu']:.2f}" if r.get("x_fast_floor_cpu") is not None else "-"
            lines.append(f"| | {name}{mark} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['peak_mib']:.0f} | {xf} "
                         f"| {xc} | {xff} | {cells} |")
        for name, r in row.get("nca", {}).items():
            ours = row["commands"].get(NCA_OURS[name])
            lines.append(f"| | nca {name} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['peak_mib']:.0f} | "
                         f"{r['wall_s'] / f['wall_s']:.2f} | {r['cpu_s'] / f['cpu_s']:.2f} | | {_ratio(r, ours)} |||||")
    return "\n".join(lines)


def notes(rows: list[dict[str, Any]], available: set[str]) -> list[str]:
    out = []
    if "lint" not in available:
        out.append("lint: not measured (`netverify lint` is not a command in this checkout)")
    for row in rows:
        facts = row.get("facts", {})
        if facts:
            out.append(f"{_size(row)}: {facts['endpoints_n']:,} endpoints in {facts['classes_n']:,} classes, "
                       f"{row['bytes'] / 1e6:.1f} MB of YAML")
        heavy = row["commands"].get("diff (heavy)")
        if heavy is not None and "output_bytes" in heavy:
            summary = row.get("diff_heavy_summary", {})
            pairs = sum(summary.get("pairs", {}).values())
            out.append(f"{_size(row)}: diff (heavy), {row['heavy_mutations']:,} policies edited: "
                       f"{pairs:,} pairs in {summary.get('changes', 0):,} changes from "
                       f"{summary.get('causes', 0):,} causes, {heavy['output_bytes'] / 1e6:.2f} MB of JSON "
                       f"in {heavy['wall_s']:.2f} s, peak {heavy['peak_mib']:.0f} MiB")
        listing = row["commands"].get("diff (heavy, --pairs)")
        if listing is not None and "output_bytes" in listing:
            out.append(f"{_size(row)}: diff (heavy) --pairs: {listing['output_bytes'] / 1e6:.2f} MB of JSON in "
                       f"{listing['wall_s']:.2f} s, peak {listing['peak_mib']:.0f} MiB")
        if "nca_note" in row:
            out.append(f"{_size(row)}: {row['nca_note']}")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--phases-out"]:  # the measured child: --phases-out FILE -- netverify arguments
        return _phases_main(Path(argv[1]), argv[3:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", help="comma-separated pod counts (default: 100,1000,3000,10000)")
    ap.add_argument("--full", action="store_true", help=f"add {FULL_SIZE} pods / {FULL_SIZE // 10} policies")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--out", default=str(HERE / "out"), help="where generated input is cached")
    ap.add_argument("--nca", action="store_true", help=f"also run network-config-analyzer {NCA_VERSION}")
    ap.add_argument("--nca-venv", metavar="DIR", default=os.environ.get("NCA_VENV"),
                    help="its virtualenv (default: $NCA_VENV, else OUT/nca-venv; installed there when missing)")
    ap.add_argument("--nca-max-pods", type=int, default=3000, help="largest size to run it on (default: 3000)")
    ap.add_argument("--nca-timeout", type=float, default=900.0, help="seconds per run (default: 900)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per netverify command (default: 3600)")
    ap.add_argument("--admin", type=int, default=0, metavar="N",
                    help="also generate N admin network policies (gen_cluster.py --admin) and time every "
                         "command again with the three tiers")
    ap.add_argument("--mem-limit", type=float, metavar="GIB",
                    help="address-space limit per measured process (a command over it fails with exit 4)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(QUICK_SIZES)
    if args.mem_limit:
        MEMORY_LIMIT.append(int(args.mem_limit * 2**30))
    if args.full and FULL_SIZE not in sizes:
        sizes.append(FULL_SIZE)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    nca = None
    if args.nca:
        nca, status = nca_venv(Path(args.nca_venv) if args.nca_venv else out / "nca-venv")
        if nca is None:
            print(status, file=sys.stderr)
    available = commands()
    if "lint" not in available:
        print("note: `netverify lint` is not a command in this checkout; lint is skipped", flush=True)
    rows = []
    for pods in sizes:
        rows.append(bench_size(pods, out, available, nca, args.nca_max_pods, args.nca_timeout, args.timeout,
                               args.admin))
        print(table(rows[-1:], header=len(rows) == 1), flush=True)
    print()
    for line in notes(rows, available):
        print(f"- {line}")
    print(f"\nmachine: {machine()}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "sizes": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
