"""`exposure`: what can be reached from outside the cluster, how, and what can reach the internet.

Three views, all from the same NetworkPolicy semantics:

- directly by pod IP: addresses outside the cluster that a pod's ingress admits (an
  ipBlock, a rule without `from`, or no isolating policy at all). Whether pod IPs are
  routable from outside is up to the network; the report says what policy allows.
- through Services: NodePort, LoadBalancer and externalIPs paths, per backend after
  translation to the targetPort. With `externalTrafficPolicy: Cluster` the client
  address is replaced by a node address before the backend sees the packet, so ipBlock
  rules written for client addresses filter node addresses instead: reported as a warning.
  `loadBalancerSourceRanges` restrict the load balancer path (not the NodePort).
- egress: the external addresses and ports each pod may send to; the internet is every
  address outside the private, shared, loopback, link-local and multicast ranges.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from netverify.model import Direction, Pod, Service, ServicePort
from netverify.queries.context import Analysis
from netverify.semantics.class_tiers import TermMatcher, TierPolicy, spec_of
from netverify.semantics.compile import AddressTerm, CompiledPolicy, SelectorTerm
from netverify.semantics.endpoints import Endpoint, external_endpoint, visible_labels
from netverify.semantics.evaluate import decide_direction
from netverify.semantics.netpol_tier import NetworkPolicyTier
from netverify.semantics.options import NetworkPolicySelection
from netverify.semantics.services import ServiceView, port_label, translate, view_service
from netverify.semantics.verdict import NETWORK_POLICY_TIER, Action, RuleId, Tier
from netverify.sets import ConnectionSet, IPSet

_NOT_INTERNET = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
)
EVERYWHERE = IPSet.everything()


def _internet() -> IPSet:
    out = IPSet.everything()
    for cidr in _NOT_INTERNET:
        out = out - IPSet.from_cidr(cidr)
    return out


INTERNET = _internet()
INTERNET_V4 = IPSet(INTERNET.v4)
INTERNET_V6 = IPSet(v6=INTERNET.v6)


def describe_addresses(addresses: IPSet, limit: int = 4) -> str:
    """Short words for an address set: `any address`, `0.0.0.0/0 except 10.0.0.0/8`, or its CIDRs."""
    return addresses.describe(limit)


@dataclass(frozen=True)
class Reach:
    """Connections admitted to/from a set of addresses, and the rules (with their tiers) admitting them."""

    connections: ConnectionSet
    addresses: IPSet
    because: tuple[TierRule, ...] = ()  # the rules that decided, each with its tier; a default allow as such

    @property
    def rules(self) -> tuple[RuleId, ...]:
        """The deciding rules (NetworkPolicy and admin rules alike)."""
        return tuple(t.rule for t in self.because if t.rule is not None)

    @property
    def internet(self) -> bool:
        return bool(self.addresses & INTERNET)

    def to_json(self) -> dict[str, object]:
        return self._json

    @cached_property
    def _json(self) -> dict[str, object]:
        """Written once: endpoints alike share their Reach objects (OutsideReach caches them), and a report
        of 100,000 pods lists each of them thousands of times."""
        return {"connections": self.connections.to_json(), "addresses": self.addresses.to_cidrs(),
                "internet": self.internet, "whole_internet": INTERNET.issubset(self.addresses),
                "rules": [r.to_json() for r in self.because]}


@dataclass(frozen=True)
class Exposure:
    """One endpoint's traffic with addresses outside the cluster, in one direction."""

    endpoint: Endpoint
    direction: Direction
    isolated: bool
    reaches: tuple[Reach, ...]
    note: str = ""

    @property
    def internet(self) -> bool:
        return any(r.internet for r in self.reaches)

    def to_json(self) -> dict[str, object]:
        return {"endpoint": self.endpoint.id, "direction": self.direction.value, "isolated": self.isolated,
                "internet": self.internet, "reaches": [r.to_json() for r in self.reaches],
                **({"note": self.note} if self.note else {})}


