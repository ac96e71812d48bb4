"""Compile NetworkPolicies into small matchers, each with one predicate.

A policy becomes a target matcher (which pods it selects) and, per direction, rules
made of peer matchers and port matchers. Every matcher keeps the id of the rule it
came from, so a verdict can always say which rule decided it and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from netverify.model import Direction, IPBlock, LabelSelector, NetworkPolicy, Peer, PortSpec, Rule, SourceRef
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.options import Semantics
from netverify.semantics.ports import PortSelection
from netverify.semantics.selectors import matches, mismatch
from netverify.sets import ConnectionSet, IntervalSet, IPSet


@dataclass(frozen=True)
class PolicyRef:
    id: str  # ns/name
    source: SourceRef

    def to_json(self) -> dict[str, object]:
        return {"policy": self.id, "file": self.source.file, "line": self.source.line}

    def __str__(self) -> str:
        return f"{self.id} ({self.source})"


@dataclass(frozen=True)
class RuleRef:
    policy: str
    direction: Direction
    index: int
    source: SourceRef

    def __str__(self) -> str:
        return f"{self.policy} {self.direction.value}[{self.index}] ({self.source})"

    @property
    def label(self) -> str:
        """How a tier walk names the rule: `web/allow-api ingress[0]`."""
        return f"{self.policy} {self.direction.value}[{self.index}]"

    @property
    def tier_name(self) -> str:
        return "NetworkPolicy"

    @property
    def priority(self) -> int | None:
        return None  # NetworkPolicy rules are additive: no order

    def to_json(self) -> dict[str, object]:
        return {"policy": self.policy, "direction": self.direction.value, "rule": self.index,
                "file": self.source.file, "line": self.source.line}


# --- what a matcher observes, in a form engines evaluate over classes of endpoints ---------


@dataclass(frozen=True)
class SelectorTerm:
    """Pods (never hostNetwork pods, never addresses outside the cluster) picked by namespace and labels:
    in `namespace` when given, else in the namespaces `namespace_selector` matches (None: every
    namespace); with labels `pod_selector` matches (None: every pod). Subjects and selector peers of
    every policy kind read as one."""

    namespace: str | None = None
    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None

    def selects(self, ep: Endpoint) -> bool:
        """Whether the term picks `ep` (as engines evaluate it over classes, for one endpoint)."""
        if ep.external or ep.host_network or (self.namespace is not None and ep.namespace != self.namespace):
            return False
        if self.namespace_selector is not None and not matches(self.namespace_selector, ep.ns_labels_map):
            return False
        return self.pod_selector is None or matches(self.pod_selector, ep.labels_map)


@dataclass(frozen=True)
class AddressTerm:
    """Endpoints picked by address. `pods`: pod IPs count too (hostNetwork pods and outside addresses
    always do); `every_ip`: an endpoint standing for several addresses matches when every one of them is
    inside (else when some is). An endpoint without an address never matches."""

    addresses: IPSet
    pods: bool
    every_ip: bool = False


PeerTerm = SelectorTerm | AddressTerm | None  # None: matches nothing (e.g. admin domainNames)


# --- peers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelectorPeer:
    """podSelector and/or namespaceSelector in one peer: both must match (AND)."""

    policy_namespace: str
    pod_selector: LabelSelector | None
    namespace_selector: LabelSelector | None

    def matches(self, ep: Endpoint) -> bool:
        return self.why_not(ep) is None

    def why_not(self, ep: Endpoint) -> str | None:
        if ep.external:
            return "the peer selects pods; an external address is matched only by ipBlock"
        if ep.host_network:
            return "hostNetwork pods have no pod identity on the network; only ipBlock can match them"
        if self.namespace_selector is None:
            if ep.namespace != self.policy_namespace:
                return f"podSelector alone selects pods in the policy's namespace {self.policy_namespace!r} only"
        else:
            problem = mismatch(self.namespace_selector, ep.ns_labels_map)
            if problem:
                return f"namespaceSelector: {problem} (namespace {ep.namespace})"
        if self.pod_selector is not None:
            problem = mismatch(self.pod_selector, ep.labels_map)
            if problem:
                return f"podSelector: {problem}"
        return None

    @property
    def term(self) -> PeerTerm:
        return SelectorTerm(self.policy_namespace if self.namespace_selector is None else None,
                            self.namespace_selector, self.pod_selector)

    def describe(self) -> str:
        parts = []
        if self.namespace_selector is not None:
            parts.append(f"namespaceSelector {self.namespace_selector.describe()}")
        if self.pod_selector is not None:
            parts.append(f"podSelector {self.pod_selector.describe()}")
        return " AND ".join(parts)


@dataclass(frozen=True)
class IPBlockPeer:
    block: IPBlock
    addresses: IPSet
    match_pods: bool

    def matches(self, ep: Endpoint) -> bool:
        return self.why_not(ep) is None

    def why_not(self, ep: Endpoint) -> str | None:
        if not ep.ips:
            return "the endpoint has no known IP address, so no ipBlock can match it"
        if not ep.external and not ep.host_network and not self.match_pods:
            return "ipBlocks match only cluster-external addresses (--ipblock-scope external)"
        if any(self.addresses.contains_address(ip) for ip in ep.ips):
            return None
        excepted = ", ".join(self.block.excepts)
        where = f" minus {excepted}" if excepted else ""
        return f"ipBlock {self.block.cidr}{where} does not contain {', '.join(ep.ips)}"

    @property
    def term(self) -> PeerTerm:
        return AddressTerm(self.addresses, self.match_pods)

    def describe(self) -> str:
        if self.block.excepts:
            return f"ipBlock {self.block.cidr} except {', '.join(self.block.excepts)}"
        return f"ipBlock {self.block.cidr}"


PeerMatcher = SelectorPeer | IPBlockPeer


# --- ports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortMatcher:
    spec: PortSpec

    def resolve(self, dst: Endpoint) -> ConnectionSet:
        """The connections this entry allows to `dst`; a name resolves on dst's container ports."""
        spec = self.spec
        if spec.port is None:
            return ConnectionSet.of(spec.protocol)
        if isinstance(spec.port, int):
            return ConnectionSet.of(spec.protocol, spec.port, spec.end_port or spec.port)
        if dst.external:
            return ConnectionSet.none()  # a named port never matches an address outside the cluster
        numbers = [p.port for p in dst.ports if p.name == spec.port and p.protocol == spec.protocol]
        return ConnectionSet({spec.protocol: IntervalSet((n, n) for n in numbers)}) if numbers else ConnectionSet.none()

    def describe(self) -> str:
        s = self.spec
        if s.port is None:
            return f"{s.protocol} all ports"
        if s.end_port is not None:
            return f"{s.protocol} {s.port}-{s.end_port}"
        return f"{s.protocol} {s.port}"

    def why_empty(self, dst: Endpoint) -> str:
        s = self.spec
        if isinstance(s.port, str):
            if dst.external:
                return f"named port {s.port!r} cannot match an address outside the cluster"
            other = [p for p in dst.ports if p.name == s.port]
            if other:
                return f"named port {s.port!r} is {other[0].protocol} on {dst.id}, not {s.protocol}"
            return f"{dst.id} defines no container port named {s.port!r}"
        return f"port {self.describe()} not requested"


