"""Service-level questions: `can` to a Service (per backend) and the matrix `--by service`.

A connection to a Service is answered on each backend after translation: the service
port becomes the backend's targetPort and the policy tiers (NetworkPolicy, and the admin
tiers when loaded) are evaluated between the client and the backend pod. A client "can
reach" a Service on a port when every backend that serves that port admits it (kube-proxy
picks any one of them per connection); when only some do, the result says which ones and
counts as denied. A set of clients is counted per
(client, Service) pair under the same quantifier as `can` between endpoints (queries/reach.py):
every client by default, at least one with --some.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from netverify.model import ContainerPort, ServicePort
from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointError, EndpointSet
from netverify.queries.outcome import Outcome
from netverify.queries.ports import PortError, PortQuery
from netverify.queries.reach import (
    PairResult,
    count_text,
    host_network_reading,
    pair_result,
    quantified_answer,
    quantifier_text,
)
from netverify.queries.service_cells import cells_by_class, own_cell, port_plan
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import decide_pair
from netverify.semantics.services import (
    ServiceView,
    Translation,
    direct,
    port_label,
    translate,
    view_services,
)
from netverify.sets import ConnectionSet

# --- can SRC svc/ns/name ------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceReachResult:
    """`can` to a Service: pairs are (client, backend) after translation, counted per (client, Service).

    Its own type, composed of what it needs (the endpoint sets, the port query, the backend pairs
    answered by reach.pair_result, the Service view and its translations), not a pod-level
    ReachResult: each output format renders it on purpose (report/: text, json, md, html), and one
    that does not know it refuses it instead of printing pod pairs. The quantifier and the count's
    words are reach.py's, so `can` reads the same to a Service as between endpoints.
    """

    src: EndpointSet
    dst: EndpointSet  # the Service as an endpoint set (dst.service is `view`)
    query: PortQuery
    pairs: tuple[PairResult, ...]  # (client, backend) for every backend serving a queried port
    view: ServiceView
    translations: tuple[Translation, ...] = ()  # every (service port, backend) considered
    ports: tuple[ServicePort, ...] = ()  # the service ports the query selected
    direct_ports: bool = False  # headless with a port number: no translation
    quantifier: str = "all"  # "all": every client must reach the Service; "some": one is enough
    host_network_reading: str | None = None  # "node"/"pod" when a hostNetwork pod is on either side

    @property
    def backends_served(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.backend.endpoint.id for t in self.translations if t.target))

    def _clients(self) -> dict[str, bool]:
        """client id -> whether every backend serving the queried ports admits it."""
        served = set(self.backends_served)
        out: dict[str, bool] = {}
        for client, admitted in self.admitted_backends().items():
            out[client] = bool(served) and served <= set(admitted)
        return out

    @property
    def pairs_total(self) -> int:
        """(client, Service) pairs: one per client."""
        return len(self._clients())

    @property
    def pairs_allowed(self) -> int:
        return sum(1 for reaches in self._clients().values() if reaches)

    @property
    def pairs_not_applicable(self) -> int:
        return 0  # backends that do not serve the port are left out per port, not per client

    @property
    def unit(self) -> str:
        return "pairs (client -> Service)"

    @property
    def allowed(self) -> bool:
        return quantified_answer(self.quantifier, self.pairs_allowed, self.pairs_total)

    @property
    def outcome(self) -> Outcome:
        return Outcome.of(self.allowed)

    def count_text(self) -> str:
        """`k of n pairs (client -> Service) allowed`."""
        return count_text(self.pairs_allowed, self.pairs_total, self.unit)

    def quantifier_text(self) -> str:
        return ("a client reaches the Service only when every backend admits it; "
                + quantifier_text(self.quantifier))

    def admitted_backends(self) -> dict[str, list[str]]:
        """client id -> ids of the backends that admit it."""
        out: dict[str, list[str]] = {}
        for p in self.pairs:
            out.setdefault(p.verdict.src.id, [])
            if p.allowed:
                out[p.verdict.src.id].append(p.verdict.dst.id)
        return out

    def to_json(self) -> dict[str, object]:
        """The fields of `can` between endpoints (same names, same order), then the Service's."""
        return {"allowed": self.allowed, "quantifier": self.quantifier, "pairs_allowed": self.pairs_allowed,
                "pairs_total": self.pairs_total, "pairs_not_applicable": self.pairs_not_applicable,
                **({"host_network": self.host_network_reading} if self.host_network_reading else {}),
                "src": self.src.text, "dst": self.dst.text, "port": self.query.describe(),
                "pairs": [p.to_json() for p in self.pairs],
                "service": self.view.to_json(),
                "service_ports": [port_label(p) for p in self.ports],
                "translations": [t.to_json() for t in self.translations],
                "backends_served": list(self.backends_served)}


