"""`can`: may the members of SRC reach the members of DST, and why (not)?

A set on either side makes the question one about pairs, and the quantifier is explicit:
`all` (the default) answers "allowed" only when EVERY pair is allowed, `some` when at least one
is. The result always carries both counts, so a report can say "k of n pairs". A pair whose
destination does not declare the named port asked about is not part of the question (it is
counted apart as "not applicable"). A Service destination is answered per client: a client
reaches a Service only when every backend serving the port admits it (queries/services.py).

Every pair goes through the inventory's tiers (`Analysis.tiers`, `semantics.evaluate.decide_pair`):
with admin policies loaded the explanation is the tier walk, and the equal-priority overlaps that
touch the queried connections are part of the pair's result (the answer then depends on an order
upstream leaves undefined, and the report says so).

An endpoint set that matches nothing is an error of its own (EmptySetError): no pair to answer
about is neither "allowed" nor "denied".
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointError, EndpointSet
from netverify.queries.outcome import Outcome
from netverify.queries.ports import PortError, PortQuery
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import PairVerdict, decide_pair
from netverify.semantics.options import HOST_NETWORK_AS_NODE_NOTE, HOST_NETWORK_AS_POD_NOTE
from netverify.semantics.verdict import Overlap, pair_overlaps
from netverify.sets import ConnectionSet

QUANTIFIERS = ("all", "some")


class EmptySetError(EndpointError):
    """An endpoint set (SRC or DST) without members: the question has no pair to answer."""


@dataclass(frozen=True)
class PairResult:
    verdict: PairVerdict
    queried: ConnectionSet  # what the query asked about, resolved on this destination
    allowed: ConnectionSet  # verdict.allowed restricted to the query
    overlaps: tuple[Overlap, ...] = ()  # undefined equal-priority orders touching `queried`

    @property
    def tiered(self) -> bool:
        """Whether the admin tiers were folded (the explanation is the tier walk)."""
        return self.verdict.egress.tiered or self.verdict.ingress.tiered

    def to_json(self) -> dict[str, object]:
        data = self.verdict.to_json()
        data["allowed"] = bool(self.allowed)
        data["connections"] = self.allowed.to_json()
        if self.tiered:
            data["undefined_order"] = [o.to_json() for o in self.overlaps]
        return data


def pair_result(analysis: Analysis, src: Endpoint, dst: Endpoint, queried: ConnectionSet) -> PairResult:
    """One pair through the analysis's tiers, restricted to what the query asks on this destination."""
    verdict = decide_pair(analysis.tiers, src, dst)
    overlaps: tuple[Overlap, ...] = ()
    if analysis.tiered:
        overlaps = tuple(o for o in pair_overlaps(analysis.tiers, src, dst) if o.connections & queried)
    return PairResult(verdict, queried, verdict.allowed & queried, overlaps)


def quantified_answer(quantifier: str, allowed: int, total: int) -> bool:
    """The answer for `allowed` of `total` counted pairs: every one ("all"), or at least one ("some").
    No pair at all is never "allowed" under "all" (an empty question has no answer to give)."""
    if quantifier == "some":
        return allowed > 0
    return total > 0 and allowed == total


def count_text(allowed: int, total: int, unit: str) -> str:
    """`k of n <unit> allowed`: the words every `can` report uses, for pods and Services alike."""
    return f"{allowed} of {total} {unit} allowed"


def quantifier_text(quantifier: str) -> str:
    """How the quantifier reads in a report."""
    if quantifier == "some":
        return "at least one must be allowed (--some)"
    return "every one must be allowed (--some asks for at least one)"


