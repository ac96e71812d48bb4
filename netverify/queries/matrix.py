"""`matrix`: every ordered endpoint pair with what it may send, from the graph engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
        # Told how many sources are done (in endpoint order) while pairs are computed: a progress display.
        self.on_row: Callable[[int], None] | None = None
        # --src/--dst: only pairs from these endpoint ids to these (None: every endpoint).
        self.sources: frozenset[str] | None = None
        self.destinations: frozenset[str] | None = None

    def restrict(self, sources: frozenset[str] | None, destinations: frozenset[str] | None) -> MatrixResult:
        """Report only pairs whose source is in `sources` and destination in `destinations` (None: all)."""
        self.sources, self.destinations = sources, destinations
        return self

    def is_source(self, ep: Endpoint) -> bool:
        return self.sources is None or ep.id in self.sources

    def is_destination(self, ep: Endpoint) -> bool:
        return self.destinations is None or ep.id in self.destinations

    def _done(self, src: Endpoint) -> None:
        if self.on_row is not None:
            self.on_row(self.analysis.position[src.id] + 1)

    @property
    def endpoints(self) -> list[Endpoint]:
        """The endpoints reported: all, or with --src/--dst those that are a source or a destination."""
        if self.sources is None and self.destinations is None:
            return self.analysis.endpoints
        return [e for e in self.analysis.endpoints if self.is_source(e) or self.is_destination(e)]

    def connections(self) -> Iterator[Connection]:
        for src, targets in self.by_source():
            for dst, allowed in targets:
                yield Connection(src, dst, allowed)

    def by_source(self) -> Iterator[tuple[Endpoint, list[tuple[Endpoint, ConnectionSet]]]]:
        """The same pairs as `connections()`, grouped by source (for fast writers)."""
        query = self.query
        for src, targets in self.analysis.graph.by_source():
            self._done(src)
            if self.sources is not None and src.id not in self.sources:
                continue
            if self.destinations is not None:
                wanted = self.destinations
                targets = [(dst, c) for dst, c in targets if dst.id in wanted]
                if not targets:
                    continue
            if not query.is_all:
                targets = [(dst, c) for dst, allowed in targets if (c := allowed & query.connections(dst))]
                if not targets:
                    continue
            yield src, targets


def matrix(analysis: Analysis, query: PortQuery | None = None) -> MatrixResult:
    """Pods and workloads as sources and destinations (queries/answers.py picks the Service variant)."""
    return MatrixResult(analysis, query or PortQuery())
