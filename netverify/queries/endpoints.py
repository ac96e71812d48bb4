"""Resolve endpoint expressions used on the command line and in assertion files.

  ns/pod            a pod (or, by default granularity, the endpoint that stands for it)
  ns/Kind/name      a workload
  ns/name           a pod or a workload of that name, when unique
  10.0.0.1          the endpoint with that IP, else an address outside the cluster
  NS/SELECTOR       a set: NS is a namespace or `*`; SELECTOR is kubectl syntax or `*`
  svc/ns/name       a Service (also ns/Service/name): its backends, with the Service attached so
                    that ports are translated per backend (see netverify.semantics.services)

Grammar: the text is split at its FIRST `/` into NS and REST. NS/SELECTOR wins whenever REST
reads as a selector: it is `*`, or it has an operator (`=`, `==`, `!=`, `!key`, ` in (`,
` notin (`) or a comma, or it is one prefixed label key whose prefix is a DNS subdomain with a
dot (`app.kubernetes.io/name`: "has this key") -- and it parses as kubectl selector syntax.
So prefixed keys work as kubectl reads them: `monitoring/app.kubernetes.io/name=prometheus`,
`*/app.kubernetes.io/name in (a,b)`. Otherwise REST is KIND/NAME, Service/NAME or NAME. A REST
with an operator that does not parse is an error about the selector, never an unknown pod.
`*` as NS always makes a set.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from netverify.errors import UsageError
from netverify.model import WORKLOAD_KINDS, LabelSelector
from netverify.queries.context import Analysis
from netverify.semantics.endpoints import Endpoint, external_endpoint, owner_id
from netverify.semantics.selectors import SelectorSyntaxError, matches, parse_selector
from netverify.semantics.services import ServiceView, view_service


class EndpointError(UsageError):
    """An endpoint expression that does not resolve; the message says what to write instead."""


@dataclass(frozen=True)
class EndpointSet:
    text: str
    members: tuple[Endpoint, ...]
    namespace: str | None = None  # None: any namespace
    selector: LabelSelector | None = None  # set for NS/SELECTOR expressions
    service: ServiceView | None = None  # set for Service expressions: members are its backends

    @property
    def is_set(self) -> bool:
        return self.selector is not None


_SELECTOR_OPERATORS = re.compile(r"=|!|,|\s(?:not)?in(?:\s|\()")
# A label key prefix is a DNS subdomain (lowercase); requiring a dot keeps `ns/Kind/name` and
# `svc/ns/name` apart from an existence test on a prefixed key.
_PREFIXED_KEY = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+/"
                           r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")


def reads_as_selector(rest: str) -> bool:
    """Whether the part after NS/ is meant as a selector (see the module docstring's grammar)."""
    rest = rest.strip()
    return rest == "*" or bool(_SELECTOR_OPERATORS.search(rest)) or bool(_PREFIXED_KEY.fullmatch(rest))


def resolve(analysis: Analysis, text: str) -> EndpointSet:
    text = text.strip()
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return EndpointSet(text, (_by_ip(analysis, text),))
    ns, slash, rest = text.partition("/")
    if slash and ns and (ns == "*" or reads_as_selector(rest)):
        return _selector_set(analysis, text, ns, rest)
    parts = text.split("/", 2)
    service = _service_parts(parts)
    if service is not None:
        return _service(analysis, text, *service)
    if len(parts) == 3:
        ns, kind, name = parts
        if kind.lower() in ("pod", "pods"):
            return _exact(analysis, text, f"{ns}/{name}")
        return _workload(analysis, text, ns, kind, name)
    if len(parts) != 2 or not parts[0]:
        raise EndpointError(f"endpoint {text!r} is not NAMESPACE/NAME, NAMESPACE/KIND/NAME, NAMESPACE/SELECTOR, "
                            "svc/NAMESPACE/NAME or an IP")
    return _named(analysis, text, *parts)


_NOT_SERVICE_KINDS = {k.lower() for k in WORKLOAD_KINDS} | {"pod", "pods"}


def _service_parts(parts: list[str]) -> tuple[str, str] | None:
    """(namespace, name) for `svc/ns/name` or `ns/Service/name`, else None."""
    if len(parts) != 3:
        return None
    first, middle, name = parts
    if middle.lower() in ("service", "services", "svc"):
        return first, name
    if first.lower() == "svc" and middle.lower() not in _NOT_SERVICE_KINDS:
        return middle, name
    return None


def _service(analysis: Analysis, text: str, ns: str, name: str) -> EndpointSet:
    found = next((s for s in analysis.cluster.services if s.namespace == ns and s.name == name), None)
    if found is None:
        known = ", ".join(s.name for s in analysis.cluster.services if s.namespace == ns)
        raise EndpointError(f"unknown Service {ns}/{name}" + (f"; Services in {ns}: {known}" if known
                                                               else f"; no Services in namespace {ns!r}"))
    view = view_service(found, analysis.cluster, analysis.endpoints)
    return EndpointSet(text, tuple(b.endpoint for b in view.backends), ns, service=view)


def _by_ip(analysis: Analysis, ip: str) -> Endpoint:
    normal = str(ipaddress.ip_address(ip))
    for ep in analysis.endpoints:
        if normal in ep.ips:
            return ep
    return external_endpoint(normal)


def _exact(analysis: Analysis, text: str, pod_id: str) -> EndpointSet:
    ep = analysis.by_id.get(pod_id)
    if ep is not None:
        return EndpointSet(text, (ep,))
    ns, name = pod_id.split("/", 1)
    for e in analysis.endpoints:  # a pod reported under its workload
        if e.namespace == ns and name in e.pods:
            return EndpointSet(text, (e,))
    raise EndpointError(_unknown(analysis, text, ns))


def _workload(analysis: Analysis, text: str, ns: str, kind: str, name: str) -> EndpointSet:
    wanted = f"{ns}/{kind}/{name}".lower()
    found = [e for e in analysis.endpoints if e.id.lower() == wanted]
    if not found:  # by pod granularity: the pods of that workload
        found = [e for e in analysis.endpoints if e.kind == "Pod" and e.namespace == ns
                 and _owned_by(analysis, e, kind, name)]
    if not found:
        raise EndpointError(_unknown(analysis, text, ns))
    return EndpointSet(text, tuple(found))


def _owned_by(analysis: Analysis, ep: Endpoint, kind: str, name: str) -> bool:
    pods = [p for p in analysis.cluster.pods if p.namespace == ep.namespace and p.name == ep.name]
    workloads = {(w.kind, w.name): w for w in analysis.cluster.workloads if w.namespace == ep.namespace}
    return any((owner_id(p, workloads) or "").lower() == f"{ep.namespace}/{kind}/{name}".lower() for p in pods)


def _named(analysis: Analysis, text: str, ns: str, name: str) -> EndpointSet:
    if f"{ns}/{name}" in analysis.by_id:
        return EndpointSet(text, (analysis.by_id[f"{ns}/{name}"],))
    candidates = [e for e in analysis.endpoints if e.namespace == ns and (e.name == name or name in e.pods)]
    if len(candidates) == 1:
        return EndpointSet(text, (candidates[0],))
    if len(candidates) > 1:
        ids = ", ".join(e.id for e in candidates)
        raise EndpointError(f"endpoint {text!r} is ambiguous: {ids}; name one of them")
    raise EndpointError(_unknown(analysis, text, ns))


def _selector_set(analysis: Analysis, text: str, ns: str, rest: str) -> EndpointSet:
    try:
        selector = parse_selector(rest)
    except SelectorSyntaxError as exc:
        raise EndpointError(f"endpoint set {text!r}: {exc}") from None
    namespace = None if ns == "*" else ns
    members = tuple(e for e in analysis.endpoints
                    if (namespace is None or e.namespace == namespace) and matches(selector, e.labels_map))
    return EndpointSet(text, members, namespace, selector)


def _unknown(analysis: Analysis, text: str, ns: str) -> str:
    nearby = [e.id for e in analysis.endpoints if e.namespace == ns][:8]
    known = f"; endpoints in {ns}: {', '.join(nearby)}" if nearby else f"; no endpoints in namespace {ns!r}"
    return f"unknown endpoint {text!r}{known}"


def resolve_ids(analysis: Analysis, texts: tuple[str, ...]) -> frozenset[str] | None:
    """The ids of the endpoints some expression names (None: no expression given, every endpoint);
    raises EndpointError for one that does not resolve. What --src/--dst filters keep."""
    if not texts:
        return None
    found: set[str] = set()
    for text in texts:
        found.update(m.id for m in resolve(analysis, text).members)
    return frozenset(found)
