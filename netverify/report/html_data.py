"""The data behind the HTML matrix page: compact JSON, rendered in the browser by html_script.

Size is the constraint: at 10,000 pods a matrix has millions of pairs, so the page never lists
pairs. It carries the graph engine's classes instead (endpoints no policy can tell apart, each
inside one namespace): per source class, each distinct allowed set with the destination classes
that get it, as a bitset (base64, little-endian) or, when shorter, a list of class numbers. The
browser expands a row on demand. Reasons (the rules and file:line behind a cell) are computed
per class pair, so only while the classes are few enough to evaluate every pair; above that the
page gives each side's isolating policies and the `netverify can` command that explains a pair.

Invariants: every string in the data comes from input and is escaped by the script when shown
(it inserts text nodes, never markup); `json_for_script` makes the JSON safe inside <script>.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from netverify.engines.bitsets import bit_list
from netverify.model import Direction
from netverify.queries.matrix import MatrixResult
from netverify.queries.services import ServiceMatrixResult
from netverify.report.outside import outside_by_class
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import DirectionVerdict, evaluate_pair
from netverify.sets import ConnectionSet

GRID_LIMIT = 60  # endpoints; above this the page opens on the namespace overview
REASON_CLASSES = 150  # classes; up to this every class pair's reason is in the page (150² evaluations)

OUTSIDE = "(outside the cluster)"


class _Interner:
    """Distinct values numbered in order of first use (the page refers to them by number)."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.values: list[Any] = []

    def __call__(self, key: Any, value: Any = None) -> int:
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.values)
            self.values.append(key if value is None else value)
        return found


def _conn_value(conns: ConnectionSet) -> list[object]:
    return [conns.describe(), 1 if conns.is_all() else 0]


def encode_mask(mask: int, size: int) -> str | list[int]:
    """A set of class numbers: the list when it is short, else base64 of the little-endian bitset."""
    bits = bit_list(mask)
    as_bytes = (size + 7) // 8
    if len(bits) * 5 < as_bytes * 4 // 3:  # ~5 characters per listed number vs 4/3 per byte
        return bits
    return base64.b64encode(mask.to_bytes(as_bytes, "little")).decode("ascii")