@dataclass(frozen=True)
class ServicePath:
    """An outside path into one backend of a Service."""

    service: str
    via: str
    port: ServicePort
    backend: str
    target: ConnectionSet
    clients: IPSet  # who may use the path (loadBalancerSourceRanges, else everyone)
    external_traffic_policy: str
    status: str  # open | restricted | node-addresses | blocked
    admitted: IPSet  # Local: client addresses admitted; Cluster: node addresses that would be admitted
    detail: str
    warning: str = ""

    def to_json(self) -> dict[str, object]:
        return {"service": self.service, "via": self.via, "service_port": port_label(self.port),
                "backend": self.backend, "target": self.target.to_json(), "clients": self.clients.to_cidrs(),
                "external_traffic_policy": self.external_traffic_policy, "status": self.status,
                "admitted": self.admitted.to_cidrs(), "detail": self.detail,
                **({"warning": self.warning} if self.warning else {})}


@dataclass(frozen=True)
class ExposureResult:
    JSON_SHARES_OBJECTS: ClassVar[bool] = True  # report/json_format: repeated reaches are encoded once
    direct: tuple[Exposure, ...]
    services: tuple[ServicePath, ...]
    egress: tuple[Exposure, ...]
    notes: tuple[str, ...] = ()

    @property
    def warnings(self) -> list[str]:
        return list(dict.fromkeys(p.warning for p in self.services if p.warning))

    def to_json(self) -> dict[str, object]:
        return {"ingress_direct": [e.to_json() for e in self.direct],
                "ingress_services": [p.to_json() for p in self.services],
                "egress": [e.to_json() for e in self.egress],
                "warnings": self.warnings, "notes": list(self.notes)}


# --- per endpoint ---------------------------------------------------------------------------


def _partition(pieces: Iterable[tuple[ConnectionSet, IPSet, TierRule | None]]) -> tuple[Reach, ...]:
    """Split overlapping (connections, addresses) pieces into disjoint connection sets with their addresses."""
    parts: list[tuple[ConnectionSet, IPSet, tuple[TierRule, ...]]] = []
    for conns, addrs, rule in pieces:
        if not conns or not addrs:
            continue
        refs: tuple[TierRule, ...] = (rule,) if rule is not None else ()
        rest = conns
        out: list[tuple[ConnectionSet, IPSet, tuple[TierRule, ...]]] = []
        for pc, pa, pr in parts:
            common = pc & conns
            if common:
                out.append((common, pa | addrs, pr + tuple(r for r in refs if r not in pr)))
                if pc - conns:
                    out.append((pc - conns, pa, pr))
                rest = rest - pc
            else:
                out.append((pc, pa, pr))
        if rest:
            out.append((rest, addrs, refs))
        parts = out
    merged: dict[IPSet, tuple[ConnectionSet, tuple[TierRule, ...]]] = {}
    for conns, addrs, refs in parts:
        prev_c, prev_r = merged.get(addrs, (ConnectionSet.none(), ()))
        merged[addrs] = (prev_c | conns, prev_r + tuple(r for r in refs if r not in prev_r))
    return tuple(sorted((Reach(c, a, r) for a, (c, r) in merged.items()),
                        key=lambda r: (r.connections.describe(), r.addresses.to_cidrs())))


def _rule_addresses(peers: Sequence[TermMatcher]) -> IPSet:
    """The outside addresses a rule's peers tell apart (the address terms of every tier's peers:
    ipBlocks, admin networks and node addresses)."""
    out = IPSet()
    for peer in peers:
        term = peer.term
        if isinstance(term, AddressTerm):
            out = out | term.addresses
    return out


def _atoms(sets: Iterable[IPSet]) -> list[IPSet]:
    """Every address split into the parts no set of `sets` tells apart (each address in exactly one)."""
    parts = [EVERYWHERE]
    for cut in dict.fromkeys(s for s in sets if s and s != EVERYWHERE):
        parts = [piece for part in parts for piece in (part & cut, part - cut) if piece]
    return parts


def _some_address(addresses: IPSet) -> str:
    if addresses.v4:
        return str(ipaddress.IPv4Address(addresses.v4.intervals[0][0]))
    return str(ipaddress.IPv6Address(addresses.v6.intervals[0][0]))


