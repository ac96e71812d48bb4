#!/usr/bin/env python3
"""Benchmark netverify on generated clusters, against the cost of merely reading the input.

    python benchmarks/run.py                      # 100, 1000, 3000, 10000 pods (10 pods per policy)
    python benchmarks/run.py --sizes 1000,3000 --json bench.json
    python benchmarks/run.py --full               # adds 100000 pods / 10000 policies
    python benchmarks/run.py --nca                # also network-config-analyzer 2.1.0, in its own venv

For each size the input is generated once (benchmarks/out/, gitignored). Each command runs
in its own process (`python -m netverify ...`); its wall time and peak RSS (os.wait4) are
recorded. The floor is a process that only parses the same files with PyYAML's C loader
(`yaml.load_all(..., Loader=yaml.CSafeLoader)`); every command is also shown as a multiple
of it. Per-phase times (load, compile, endpoints, graph, query) come from one in-process run.
network-config-analyzer is never a netverify dependency: --nca installs it into
benchmarks/out/nca-venv.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUICK_SIZES = (100, 1000, 3000, 10000)
FULL_SIZE = 100_000
PODS_PER_POLICY = 10
MUTATIONS = 10
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


def run_measured(cmd: list[str], cwd: Path | None = None, timeout: float = 3600.0) -> dict[str, Any]:
    """Run a process with output to /dev/null; its wall time, peak RSS (MiB) and exit code."""
    with open(os.devnull, "wb") as devnull, open(os.devnull, "rb") as nothing:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=subprocess.PIPE, stdin=nothing, cwd=cwd)
        assert proc.stderr is not None
        err = proc.stderr.read()
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
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss_kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss // 1024
    return {"wall_s": round(wall, 3), "peak_mib": round(rss_kib / 1024, 1), "exit": proc.returncode,
            "stderr": err.decode("utf-8", "replace")[-400:]}


def generate(pods: int, out: Path) -> Path:
    target = out / f"p{pods}"
    done = target / ".done"
    if not done.exists():
        subprocess.run([sys.executable, str(HERE / "gen_cluster.py"), "--pods", str(pods), "--policies",
                        str(max(1, pods // PODS_PER_POLICY)), "--seed", "7", "--mutate", str(MUTATIONS),
                        "--out", str(target)], check=True, stderr=subprocess.DEVNULL)
        for side, policies in (("base", "policies"), ("head", "policies-mutated")):
            d = target / "diff" / side
            d.mkdir(parents=True, exist_ok=True)
            for name, src in (("cluster", "cluster"), ("policies", policies)):
                link = d / name
                if not link.exists():
                    link.symlink_to(Path("..") / ".." / src)
        for scope in SCOPES:
            (target / f"assertions-{scope}.yaml").write_text(ASSERTIONS.format(scope=scope))
        done.write_text("ok\n")
    return target


def yaml_files(*dirs: Path) -> list[str]:
    return [str(p) for d in dirs for p in sorted(d.rglob("*.yaml"))]


def commands() -> set[str]:
    text = subprocess.run([sys.executable, "-m", "netverify", "--help"], capture_output=True, text=True).stdout
    listed = text.split("Commands:", 1)[-1]
    return {line.split()[0] for line in listed.splitlines() if line.strip()}


def phases(data: Path) -> dict[str, Any]:
    """Per-phase wall times of one in-process matrix run (in a child, so memory stays separate)."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--phases-of", str(data)],
                         capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def _phases_main(data: Path) -> None:
    from netverify import report
    from netverify.loaders.manifests import load_paths
    from netverify.queries.context import Analysis
    from netverify.queries.matrix import matrix

    times: dict[str, Any] = {}
    t = time.perf_counter()
    loaded = load_paths((str(data / "cluster"), str(data / "policies")), "default")
    times["load"] = time.perf_counter() - t
    analysis = Analysis(loaded.cluster)
    for phase, compute in (("compile", lambda: analysis.policies), ("endpoints", lambda: analysis.endpoints),
                           ("graph", lambda: analysis.graph)):
        t = time.perf_counter()
        compute()
        times[phase] = time.perf_counter() - t
    t = time.perf_counter()
    with open(os.devnull, "w") as sink:
        report.write(matrix(analysis), "json", sink)
    times["query"] = time.perf_counter() - t
    times = {k: round(v, 3) for k, v in times.items()}
    eps = analysis.endpoints
    times["endpoints_n"] = len(eps)
    times["classes_n"] = len(analysis.graph.reps)
    times["pair"] = [eps[0].id, eps[len(eps) // 2].id]
    print(json.dumps(times))


def bench_size(pods: int, out: Path, available: set[str], nca: Path | None) -> dict[str, Any]:
    data = generate(pods, out)
    cluster, policies = data / "cluster", data / "policies"
    base_files = yaml_files(cluster, policies)
    diff_files = base_files + yaml_files(cluster, data / "policies-mutated")
    py = [sys.executable, "-m", "netverify"]
    row: dict[str, Any] = {"pods": pods, "policies": max(1, pods // PODS_PER_POLICY),
                           "bytes": sum(os.path.getsize(f) for f in base_files)}
    floor = run_measured([sys.executable, "-c", FLOOR_SCRIPT, *base_files])
    floor_diff = run_measured([sys.executable, "-c", FLOOR_SCRIPT, *diff_files])
    row["floor"] = floor
    row["floor_diff"] = floor_diff
    row["phases"] = phases(data)
    src, dst = row["phases"]["pair"]
    runs: dict[str, list[str]] = {
        "matrix": [*py, "matrix", str(cluster), str(policies), "--format", "json"],
        "can": [*py, "can", src, dst, str(cluster), str(policies)],
    }
    if "check" in available:
        for scope in SCOPES:
            runs[f"check ({scope})"] = [*py, "check", str(cluster), str(policies), "--assertions",
                                        str(data / f"assertions-{scope}.yaml")]
    if "diff" in available:
        runs["diff"] = [*py, "diff", str(data / "diff" / "base"), str(data / "diff" / "head")]
    if "lint" in available:
        runs["lint"] = [*py, "lint", str(cluster), str(policies)]
    results: dict[str, Any] = {}
    for name, cmd in runs.items():
        r = run_measured(cmd)
        base = floor_diff if name == "diff" else floor
        r["x_floor"] = round(r["wall_s"] / base["wall_s"], 2) if base["wall_s"] else None
        results[name] = r
    row["commands"] = results
    if nca is not None:
        row["nca"] = run_nca(nca, data)
    return row


# --- network-config-analyzer (optional, never a netverify dependency) -------------------------


def nca_venv(out: Path) -> tuple[Path | None, str]:
    venv = out / "nca-venv"
    exe = venv / "bin" / "nca"
    if exe.exists():
        return exe, "installed"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "-q"]
    got = subprocess.run([*pip, "install", f"network-config-analyzer=={NCA_VERSION}"], capture_output=True, text=True)
    if got.returncode != 0 or not exe.exists():
        return None, f"could not install network-config-analyzer {NCA_VERSION}: {got.stderr.strip()[-300:]}"
    return exe, "installed"


def run_nca(exe: Path, data: Path) -> dict[str, Any]:
    res = {}
    res["connectivity"] = run_measured([str(exe), "--connectivity", str(data / "policies"), "--pod_list",
                                        str(data / "cluster"), "--ns_list", str(data / "cluster"),
                                        "--output_format", "txt"], timeout=600)
    res["semantic_diff"] = run_measured([str(exe), "--semantic_diff", str(data / "policies-mutated"),
                                         "--base_np_list", str(data / "policies"), "--pod_list",
                                         str(data / "cluster"), "--ns_list", str(data / "cluster")], timeout=600)
    return res


# --- output -----------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'pods/policies':>15} {'command':<17} {'wall s':>8} {'peak MiB':>9} {'x floor':>8}"]
    for row in rows:
        size = f"{row['pods']}/{row['policies']}"
        f = row["floor"]
        lines.append(f"{size:>15} {'floor (C parse)':<17} {f['wall_s']:>8.2f} {f['peak_mib']:>9.0f} {1:>8.2f}")
        for name, r in row["commands"].items():
            mark = "" if r["exit"] in (0, 1) else f"  exit {r['exit']}"
            xf = f"{r['x_floor']:.2f}" if r["x_floor"] is not None else "-"
            lines.append(f"{'':>15} {name:<17} {r['wall_s']:>8.2f} {r['peak_mib']:>9.0f} {xf:>8}{mark}")
        p = row["phases"]
        lines.append(f"{'':>15} phases: load {p['load']:.2f}, compile {p['compile']:.2f}, endpoints "
                     f"{p['endpoints']:.2f}, graph {p['graph']:.2f}, matrix json {p['query']:.2f} "
                     f"({p['endpoints_n']} endpoints, {p['classes_n']} classes)")
        for name, r in row.get("nca", {}).items():
            ours = row["commands"]["matrix" if name == "connectivity" else "diff"]["wall_s"] \
                if (name == "connectivity" or "diff" in row["commands"]) else None
            ratio = f"  (netverify {r['wall_s'] / ours:.1f}x faster)" if ours and r["exit"] == 0 else ""
            lines.append(f"{'':>15} nca {name:<12} {r['wall_s']:>8.2f} {r['peak_mib']:>9.0f}{ratio}"
                         + ("" if r["exit"] == 0 else f"  exit {r['exit']}"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", help="comma-separated pod counts (default: 100,1000,3000,10000)")
    ap.add_argument("--full", action="store_true", help=f"add {FULL_SIZE} pods / {FULL_SIZE // 10} policies")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--out", default=str(HERE / "out"), help="where generated input is cached")
    ap.add_argument("--nca", action="store_true", help=f"also run network-config-analyzer {NCA_VERSION}")
    ap.add_argument("--phases-of", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.phases_of:
        _phases_main(Path(args.phases_of))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(QUICK_SIZES)
    if args.full and FULL_SIZE not in sizes:
        sizes.append(FULL_SIZE)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    nca = None
    if args.nca:
        nca, status = nca_venv(out)
        if nca is None:
            print(status, file=sys.stderr)
    available = commands()
    rows = []
    for pods in sizes:
        rows.append(bench_size(pods, out, available, nca))
        print(table(rows[-1:]).split("\n", 1)[1] if len(rows) > 1 else table(rows[-1:]), flush=True)
    print(f"\nmachine: {machine()}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "sizes": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
