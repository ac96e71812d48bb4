"""`matrix`: every ordered endpoint pair with what it may send, from the graph engine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from netverify.queries.context import Analysis
from netverify.queries.ports import PortQuery
from netverify.semantics.endpoints import Endpoint
from netverify.sets import ConnectionSet


@dataclass(frozen=True)
class Connection:
    src: Endpoint
    dst: Endpoint
    allowed: ConnectionSet

    def to_json(self) -> dict[str, object]:
        return {"src": self.src.id, "dst": self.dst.id, "allowed": self.allowed.to_json()}


class MatrixResult:
    """The endpoints and a lazily computed stream of connections (never all held at once)."""

    def __init__(self, analysis: Analysis, query: PortQuery) -> None:
        self.analysis = analysis
        self.query = query

    @property
    def endpoints(self) -> list[Endpoint]:
        return self.analysis.endpoints

    def connections(self) -> Iterator[Connection]:
        for src, dst, allowed in self.analysis.graph.connections():
            if not self.query.is_all:
                allowed = allowed & self.query.connections(dst)
                if not allowed:
                    continue
            yield Connection(src, dst, allowed)

    def by_source(self) -> Iterator[tuple[Endpoint, list[tuple[Endpoint, ConnectionSet]]]]:
        """The same pairs as `connections()`, grouped by source (for fast writers)."""
        query = self.query
        for src, targets in self.analysis.graph.by_source():
            if not query.is_all:
                targets = [(dst, c) for dst, allowed in targets if (c := allowed & query.connections(dst))]
                if not targets:
                    continue
            yield src, targets


def matrix(analysis: Analysis, query: PortQuery | None = None) -> MatrixResult:
    """Pods and workloads as sources and destinations (queries/answers.py picks the Service variant)."""
    return MatrixResult(analysis, query or PortQuery())