@dataclass(frozen=True)
class TierRule:
    """A rule that decided, with its tier, as exposure explanations name it. `rule` None: the tier
    decided without a rule (its `note` says why, e.g. --np-selection any), or, for tier DEFAULT, no
    tier decided and the default allows."""

    tier: str
    rule: RuleId | None = None
    note: str = ""

    def __str__(self) -> str:
        if self.tier == DEFAULT:
            return "default allow (no tier decides)"
        if self.rule is None:
            return f"[{self.tier}] allows: {self.note}"
        if self.tier == NETWORK_POLICY_TIER:
            return str(self.rule)
        return f"[{self.tier}] {self.rule}"

    def to_json(self) -> dict[str, object]:
        if self.rule is not None:
            return {"tier": self.tier, **self.rule.to_json()}
        return {"tier": self.tier, **({"default": True} if self.tier == DEFAULT else {"note": self.note})}


DEFAULT = "default"


class OutsideReach:
    """What the tiers decide between the inventory's endpoints and addresses outside the cluster.

    Each direction of each endpoint is folded through the tiers (`decide_direction`) once per part of
    the address space its rules tell apart; endpoints whose applicable policies (and, for ingress,
    named ports) are the same share the answer. Endpoints that look alike to every selector (same
    namespace, same labels of the keys in `label_keys`, same named ports) are known to have the same
    applicable policies without asking each policy again (`label_keys` None: every label counts)."""

    def __init__(self, tiers: Sequence[Tier], label_keys: frozenset[str] | None = None) -> None:
        self.tiers = tuple(tiers)
        self._label_keys = label_keys
        self._by_look: dict[tuple[object, ...], tuple[bool, tuple[Reach, ...], str]] = {}
        self._np = next((t for t in self.tiers if isinstance(t, NetworkPolicyTier)), NetworkPolicyTier(()))
        # The other tiers' policies as engines read them (class_tiers.spec_of): subject terms and rules.
        self._others = [p for t in self.tiers if not isinstance(t, NetworkPolicyTier) for p in spec_of(t).policies]
        # A NetworkPolicy selects pods of its own namespace only: each namespace's endpoints are decided
        # with the tiers whose NetworkPolicy tier holds that namespace's policies (the same decisions,
        # without asking every policy of the cluster whether it selects the endpoint).
        by_namespace: dict[str, list[CompiledPolicy]] = {}
        for policy in self._np.policies:
            by_namespace.setdefault(policy.policy.namespace, []).append(policy)
        # Within a namespace, its policies by the first label their podSelector's matchLabels requires (an
        # endpoint without that label is not selected), and those requiring none: each endpoint is asked of
        # the policies that may select it only (every policy of a namespace per endpoint grew with the cluster).
        self._by_namespace: dict[str, tuple[list[CompiledPolicy], dict[tuple[str, str], list[int]], list[int]]] = {}
        for ns, ps in by_namespace.items():
            anchored: dict[tuple[str, str], list[int]] = {}
            free: list[int] = []
            for i, policy in enumerate(ps):
                required = policy.policy.pod_selector.match_labels
                if required:
                    anchored.setdefault(required[0], []).append(i)
                else:
                    free.append(i)
            self._by_namespace[ns] = (ps, anchored, free)
        self._cache: dict[tuple[object, ...], tuple[bool, tuple[Reach, ...], str]] = {}

    @classmethod
    def of(cls, analysis: Analysis) -> OutsideReach:
        """Every tier of the analysis: Admin, NetworkPolicy, Baseline."""
        return cls(analysis.tiers, analysis.label_keys)

    def exposure(self, ep: Endpoint, direction: Direction) -> Exposure:
        """What `ep` admits from (ingress) or may send to (egress) addresses outside the cluster."""
        if ep.host_network:
            return Exposure(ep, direction, False, (Reach(ConnectionSet.all(), EVERYWHERE),),
                            "hostNetwork: the pod uses the node's addresses and no policy governs it")
        # What every selector and a named port can see of the endpoint: equal looks, equal answers.
        look = (direction, ep.namespace, visible_labels(ep.labels, self._label_keys),
                tuple(sorted((p.name, p.protocol, p.port) for p in ep.ports if p.name))
                if direction is Direction.INGRESS else ())
        found = self._by_look.get(look)
        if found is None:
            found = self._by_look[look] = self._answer(ep, direction)
        isolated, reaches, note = found
        return Exposure(ep, direction, isolated, reaches, note)

    def _answer(self, ep: Endpoint, direction: Direction) -> tuple[bool, tuple[Reach, ...], str]:
        policies, anchored, free = self._by_namespace.get(ep.namespace, ([], {}, []))
        candidates = set(free)
        for pair in ep.labels:
            candidates.update(anchored.get(pair, ()))
        at_all = [policies[i] for i in sorted(candidates) if policies[i].selects(ep)]  # what --np-selection any reads
        selecting = [p for p in at_all if p.affects(direction)]  # NetworkPolicyTier.selecting, in policy order
        others = [p for p in self._others if p.subject.selects(ep)]  # the other tiers' policies that apply
        # Of its ports, only the named ones can change a decision (a rule's named port resolves on them; numbers
        # do not depend on the pod): endpoints that differ in unnamed ports only share the answer.
        # Policies that select ep but not for this direction decide only under --np-selection any: otherwise they are
        # left out of the key and of the tier (alike endpoints that differ in those share the answer).
        if self._np.selection is not NetworkPolicySelection.ANY:
            at_all = selecting
        key = (direction, tuple(id(p) for p in selecting), tuple(id(p) for p in at_all), tuple(id(p) for p in others),
               tuple(sorted((p.name, p.protocol, p.port) for p in ep.ports if p.name))
               if direction is Direction.INGRESS else ())
        found = self._cache.get(key)
        if found is None:
            # The NetworkPolicy tier of the policies that select ep decides as the whole tier would (the others
            # do not select it), without asking every policy of the namespace again for each address part.
            own = NetworkPolicyTier(tuple(at_all), self._np.selection)
            tiers = tuple(own if isinstance(t, NetworkPolicyTier) else t for t in self.tiers)
            found = self._cache[key] = self._decide(ep, direction, selecting, others, tiers)
        return found

    def _decide(self, ep: Endpoint, direction: Direction, selecting: Sequence[CompiledPolicy],
                others: Sequence[TierPolicy], tiers: tuple[Tier, ...]) -> tuple[bool, tuple[Reach, ...], str]:
        cuts = [_rule_addresses(rule.peers) for policy in selecting for rule in policy.rules(direction)]
        cuts += [_rule_addresses(rule.peers) for policy in others for rule, _ in policy.rules(direction) or ()]
        pieces: list[tuple[ConnectionSet, IPSet, TierRule | None]] = []
        decided_any = False
        for atom in _atoms(cuts):
            peer = external_endpoint(_some_address(atom))
            verdict = decide_direction(tiers, direction, ep, peer, ep if direction is Direction.INGRESS else peer)
            before = ConnectionSet.none()
            for decision in verdict.decisions:
                mine = decision.allow - before
                explained = ConnectionSet.none()
                for m in decision.matches:
                    if m.action is Action.ALLOW and m.allowed & mine:
                        pieces.append((m.allowed & mine, atom, TierRule(decision.tier, m.rule)))
                        explained = explained | (m.allowed & mine)
                if mine - explained:  # allowed by the tier without a rule (e.g. --np-selection any)
                    pieces.append((mine - explained, atom, TierRule(decision.tier, None, decision.note)))
                before = before | decision.decided
            decided_any = decided_any or bool(before)
            if not before.is_all():
                pieces.append((ConnectionSet.all() - before, atom, TierRule(DEFAULT)))
        if not decided_any:  # nothing decides: one line with why, as before the tiers
            return False, (Reach(ConnectionSet.all(), EVERYWHERE),), self._open_note(direction, others)
        return True, _partition(pieces), ""

    @staticmethod
    def _open_note(direction: Direction, others: Sequence[TierPolicy]) -> str:
        note = f"not isolated for {direction.value}: no NetworkPolicy with {direction.policy_type} selects it"
        if not others:
            return note
        names = ", ".join(p.ref.id for p in others if p.ref is not None)
        rules = [rule for p in others for rule, _ in p.rules(direction) or ()]
        if rules and all(rule.peers and all(isinstance(m.term, SelectorTerm) for m in rule.peers) for rule in rules):
            return (f"{note}; the rules of {names} match pods only (their peers are namespaces or pods), "
                    "never addresses outside the cluster, so they do not decide this")
        return f"{note}, and no rule of {names} decides traffic with addresses outside the cluster"


