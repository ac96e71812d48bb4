"""`matrix --by namespace`: one cell per ordered pair of namespaces, for clusters too large to list pairs.

A cell counts the endpoint pairs between the two namespaces (a single pod's pair with itself left
out, as in the matrix) and how many may send something, and on every port; its status is `all`,
`some` or `none` of the pairs. Computed per graph class (a class lies inside one namespace), so the
cost follows classes squared, not endpoints squared; the port query restricts as in the matrix.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from netverify.engines.bitsets import bit_list
from netverify.queries.matrix import MatrixResult
from netverify.sets import ConnectionSet

OUTSIDE = "(outside the cluster)"


@dataclass
class NamespaceCell:
    src: str
    dst: str
    pairs: int = 0  # endpoint pairs between the two namespaces
    allowed: int = 0  # of which may send something
    every_port: int = 0  # of which may send anything on every port

    @property
    def status(self) -> str:
        if not self.allowed:
            return "none"
        return "all" if self.allowed == self.pairs else "some"

    def to_json(self) -> dict[str, object]:
        return {"src": self.src, "dst": self.dst, "status": self.status, "pairs": self.pairs,
                "allowed": self.allowed, "every_port": self.every_port}


class NamespaceMatrixResult:
    """Namespaces and the cell of every ordered pair of them (the endpoint matrix it summarises is `pairs`)."""

    def __init__(self, pairs: MatrixResult) -> None:
        self.pairs = pairs
        self.query = pairs.query
        self.namespaces = list(dict.fromkeys(e.namespace or OUTSIDE for e in pairs.endpoints))
        self.cells = self._cells()

    def _cells(self) -> dict[tuple[str, str], NamespaceCell]:
        result, graph = self.pairs, self.pairs.analysis.graph
        reps = graph.reps
        src_size: Counter[int] = Counter()
        dst_size: Counter[int] = Counter()
        singles: Counter[int] = Counter()  # single pods that are source and destination: no pair with themselves
        src_ns: Counter[str] = Counter()
        dst_ns: Counter[str] = Counter()
        both_ns: Counter[str] = Counter()
        for e in result.endpoints:
            c, ns = graph.class_of[e.id], e.namespace or OUTSIDE
            is_src, is_dst = result.is_source(e), result.is_destination(e)
            src_size[c] += is_src
            dst_size[c] += is_dst
            src_ns[ns] += is_src
            dst_ns[ns] += is_dst
            if e.single_pod and is_src and is_dst:
                singles[c] += 1
                both_ns[ns] += 1
        cells = {(a, b): NamespaceCell(a, b, src_ns[a] * dst_ns[b] - (both_ns[a] if a == b else 0))
                 for a in self.namespaces for b in self.namespaces}
        covered = self._covered()
        for a, row in enumerate(graph.rows):
            if not src_size[a]:
                continue
            ns_a = reps[a].namespace or OUTSIDE
            for mask, allowed in row:
                for b in bit_list(mask):
                    if not dst_size[b]:
                        continue
                    got = allowed if covered is None else allowed & covered[b]
                    if not got:
                        continue
                    n = src_size[a] * dst_size[b] - (singles[a] if a == b else 0)
                    cell = cells[(ns_a, reps[b].namespace or OUTSIDE)]
                    cell.allowed += n
                    if got.is_all():
                        cell.every_port += n
        return cells

    def _covered(self) -> list[ConnectionSet] | None:
        if self.query.is_all:
            return None
        return [self.query.connections(rep) for rep in self.pairs.analysis.graph.reps]

    def to_json(self) -> dict[str, object]:
        return {"by": "namespace", "namespaces": self.namespaces, "port": self.query.describe(),
                "cells": [c.to_json() for c in self.cells.values() if c.pairs]}
