#!/usr/bin/env python3
"""Evaluate fast YAML/JSON parsers as netverify's input path (issue 19): speed and agreement with PyYAML.

Runs in a virtualenv of its own (never netverify's dependencies), like `run.py --nca`:

    python benchmarks/parsers.py                 # 3,000 pods / 300 policies, venv in benchmarks/out/parsers-venv
    python benchmarks/parsers.py --pods 10000 --venv /tmp/parsers

For each candidate it reports the best-of-3 CPU time to Python objects (rapidyaml: to its own tree, the
Python objects would still have to be built), whether the objects equal PyYAML's C loader's on the
benchmark files, and on every manifest of the repository's own corpus (fixtures/ and tests/, where
PyYAML reads the file), and the documents where they differ. JSON parsers are timed on the same
objects written as JSON (`kubectl get -o json` and the live cluster's answers).

What this does not measure, and any adoption needs: file:line for every object and rule an answer cites
(none of the Rust/C++ loaders returns marks to Python), and the located errors of the robustness catalogue.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CANDIDATES = ["pyyaml", "yaml-rs", "rapidyaml", "orjson", "msgspec"]

PROBE = r'''
import glob, json, sys, time
import yaml
files, corpus = json.loads(sys.argv[1]), json.loads(sys.argv[2])
data = [open(f, "rb").read() for f in files]

def best(fn, n=3):
    b = 1e9
    for _ in range(n):
        s = time.process_time(); out = fn(); b = min(b, time.process_time() - s)
    return b, out

def pyyaml(d):
    return list(yaml.load_all(d, Loader=yaml.CSafeLoader))

def yaml_rs_docs(d, count):
    # yaml_rs.loads returns the document itself for one document, a list of documents for several.
    import yaml_rs
    r = yaml_rs.loads(d.decode("utf-8"))
    return [r] if count == 1 else r

res = {}
t, ref = best(lambda: [pyyaml(d) for d in data]); res["pyyaml CSafeLoader"] = {"cpu_s": round(t, 3)}
try:
    t, got = best(lambda: [yaml_rs_docs(d, len(r)) for d, r in zip(data, ref)])
    res["yaml-rs"] = {"cpu_s": round(t, 3), "equal_on_benchmark": got == ref}
except Exception as exc:
    res["yaml-rs"] = {"error": repr(exc)[:200]}
try:
    import ryml
    t, _ = best(lambda: [ryml.parse_in_arena(d).size for d in data])
    res["rapidyaml (own tree)"] = {"cpu_s": round(t, 3)}
except Exception as exc:
    res["rapidyaml (own tree)"] = {"error": repr(exc)[:200]}
js = [json.dumps(docs).encode() for docs in ref]
t, _ = best(lambda: [json.loads(j) for j in js]); res["json (stdlib)"] = {"cpu_s": round(t, 3)}
for name, mod, fn in (("orjson", "orjson", "loads"), ("msgspec", "msgspec.json", "decode")):
    try:
        m = __import__(mod, fromlist=[fn]); f = getattr(m, fn)
        t, _ = best(lambda: [f(j) for j in js]); res[name] = {"cpu_s": round(t, 3)}
    except Exception as exc:
        res[name] = {"error": repr(exc)[:200]}
differ, refused, read = [], [], 0
for path in corpus:
    raw = open(path, "rb").read()
    try:
        want = pyyaml(raw)
    except Exception:
        continue  # PyYAML refuses it: the robustness catalogue, compared by error, not by object
    read += 1
    try:
        if yaml_rs_docs(raw, len(want)) != want:
            differ.append(path)
    except Exception as exc:
        refused.append(f"{path}: {str(exc).splitlines()[0][:120]}")
res["yaml-rs corpus"] = {"files_pyyaml_reads": read, "differ": differ[:40], "differ_count": len(differ),
                         "refused": refused[:40], "refused_count": len(refused)}
print(json.dumps(res))
'''


def _venv(path: Path) -> Path:
    python = path / "bin" / "python"
    if not python.exists():
        venv.create(path, with_pip=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *CANDIDATES], check=True)
    return python


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pods", type=int, default=3000)
    ap.add_argument("--out", default=str(HERE / "out"))
    ap.add_argument("--venv", help="the candidates' virtualenv (default: OUT/parsers-venv)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    data = out / f"p{args.pods}"
    if not (data / "cluster").exists():
        subprocess.run([sys.executable, str(HERE / "gen_cluster.py"), "--pods", str(args.pods), "--policies",
                        str(args.pods // 10), "--seed", "7", "--out", str(data)], check=True)
    files = sorted(str(p) for p in data.glob("*/*.yaml"))
    corpus = sorted(str(p) for top in ("fixtures", "tests") for p in (ROOT / top).rglob("*")
                    if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
    python = _venv(Path(args.venv) if args.venv else out / "parsers-venv")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(python), "-c", PROBE, json.dumps(files), json.dumps(corpus)],
                          capture_output=True, text=True, env=env, check=True)
    result = json.loads(done.stdout)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