def outside_exposure(policies: tuple[CompiledPolicy, ...], ep: Endpoint, direction: Direction) -> Exposure:
    """What `ep` admits from (ingress) or may send to (egress) addresses outside the cluster, by these
    NetworkPolicies alone (callers that have an Analysis use `OutsideReach.of`, which folds every tier)."""
    return OutsideReach((NetworkPolicyTier(policies),)).exposure(ep, direction)


# --- Services -----------------------------------------------------------------------------


def _paths(view: ServiceView) -> list[tuple[str, ServicePort, IPSet]]:
    svc = view.service
    ranges = IPSet()
    for cidr in svc.load_balancer_source_ranges:
        ranges = ranges | IPSet.from_cidr(cidr)
    out: list[tuple[str, ServicePort, IPSet]] = []
    for port in svc.ports:
        if svc.type in ("NodePort", "LoadBalancer"):
            node_port = str(port.node_port) if port.node_port else "(allocated by the API server)"
            out.append((f"NodePort {node_port} on every node", port, EVERYWHERE))
        if svc.type == "LoadBalancer":
            where = f" from {describe_addresses(ranges)}" if ranges else ""
            out.append((f"LoadBalancer port {port.port}/{port.protocol}{where}", port, ranges or EVERYWHERE))
        for ip in svc.external_ips:
            out.append((f"externalIP {ip} port {port.port}/{port.protocol}", port, EVERYWHERE))
    return out