@dataclass(frozen=True)
class ReachResult:
    src: EndpointSet
    dst: EndpointSet
    query: PortQuery
    pairs: tuple[PairResult, ...]
    quantifier: str = "all"  # "all": every pair must be allowed; "some": one is enough
    host_network_reading: str | None = None  # "node"/"pod" when a hostNetwork pod is on either side

    @property
    def applicable(self) -> tuple[PairResult, ...]:
        """The pairs the question is about: those whose destination has what the query names."""
        return tuple(p for p in self.pairs if p.queried)

    @property
    def pairs_total(self) -> int:
        return len(self.applicable)

    @property
    def pairs_allowed(self) -> int:
        return sum(1 for p in self.applicable if p.allowed)

    @property
    def pairs_not_applicable(self) -> int:
        """Pairs left out of the question: the destination lacks the named port asked about."""
        return len(self.pairs) - len(self.applicable)

    @property
    def unit(self) -> str:
        """What is counted: pairs of endpoints."""
        return "pairs"

    @property
    def allowed(self) -> bool:
        return quantified_answer(self.quantifier, self.pairs_allowed, self.pairs_total)

    def count_text(self) -> str:
        """`k of n pairs allowed`, the words every report uses."""
        return count_text(self.pairs_allowed, self.pairs_total, self.unit)

    def quantifier_text(self) -> str:
        return quantifier_text(self.quantifier)

    @property
    def outcome(self) -> Outcome:
        return Outcome.of(self.allowed)

    def to_json(self) -> dict[str, object]:
        return {"allowed": self.allowed, "quantifier": self.quantifier, "pairs_allowed": self.pairs_allowed,
                "pairs_total": self.pairs_total, "pairs_not_applicable": self.pairs_not_applicable,
                **({"host_network": self.host_network_reading} if self.host_network_reading else {}),
                "src": self.src.text, "dst": self.dst.text, "port": self.query.describe(),
                "pairs": [p.to_json() for p in self.pairs]}


def check_not_empty(analysis: Analysis, side: str, found: EndpointSet) -> None:
    """Raise EmptySetError, saying what the namespace does hold, when a set matches nothing."""
    if found.members:
        return
    if found.service is not None:
        return  # a Service without backends is explained by the Service report itself
    where = f"namespace {found.namespace!r}" if found.namespace else "any namespace"
    nearby = [e for e in analysis.endpoints if found.namespace is None or e.namespace == found.namespace]
    if found.namespace is not None and analysis.cluster.namespace(found.namespace) is None and not nearby:
        detail = f"there is no namespace {found.namespace!r} in the inventory"
    elif not nearby:
        detail = f"{where} has no endpoints"
    else:
        shown = ", ".join(e.id for e in nearby[:6]) + (f" and {len(nearby) - 6} more" if len(nearby) > 6 else "")
        detail = f"{where} has {shown}"
    raise EmptySetError(f"{side} {found.text!r} matches no endpoint: {detail}; the question has no pair to answer")


def host_network_reading(analysis: Analysis, *sides: EndpointSet) -> str | None:
    """The hostNetwork reading the answer used, when a hostNetwork pod is on one of the sides."""
    notes = (HOST_NETWORK_AS_NODE_NOTE, HOST_NETWORK_AS_POD_NOTE)
    if any(n in ep.notes for side in sides for ep in side.members for n in notes):
        return analysis.semantics.host_network
    return None


def can_reach(analysis: Analysis, src: EndpointSet, dst: EndpointSet, query: PortQuery,
              quantifier: str = "all") -> ReachResult:
    """Loaded endpoints as destinations (a Service destination: queries/answers.py).

    Raises EmptySetError when SRC or DST matches nothing, PortError when a named port resolves nowhere."""
    if quantifier not in QUANTIFIERS:
        raise ValueError(f"quantifier {quantifier!r} is not one of {QUANTIFIERS}")
    check_not_empty(analysis, "SRC", src)
    check_not_empty(analysis, "DST", dst)
    if all(e.external for e in (*src.members, *dst.members)):
        raise EndpointError(f"{src.text!r} and {dst.text!r} are both addresses outside the cluster: traffic "
                            "between them is no connection NetworkPolicy speaks of; name a pod on one side")
    pairs: list[PairResult] = []
    resolved_anywhere = False
    for s in src.members:
        for d in dst.members:
            if s.external and d.external:
                continue  # two outside addresses: not a connection (see the check above)
            queried = query.connections(d)
            resolved_anywhere = resolved_anywhere or bool(queried)
            pairs.append(pair_result(analysis, s, d, queried))
    if isinstance(query.port, str) and not resolved_anywhere:
        proto = f"{query.protocol} " if query.protocol else ""
        raise PortError(f"no destination in {dst.text!r} has a {proto}container port named {query.port!r}")
    return ReachResult(src, dst, query, tuple(pairs), quantifier, host_network_reading(analysis, src, dst))
