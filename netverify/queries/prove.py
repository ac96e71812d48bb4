"""`check` and `can --any`: endpoint expressions become engine sides; results are kept as objects.

Scope decides what a selector-based endpoint set stands for:

  inventory  the loaded endpoints that match it
  any        those, plus any pod that could exist matching it (any other labels, any named
             ports, any IP unless --pod-cidr/cidr says otherwise), in an existing namespace or,
             with hypothetical namespaces, in a namespace that does not exist yet

A named endpoint (ns/pod, ns/Kind/name, an IP) stands for itself in both scopes. A bare
`cidr` (or a CIDR written as text) stands for addresses outside the cluster.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from netverify.engines.smt import SmtEngine
from netverify.engines.smt_types import PodPattern, Proved, Query, Refuted, Side, SmtResult, Unknown
from netverify.model import Diagnostic, InputError, LabelSelector, Severity
from netverify.queries.assertions import INTERNET, Assertion, EndpointSpec
from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointError, resolve
from netverify.queries.exposure import INTERNET as INTERNET_ADDRESSES
from netverify.queries.loaded_search import has_ties, search_loaded
from netverify.queries.outcome import Outcome
from netverify.queries.path_check import PathVerdict, check_path
from netverify.queries.ports import PortQuery
from netverify.queries.replay import Replayer
from netverify.queries.solver_options import ProveOptions, edge_address_notes, pod_cidr_of, pod_cidrs_of
from netverify.semantics.class_tiers import specs_of
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.options import HOST_NETWORK_AS_NODE_NOTE, HOST_NETWORK_AS_POD_NOTE
from netverify.semantics.ports import PortSelection
from netverify.semantics.selectors import matches
from netverify.sets import PROTOCOLS, IPSet

__all__ = ["AnyReachResult", "AssertionOutcome", "CheckResult", "ProveOptions", "build_side", "can_reach_any",
           "Prover", "check_assertions", "inferred_pod_cidr", "inferred_pod_cidrs", "pod_cidr_notes", "port_terms"]


def _cidr_text(text: str) -> IPSet | None:
    if "/" not in text:
        return None
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return IPSet.from_cidr(text)


def _addresses(spec: EndpointSpec) -> IPSet | None:
    return IPSet.from_cidr(spec.cidr, spec.excepts) if spec.cidr is not None else None


def _pod_cidr(own: IPSet | None, options: ProveOptions) -> IPSet | None:
    if own is not None and options.pod_cidr is not None:
        return own & options.pod_cidr
    return own if own is not None else options.pod_cidr


def build_side(analysis: Analysis, spec: EndpointSpec, scope: str, options: ProveOptions) -> tuple[Side, list[str]]:
    """The engine's view of one endpoint expression, plus notes (e.g. an unknown namespace)."""
    text = spec.describe()
    if spec.text is not None:
        addresses = _cidr_text(spec.text)
        if addresses is not None:
            return Side(text, addresses=addresses), []
        found = resolve(analysis, spec.text)  # raises EndpointError
        if found.service is not None:  # its ports would need translating per backend: not modelled here
            raise EndpointError(f"{spec.text!r} is a Service: the solver reasons about pods and container ports; "
                                "write its backends' selector (e.g. ns/app=api) and their target ports instead")
        if len(found.members) == 1 and found.members[0].external:
            return Side(text, addresses=IPSet.from_cidr(found.members[0].ips[0])), []
        notes = _namespace_notes(analysis, found.namespace, options, scope)
        if found.is_set and scope == "any":
            pattern = PodPattern(found.namespace, None, found.selector or LabelSelector(), None,
                                 _pod_cidr(None, options))
            return Side(text, found.members, pattern), notes
        return Side(text, found.members), notes
    if spec.only_addresses:
        return Side(text, addresses=_addresses(spec)), []
    members = tuple(e for e in analysis.endpoints if _structured_match(spec, e))
    notes = _namespace_notes(analysis, spec.namespace, options, scope)
    if scope != "any":
        return Side(text, members), notes
    pattern = PodPattern(spec.namespace, spec.namespace_selector, spec.pod_selector or LabelSelector(), spec.labels,
                         _pod_cidr(_addresses(spec), options))
    return Side(text, members, pattern), notes