def _admitted(exposure: Exposure, target: ConnectionSet) -> tuple[IPSet, tuple[TierRule, ...]]:
    """Addresses admitted on (part of) `target`, and the rules admitting them."""
    addrs, rules = IPSet(), tuple[TierRule, ...]()
    for r in exposure.reaches:
        if r.connections & target:
            addrs = addrs | r.addresses
            rules = rules + tuple(x for x in r.because if x not in rules)
    return addrs, rules


def _service_path(view: ServiceView, via: str, port: ServicePort, clients: IPSet, backend: Endpoint,
                  target: ConnectionSet, ingress: Exposure) -> ServicePath:
    svc = view.service
    admitted, rules = _admitted(ingress, target)
    by = ", ".join(str(r) for r in rules) or ("no isolating policy" if not ingress.isolated else "")
    common = (view.id, via, port, backend.id, target, clients, svc.external_traffic_policy)
    if svc.external_traffic_policy == "Local":  # the client address reaches the pod
        usable = clients & admitted
        status = "blocked" if not usable else "open" if clients.issubset(admitted) else "restricted"
        detail = (f"client addresses preserved (externalTrafficPolicy: Local); admitted: "
                  f"{describe_addresses(usable) if usable else 'none'}" + (f" by {by}" if by and usable else ""))
        return ServicePath(*common, status, usable, detail)
    # Cluster: kube-proxy replaces the client address with a node address (SNAT).
    if admitted == EVERYWHERE:
        return ServicePath(*common, "open", admitted, f"client address replaced by a node address; every address "
                                                      f"is admitted ({by})")
    if not admitted:
        return ServicePath(*common, "blocked", admitted,
                           "client address replaced by a node address, and no rule admits addresses outside the "
                           "cluster on this port (traffic from the backend's own node may still be allowed)")
    warning = (f"{view.id} (externalTrafficPolicy: Cluster): the client address is replaced by a node address "
               f"before NetworkPolicy sees it, so {', '.join(str(r) for r in rules)} on {backend.id} filters node "
               f"addresses, not clients ({describe_addresses(admitted)}); set externalTrafficPolicy: Local to keep "
               "client addresses")
    return ServicePath(*common, "node-addresses", admitted,
                       f"admitted only if the node addresses fall in {describe_addresses(admitted)}", warning)