class WhyNot(Protocol):
    def why_not(self, ep: Endpoint) -> str | None: ...


def first_peer_miss(peers: Sequence[WhyNot], peer: Endpoint) -> str | None:
    """None when some peer entry matches `peer`, else why each one does not ("peer[i] ..."), for any policy
    kind's peer matchers."""
    reasons = []
    for i, m in enumerate(peers):
        why = m.why_not(peer)
        if why is None:
            return None
        reasons.append(f"peer[{i}] {why}")
    return "; ".join(reasons)


@dataclass(frozen=True)
class CompiledRule:
    ref: RuleRef
    peers: tuple[PeerMatcher, ...]  # empty: every peer
    ports: tuple[PortMatcher, ...]  # empty: every port and protocol

    def peer_miss(self, peer: Endpoint) -> str | None:
        """None when some peer entry matches `peer`, else why none does."""
        return first_peer_miss(self.peers, peer) if self.peers else None

    @property
    def named_ports(self) -> frozenset[str]:
        """The port names this rule resolves on the destination (its answer depends on nothing else of it)."""
        return frozenset(m.spec.port for m in self.ports if isinstance(m.spec.port, str))

    def ports_for(self, dst: Endpoint) -> ConnectionSet:
        if not self.ports:
            return ConnectionSet.all()
        return ConnectionSet.union_all(m.resolve(dst) for m in self.ports)

    @property
    def port_selections(self) -> tuple[PortSelection, ...] | None:
        """The ports as engines encode them symbolically (None: every port and protocol); a name
        resolves on the destination with the entry's protocol."""
        if not self.ports:
            return None
        return tuple(PortSelection(m.spec.protocol, m.spec.port, m.spec.end_port) for m in self.ports)

    def port_miss(self, dst: Endpoint) -> str:
        return "; ".join(m.why_empty(dst) for m in self.ports)


