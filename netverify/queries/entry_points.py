"""Where traffic from outside the cluster enters it: the first hop of a path from the internet.

An endpoint is an entry point for a set of outside addresses (the internet, or a CIDR the user
names) when `exposure` finds a way in for some of those addresses:

- directly by pod IP: its ingress admits them (an ipBlock, a rule without `from`, no isolating
  policy at all, or hostNetwork). Whether pod IPs are routable from outside is up to the
  network; like `exposure`, this reports what policy allows.
- through a NodePort, LoadBalancer or externalIPs Service it backs, on the targetPort. With
  `externalTrafficPolicy: Local` the client address must be admitted by the backend's ingress
  (and lie in `loadBalancerSourceRanges` for the load balancer path). With `Cluster` the client
  address is replaced by a node address: paths `exposure` reports as open, or as admitted only
  if the node addresses fall in some range ("node-addresses"), are entry points, the latter
  marked conditional; paths it reports as blocked are not (a backend's own node may still
  reach it: that is node traffic, which no path from outside is assumed to use).

Entry points are computed per class for the direct routes (members of a class are alike to
every policy) and per backend for Services (a Service's selector may tell members of a class
apart). Only public functions of `queries.exposure` are used.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model import Direction
from netverify.queries.context import Analysis
from netverify.queries.exposure import INTERNET, Exposure, OutsideReach, exposed_services, service_exposure
from netverify.queries.lateral import PortFilter
from netverify.semantics.compile import IPBlockPeer
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.verdict import RuleId
from netverify.sets import ConnectionSet, IPSet

INTERNET_ORIGIN = "internet"


@dataclass(frozen=True)
class Origin:
    """Where an attacker starts outside the cluster: a name for reports and the addresses it stands for."""

    name: str
    addresses: IPSet

    @classmethod
    def internet(cls) -> Origin:
        """Every public address (outside private, shared, loopback, link-local and multicast ranges)."""
        return cls(INTERNET_ORIGIN, INTERNET)


@dataclass(frozen=True)
class EntryRoute:
    """One way in: by pod IP or through a Service path, with what it admits on the backend."""

    via: str
    allowed: ConnectionSet
    rules: tuple[RuleId, ...] = ()
    detail: str = ""
    conditional: bool = False  # admitted only if the node addresses fall in the admitted ranges

    def to_json(self, pieces: JsonPieces | None = None) -> dict[str, object]:
        pieces = pieces or JsonPieces()
        return {"via": self.via, "allowed": pieces.connections(self.allowed), "rules": pieces.rules(self.rules),
                "detail": self.detail, "conditional": self.conditional}


@dataclass(frozen=True)
class Entry:
    """An endpoint reachable from outside in one hop, with every route and what they admit together."""

    endpoint: Endpoint
    allowed: ConnectionSet
    routes: tuple[EntryRoute, ...]

    def to_json(self, pieces: JsonPieces | None = None) -> dict[str, object]:
        pieces = pieces or JsonPieces()
        return {"id": self.endpoint.id, "allowed": pieces.connections(self.allowed),
                "routes": [r.to_json(pieces) for r in self.routes]}


class JsonPieces:
    """The JSON of equal connection sets and of the same rule lists, built once and shared by every entry (and
    reached endpoint) that repeats them: a document of thousands of entries repeats a few hundred sets and rule
    lists, and `report.json_shared` writes a shared object's text once per depth instead of encoding it again
    (json's indenting encoder spent a fifth of `blast-radius --from internet` at 40,000 pods on them).
    Callers must not modify the returned objects."""

    def __init__(self) -> None:
        self._sets: dict[ConnectionSet, list[dict[str, object]]] = {}  # to_json reads the set's value only
        # by the rules' identities (each route builds its own tuple of the same rule objects); the tuple is kept so
        # that those identities stay unique
        self._rules: dict[tuple[int, ...], tuple[tuple[RuleId, ...], list[dict[str, object]]]] = {}

    def connections(self, conns: ConnectionSet) -> list[dict[str, object]]:
        found = self._sets.get(conns)
        if found is None:
            found = self._sets[conns] = conns.to_json()
        return found

    def rules(self, rules: tuple[RuleId, ...]) -> list[dict[str, object]]:
        key = tuple(map(id, rules))
        found = self._rules.get(key)
        if found is None:
            found = self._rules[key] = (rules, [r.to_json() for r in rules])
        return found[1]


def _direct_route(exposure: Exposure, addresses: IPSet, wanted: ConnectionSet) -> EntryRoute | None:
    allowed = ConnectionSet.none()
    rules: list[RuleId] = []
    for reach in exposure.reaches:
        if not reach.addresses & addresses:
            continue
        conns = reach.connections & wanted
        if conns:
            allowed = allowed | conns
            rules += [r for r in reach.rules if r not in rules]
    if not allowed:
        return None
    return EntryRoute("pod IP", allowed, tuple(rules), exposure.note)  # the note says why when no rule decides


def _closed_to_outside(analysis: Analysis) -> set[int]:
    """Classes that no address outside the cluster reaches by pod IP, known without asking `exposure`:
    isolated for ingress by policies none of whose ingress rules has an empty `from` or an ipBlock.
    Only a shortcut (exposure would say the same), so that the per-class question is asked of the
    few classes that may be exposed, not of every class against every policy."""
    can_admit_outside = [any(not rule.peers or any(isinstance(p, IPBlockPeer) for p in rule.peers)
                             for rule in policy.rules(Direction.INGRESS)) for policy in analysis.policies]
    return {c for c, selecting in enumerate(analysis.graph.selecting(Direction.INGRESS))
            if selecting and not any(can_admit_outside[i] for i in selecting)}


def entry_points(analysis: Analysis, origin: Origin, query: PortFilter) -> list[Entry]:
    """The endpoints `origin` reaches in one hop, sorted by id, restricted to `query`."""
    graph = analysis.graph
    routes: dict[str, list[EntryRoute]] = {}
    closed = _closed_to_outside(analysis)
    # One OutsideReach for every class: it decides each distinct set of selecting policies once (a new
    # one per class decided every class afresh, after grouping every policy by namespace: classes x policies).
    reach = OutsideReach.of(analysis)
    direct: dict[int, Exposure | None] = {}  # class -> its ingress from outside (alike for every member)
    for ep in analysis.endpoints:
        c = graph.class_of[ep.id]
        if c not in direct:
            direct[c] = None if c in closed else reach.exposure(ep, Direction.INGRESS)
        exposure = direct[c]
        if exposure is None:
            continue
        route = _direct_route(exposure, origin.addresses, query.connections(ep))
        if route is not None:
            routes.setdefault(ep.id, []).append(route)
    # Only Services with a path from outside: viewing every Service would match every selector
    # against every pod, for Services that cannot be an entry point anyway.
    for path in service_exposure(reach, exposed_services(analysis)):
        if path.status == "blocked":
            continue
        local = path.external_traffic_policy == "Local"
        usable = (path.admitted if local else path.clients) & origin.addresses
        backend = analysis.by_id.get(path.backend)
        if not usable or backend is None:
            continue
        allowed = path.target & query.connections(backend)
        if allowed:
            routes.setdefault(backend.id, []).append(EntryRoute(
                f"Service {path.service}: {path.via}", allowed, (), path.detail, path.status == "node-addresses"))
    out = []
    for ep_id in sorted(routes):
        found = routes[ep_id]
        out.append(Entry(analysis.by_id[ep_id], ConnectionSet.union_all(r.allowed for r in found), tuple(found)))
    return out
