"""Services: which endpoints back a Service, and what a service port becomes on each backend.

kube-proxy translates a connection to a Service's virtual address (ClusterIP, NodePort,
load balancer) into a connection to one backend pod's IP and targetPort. NetworkPolicy
sees only the translated connection, so every question about a Service is answered per
backend, on the backend's port.

Backends come from the Service's EndpointSlices when any are loaded for it (a live
cluster, or a snapshot of one): they say exactly which ready pods serve which port
numbers. Otherwise from its selector, as the EndpointSlice controller would compute
them: pods in the Service's namespace whose labels include every selector pair, a
named targetPort looked up on each pod's container ports.

Services that do not translate to pods are explained, not guessed: ExternalName (a DNS
alias, no proxying), no selector and no EndpointSlices (nothing to route to), and
headless Services (clusterIP None: DNS hands out the pod IPs, no port translation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from netverify.model import Cluster, EndpointSlice, Labels, Pod, Service, ServicePort
from netverify.semantics.endpoints import Endpoint, external_endpoint
from netverify.sets import ConnectionSet

SELECTOR, ENDPOINT_SLICES, NO_BACKENDS = "selector", "EndpointSlices", "none"


@dataclass(frozen=True)
class Backend:
    """One endpoint serving a Service, and the pods of it that do."""

    endpoint: Endpoint
    pods: tuple[str, ...] = ()  # the endpoint's member pods that back the Service
    slice_ports: tuple[ServicePort, ...] | None = None  # from EndpointSlices; None: from the selector


@dataclass(frozen=True)
class Translation:
    """What one service port becomes on one backend."""

    service_port: ServicePort | None  # None: a headless Service's port used as-is
    backend: Backend
    target: ConnectionSet  # empty: this backend does not serve that port
    how: str

    def to_json(self) -> dict[str, object]:
        port = port_label(self.service_port) if self.service_port is not None else None
        return {"service_port": port, "backend": self.backend.endpoint.id,
                "target": self.target.to_json(), "how": self.how}


@dataclass(frozen=True)
class ServiceView:
    """A Service with its backends, resolved once."""

    service: Service
    backends: tuple[Backend, ...]
    origin: str  # SELECTOR, ENDPOINT_SLICES or NO_BACKENDS
    notes: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.service.namespace}/Service/{self.service.name}"

    @property
    def kind(self) -> str:
        if self.service.type == "ExternalName":
            return "ExternalName"
        return "headless" if self.service.headless else self.service.type

    def to_json(self) -> dict[str, object]:
        return {"service": self.id, "type": self.service.type, "headless": self.service.headless,
                "backends_from": self.origin, "backends": [b.endpoint.id for b in self.backends],
                "ports": [port_label(p) for p in self.service.ports], "notes": list(self.notes)}


def port_label(p: ServicePort) -> str:
    name = f" ({p.name})" if p.name else ""
    return f"{p.port}/{p.protocol}{name}"


def service_id(service: Service) -> str:
    return f"{service.namespace}/Service/{service.name}"


@dataclass(frozen=True)
class BackendIndex:
    """What resolving many Services' backends reads, grouped once (`of`): the EndpointSlices by Service, the
    pods and the in-cluster endpoints by namespace (each in its order), and endpoints by pod and by address.
    Without it each Service would scan every pod, endpoint and slice of the cluster."""

    slices: Mapping[tuple[str, str], Sequence[EndpointSlice]]
    pod_labels: Mapping[str, Mapping[str, Mapping[str, str]]]  # namespace -> pod name -> labels
    endpoints: Mapping[str, Sequence[Endpoint]]
    lookups: tuple[Mapping[str, Endpoint], Mapping[str, Endpoint]]  # by "namespace/pod", by IP

    @classmethod
    def of(cls, cluster: Cluster, endpoints: Sequence[Endpoint]) -> BackendIndex:
        slices: dict[tuple[str, str], list[EndpointSlice]] = {}
        for s in cluster.endpoint_slices:
            slices.setdefault((s.namespace, s.service), []).append(s)
        pod_labels: dict[str, dict[str, Mapping[str, str]]] = {}
        for pod in cluster.pods:
            pod_labels.setdefault(pod.namespace, {})[pod.name] = dict(pod.labels)
        inside: dict[str, list[Endpoint]] = {}
        for ep in endpoints:
            if not ep.external:
                inside.setdefault(ep.namespace, []).append(ep)
        return cls(slices, pod_labels, inside, _endpoint_lookups(endpoints) if slices else ({}, {}))


def view_service(service: Service, cluster: Cluster, endpoints: Sequence[Endpoint],
                 pods: Sequence[Pod] | None = None, index: BackendIndex | None = None) -> ServiceView:
    """Resolve `service`'s backends among `endpoints` (the analysis's endpoints of `cluster`). `pods`: the
    pods of the Service's namespace when the caller has them at hand (else every pod of `cluster` is read);
    `index`: `BackendIndex.of(cluster, endpoints)` when many Services are resolved."""
    sid = service_id(service)
    if service.type == "ExternalName":
        target = service.external_name or "(no externalName set)"
        return ServiceView(service, (), NO_BACKENDS, (
            f"{sid} is an ExternalName Service: DNS answers with a CNAME to {target}; nothing is proxied and "
            "there are no backend pods. Traffic goes to whatever address that name resolves to, so ask about "
            "that address (NetworkPolicy sees it as an external destination, matched only by ipBlock).",))
    ns = service.namespace
    slices = (index.slices.get((ns, service.name), ()) if index is not None else
              [s for s in cluster.endpoint_slices if s.namespace == ns and s.service == service.name])
    notes: list[str] = []
    if service.headless:
        notes.append(f"{sid} is headless (clusterIP: None): DNS returns the backend pod IPs and clients connect to "
                     "them directly, so there is no address or port translation: a port number is used on the pod "
                     "as-is (a port name resolves to the backend's port, as DNS SRV records do)")
    if slices:
        backends = _slice_backends(slices, index.lookups if index is not None else _endpoint_lookups(endpoints))
        view = ServiceView(service, backends, ENDPOINT_SLICES, tuple(notes))
    elif service.selector:
        if index is not None:
            backends = _selector_backends(service, index.pod_labels.get(ns, {}), index.endpoints.get(ns, ()))
        else:
            backends = _selector_backends(service, {p.name: dict(p.labels) for p in (
                cluster.pods if pods is None else pods) if p.namespace == ns}, endpoints)
        view = ServiceView(service, backends, SELECTOR, tuple(notes))
    else:
        notes.append(f"{sid} has no selector and no EndpointSlices are loaded for it: its backends are managed "
                     "outside Kubernetes' controllers (or it has none), so connections to it go nowhere; load the "
                     "EndpointSlices (--cluster, or a snapshot) to analyse them")
        return ServiceView(service, (), NO_BACKENDS, tuple(notes))
    if not view.backends:
        where = "its EndpointSlices list no ready endpoint" if slices else (
            f"no pod or workload in namespace {service.namespace} matches its selector "
            f"{_selector_text(service.selector or ())}")
        return ServiceView(service, (), view.origin, (*view.notes, f"{sid} has no backends: {where}; "
                                                       "connections to it fail"))
    return view


def _selector_text(selector: Labels) -> str:
    return ",".join(f"{k}={v}" for k, v in selector) or "{}"


def _selector_backends(service: Service, pod_labels: Mapping[str, Mapping[str, str]],
                       endpoints: Sequence[Endpoint]) -> tuple[Backend, ...]:
    """Endpoints with a member pod (or, without pods, a template) whose labels include the selector;
    `pod_labels`: the labels of the pods of the Service's namespace, by name."""
    wanted = service.selector or ()

    def selected(labels: Mapping[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in wanted)

    out: list[Backend] = []
    for ep in endpoints:
        if ep.external or ep.namespace != service.namespace:
            continue
        members = [name for name in ep.pods if name in pod_labels]
        if members:  # per pod: a selector may pick some members only (e.g. statefulset pod-name)
            chosen = tuple(name for name in members if selected(pod_labels[name]))
            if chosen:
                out.append(Backend(ep, chosen))
        elif selected(ep.labels_map):
            out.append(Backend(ep))
    return tuple(out)


def _endpoint_lookups(endpoints: Sequence[Endpoint]) -> tuple[dict[str, Endpoint], dict[str, Endpoint]]:
    """Endpoints by "namespace/pod" and by address (the first of each)."""
    by_pod: dict[str, Endpoint] = {}
    by_ip: dict[str, Endpoint] = {}
    for ep in endpoints:
        for name in ep.pods:
            by_pod.setdefault(f"{ep.namespace}/{name}", ep)
        for ip in ep.ips:
            by_ip.setdefault(ip, ep)
    return by_pod, by_ip


def _slice_backends(slices: Iterable[EndpointSlice],
                    lookups: tuple[Mapping[str, Endpoint], Mapping[str, Endpoint]]) -> tuple[Backend, ...]:
    """Endpoints named by the slices' targetRefs, or found by address; each with the slice's ports."""
    by_pod, by_ip = lookups
    found: dict[str, tuple[Endpoint, list[str], list[ServicePort]]] = {}

    def add(ep: Endpoint, pod: str | None, ports: tuple[ServicePort, ...]) -> None:
        entry = found.setdefault(ep.id, (ep, [], []))
        if pod is not None and pod not in entry[1]:
            entry[1].append(pod)
        entry[2].extend(p for p in ports if p not in entry[2])

    for s in slices:
        covered: set[str] = set()
        for pod in s.target_pods:
            member = by_pod.get(f"{s.namespace}/{pod}")
            if member is not None:
                add(member, pod, s.ports)
                covered.update(member.ips)
        for ip in s.addresses:
            if ip not in covered:  # no targetRef (or an unknown pod): by address, else outside the cluster
                add(by_ip.get(ip) or external_endpoint(ip), None, s.ports)
    return tuple(Backend(ep, tuple(pods), tuple(ports)) for ep, pods, ports in
                 sorted(found.values(), key=lambda v: v[0].id))


def translate(view: ServiceView, port: ServicePort, backend: Backend) -> Translation:
    """The connections a client's connection to service port `port` becomes on `backend`."""
    target = port.target_port
    shown = f"service port {port_label(port)} -> targetPort {target}"
    ep = backend.endpoint
    if backend.slice_ports is not None:
        numbers = sorted({p.port for p in backend.slice_ports
                          if (p.name or None) == (port.name or None) and p.protocol == port.protocol})
        if not numbers:
            return Translation(port, backend, ConnectionSet.none(),
                               f"{shown}: the EndpointSlices list no {port.protocol} port "
                               f"{port.name or '(unnamed)'} for {ep.id}")
        conns = ConnectionSet.union_all(ConnectionSet.of(port.protocol, n, n) for n in numbers)
        return Translation(port, backend, conns,
                           f"{shown} = {port.protocol} {', '.join(map(str, numbers))} on {ep.id} (EndpointSlice)")
    if isinstance(target, int):
        return Translation(port, backend, ConnectionSet.of(port.protocol, target, target),
                           f"{shown} on {ep.id}")
    if ep.external:
        return Translation(port, backend, ConnectionSet.none(),
                           f"{shown}: a named targetPort cannot resolve on an address outside the cluster")
    numbers = sorted({p.port for p in ep.ports if p.name == target and p.protocol == port.protocol})
    if not numbers:
        return Translation(port, backend, ConnectionSet.none(),
                           f"{shown}: {ep.id} has no {port.protocol} container port named {target!r}, so it "
                           "does not serve this port (the EndpointSlice controller leaves it out)")
    conns = ConnectionSet.union_all(ConnectionSet.of(port.protocol, n, n) for n in numbers)
    return Translation(port, backend, conns, f"{shown} = {port.protocol} {', '.join(map(str, numbers))} on {ep.id}")


def direct(port: ServicePort, backend: Backend) -> Translation:
    """A headless Service's port number used as-is on the pod (no proxy in the path)."""
    conns = ConnectionSet.of(port.protocol, port.port, port.port)
    return Translation(port, backend, conns,
                       f"headless: port {port.port}/{port.protocol} used as-is on {backend.endpoint.id}")


def view_services(cluster: Cluster, endpoints: Sequence[Endpoint]) -> list[ServiceView]:
    index = BackendIndex.of(cluster, endpoints)
    return [view_service(s, cluster, endpoints, index=index) for s in cluster.services]
