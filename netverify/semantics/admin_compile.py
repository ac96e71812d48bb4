"""Compile AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy into matchers.

Each matcher answers one question about an `Endpoint` and says why not when it does not match, so
the tier walk can always name the rule that decided and the rules that did not. The readings
(network-policy-api apis/v1alpha2/clusternetworkpolicy_types.go; /work/shared/design/admin-tiers.md):

- subjects never select host-networked pods or addresses outside the cluster;
- `namespaces`/`pods` peers never match host-networked pods (they are reached as node addresses)
  nor outside addresses;
- `networks` match every address, pod and node IPs included, whatever --ipblock-scope says for
  NetworkPolicy ipBlocks ("cluster-internal traffic will be checked against the rule as well");
- `nodes` match the InternalIP/ExternalIP addresses of the selected Nodes (a host-networked pod has
  its node's address);
- `domainNames` match by DNS resolution at run time: never assumed to match (the miss says so);
- ports are destination ports; a named port resolves on the destination's container ports (the
  subject for ingress, the peer for egress) and never matches an address outside the cluster.
An endpoint standing for several pods matches an address peer only when every one of its IPs does.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model import (
    AdminAction,
    AdminPeer,
    AdminPolicy,
    AdminPort,
    AdminRule,
    AdminTier,
    Direction,
    LabelSelector,
    Node,
    PeerForm,
    SourceRef,
    SubjectForm,
)
from netverify.semantics.compile import (
    AddressTerm,
    Observations,
    PeerTerm,
    PolicyRef,
    SelectorTerm,
    first_peer_miss,
    selector_values,
)
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.ports import PortSelection
from netverify.semantics.selectors import matches, mismatch
from netverify.semantics.verdict import Action
from netverify.sets import ConnectionSet, IntervalSet, IPSet, parse_cidr

V1ALPHA1_KINDS = ("AdminNetworkPolicy/", "BaselineAdminNetworkPolicy/")
DOMAIN_NAMES_NOTE = ("domainNames match by DNS resolution at run time; netverify never assumes an address is one of "
                     "them")


@dataclass(frozen=True)
class AdminRuleRef:
    """Where a rule sits in its tier: what explanations, lint and diff name."""

    policy: str  # Kind/name
    name: str  # the policy's metadata.name
    tier: AdminTier
    priority: int | None
    direction: Direction
    index: int
    rule_name: str
    action: AdminAction
    source: SourceRef

    @property
    def label(self) -> str:
        """`tenant-guard r1`-style: the policy name and the rule's own name (or direction[index])."""
        return f"{self.name} {self.rule_name or f'{self.direction.value}[{self.index}]'}"

    @property
    def tier_name(self) -> str:
        return self.tier.value

    def action_word(self, action: Action) -> str:
        """The action as the policy's API version spells it: v1alpha1 Allow, v1alpha2 Accept."""
        if action is Action.ALLOW:
            return "Allow" if self.policy.startswith(V1ALPHA1_KINDS) else "Accept"
        return str(action.value)

    def __str__(self) -> str:
        named = f" {self.rule_name!r}" if self.rule_name else ""
        return f"{self.policy} {self.direction.value}[{self.index}]{named} ({self.source})"

    def to_json(self) -> dict[str, object]:
        return {"policy": self.policy, "tier": self.tier.value, "priority": self.priority,
                "direction": self.direction.value, "rule": self.index, "name": self.rule_name,
                "action": self.action.value, "file": self.source.file, "line": self.source.line}


def _selector_miss(what: str, selector: LabelSelector, labels: dict[str, str], whose: str) -> str | None:
    problem = mismatch(selector, labels)
    return f"{what} {problem} ({whose})" if problem else None


@dataclass(frozen=True)
class SubjectMatcher:
    form: SubjectForm
    namespace_selector: LabelSelector
    pod_selector: LabelSelector

    def why_not(self, ep: Endpoint) -> str | None:
        if ep.external:
            return "an address outside the cluster is never the subject of an admin policy"
        if ep.host_network:
            return "host-networked pods are never the subject of an admin policy"
        miss = _selector_miss("namespaces:", self.namespace_selector, ep.ns_labels_map, f"namespace {ep.namespace}")
        if miss or self.form is SubjectForm.NAMESPACES:
            return miss
        return _selector_miss("pods:", self.pod_selector, ep.labels_map, ep.id)

    @property
    def term(self) -> SelectorTerm:
        """As `why_not`, for engines: pods only (never hostNetwork pods nor outside addresses)."""
        return SelectorTerm(None, self.namespace_selector,
                            self.pod_selector if self.form is SubjectForm.PODS else None)


