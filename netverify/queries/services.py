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

from netverify.engines.graph import ReachabilityGraph
from netverify.model import ContainerPort, ServicePort
from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointError, EndpointSet
from netverify.queries.ports import PortError, PortQuery
from netverify.queries.reach import PairResult, ReachResult, host_network_reading, pair_result
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.services import (
    Backend,
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
class ServiceReachResult(ReachResult):
    """A ReachResult whose destination is a Service: pairs are (client, backend) after translation."""

    view: ServiceView | None = None
    translations: tuple[Translation, ...] = ()  # every (service port, backend) considered
    ports: tuple[ServicePort, ...] = ()  # the service ports the query selected
    direct_ports: bool = False  # headless with a port number: no translation

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

    def quantifier_text(self) -> str:
        return ("a client reaches the Service only when every backend admits it; "
                + super().quantifier_text())

    def admitted_backends(self) -> dict[str, list[str]]:
        """client id -> ids of the backends that admit it."""
        out: dict[str, list[str]] = {}
        for p in self.pairs:
            out.setdefault(p.verdict.src.id, [])
            if p.allowed:
                out[p.verdict.src.id].append(p.verdict.dst.id)
        return out

    def to_json(self) -> dict[str, object]:
        data = super().to_json()
        data["service"] = self.view.to_json() if self.view is not None else None
        data["service_ports"] = [port_label(p) for p in self.ports]
        data["translations"] = [t.to_json() for t in self.translations]
        data["backends_served"] = list(self.backends_served)
        return data


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
    return ServiceReachResult(src, dst, query, tuple(pairs), quantifier, host_network_reading(analysis, src, dst),
                              view, tuple(translations), tuple(ports),
                              as_is or not ports)


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
        plans = [(v, svc_ep, _port_plan(v)) for v, svc_ep in zip(self.views, self.services, strict=True)]
        cache: dict[tuple[int, int], tuple[ConnectionSet, ConnectionSet]] = {}
        graph = self.analysis.graph
        for src in self.analysis.endpoints:
            if self.on_row is not None:
                self.on_row(self.analysis.position[src.id] + 1)
            if self.sources is not None and src.id not in self.sources:
                continue
            for i, (view, svc_ep, plan) in enumerate(plans):
                backend_ids = {b.endpoint.id for b in view.backends}
                if src.id in backend_ids:  # a pod reaching itself through its own Service: no cache
                    cell = _cell(graph, src, plan)
                else:
                    key = (graph.class_of[src.id], i)
                    cell = cache.get(key) or cache.setdefault(key, _cell(graph, src, plan))
                allowed, partial = cell
                if not self.query.is_all:
                    wanted = self.query.connections(svc_ep)
                    allowed, partial = allowed & wanted, partial & wanted
                if allowed or partial:
                    yield ServiceConnection(src, svc_ep, allowed, partial)


Plan = list[tuple[ServicePort, list[tuple[Backend, ConnectionSet]]]]


def _port_plan(view: ServiceView) -> Plan:
    """For each service port, each backend's translated target (backends that do not serve it left out)."""
    plan: Plan = []
    for port in view.service.ports:
        targets = []
        for b in view.backends:
            t = direct(port, b) if view.kind == "headless" else translate(view, port, b)
            if t.target:
                targets.append((b, t.target))
        plan.append((port, targets))
    return plan


def _cell(graph: ReachabilityGraph, src: Endpoint, plan: Plan) -> tuple[ConnectionSet, ConnectionSet]:
    allowed, partial = ConnectionSet.none(), ConnectionSet.none()
    for port, targets in plan:
        if not targets:
            continue
        full = 0
        some = 0
        for b, target in targets:
            got = graph.allowed(src, b.endpoint) & target
            if got == target:
                full += 1
            if got:
                some += 1
        conns = ConnectionSet.of(port.protocol, port.port, port.port)
        if full == len(targets):
            allowed = allowed | conns
        elif some:
            partial = partial | conns
    return allowed, partial


def service_matrix(analysis: Analysis, query: PortQuery) -> ServiceMatrixResult:
    return ServiceMatrixResult(analysis, query)
