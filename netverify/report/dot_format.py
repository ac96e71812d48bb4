"""Graphviz DOT: endpoints clustered by namespace, edges labelled with what is allowed."""

from __future__ import annotations

import json
from functools import singledispatch
from itertools import groupby
from typing import Any, TextIO

from netverify.queries.matrix import MatrixResult


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


@render.register
def _(result: MatrixResult, out: TextIO, **_: Any) -> None:
    q = json.dumps
    out.write("digraph netverify {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n")
    for i, (ns, eps) in enumerate(groupby(result.endpoints, key=lambda e: e.namespace)):
        out.write(f"  subgraph cluster_{i} {{\n    label={q(ns)};\n")
        for ep in eps:
            out.write(f"    {q(ep.id)} [label={q(ep.name if ep.kind == 'Pod' else ep.kind + '/' + ep.name)}];\n")
        out.write("  }\n")
    for conn in result.connections():
        out.write(f"  {q(conn.src.id)} -> {q(conn.dst.id)} [label={q(conn.allowed.describe())}];\n")
    out.write("}\n")


# --- blast-radius and paths (issue 18; in report/paths_format.py) ---

from netverify.queries.paths import BlastRadiusResult, PathsResult  # noqa: E402
from netverify.report import paths_format  # noqa: E402

render.register(BlastRadiusResult, paths_format.blast_dot)
render.register(PathsResult, paths_format.paths_dot)