@dataclass(frozen=True)
class AdminPeerMatcher:
    peer: AdminPeer
    addresses: IPSet  # networks, or the selected nodes' addresses; empty for selector forms

    def why_not(self, ep: Endpoint) -> str | None:
        form = self.peer.form
        if form is PeerForm.DOMAIN_NAMES:
            return DOMAIN_NAMES_NOTE
        if form in (PeerForm.NETWORKS, PeerForm.NODES):
            if not ep.ips:
                return "the endpoint has no known IP address"
            outside = [ip for ip in ep.ips if not self.addresses.contains_address(ip)]
            if not outside:
                return None
            what = "networks " + ",".join(self.peer.networks) if form is PeerForm.NETWORKS else \
                f"the addresses of nodes {self.peer.node_selector.describe()}"
            return f"{what} do not contain {', '.join(outside)}"
        if ep.external:
            return f"{form.value} peers select pods; an address outside the cluster is matched only by networks"
        if ep.host_network:
            return f"{form.value} peers never match host-networked pods; nodes or networks peers do"
        miss = _selector_miss("namespaces:", self.peer.namespace_selector, ep.ns_labels_map,
                              f"namespace {ep.namespace}")
        if miss or form is PeerForm.NAMESPACES:
            return miss
        return _selector_miss("pods:", self.peer.pod_selector, ep.labels_map, ep.id)

    @property
    def term(self) -> PeerTerm:
        """As `why_not`, for engines: `networks`/`nodes` on every address of the endpoint, pod IPs
        included; `domainNames` never."""
        form = self.peer.form
        if form is PeerForm.DOMAIN_NAMES:
            return None
        if form in (PeerForm.NETWORKS, PeerForm.NODES):
            return AddressTerm(self.addresses, pods=True, every_ip=True)
        return SelectorTerm(None, self.peer.namespace_selector,
                            self.peer.pod_selector if form is PeerForm.PODS else None)


@dataclass(frozen=True)
class AdminPortMatcher:
    port: AdminPort

    def resolve(self, dst: Endpoint) -> ConnectionSet:
        p = self.port
        if p.named is None:
            assert p.protocol is not None and p.start is not None and p.end is not None
            if p.start > p.end:  # a v1alpha1 range the API accepts but that holds no port
                return ConnectionSet.none()
            return ConnectionSet.of(p.protocol, p.start, p.end)
        if dst.external:
            return ConnectionSet.none()
        found: dict[str, list[tuple[int, int]]] = {}
        for cp in dst.ports:
            if cp.name == p.named:
                found.setdefault(cp.protocol, []).append((cp.port, cp.port))
        return ConnectionSet({proto: IntervalSet(spans) for proto, spans in found.items()})

    def why_empty(self, dst: Endpoint) -> str:
        if self.port.named is None:
            return f"port {self.port.describe()} not requested"
        if dst.external:
            return f"named port {self.port.named!r} cannot match an address outside the cluster"
        return f"{dst.id} defines no container port named {self.port.named!r}"


@dataclass(frozen=True)
class CompiledAdminRule:
    ref: AdminRuleRef
    peers: tuple[AdminPeerMatcher, ...]  # never empty (the API requires 1..25/100)
    ports: tuple[AdminPortMatcher, ...] | None  # None: every port and protocol

    def peer_miss(self, peer: Endpoint) -> str | None:
        return first_peer_miss(self.peers, peer)

    def ports_for(self, dst: Endpoint) -> ConnectionSet:
        if self.ports is None:
            return ConnectionSet.all()
        return ConnectionSet.union_all(m.resolve(dst) for m in self.ports)

    def port_miss(self, dst: Endpoint) -> str:
        return "; ".join(m.why_empty(dst) for m in self.ports or ())

    @property
    def named_ports(self) -> frozenset[str]:
        """The port names this rule resolves on the destination (its answer depends on nothing else of it)."""
        return frozenset(m.port.named for m in self.ports or () if m.port.named is not None)

    @property
    def port_selections(self) -> tuple[PortSelection, ...] | None:
        """The ports as engines encode them symbolically (None: every port and protocol): a named port
        with whatever protocol the destination declares for it; a range that holds no port is left out."""
        if self.ports is None:
            return None
        out = []
        for m in self.ports:
            p = m.port
            if p.named is not None:
                out.append(PortSelection.named_port(None, p.named))
            elif p.protocol is not None and p.start is not None and p.end is not None and p.start <= p.end:
                out.append(PortSelection.of_range(p.protocol, p.start, p.end))
        return tuple(out)