def service_exposure(reach: OutsideReach | Analysis, views: Sequence[ServiceView]) -> list[ServicePath]:
    """The outside paths into the backends of `views`, their ingress decided by `reach` (an Analysis:
    every tier)."""
    if isinstance(reach, Analysis):
        reach = OutsideReach.of(reach)
    out: list[ServicePath] = []
    cache: dict[str, Exposure] = {}
    for view in views:
        for via, port, clients in _paths(view):
            for backend in view.backends:
                target = translate(view, port, backend).target
                if not target:
                    continue
                ep = backend.endpoint
                ingress = cache.get(ep.id) or cache.setdefault(ep.id, reach.exposure(ep, Direction.INGRESS))
                out.append(_service_path(view, via, port, clients, ep, target, ingress))
    return out


def _is_exposed(service: Service) -> bool:
    return service.type in ("NodePort", "LoadBalancer") or bool(service.external_ips)


def exposed_services(analysis: Analysis) -> list[ServiceView]:
    """The views of the Services reachable from outside (NodePort, LoadBalancer, externalIPs) only.

    A selector's backends are looked for among the endpoints of the Service's own namespace that carry
    the selector's first label, on a member pod or on the endpoint itself (indexed once), with those
    endpoints' pods: every other endpoint fails the selector anyway. Matching every Service against every
    endpoint was a third of exposure's time at 1,000 pods; against every endpoint of its namespace, Services
    x pods per namespace, it still grew faster than the cluster."""
    cluster = analysis.cluster
    pods: dict[tuple[str, str], Pod] = {(p.namespace, p.name): p for p in cluster.pods}
    holding: dict[tuple[str, str, str], list[Endpoint]] = {}  # (namespace, key, value) -> endpoints, in order
    for ep in analysis.endpoints:
        if ep.external:
            continue
        pairs = set(ep.labels)
        for name in ep.pods:
            pod = pods.get((ep.namespace, name))
            if pod is not None:
                pairs.update(pod.labels)
        for k, v in pairs:
            holding.setdefault((ep.namespace, k, v), []).append(ep)
    with_slices = {(s.namespace, s.service) for s in cluster.endpoint_slices}
    views = []
    for s in cluster.services:
        if not _is_exposed(s):
            continue
        if (s.namespace, s.name) in with_slices or not s.selector:
            views.append(view_service(s, cluster, analysis.endpoints))
            continue
        k, v = s.selector[0]
        candidates = holding.get((s.namespace, k, v), [])
        members = [pod for ep in candidates for name in ep.pods if (pod := pods.get((s.namespace, name))) is not None]
        views.append(view_service(s, cluster, candidates, members))
    return views


def exposure(analysis: Analysis, on_phase: Callable[[str, int | None], None] | None = None) -> ExposureResult:
    """The three views; `on_phase(description, total)` is told when each part starts (progress)."""
    phase = on_phase or (lambda _description, _total: None)
    eps = [e for e in analysis.endpoints if not e.external]
    phase("compiling the tiers", None)
    reach = OutsideReach.of(analysis)
    phase(f"ingress from outside of {len(eps):,} endpoints", None)
    direct = tuple(x for x in (reach.exposure(e, Direction.INGRESS) for e in eps) if x.reaches)
    phase(f"egress to the internet of {len(eps):,} endpoints", None)
    egress = tuple(x for x in (reach.exposure(e, Direction.EGRESS) for e in eps) if x.internet)
    phase("Services", None)
    exposed = exposed_services(analysis)
    notes = [f"{v.id} ({v.service.type}) has no backends: nothing is exposed through it" for v in exposed
             if not v.backends]
    return ExposureResult(direct, tuple(service_exposure(reach, exposed)), egress, tuple(notes))