def can_reach_service(analysis: Analysis, src: EndpointSet, dst: EndpointSet, query: PortQuery,
                      quantifier: str = "all") -> ServiceReachResult:
    view = dst.service
    assert view is not None
    if view.kind == "ExternalName":
        raise EndpointError(f"{view.notes[0]}\n  hint: e.g. netverify can {src.text} <the address it resolves to>")
    ports, as_is = _selected_ports(view, query)
    translations: list[Translation] = []
    for backend in view.backends:
        for port in ports:
            translations.append(direct(port, backend) if as_is else translate(view, port, backend))
    if not ports and view.backends:  # headless, any port or a range not declared by the Service: used as-is
        translations = [Translation(None, b, query.connections(b.endpoint),
                                    f"headless: {query.describe()} used as-is on {b.endpoint.id}")
                        for b in view.backends]
    target = {b.endpoint.id: ConnectionSet.union_all(t.target for t in translations if t.backend is b)
              for b in view.backends}
    pairs: list[PairResult] = []
    for s in src.members:
        for b in view.backends:
            queried = target[b.endpoint.id]
            if not queried:
                continue
            pairs.append(pair_result(analysis, s, b.endpoint, queried))  # through every tier
    return ServiceReachResult(src, dst, query, tuple(pairs), view, tuple(translations), tuple(ports),
                              direct_ports=as_is or not ports, quantifier=quantifier,
                              host_network_reading=host_network_reading(analysis, src, dst))


def _selected_ports(view: ServiceView, query: PortQuery) -> tuple[list[ServicePort], bool]:
    """The service ports a query names, and whether port numbers are used as-is (headless)."""
    svc = view.service
    if view.kind == "headless":
        if isinstance(query.port, str):
            named = [p for p in svc.ports if _wanted(p, query)]
            if named:
                return named, False
        return [], True
    if not svc.ports:
        raise PortError(f"Service {svc.namespace}/{svc.name} declares no ports, so nothing can connect through it")
    chosen = [p for p in svc.ports if _wanted(p, query)]
    if not chosen:
        known = ", ".join(port_label(p) for p in svc.ports)
        raise PortError(f"Service {svc.namespace}/{svc.name} has no port {query.describe()}; its ports: {known}",)
    return chosen, False


def _wanted(port: ServicePort, query: PortQuery) -> bool:
    if isinstance(query.port, str):  # a name: the service port's, with the protocol asked for if any
        return port.name == query.port and query.protocol in (None, port.protocol)
    if query.protocol is None:
        return True
    if port.protocol != query.protocol:
        return False
    if query.port is None:
        return True
    return query.port <= port.port <= (query.end_port or query.port)


# --- matrix --by service -------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceConnection:
    """Client -> Service: `allowed` service ports every backend admits, `partial` those only some admit.

    Not a pod-level Connection: a formatter that knows only pod pairs has nothing to print it with."""

    src: Endpoint
    dst: Endpoint  # the Service (service_endpoint): its ports are the service ports
    allowed: ConnectionSet
    partial: ConnectionSet = field(default_factory=ConnectionSet.none)

    def to_json(self) -> dict[str, object]:
        return {"src": self.src.id, "dst": self.dst.id, "allowed": self.allowed.to_json(),
                "partial": self.partial.to_json()}