@dataclass(frozen=True)
class CompiledAdminPolicy:
    policy: AdminPolicy
    subject: SubjectMatcher
    ingress: tuple[CompiledAdminRule, ...]
    egress: tuple[CompiledAdminRule, ...]

    @property
    def order(self) -> tuple[int, str]:
        """Evaluation order within a tier: ascending priority. Equal priorities are undefined upstream;
        the name breaks the tie (as kube-network-policies does) and the tier walk reports the overlap."""
        return (self.policy.priority or 0, self.policy.name)

    def selects(self, ep: Endpoint) -> bool:
        return self.subject.why_not(ep) is None

    def rules(self, direction: Direction) -> tuple[CompiledAdminRule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress

    @property
    def ref(self) -> PolicyRef:
        return PolicyRef(self.policy.id, self.policy.source)


def node_addresses(nodes: tuple[Node, ...], selector: LabelSelector) -> IPSet:
    return IPSet.from_addresses(ip for n in nodes if matches(selector, dict(n.labels)) for ip in n.ips)


def _peer(peer: AdminPeer, nodes: tuple[Node, ...]) -> AdminPeerMatcher:
    if peer.form is PeerForm.NETWORKS:
        return AdminPeerMatcher(peer, IPSet.from_networks(parse_cidr(c) for c in peer.networks))
    if peer.form is PeerForm.NODES:
        return AdminPeerMatcher(peer, node_addresses(nodes, peer.node_selector))
    return AdminPeerMatcher(peer, IPSet())


def _rule(policy: AdminPolicy, rule: AdminRule, nodes: tuple[Node, ...]) -> CompiledAdminRule:
    ref = AdminRuleRef(policy.id, policy.name, policy.tier, policy.priority, rule.direction, rule.index, rule.name,
                       rule.action, rule.source)
    ports = None if rule.ports is None else tuple(AdminPortMatcher(p) for p in rule.ports)
    return CompiledAdminRule(ref, tuple(_peer(p, nodes) for p in rule.peers), ports)


def compile_admin_policy(policy: AdminPolicy, nodes: tuple[Node, ...] = ()) -> CompiledAdminPolicy:
    s = policy.subject
    return CompiledAdminPolicy(policy, SubjectMatcher(s.form, s.namespace_selector, s.pod_selector),
                               tuple(_rule(policy, r, nodes) for r in policy.ingress),
                               tuple(_rule(policy, r, nodes) for r in policy.egress))


def compile_admin_policies(policies: tuple[AdminPolicy, ...], nodes: tuple[Node, ...] = (),
                           ) -> tuple[CompiledAdminPolicy, ...]:
    """Every admin policy compiled, in evaluation order within its tier (see `order`)."""
    return tuple(sorted((compile_admin_policy(p, nodes) for p in policies), key=lambda c: c.order))


def admin_networks(policies: tuple[CompiledAdminPolicy, ...]) -> list[IPSet]:
    """The address sets admin rules test (networks and node addresses): endpoints whose IPs these
    tell apart must not share a class, as with NetworkPolicy ipBlocks."""
    return [m.addresses for p in policies for r in (*p.ingress, *p.egress) for m in r.peers if m.addresses]


def admin_observations(policies: tuple[CompiledAdminPolicy, ...]) -> Observations:
    """What admin policies observe of an endpoint (merged into `compile.observe`): the labels their
    selectors read, the address sets of `networks`/`nodes` peers (matched on pod IPs too), and the
    port names they resolve on destinations."""
    pod: dict[str, set[str]] = {}
    ns: dict[str, set[str]] = {}
    for p in policies:
        selector_values(p.subject.namespace_selector, ns)
        if p.subject.form is SubjectForm.PODS:
            selector_values(p.subject.pod_selector, pod)
        for rule in (*p.ingress, *p.egress):
            for m in rule.peers:
                if m.peer.form in (PeerForm.NAMESPACES, PeerForm.PODS):
                    selector_values(m.peer.namespace_selector, ns)
                if m.peer.form is PeerForm.PODS:
                    selector_values(m.peer.pod_selector, pod)
    names = frozenset(n for p in policies for r in (*p.ingress, *p.egress) for n in r.named_ports)
    return Observations(pod, ns, (), frozenset(), tuple(dict.fromkeys(admin_networks(policies))), names)