def json_for_script(data: object) -> str:
    """JSON that cannot end the <script> element or open a comment, whatever the input strings hold."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _namespaces(endpoints: Sequence[Endpoint]) -> tuple[list[str], dict[str, int]]:
    names = list(dict.fromkeys(e.namespace or OUTSIDE for e in endpoints))
    return names, {n: i for i, n in enumerate(names)}


def _endpoint_rows(endpoints: Sequence[Endpoint], ns_index: dict[str, int],
                   class_of: dict[str, int] | None = None) -> list[list[object]]:
    return [[e.id, ns_index[e.namespace or OUTSIDE], e.kind, 1 if e.single_pod else 0,
             class_of[e.id] if class_of is not None else i] for i, e in enumerate(endpoints)]


def _verdict_lines(v: DirectionVerdict, peer_word: str) -> list[str]:
    """One side of a verdict in the words of `netverify can`, without endpoint names (they are per cell)."""
    if not v.isolated:
        return [f"{v.direction.value}: not isolated" + (f" ({v.note})" if v.note else "")]
    lines = [f"{v.direction.value}: isolated by " + ", ".join(str(p) for p in v.policies)]
    lines += [f"  admitted by {m.rule}: {m.allowed.describe()}" for m in v.matches]
    lines += [f"  not by {m.rule}: {m.reason}" for m in v.misses]
    if v.note:
        lines.append(f"  {v.note}")
    if v.isolated and not v.matches:
        lines.append(f"  no rule admits this {peer_word}")
    return lines


def matrix_data(result: MatrixResult, title: str) -> dict[str, object]:
    analysis = result.analysis
    graph = analysis.graph
    endpoints = result.endpoints
    reps = graph.reps
    size = len(reps)
    namespaces, ns_index = _namespaces(endpoints)
    conns = _Interner()
    query = result.query

    # Destination classes grouped by what the port query covers on them (a named port resolves per class).
    covered: dict[ConnectionSet, int] = {}
    if not query.is_all:
        for b, rep in enumerate(reps):
            q = query.connections(rep)
            covered[q] = covered.get(q, 0) | 1 << b

    rows: list[list[list[object]]] = []
    for row in graph.rows:
        parts: dict[ConnectionSet, int] = {}
        for mask, allowed in row:
            if query.is_all:
                parts[allowed] = parts.get(allowed, 0) | mask
                continue
            for q, qmask in covered.items():
                got = allowed & q
                if got and mask & qmask:
                    parts[got] = parts.get(got, 0) | (mask & qmask)
        rows.append([[conns(c, _conn_value(c)), encode_mask(m, size)] for c, m in parts.items()])

    data: dict[str, object] = {
        "kind": "matrix", "title": title, "query": query.describe(), "gridLimit": GRID_LIMIT,
        "namespaces": namespaces,
        "endpoints": [[*row, 1 if result.is_source(e) else 0, 1 if result.is_destination(e) else 0]
                      for row, e in zip(_endpoint_rows(endpoints, ns_index, graph.class_of), endpoints, strict=True)],
        "classes": [ns_index[r.namespace or OUTSIDE] for r in reps],
        "rows": rows,
        "outside": _outside(result, conns),
        "notes": [f"{e.id}: {n}" for e in endpoints for n in e.notes],
    }
    data["reasons"] = _reasons(result) if size <= REASON_CLASSES else None
    data["isolation"] = _isolation(result) if data["reasons"] is None else None
    data["conns"] = conns.values
    return data


def _outside(result: MatrixResult, conns: _Interner) -> dict[str, list[object]]:
    """Per class: what it may send to addresses outside the cluster, and what they may send to it."""
    out: dict[str, list[object]] = {}
    for direction in (Direction.EGRESS, Direction.INGRESS):  # the page's keys: egress, ingress
        out[direction.value] = [None if t is None else [conns(t.allowed, _conn_value(t.allowed)), list(t.lines)]
                          for t in outside_by_class(result, direction)]
    return out


def _reasons(result: MatrixResult) -> dict[str, object]:
    """Every class pair's verdict as lines (deduplicated): {"lines": [...], "pairs": {"a,b": [line numbers]}}."""
    graph = result.analysis.graph
    policies = result.analysis.policies
    lines = _Interner()
    pairs: dict[str, list[int]] = {}
    for a, src_members in enumerate(graph.members):
        for b, dst_members in enumerate(graph.members):
            src, dst = src_members[0], dst_members[0]
            if a == b and len(src_members) > 1:
                dst = dst_members[1]  # two members of one class: a real pair, not a pod to itself
            verdict = evaluate_pair(policies, src, dst)
            text = _verdict_lines(verdict.egress, "destination") + _verdict_lines(verdict.ingress, "source")
            if verdict.note:
                text.insert(0, verdict.note)
            pairs[f"{a},{b}"] = [lines(t) for t in text]
    return {"lines": lines.values, "pairs": pairs}


def _isolation(result: MatrixResult) -> dict[str, object]:
    """Per class, the policies isolating it for egress and for ingress (for pages too large for reasons)."""
    graph = result.analysis.graph
    refs = [str(p.ref) for p in result.analysis.policies]
    return {"policies": refs, "egress": [list(k) for k in graph.selecting(Direction.EGRESS)],
            "ingress": [list(k) for k in graph.selecting(Direction.INGRESS)]}


def service_data(result: ServiceMatrixResult, title: str) -> dict[str, object]:
    """Clients x Services: per client the Services it reaches on some port, and on which only partly."""
    clients = result.endpoints
    services = result.services
    all_eps = [*clients, *services]
    namespaces, ns_index = _namespaces(all_eps)
    conns = _Interner()
    position = {s.id: i for i, s in enumerate(services)}
    client_position = {c.id: i for i, c in enumerate(clients)}
    cells: list[list[list[int]]] = [[] for _ in clients]
    for conn in result.connections():
        partial = getattr(conn, "partial", ConnectionSet.none())
        cells[client_position[conn.src.id]].append([
            position[conn.dst.id], conns(conn.allowed, _conn_value(conn.allowed)) if conn.allowed else -1,
            conns(partial, _conn_value(partial)) if partial else -1])
    backends = {v.id: [b.endpoint.id for b in v.backends] for v in result.views}
    ports = {v.id: ", ".join(f"{p.port}/{p.protocol}" + (f" ({p.name})" if p.name else "")
                             for p in v.service.ports) for v in result.views}
    return {
        "kind": "service", "title": title, "query": result.query.describe(), "gridLimit": GRID_LIMIT,
        "namespaces": namespaces,
        "endpoints": _endpoint_rows(clients, ns_index),
        "services": [[s.id, ns_index[s.namespace], ports.get(s.id, ""), backends.get(s.id, []), s.name]
                     for s in services],
        "cells": cells, "conns": conns.values, "notes": result.notes(),
    }
