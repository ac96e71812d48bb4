"""Graphviz DOT: endpoints clustered by namespace, edges labelled with what is allowed.

Styled to be read as a picture: an edge that allows everything (usually a pod no policy isolates)
is drawn faint and without a label, so the edges policies actually shape stand out with their
ports; addresses outside the cluster are one "internet" node, with an edge from each endpoint
that may send there and to each endpoint that admits traffic from there. A legend says so.
"""

from __future__ import annotations

import json
from functools import singledispatch
from itertools import groupby
from typing import Any, TextIO

from netverify.model import Direction
from netverify.queries.matrix import MatrixResult
from netverify.queries.services import ServiceMatrixResult
from netverify.report.outside import outside_by_class
from netverify.sets import ConnectionSet

INTERNET = "(outside the cluster)"
_GRAPH = ('  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.35, ranksep=1.1, newrank=true];\n'
          '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#7a8aa0", fontname="Helvetica", '
          'fontsize=10];\n'
          '  edge [fontname="Helvetica", fontsize=9, color="#2f6f3a", fontcolor="#2f6f3a", arrowsize=0.6];\n')
_FAINT = 'color="#b8b8b8", style=dashed, arrowsize=0.4'


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


def _edge(q: Any, src: str, dst: str, conns: ConnectionSet) -> str:
    if conns.is_all():
        return f"  {q(src)} -> {q(dst)} [{_FAINT}, tooltip={q('all traffic')}];\n"
    text = conns.describe()
    return f"  {q(src)} -> {q(dst)} [label={q(text)}, tooltip={q(text)}];\n"


@render.register
def _(result: MatrixResult, out: TextIO, **_: Any) -> None:
    q = json.dumps
    out.write("digraph netverify {\n" + _GRAPH)
    for i, (ns, eps) in enumerate(groupby(result.endpoints, key=lambda e: e.namespace)):
        out.write(f'  subgraph cluster_{i} {{\n    label={q(ns)}; style="rounded,filled"; fillcolor="#eef2f8"; '
                  'color="#c5cfdd";\n')
        for ep in eps:
            out.write(f"    {q(ep.id)} [label={q(ep.name if ep.kind == 'Pod' else ep.kind + '/' + ep.name)}];\n")
        out.write("  }\n")
    for conn in result.connections():
        out.write(_edge(q, conn.src.id, conn.dst.id, conn.allowed))
    _internet(result, out)
    out.write('  label="green edges: only the ports shown are allowed; faint dashed edges: all traffic allowed"; '
              'labelloc=b;\n}\n')


def _internet(result: MatrixResult, out: TextIO) -> None:
    q = json.dumps
    graph = result.analysis.graph
    egress, ingress = outside_by_class(result, Direction.EGRESS), outside_by_class(result, Direction.INGRESS)
    edges = []
    for ep in result.endpoints:
        c = graph.class_of[ep.id]
        if (sent := egress[c]) is not None:
            edges.append(_edge(q, ep.id, INTERNET, sent.allowed))
        if (admitted := ingress[c]) is not None:
            edges.append(_edge(q, INTERNET, ep.id, admitted.allowed))
    if edges:
        out.write(f'  {q(INTERNET)} [label="internet\\n(outside the cluster)", shape=ellipse, '
                  'fillcolor="#fde8d8", color="#c07040"];\n')
        out.write("".join(edges))


# --- matrix --by service: clients and Services, each in its namespace's box ---

_SERVICE_NODE = 'shape=ellipse, fillcolor="#e8f0fe", color="#4a6fb0"'
_PARTIAL = 'color="#c07040", fontcolor="#c07040", style=dashed'


@render.register
def _(result: ServiceMatrixResult, out: TextIO, **_: Any) -> None:
    q = json.dumps
    out.write("digraph netverify {\n" + _GRAPH)
    nodes = [(ep, False) for ep in result.endpoints] + [(svc, True) for svc in result.services]
    nodes.sort(key=lambda n: n[0].namespace)
    for i, (ns, group) in enumerate(groupby(nodes, key=lambda n: n[0].namespace)):
        out.write(f'  subgraph cluster_{i} {{\n    label={q(ns)}; style="rounded,filled"; fillcolor="#eef2f8"; '
                  'color="#c5cfdd";\n')
        for ep, is_service in group:
            if is_service:
                out.write(f"    {q(ep.id)} [label={q('Service/' + ep.name)}, {_SERVICE_NODE}];\n")
            else:
                out.write(f"    {q(ep.id)} [label={q(ep.name if ep.kind == 'Pod' else ep.kind + '/' + ep.name)}];\n")
        out.write("  }\n")
    for conn in result.connections():
        if conn.allowed:
            out.write(_edge(q, conn.src.id, conn.dst.id, conn.allowed))
        if conn.partial:
            text = "some backends: " + conn.partial.describe()
            out.write(f"  {q(conn.src.id)} -> {q(conn.dst.id)} [label={q(text)}, tooltip={q(text)}, {_PARTIAL}];\n")
    out.write('  label="ellipses: Services (ports are service ports); green edges: every backend admits the ports '
              'shown; orange dashed edges: only some backends do"; labelloc=b;\n}\n')


# --- blast-radius and paths (issue 18; in report/paths_format.py) ---

from netverify.queries.paths import BlastRadiusResult, PathsResult  # noqa: E402
from netverify.report import paths_format  # noqa: E402

render.register(BlastRadiusResult, paths_format.blast_dot)
render.register(PathsResult, paths_format.paths_dot)