def service_endpoint(view: ServiceView) -> Endpoint:
    """A Service as a matrix destination: its ports are the service ports (so names resolve on them)."""
    svc = view.service
    return Endpoint(view.id, "Service", svc.namespace, svc.name, (), (),
                    tuple(ContainerPort(p.port, p.protocol, p.name) for p in svc.ports),
                    tuple(ip for ip in svc.cluster_ips if ip != "None"), pods=tuple(
                        n for b in view.backends for n in b.pods))


class ServiceMatrixResult:
    """Every client endpoint against every Service with backends, in service-port terms.

    Its own type, composed of what it needs (the analysis, the port query, the Service views), not a
    pod matrix: each output format renders it on purpose, and one that does not know it refuses it
    instead of printing pod pairs. `connections()` yields one ServiceConnection per (client, Service)
    pair with something allowed or partial.
    """

    def __init__(self, analysis: Analysis, query: PortQuery) -> None:
        self.analysis = analysis
        self.query = query
        # Told how many clients are done (in endpoint order) while pairs are computed: a progress display.
        self.on_row: Callable[[int], None] | None = None
        self.sources: frozenset[str] | None = None  # --src: only these clients (None: every endpoint)
        views = view_services(analysis.cluster, analysis.endpoints)
        self.views = [v for v in views if v.backends and v.service.ports]
        self.unrouted = [v for v in views if not (v.backends and v.service.ports)]
        self.services = [service_endpoint(v) for v in self.views]

    def restrict(self, sources: frozenset[str] | None, destinations: frozenset[str] | None) -> ServiceMatrixResult:
        """Report only the clients in `sources` (None: all); the destinations are the Services."""
        if destinations is not None:
            raise ValueError("the destinations of the matrix by service are its Services")
        self.sources = sources
        return self

    @property
    def endpoints(self) -> list[Endpoint]:
        """The clients reported: every endpoint, or those --src names."""
        if self.sources is None:
            return self.analysis.endpoints
        return [e for e in self.analysis.endpoints if e.id in self.sources]

    def notes(self) -> list[str]:
        out = [n for v in self.views for n in v.notes]
        for v in self.unrouted:
            out.extend(v.notes or (f"{v.id} declares no ports",))
        return out

    def connections(self) -> Iterator[ServiceConnection]:
        """Each client in endpoint order, its Services in order: cells computed per client class and Service
        part (queries/service_cells), a client's own Services (it is among their backends) for it alone."""
        analysis, graph = self.analysis, self.analysis.graph
        plans = [port_plan(v) for v in self.views]
        tiers = analysis.tiers

        def decide(src: Endpoint, dst: Endpoint) -> ConnectionSet:
            return graph.allowed(src, dst) if dst.id in graph.class_of else decide_pair(tiers, src, dst).allowed

        by_class = cells_by_class(graph, decide, plans)
        own: dict[str, list[int]] = {}  # client id -> the Services it is a backend of
        for i, view in enumerate(self.views):
            for backend_id in dict.fromkeys(b.endpoint.id for b in view.backends):
                own.setdefault(backend_id, []).append(i)
        wanted = None if self.query.is_all else [self.query.connections(s) for s in self.services]
        for src in analysis.endpoints:
            if self.on_row is not None:
                self.on_row(analysis.position[src.id] + 1)
            if self.sources is not None and src.id not in self.sources:
                continue
            cells = by_class.get(graph.class_of[src.id], [])
            if src.id in own:
                mine = dict(cells)
                mine.update((i, own_cell(decide, src, plans[i])) for i in own[src.id])
                cells = sorted(mine.items(), key=lambda item: item[0])
            for i, (allowed, partial) in cells:
                if wanted is not None:
                    allowed, partial = allowed & wanted[i], partial & wanted[i]
                if allowed or partial:
                    yield ServiceConnection(src, self.services[i], allowed, partial)


def service_matrix(analysis: Analysis, query: PortQuery) -> ServiceMatrixResult:
    return ServiceMatrixResult(analysis, query)