def _structured_match(spec: EndpointSpec, ep: Endpoint) -> bool:
    if ep.external or (spec.namespace is not None and ep.namespace != spec.namespace):
        return False
    if spec.namespace_selector is not None and not matches(spec.namespace_selector, ep.ns_labels_map):
        return False
    if spec.pod_selector is not None and not matches(spec.pod_selector, ep.labels_map):
        return False
    if spec.labels is not None and tuple(sorted(ep.labels)) != spec.labels:
        return False
    block = _addresses(spec)
    if block is not None:
        return any(block.contains_address(ip) for ip in ep.ips)
    return True


def _namespace_notes(analysis: Analysis, namespace: str | None, options: ProveOptions, scope: str) -> list[str]:
    if namespace is None or analysis.cluster.namespace(namespace) is not None:
        return []
    if scope == "any" and options.hypothetical_namespaces:
        return [f"namespace {namespace} is not in the inventory: reasoning about it as a new namespace"]
    return [f"namespace {namespace} is not in the inventory: nothing there matches"]


def port_terms(query: PortQuery) -> tuple[PortSelection, ...]:
    """The `can` command's --port/--protocol as the SMT engine's port selections (none: every port).

    A port name without a protocol means that named port with whatever protocol the destination
    declares it with (as `can` reads it on loaded pods): one term per protocol, never "any port"."""
    if isinstance(query.port, str):
        protocols = (query.protocol,) if query.protocol else PROTOCOLS
        return tuple(PortSelection.named_port(p, query.port) for p in protocols)
    if query.protocol is None:
        return ()
    if query.port is None:
        return (PortSelection(query.protocol),)
    return (PortSelection.of_range(query.protocol, query.port, query.end_port or query.port),)


def node_ips(analysis: Analysis) -> IPSet | None:
    """The loaded Nodes' addresses (no pod that could exist takes one), None without Nodes."""
    ips = [ip for node in analysis.cluster.nodes for ip in node.ips]
    return IPSet.from_addresses(ips) if ips else None


class Prover:
    """The SMT engine over one inventory, every result replayed through the evaluator.

    A query is first asked of the reachability graph (queries/loaded_search.py): a loaded connection
    that refutes it (or witnesses `reachable`) decides it without the solver. The engine is built
    only when some query needs it (a proof, pods that could exist, outside addresses)."""

    def __init__(self, analysis: Analysis, queries: Sequence[Query], options: ProveOptions) -> None:
        self.analysis, self.queries, self.options = analysis, tuple(queries), options
        self.replayer = Replayer(analysis.tiers)
        self.graph_first = options.graph_first and not has_ties(specs_of(analysis.tiers))
        self._engine: SmtEngine | None = None

    @property
    def engine(self) -> SmtEngine:
        if self._engine is None:
            analysis, options = self.analysis, self.options
            namespaces = [(ns.name, ns.labels) for ns in analysis.cluster.namespaces]
            preferred = options.pod_cidr or inferred_pod_cidr(analysis)
            self._engine = SmtEngine(specs_of(analysis.tiers), analysis.endpoints, namespaces, self.queries,
                                     options.hypothetical_namespaces, options.timeout_s,
                                     observations=analysis.observations, preferred_pod_cidr=preferred,
                                     node_ips=node_ips(analysis), rlimit=options.rlimit)
        return self._engine

    def solve(self, query: Query) -> SmtResult:
        prefer_loaded = True
        if self.graph_first and query.src.members and query.dst.members:
            search = search_loaded(self.analysis.graph, query)
            if search.found is not None:
                found = search.found
                decided: SmtResult = (Proved(query, found=found) if query.expect == "reachable"
                                      else Refuted(query, found=found))
                return self.replayer.result(decided)
            prefer_loaded = not search.exhaustive  # no loaded connection refutes it: none to prefer
        return self.replayer.result(self.engine.solve(query, prefer_loaded=prefer_loaded))

    def notes(self, result: SmtResult) -> tuple[str, ...]:
        """What the answer assumed of equal-priority admin policies (undefined order upstream)."""
        if self._engine is None:  # every answer came from the graph, only used without equal priorities
            return ()
        groups = [g.members for g in self.engine.tie_groups]
        if not groups:
            return ()
        if isinstance(result, Unknown):
            return ()
        conn = result.witness if isinstance(result, Proved) else result.counterexample
        if conn is not None:
            return (f"equal-priority admin policies have no defined order; this connection uses the order "
                    f"{'; '.join(conn.order)}",)
        return (f"equal-priority admin policies have no defined order; proved for every order of {'; '.join(groups)}",)