@dataclass(frozen=True)
class CompiledPolicy:
    policy: NetworkPolicy
    ref: PolicyRef
    ingress: tuple[CompiledRule, ...]
    egress: tuple[CompiledRule, ...]

    def selects(self, ep: Endpoint) -> bool:
        return (not ep.external and ep.namespace == self.policy.namespace
                and matches(self.policy.pod_selector, ep.labels_map))

    def affects(self, direction: Direction) -> bool:
        return self.policy.affects(direction)

    @property
    def subject_term(self) -> SelectorTerm:
        return SelectorTerm(self.policy.namespace, None, self.policy.pod_selector)

    def rules(self, direction: Direction) -> tuple[CompiledRule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress


def compile_peer(peer: Peer, namespace: str, semantics: Semantics) -> PeerMatcher:
    if peer.ip_block is not None:
        return IPBlockPeer(peer.ip_block, IPSet.from_cidr(peer.ip_block.cidr, peer.ip_block.excepts),
                           semantics.ipblock_matches_pods)
    return SelectorPeer(namespace, peer.pod_selector, peer.namespace_selector)


def compile_rule(policy: NetworkPolicy, rule: Rule, semantics: Semantics) -> CompiledRule:
    ref = RuleRef(policy.id, rule.direction, rule.index, rule.source)
    return CompiledRule(ref, tuple(compile_peer(p, policy.namespace, semantics) for p in rule.peers),
                        tuple(PortMatcher(p) for p in rule.ports))


def compile_policy(policy: NetworkPolicy, semantics: Semantics) -> CompiledPolicy:
    return CompiledPolicy(
        policy, PolicyRef(policy.id, policy.source),
        tuple(compile_rule(policy, r, semantics) for r in policy.ingress),
        tuple(compile_rule(policy, r, semantics) for r in policy.egress),
    )


def compile_policies(policies: tuple[NetworkPolicy, ...], semantics: Semantics) -> tuple[CompiledPolicy, ...]:
    return tuple(compile_policy(p, semantics) for p in policies)


# --- what compiled policies observe of an endpoint (written once; engines derive their keys from it)


def selector_values(selector: LabelSelector | None, into: dict[str, set[str]]) -> None:
    """Add the label keys a selector looks at, with the values it mentions, to `into`."""
    if selector is None:
        return
    for key, value in selector.match_labels:
        into.setdefault(key, set()).add(value)
    for req in selector.match_expressions:
        into.setdefault(req.key, set()).update(req.values)


@dataclass(frozen=True)
class Observations:
    """The facts of an endpoint that can change a verdict of these policies.

    Every policy kind says what it observes (NetworkPolicy: `observe`; the admin kinds:
    `admin_compile.admin_observations`); `observe` merges them, and the engines derive from the
    result what tells endpoints apart (class keys, the SMT vocabulary). New fields are only added,
    with defaults, so readers of the older ones need no change."""

    pod_labels: dict[str, set[str]]  # pod label key -> the values selectors mention
    namespace_labels: dict[str, set[str]]  # namespace label key -> the values selectors mention
    ip_blocks: tuple[IPSet, ...]  # distinct address sets of ipBlock peers, in order of appearance
    port_names: frozenset[tuple[str, str]]  # (name, protocol) of named ports in rules
    # Address sets matched on every address, pod IPs included whatever --ipblock-scope says (admin
    # `networks`, the addresses of the Nodes a `nodes` peer selects), in order of appearance.
    addresses: tuple[IPSet, ...] = ()
    # Port names resolved on the destination whatever their protocol (admin namedPort, destinationNamedPort).
    any_protocol_port_names: frozenset[str] = frozenset()

    @property
    def label_keys(self) -> frozenset[str]:
        """Pod label keys any pod selector looks at; other labels cannot change a verdict."""
        return frozenset(self.pod_labels)

    def merged(self, other: Observations) -> Observations:
        """What either observes."""
        pod = {k: set(v) for k, v in self.pod_labels.items()}
        ns = {k: set(v) for k, v in self.namespace_labels.items()}
        for into, more in ((pod, other.pod_labels), (ns, other.namespace_labels)):
            for key, values in more.items():
                into.setdefault(key, set()).update(values)
        return Observations(pod, ns, tuple(dict.fromkeys(self.ip_blocks + other.ip_blocks)),
                            self.port_names | other.port_names,
                            tuple(dict.fromkeys(self.addresses + other.addresses)),
                            self.any_protocol_port_names | other.any_protocol_port_names)


def observe(policies: Sequence[CompiledPolicy], others: Iterable[Observations] = ()) -> Observations:
    """What the NetworkPolicies observe, merged with what the other kinds' policies do (`others`)."""
    pod: dict[str, set[str]] = {}
    ns: dict[str, set[str]] = {}
    blocks: dict[IPSet, None] = {}
    names: set[tuple[str, str]] = set()
    for cp in policies:
        selector_values(cp.policy.pod_selector, pod)
        for rule in cp.ingress + cp.egress:
            for peer in rule.peers:
                if isinstance(peer, SelectorPeer):
                    selector_values(peer.pod_selector, pod)
                    selector_values(peer.namespace_selector, ns)
                else:
                    blocks[peer.addresses] = None
            for pm in rule.ports:
                if isinstance(pm.spec.port, str):
                    names.add((pm.spec.port, pm.spec.protocol))
    seen = Observations(pod, ns, tuple(blocks), frozenset(names))
    for other in others:
        seen = seen.merged(other)
    return seen


def ip_blocks(policies: Sequence[CompiledPolicy]) -> list[IPSet]:
    """Every distinct ipBlock address set used by a peer (for endpoint grouping)."""
    return list(observe(policies).ip_blocks)


def referenced_label_keys(policies: Sequence[CompiledPolicy]) -> frozenset[str]:
    """Pod label keys any pod selector looks at; other labels cannot change a verdict."""
    return observe(policies).label_keys
