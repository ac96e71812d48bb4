"""`can`: may some member of SRC reach some member of DST, and why (not)?"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointSet
from netverify.queries.outcome import Outcome
from netverify.queries.ports import PortError, PortQuery
from netverify.semantics.evaluate import PairVerdict, evaluate_pair
from netverify.sets import ConnectionSet


@dataclass(frozen=True)
class PairResult:
    verdict: PairVerdict
    queried: ConnectionSet  # what the query asked about, resolved on this destination
    allowed: ConnectionSet  # verdict.allowed restricted to the query

    def to_json(self) -> dict[str, object]:
        data = self.verdict.to_json()
        data["allowed"] = bool(self.allowed)
        data["connections"] = self.allowed.to_json()
        return data


@dataclass(frozen=True)
class ReachResult:
    src: EndpointSet
    dst: EndpointSet
    query: PortQuery
    pairs: tuple[PairResult, ...]

    @property
    def allowed(self) -> bool:
        return any(p.allowed for p in self.pairs)

    @property
    def outcome(self) -> Outcome:
        return Outcome.of(self.allowed)

    def to_json(self) -> dict[str, object]:
        return {"allowed": self.allowed, "src": self.src.text, "dst": self.dst.text, "port": self.query.describe(),
                "pairs": [p.to_json() for p in self.pairs]}


def can_reach(analysis: Analysis, src: EndpointSet, dst: EndpointSet, query: PortQuery) -> ReachResult:
    """Loaded endpoints as destinations (a Service destination: queries/answers.py)."""
    pairs: list[PairResult] = []
    resolved_anywhere = False
    for s in src.members:
        for d in dst.members:
            queried = query.connections(d)
            resolved_anywhere = resolved_anywhere or bool(queried)
            verdict = evaluate_pair(analysis.policies, s, d)
            pairs.append(PairResult(verdict, queried, verdict.allowed & queried))
    if isinstance(query.port, str) and dst.members and not resolved_anywhere:
        proto = f"{query.protocol} " if query.protocol else ""
        raise PortError(f"no destination in {dst.text!r} has a {proto}container port named {query.port!r}")
    return ReachResult(src, dst, query, tuple(pairs))