def _engine(analysis: Analysis, queries: Sequence[Query], options: ProveOptions) -> Prover:
    return Prover(analysis, queries, options)


# --- pod CIDRs inferred from the loaded pods ------------------------------------------------------

def inferred_pod_cidrs(analysis: Analysis) -> tuple[str, ...]:
    """Per address family, the smallest CIDR holding every loaded pod's IP (see pod_cidrs_of)."""
    return pod_cidrs_of(analysis.endpoints)


def inferred_pod_cidr(analysis: Analysis) -> IPSet | None:
    return pod_cidr_of(analysis.endpoints)


def pod_cidr_notes(analysis: Analysis, result: SmtResult, options: ProveOptions) -> tuple[str, ...]:
    """Without --pod-cidr: where a witness's synthesized pods took their IPs, and what that means."""
    conn = result.witness if isinstance(result, Proved) else result.counterexample \
        if isinstance(result, Refuted) else None
    if conn is None:
        return ()
    synthesized = [ep for ep, made in ((conn.src, conn.src_synthesized), (conn.dst, conn.dst_synthesized)) if made]
    if options.pod_cidr is not None or not synthesized:
        return edge_address_notes(synthesized)
    cidrs = inferred_pod_cidrs(analysis)
    if not cidrs:
        return ("no --pod-cidr and no loaded pod with an IP: the pod that could exist may take any address; "
                "give --pod-cidr to say where pods get their IPs",) + edge_address_notes(synthesized)
    inferred = inferred_pod_cidr(analysis)
    assert inferred is not None
    notes = [f"no --pod-cidr: pod IPs in this witness are taken from {', '.join(cidrs)}, inferred from the "
             "loaded pods' IPs (pods that could exist may still take any address; --pod-cidr restricts them)"]
    for ep in synthesized:
        outside = [ip for ip in ep.ips if not inferred.contains_address(ip)]
        if outside:
            notes.append(f"{ep.id} needs IP {outside[0]}, outside {', '.join(cidrs)}: this holds only because "
                         "pods may take any address; give --pod-cidr to rule such pods out")
    return tuple(notes) + edge_address_notes(synthesized)


@dataclass(frozen=True)
class PathQuery(Query):
    """A path assertion's sides; as a solver query, its direct connection (one hop) must be denied."""

    through: Side | None = None


def _status(result: SmtResult) -> str:
    if isinstance(result, Proved):
        return "holds"
    return "fails" if isinstance(result, Refuted) else "unknown"


# --- can --any --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnyReachResult:
    """Whether any pod that could exist in SRC can reach any in DST, with a witness or a proof."""

    src: str
    dst: str
    ports: str
    result: SmtResult
    notes: tuple[str, ...] = ()

    @property
    def reachable(self) -> bool | None:
        return None if isinstance(self.result, Unknown) else isinstance(self.result, Proved)

    @property
    def outcome(self) -> Outcome:
        return Outcome.of(self.reachable)

    def to_json(self) -> dict[str, object]:
        r = self.result
        out: dict[str, object] = {
            "reachable": self.reachable, "scope": "any", "src": self.src, "dst": self.dst, "ports": self.ports,
            "witness": r.witness.to_json() if isinstance(r, Proved) and r.witness else None,
            "proof": r.proof.to_json() if isinstance(r, Refuted) and r.proof else None,
            "notes": [*self.notes, *r.notes],
        }
        if isinstance(r, Unknown):
            out["unknown"] = r.reason
        return out


def can_reach_any(analysis: Analysis, src: str, dst: str, query: PortQuery, options: ProveOptions) -> AnyReachResult:
    """Raises EndpointError for an expression that does not resolve."""
    src_side, src_notes = build_side(analysis, EndpointSpec(text=src), "any", options)
    dst_side, dst_notes = build_side(analysis, EndpointSpec(text=dst), "any", options)
    q = Query(src_side, dst_side, "reachable", port_terms(query))
    prover = _engine(analysis, [q], options)
    result = prover.solve(q)
    notes = tuple(src_notes + dst_notes) + pod_cidr_notes(analysis, result, options) + prover.notes(result)
    return AnyReachResult(src, dst, query.describe(), result, notes)


# --- check ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssertionOutcome:
    assertion: Assertion
    result: SmtResult | PathVerdict  # PathVerdict: a path assertion (queries/path_check.py)
    notes: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        return self.result.status if isinstance(self.result, PathVerdict) else _status(self.result)

    def to_json(self) -> dict[str, object]:
        return {**self.assertion.to_json(), "status": self.status, "result": self.result.to_json(),
                "notes": [*self.notes, *self.result.notes]}


@dataclass(frozen=True)
class CheckResult:
    outcomes: tuple[AssertionOutcome, ...]
    host_network_reading: str | None = None  # --hostnetwork, when hostNetwork pods are loaded

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def outcome(self) -> Outcome:
        """UNKNOWN when some assertion is undecided (never a pass), else FAIL when one fails."""
        if self.count("unknown"):
            return Outcome.UNKNOWN
        return Outcome.of(not self.count("fails"))

    def to_json(self) -> dict[str, object]:
        return {"summary": {s: self.count(s) for s in ("holds", "fails", "unknown")},
                **({"host_network_reading": self.host_network_reading} if self.host_network_reading else {}),
                "assertions": [o.to_json() for o in self.outcomes]}


def _side(analysis: Analysis, a: Assertion, spec: EndpointSpec, options: ProveOptions) -> tuple[Side, list[str]]:
    if a.kind == "path" and spec.text == INTERNET:
        return Side(INTERNET, addresses=INTERNET_ADDRESSES), []
    return build_side(analysis, spec, a.scope, options)


def _query(analysis: Analysis, a: Assertion, options: ProveOptions,
           problems: list[Diagnostic]) -> tuple[Query, list[str]] | None:
    sides = []
    notes: list[str] = []
    ends = [(a.src, a.src_source, "from"), (a.dst, a.dst_source, "to")]
    if a.only_through is not None:
        ends.append((a.only_through, a.source, "onlyThrough"))
    for spec, where, key in ends:
        try:
            side, side_notes = _side(analysis, a, spec, options)
        except EndpointError as exc:
            problems.append(Diagnostic(Severity.ERROR, where, f"{key}: {exc}",
                                       "fix the endpoint expression (see docs/assertions.md)", f"assertion {a.name}"))
            continue
        sides.append(side)
        notes += side_notes
    if len(sides) != len(ends):
        return None
    if a.kind == "path":  # the solver's part of a path assertion: the direct connection (scope any)
        return PathQuery(sides[0], sides[1], "deny", a.ports, None, sides[2] if len(sides) > 2 else None), notes
    return Query(sides[0], sides[1], a.expect, a.ports, a.relation), notes


def check_assertions(analysis: Analysis, assertions: Sequence[Assertion], options: ProveOptions) -> CheckResult:
    """Prove or refute every assertion with one solver; raises InputError for unresolvable endpoints."""
    problems: list[Diagnostic] = []
    built = [(a, _query(analysis, a, options, problems)) for a in assertions]
    if problems:
        raise InputError(problems)
    queries = [qn[0] for a, qn in built if qn is not None and (a.kind != "path" or a.scope == "any")]
    engine = _engine(analysis, queries, options) if queries else None  # path assertions alone need no solver
    outcomes = []
    for a, qn in built:
        assert qn is not None
        query, notes = qn
        if isinstance(query, PathQuery):
            one_hop = engine.solve(query) if engine is not None and a.scope == "any" else None
            outcomes.append(AssertionOutcome(a, check_path(analysis, a, query.src, query.dst, query.through, one_hop),
                                    tuple(notes)))
        else:
            assert engine is not None
            result = engine.solve(query)
            outcomes.append(AssertionOutcome(a, result, tuple(notes) + pod_cidr_notes(analysis, result, options)
                                             + engine.notes(result)))
    return CheckResult(tuple(outcomes), host_network_reading(analysis))


def host_network_reading(analysis: Analysis) -> str | None:
    """The hostNetwork reading (--hostnetwork) an answer used, when the inventory has hostNetwork pods."""
    if any(n in ep.notes for ep in analysis.endpoints for n in (HOST_NETWORK_AS_NODE_NOTE, HOST_NETWORK_AS_POD_NOTE)):
        return analysis.semantics.host_network
    return None
