"""SMT engine: compiled NetworkPolicies as z3 formulas over one symbolic connection.

The only module that imports z3, and only when an engine is built (commands that do not
prove anything never load it).

The connection is (src, dst, protocol, port). Each side has: a class id (>= 0: a class of
loaded endpoints, SYMBOLIC: a pod that could exist, EXTERNAL: an address outside the
cluster), a namespace index (FRESH: a namespace that does not exist yet), one integer per
pod label key a selector references (-1 absent, an index into the values selectors
mention, or OTHER), one boolean per distinct ipBlock (the side's IP is in it), the IP as
32/128-bit vectors with a family flag, hostNetwork, node, and (destination) one boolean per
(port name, protocol) a rule or query mentions: "dst has a container port of that name and
protocol whose number is the connection's port". Only these facts can change a verdict.

Every policy's "selects the subject" and every rule's "admits" are definitions guarded by an
assumption literal, so an unsat core names the policies and rules a proof needs. One solver
holds the definitions; each query is pushed, checked and popped.
"""

from __future__ import annotations

import ipaddress
import itertools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from netverify.engines.smt_types import (
    Connection,
    PodPattern,
    PortTerm,
    Proof,
    Proved,
    Query,
    Refuted,
    ReplayMismatch,
    Side,
    SmtResult,
    Unknown,
)
from netverify.model import NAMESPACE_NAME_LABEL, ContainerPort, Labels, LabelSelector
from netverify.semantics.compile import CompiledPolicy, CompiledRule, IPBlockPeer, PolicyRef, RuleRef, SelectorPeer
from netverify.semantics.endpoints import Endpoint, IPAtoms, external_endpoint
from netverify.semantics.evaluate import evaluate_pair
from netverify.semantics.selectors import matches
from netverify.sets import PROTOCOLS, IPSet

Expr = Any  # a z3 expression (z3 ships no type information)

SYMBOLIC, EXTERNAL = -1, -2
NO_NODE = -1
DEFAULT_TIMEOUT_S = 30.0
PREFERENCE_BUDGET_S = 2.0  # per query, to make a counterexample more readable (never changes a verdict)


def _z3() -> Any:
    import z3  # lazily: only commands that prove things pay for loading the solver

    return z3


# --- vocabulary: the finite facts policies and queries can observe ------------------------------


def _selector_values(selector: LabelSelector | None, into: dict[str, set[str]]) -> None:
    if selector is None:
        return
    for key, value in selector.match_labels:
        into.setdefault(key, set()).add(value)
    for req in selector.match_expressions:
        into.setdefault(req.key, set()).update(req.values)


class Vocabulary:
    """Label keys and values, ipBlocks, port names, namespaces and nodes that matter."""

    def __init__(self, policies: Sequence[CompiledPolicy], namespaces: Sequence[tuple[str, Labels]],
                 endpoints: Sequence[Endpoint], queries: Sequence[Query], hypothetical: bool) -> None:
        pod: dict[str, set[str]] = {}
        ns: dict[str, set[str]] = {}
        blocks: dict[IPSet, None] = {}
        names: set[tuple[str, str]] = set()
        for cp in policies:
            _selector_values(cp.policy.pod_selector, pod)
            for rule in cp.ingress + cp.egress:
                for peer in rule.peers:
                    if isinstance(peer, SelectorPeer):
                        _selector_values(peer.pod_selector, pod)
                        _selector_values(peer.namespace_selector, ns)
                    else:
                        blocks[peer.addresses] = None
                for pm in rule.ports:
                    if isinstance(pm.spec.port, str):
                        names.add((pm.spec.port, pm.spec.protocol))
        extra_ns: set[str] = set()
        for q in queries:
            for term in q.ports:
                if term.name is not None and term.protocol is not None:
                    names.add((term.name, term.protocol))
            for side in (q.src, q.dst):
                if side.pods is not None:
                    _selector_values(side.pods.pod_selector, pod)
                    _selector_values(side.pods.namespace_selector, ns)
                    for key, value in side.pods.exact_labels or ():
                        pod.setdefault(key, set()).add(value)
                    if side.pods.namespace is not None:
                        extra_ns.add(side.pods.namespace)
        self.hypothetical = hypothetical
        self.namespaces = [name for name, _ in namespaces]
        self.ns_labels = [dict(labels) for _, labels in namespaces]
        self.ns_index = {name: i for i, name in enumerate(self.namespaces)}
        self.fresh = len(self.namespaces)  # the index of "a namespace that does not exist yet"
        if hypothetical:
            ns.setdefault(NAMESPACE_NAME_LABEL, set()).update(self.namespaces, extra_ns)
        self.pod_values = {k: sorted(v) for k, v in sorted(pod.items())}
        self.ns_values = {k: sorted(v) for k, v in sorted(ns.items())} if hypothetical else {}
        self.blocks = list(blocks)
        self.block_index = {b: i for i, b in enumerate(self.blocks)}
        self.port_names = sorted(names)
        self.named = sorted({n for n, _ in names})
        with_nodes = any(ep.host_network for ep in endpoints)
        self.nodes = sorted({ep.node_name for ep in endpoints if ep.node_name}) if with_nodes else []
        self.node_index = {n: i for i, n in enumerate(self.nodes)}

    @staticmethod
    def code(values: list[str], labels: dict[str, str], key: str) -> int:
        """-1 when the key is absent, the value's index when a selector mentions it, else OTHER."""
        if key not in labels:
            return -1
        try:
            return values.index(labels[key])
        except ValueError:
            return len(values)


# --- symbolic endpoints -------------------------------------------------------------------------


class _SideVars:
    """The z3 variables describing one side of the connection."""

    def __init__(self, z3: Any, prefix: str, vocab: Vocabulary, port: Expr, is_dst: bool) -> None:
        self.prefix = prefix
        self.cls = z3.Int(f"{prefix}.class")
        self.ns = z3.Int(f"{prefix}.namespace")
        self.ext = z3.Bool(f"{prefix}.external")
        self.host = z3.Bool(f"{prefix}.hostNetwork")
        self.has_ip = z3.Bool(f"{prefix}.hasIP")
        self.node = z3.Int(f"{prefix}.node")
        self.lab = {k: z3.Int(f"{prefix}.label[{k}]") for k in vocab.pod_values}
        self.nslab = {k: z3.Int(f"{prefix}.nsLabel[{k}]") for k in vocab.ns_values}
        self.v4 = z3.Bool(f"{prefix}.ipv4")
        self.ip4 = z3.BitVec(f"{prefix}.ip4", 32)
        self.ip6 = z3.BitVec(f"{prefix}.ip6", 128)
        self.inb = [z3.Bool(f"{prefix}.inBlock[{i}]") for i in range(len(vocab.blocks))]
        self.named: dict[tuple[str, str], Expr] = {}
        self.np: dict[str, tuple[Expr, Expr, Expr]] = {}
        if is_dst:
            self.named = {np: z3.Bool(f"{prefix}.namedPort[{np[0]}/{np[1]}]") for np in vocab.port_names}
            self.np = {n: (z3.Bool(f"{prefix}.port[{n}].present"), z3.Int(f"{prefix}.port[{n}].protocol"),
                           z3.BitVec(f"{prefix}.port[{n}].number", 16)) for n in vocab.named}

    def bounds(self, z3: Any, vocab: Vocabulary) -> list[Expr]:
        out = [self.ns >= -1, self.ns <= vocab.fresh, self.node >= NO_NODE, self.node < len(vocab.nodes)]
        out += [z3.And(v >= -1, v <= len(vocab.pod_values[k])) for k, v in self.lab.items()]
        out += [z3.And(v >= -1, v <= len(vocab.ns_values[k])) for k, v in self.nslab.items()]
        for present, proto, number in self.np.values():
            out += [z3.Implies(present, z3.And(proto >= 0, proto < len(PROTOCOLS), number != 0))]
        return out


def _label_term(z3: Any, var: Expr, values: list[str], key: str, op: str, wanted: Iterable[str]) -> Expr:
    codes = [values.index(v) for v in wanted]
    if op == "In":
        return z3.Or([var == c for c in codes])
    if op == "NotIn":  # true when the key is absent
        return z3.And([var != c for c in codes])
    if op == "Exists":
        return var != -1
    if op == "DoesNotExist":
        return var == -1
    return z3.BoolVal(False)


def _selector(z3: Any, sel: LabelSelector, lab: dict[str, Expr], values: dict[str, list[str]]) -> Expr:
    terms = [lab[k] == values[k].index(v) for k, v in sel.match_labels]
    terms += [_label_term(z3, lab[r.key], values[r.key], r.key, r.operator, r.values) for r in sel.match_expressions]
    return z3.And(terms) if terms else z3.BoolVal(True)


class _Encoder:
    """Formulas over the two sides and the connection; built once per engine."""

    def __init__(self, z3: Any, vocab: Vocabulary, policies: Sequence[CompiledPolicy]) -> None:
        self.z3 = z3
        self.vocab = vocab
        self.proto = z3.Int("protocol")
        self.port = z3.BitVec("port", 16)
        self.src = _SideVars(z3, "src", vocab, self.port, is_dst=False)
        self.dst = _SideVars(z3, "dst", vocab, self.port, is_dst=True)
        self.base: list[Expr] = [self.proto >= 0, self.proto < len(PROTOCOLS), self.port != 0]
        self.base += self.src.bounds(z3, vocab) + self.dst.bounds(z3, vocab)
        self.guards: list[Expr] = []
        self.tracked: dict[str, tuple[str, object]] = {}  # guard name -> ("policy", (ref, dir)) | ("rule", ref)
        # Policies repeat selectors, peers and ports: each term is built once (z3 terms cost ~µs each).
        self._terms: dict[tuple[object, ...], Expr] = {}
        self.allowed = self.allowed_by(policies)

    # --- pieces of the policy formula

    def _guard(self, kind: str, what: object, definition: Expr) -> None:
        guard = self.z3.Bool(f"track:{len(self.guards)}")
        self.guards.append(guard)
        self.tracked[str(guard)] = (kind, what)
        self.base.append(self.z3.Implies(guard, definition))

    def _cached(self, key: tuple[object, ...], build: Any) -> Expr:
        term = self._terms.get(key)
        if term is None:
            term = self._terms[key] = build()
        return term

    def ns_selector(self, side: _SideVars, sel: LabelSelector) -> Expr:
        return self._cached(("ns", side.prefix, sel), lambda: self._ns_selector(side, sel))

    def pod_selector(self, side: _SideVars, sel: LabelSelector) -> Expr:
        return self._cached(("pod", side.prefix, sel),
                            lambda: _selector(self.z3, sel, side.lab, self.vocab.pod_values))

    def _ns_selector(self, side: _SideVars, sel: LabelSelector) -> Expr:
        z3, v = self.z3, self.vocab
        existing = [side.ns == i for i, labels in enumerate(v.ns_labels) if matches(sel, labels)]
        if v.hypothetical:
            existing.append(z3.And(side.ns == v.fresh, _selector(z3, sel, side.nslab, v.ns_values)))
        return z3.Or(existing)

    def _is_pod(self, side: _SideVars) -> Expr:
        return self.z3.And(self.z3.Not(side.ext), self.z3.Not(side.host))

    def _peer(self, peer: SelectorPeer | IPBlockPeer, side: _SideVars, policy_ns: str) -> Expr:
        return self._cached(("peer", side.prefix, peer, policy_ns), lambda: self._build_peer(peer, side, policy_ns))

    def _build_peer(self, peer: SelectorPeer | IPBlockPeer, side: _SideVars, policy_ns: str) -> Expr:
        z3 = self.z3
        if isinstance(peer, IPBlockPeer):
            who = z3.BoolVal(True) if peer.match_pods else z3.Or(side.ext, side.host)
            return z3.And(side.has_ip, who, side.inb[self.vocab.block_index[peer.addresses]])
        if peer.namespace_selector is None:
            ns = side.ns == self.vocab.ns_index[policy_ns]
        else:
            ns = self.ns_selector(side, peer.namespace_selector)
        pod = z3.BoolVal(True) if peer.pod_selector is None else self.pod_selector(side, peer.pod_selector)
        return z3.And(self._is_pod(side), ns, pod)

    def port_term(self, protocol: str, lo: int, hi: int, name: str | None) -> Expr:
        return self._cached(("port", protocol, lo, hi, name), lambda: self._port_term(protocol, lo, hi, name))

    def _port_term(self, protocol: str, lo: int, hi: int, name: str | None) -> Expr:
        z3 = self.z3
        proto = self.proto == PROTOCOLS.index(protocol)
        if name is not None:
            return z3.And(proto, self.dst.named[(name, protocol)])
        if (lo, hi) == (1, 65535):
            return proto
        if lo == hi:
            return z3.And(proto, self.port == lo)
        return z3.And(proto, z3.ULE(lo, self.port), z3.ULE(self.port, hi))

    def _rule(self, rule: CompiledRule, peer_side: _SideVars, policy_ns: str) -> Expr:
        z3 = self.z3
        peers = z3.Or([self._peer(p, peer_side, policy_ns) for p in rule.peers]) if rule.peers else z3.BoolVal(True)
        terms = []
        for pm in rule.ports:
            s = pm.spec
            if s.port is None:
                terms.append(self.port_term(s.protocol, 1, 65535, None))
            elif isinstance(s.port, str):
                terms.append(self.port_term(s.protocol, 0, 0, s.port))
            else:
                terms.append(self.port_term(s.protocol, s.port, s.end_port or s.port, None))
        ports = z3.Or(terms) if rule.ports else z3.BoolVal(True)
        return z3.And(peers, ports)

    def _direction(self, policies: Sequence[CompiledPolicy], direction: str, tracked: bool = True) -> Expr:
        """The subject's side of `direction` lets the connection through.

        Tracked: "selects" and "admits" are named definitions guarded by assumption literals, so an
        unsat core names the policies and rules a proof needs. Untracked: the same formula with its
        definitions inline, so two policy sets with policies of the same name can share a connection."""
        z3 = self.z3
        subject, peer = (self.src, self.dst) if direction == "egress" else (self.dst, self.src)
        selected: list[Expr] = []
        admitted: list[Expr] = []
        for cp in policies:
            if not cp.affects(direction):
                continue
            pol = cp.policy
            definition = z3.And(self._is_pod(subject), subject.ns == self.vocab.ns_index[pol.namespace],
                                self.pod_selector(subject, pol.pod_selector))
            sel = z3.Bool(f"selects[{direction}:{cp.ref.id}]") if tracked else definition
            if tracked:
                # Only "the policy selects the subject" is tracked: a core then names the policies whose
                # selecting (isolating, or applying their rules) a proof needs, not every one that does not.
                self.base.append(z3.Implies(sel, definition))
                self._guard("policy", (cp.ref, direction), z3.Implies(definition, sel))
            selected.append(sel)
            rules = []
            for rule in cp.rules(direction):
                admits = self._rule(rule, peer, pol.namespace)
                if tracked:
                    adm = z3.Bool(f"admits[{rule.ref}]")
                    self._guard("rule", rule.ref, adm == admits)
                    admits = adm
                rules.append(admits)
            if rules:
                admitted.append(z3.And(sel, z3.Or(rules)))
        if not selected:
            return z3.BoolVal(True)
        return z3.Or(z3.Not(z3.Or(selected)), *admitted)

    def allowed_by(self, policies: Sequence[CompiledPolicy], tracked: bool = True) -> Expr:
        """The connection is allowed: node traffic, or both the egress and the ingress side let it through."""
        z3 = self.z3
        node_traffic = z3.And(self.src.host, self.src.node != NO_NODE, self.src.node == self.dst.node)
        return z3.Or(node_traffic, z3.And(self._direction(policies, "egress", tracked),
                                          self._direction(policies, "ingress", tracked)))

    # --- where a side's facts come from

    def ip_in(self, side: _SideVars, addresses: IPSet) -> Expr:
        z3 = self.z3

        def ranges(var: Expr, ivs: Iterable[tuple[int, int]], bits: int) -> Expr:
            return z3.Or([var == z3.BitVecVal(lo, bits) if lo == hi
                          else z3.And(z3.ULE(z3.BitVecVal(lo, bits), var), z3.ULE(var, z3.BitVecVal(hi, bits)))
                          for lo, hi in ivs])

        return z3.Or(z3.And(side.v4, ranges(side.ip4, addresses.v4, 32)),
                     z3.And(z3.Not(side.v4), ranges(side.ip6, addresses.v6, 128)))

    def _address_facts(self, side: _SideVars) -> list[Expr]:
        return [side.has_ip] + [inb == self.ip_in(side, b) for inb, b in zip(side.inb, self.vocab.blocks, strict=True)]

    def _named_ports(self, side: _SideVars) -> list[Expr]:
        z3 = self.z3
        return [var == z3.And(side.np[n][0], side.np[n][1] == PROTOCOLS.index(p), side.np[n][2] == self.port)
                for (n, p), var in side.named.items()]

    def symbolic(self, side: _SideVars, pods: PodPattern) -> Expr:
        z3, v = self.z3, self.vocab
        facts = [z3.Not(side.ext), z3.Not(side.host)] + self._address_facts(side) + self._named_ports(side)
        if pods.namespace is not None:
            if pods.namespace in v.ns_index:
                facts.append(side.ns == v.ns_index[pods.namespace])
            elif v.hypothetical:
                name_values = v.ns_values[NAMESPACE_NAME_LABEL]
                facts += [side.ns == v.fresh, side.nslab[NAMESPACE_NAME_LABEL] == name_values.index(pods.namespace)]
            else:
                return z3.BoolVal(False)
        facts.append(z3.And(side.ns >= 0, side.ns < (v.fresh + 1 if v.hypothetical else v.fresh)))
        if v.hypothetical:  # a new namespace is named, and by a name no namespace has yet
            name = side.nslab[NAMESPACE_NAME_LABEL]
            taken = [name != v.ns_values[NAMESPACE_NAME_LABEL].index(n) for n in v.namespaces]
            facts.append(z3.Implies(side.ns == v.fresh, z3.And(name != -1, *taken)))
        if pods.namespace_selector is not None:
            facts.append(self.ns_selector(side, pods.namespace_selector))
        facts.append(_selector(z3, pods.pod_selector, side.lab, v.pod_values))
        if pods.exact_labels is not None:
            exact = dict(pods.exact_labels)
            facts += [var == Vocabulary.code(v.pod_values[k], exact, k) for k, var in side.lab.items()]
        if pods.cidr is not None:
            facts.append(self.ip_in(side, pods.cidr))
        return z3.And(facts)

    def external(self, side: _SideVars, addresses: IPSet) -> Expr:
        z3 = self.z3
        facts = [side.ext, z3.Not(side.host), side.ns == -1, side.node == NO_NODE, self.ip_in(side, addresses)]
        facts += self._address_facts(side) + [z3.Not(var) for var in side.named.values()]
        return z3.And(facts)

    def class_domain(self, side: _SideVars, texts: Sequence[str], classes: Sequence[int]) -> Expr:
        """"The side is one of these classes of loaded endpoints, with its facts", parsed from SMT-LIB
        text in one go (building hundreds of thousands of terms through the Python API is what would
        cost time here). `texts` holds each class's facts as written by _SideNames.class_text."""
        names = _SideNames(side, self.port)
        cls = side.cls.decl().name()
        body = " ".join(f"(and (= |{cls}| {c}) {texts[c]})" for c in classes)
        return self.z3.parse_smt2_string(f"(assert (or false {body}))", decls={**names.decls, cls: side.cls})[0]


class _SideNames:
    """SMT-LIB names of one side's variables, for writing class facts as text."""

    def __init__(self, side: _SideVars, port: Expr) -> None:
        variables = [side.ext, side.host, side.has_ip, side.ns, side.node, port, *side.lab.values(), *side.inb,
                     *side.named.values()]
        self.decls = {v.decl().name(): v for v in variables}
        q = {id(v): f"|{v.decl().name()}|" for v in variables}
        self.ext, self.host, self.has_ip, self.ns, self.node, self.port = (
            q[id(side.ext)], q[id(side.host)], q[id(side.has_ip)], q[id(side.ns)], q[id(side.node)], q[id(port)])
        self.labels = [q[id(v)] for v in side.lab.values()]
        self.blocks = [q[id(v)] for v in side.inb]
        self.named = [q[id(v)] for v in side.named.values()]

    def class_text(self, sig: ClassSignature) -> str:
        def bool_(name: str, value: bool) -> str:
            return name if value else f"(not {name})"

        def int_(name: str, value: int) -> str:
            return f"(= {name} {value})" if value >= 0 else f"(= {name} (- {-value}))"

        parts = [bool_(self.ext, False), bool_(self.host, sig.host_network), bool_(self.has_ip, sig.has_ip),
                 int_(self.ns, sig.namespace), int_(self.node, sig.node)]
        parts += [int_(name, code) for name, code in zip(self.labels, sig.labels, strict=True)]
        parts += [bool_(name, inside) for name, inside in zip(self.blocks, sig.blocks, strict=True)]
        # Only the destination has named-port variables: for the source, `self.named` is empty.
        for name, numbers in zip(self.named, sig.named, strict=False):
            matches_port = " ".join(f"(= {self.port} (_ bv{n} 16))" for n in numbers)
            parts.append(f"(= {name} (or false {matches_port}))")
        return f"(and {' '.join(parts)})"


@dataclass(frozen=True)
class ClassSignature:
    """What formulas can see of a loaded endpoint: endpoints with equal signatures are indistinguishable."""

    namespace: int
    host_network: bool
    has_ip: bool
    node: int
    labels: tuple[int, ...]  # a code per vocabulary key
    blocks: tuple[bool, ...]  # inside each ipBlock
    named: tuple[tuple[int, ...], ...]  # numbers of each (port name, protocol)

    @classmethod
    def of(cls, ep: Endpoint, vocab: Vocabulary, blocks: tuple[bool, ...]) -> ClassSignature:
        """`blocks`: inside each of vocab.blocks (see _BlockMembership)."""
        return cls(
            vocab.ns_index[ep.namespace], ep.host_network, bool(ep.ips),
            vocab.node_index.get(ep.node_name or "", NO_NODE),
            tuple(Vocabulary.code(values, ep.labels_map, k) for k, values in vocab.pod_values.items()), blocks,
            tuple(tuple(sorted({p.port for p in ep.ports if p.name == n and p.protocol == proto}))
                  for n, proto in vocab.port_names),
        )


class _BlockMembership:
    """Which of the vocabulary's ipBlocks contain an endpoint: one bisect per address over the
    blocks' boundaries (IPAtoms), not a test per block and address (10,000 blocks x 100,000 pods)."""

    def __init__(self, blocks: Sequence[IPSet]) -> None:
        self._n = len(blocks)
        self._atoms = IPAtoms(blocks)
        self._tuples: dict[tuple[int, ...], tuple[bool, ...]] = {}

    def of(self, ep: Endpoint) -> tuple[bool, ...]:
        sig = self._atoms.signature(ep.ips)
        found = self._tuples.get(sig)
        if found is None:
            inside = self._atoms.blocks_of(sig)
            found = self._tuples[sig] = tuple(j in inside for j in range(self._n))
        return found


# --- the engine -----------------------------------------------------------------------------------


class SmtEngine:
    """Proves or refutes queries about one inventory; one solver, one push/pop per query."""

    def __init__(self, policies: Sequence[CompiledPolicy], endpoints: Sequence[Endpoint],
                 namespaces: Sequence[tuple[str, Labels]], queries: Sequence[Query] = (),
                 hypothetical_namespaces: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S,
                 vocabulary_policies: Sequence[CompiledPolicy] | None = None) -> None:
        """`vocabulary_policies` (default: `policies`) decide which labels, blocks and port names the
        encoding can see: a comparison encodes no policy of its own but must see both sets'."""
        self.z3 = _z3()
        self.policies = tuple(policies)
        seen = policies if vocabulary_policies is None else vocabulary_policies
        self.vocab = Vocabulary(seen, namespaces, endpoints, queries, hypothetical_namespaces)
        self.enc = _Encoder(self.z3, self.vocab, policies)
        self.class_of: dict[str, int] = {}
        self.classes: list[ClassSignature] = []
        index: dict[ClassSignature, int] = {}
        membership = _BlockMembership(self.vocab.blocks)
        for ep in endpoints:
            key = ClassSignature.of(ep, self.vocab, membership.of(ep))
            if key not in index:
                index[key] = len(self.classes)
                self.classes.append(key)
            self.class_of[ep.id] = index[key]
        self.pod_ips = IPSet.from_addresses(ip for ep in endpoints for ip in ep.ips)
        self._class_facts: dict[str, list[str]] = {}  # per side: each class's facts as SMT-LIB text
        self._domains: dict[tuple[str, tuple[int, ...]], Expr] = {}  # class domains defined at the base level
        self.solver = self.z3.Solver()
        self.solver.set("core.minimize", True)
        self.timeout_s = timeout_s
        self.solver.set("timeout", max(1, int(timeout_s * 1000)))
        self.solver.add(*self.enc.base)

    def solve_all(self, queries: Iterable[Query]) -> list[SmtResult]:
        return [self.solve(q) for q in queries]

    def solve(self, query: Query) -> SmtResult:
        src_members = self._members_by_class(query.src)
        dst_members = self._members_by_class(query.dst)
        domain = [self._side_domain(self.enc.src, query.src, src_members),
                  self._side_domain(self.enc.dst, query.dst, dst_members), self._ports(query.ports)]
        domain += self._self_exclusions(src_members, dst_members) + self._relation(query.relation)
        goal = self.z3.Not(self.enc.allowed) if query.expect == "allow" else self.enc.allowed
        s = self.solver
        s.push()
        try:
            s.add(*domain)
            s.push()
            s.add(goal)
            status = s.check(*self.enc.guards)
            if status == self.z3.unknown:
                return Unknown(query, s.reason_unknown())
            if status == self.z3.sat:
                src_members, dst_members = self._narrow(query, src_members, dst_members, [*domain, goal])
                return self._model_result(query, src_members, dst_members)
            proof = self._proof(s.unsat_core())
            s.pop()
            s.push()
            vacuous = s.check()
            if vacuous == self.z3.unknown:
                return Unknown(query, s.reason_unknown())
            return self._unsat_result(query, proof, vacuous == self.z3.unsat)
        finally:
            while s.num_scopes() > 0:
                s.pop()

    # --- per-query constraints

    def _members_by_class(self, side: Side) -> dict[int, list[Endpoint]]:
        out: dict[int, list[Endpoint]] = {}
        for ep in side.members:
            out.setdefault(self.class_of[ep.id], []).append(ep)
        return out

    def _class_texts(self, vars_: _SideVars) -> list[str]:
        texts = self._class_facts.get(vars_.prefix)
        if texts is None:  # written on first use, for every class at once
            names = _SideNames(vars_, self.enc.port)
            texts = self._class_facts[vars_.prefix] = [names.class_text(c) for c in self.classes]
        return texts

    def _loaded_classes(self, vars_: _SideVars, classes: list[int]) -> Expr:
        """"The side is one of these loaded classes", as a literal defined once at the solver's base level.

        A class domain can be a disjunction over every class of the inventory; asserted inside each
        query's scope, the solver would internalise it again for every query (most of the time of
        a `check` at 100,000 pods). Defined once under a literal, a query only asserts the literal."""
        key = (vars_.prefix, tuple(classes))
        literal = self._domains.get(key)
        if literal is None:
            domain = self.enc.class_domain(vars_, self._class_texts(vars_), classes)
            if self.solver.num_scopes() > 0:  # not at the base level: the definition would be popped
                return domain
            literal = self._domains[key] = self.z3.Bool(f"domain:{len(self._domains)}")
            self.solver.add(self.z3.Implies(literal, domain))
        return literal

    def _side_domain(self, vars_: _SideVars, side: Side, members: dict[int, list[Endpoint]]) -> Expr:
        z3 = self.z3
        alternatives = [self._loaded_classes(vars_, sorted(members))] if members else []
        if side.pods is not None:
            alternatives.append(z3.And(vars_.cls == SYMBOLIC, self.enc.symbolic(vars_, side.pods)))
        if side.addresses:
            outside = side.addresses - self.pod_ips  # an address a loaded pod has is that pod, not outside
            if outside:
                alternatives.append(z3.And(vars_.cls == EXTERNAL, self.enc.external(vars_, outside)))
        return z3.Or(alternatives)

    def _ports(self, ports: Sequence[PortTerm]) -> Expr:
        terms = [self.enc.port_term(t.protocol, t.lo, t.hi, t.name) for t in ports if t.protocol is not None]
        if not ports or len(terms) < len(ports):
            return self.z3.BoolVal(True)
        return self.z3.Or(terms)

    def _self_exclusions(self, src: dict[int, list[Endpoint]], dst: dict[int, list[Endpoint]]) -> list[Expr]:
        """A single pod talking to itself is not a network question: such pairs are left out."""
        z3 = self.z3
        out = []
        for c in set(src) & set(dst):
            if _pair_in_class(src[c], dst[c]) is None:
                out.append(z3.Not(z3.And(self.enc.src.cls == c, self.enc.dst.cls == c)))
        return out

    def _relation(self, relation: str | None) -> list[Expr]:
        z3, s, d, fresh = self.z3, self.enc.src, self.enc.dst, self.vocab.fresh
        if relation is None:
            return []
        both_fresh = z3.And(s.ns == fresh, d.ns == fresh)
        if relation == "different-namespace":  # two new namespaces differ by name (two unnamed values may)
            different = z3.Or(s.ns != d.ns, both_fresh)
            if NAMESPACE_NAME_LABEL in s.nslab:
                name_s, name_d = s.nslab[NAMESPACE_NAME_LABEL], d.nslab[NAMESPACE_NAME_LABEL]
                other = len(self.vocab.ns_values[NAMESPACE_NAME_LABEL])
                different = z3.And(different, z3.Implies(both_fresh, z3.Or(name_s != name_d, name_s == other)))
            return [s.ns >= 0, d.ns >= 0, different]
        same_labels = z3.And([s.nslab[k] == d.nslab[k] for k in s.nslab]) if s.nslab else z3.BoolVal(True)
        return [s.ns >= 0, s.ns == d.ns, z3.Implies(both_fresh, same_labels)]

    # --- results

    def _proof(self, core: Iterable[Expr]) -> Proof:
        policies: list[tuple[PolicyRef, str]] = []
        rules: list[RuleRef] = []
        for lit in core:
            kind, what = self.enc.tracked[str(lit)]
            if kind == "policy":
                policies.append(what)  # type: ignore[arg-type]
            else:
                rules.append(what)  # type: ignore[arg-type]
        policies.sort(key=lambda pd: (pd[0].id, pd[1]))
        rules.sort(key=lambda r: (r.policy, r.direction, r.index))
        return Proof(tuple(policies), tuple(rules))

    def _unsat_result(self, query: Query, proof: Proof, vacuous: bool) -> SmtResult:
        notes = ("no connection matches the query's endpoints and ports",) if vacuous else ()
        if query.expect == "reachable":
            return Refuted(query, proof=proof, notes=notes)
        if query.expect == "allow" and vacuous:
            return Refuted(query, notes=notes + ("an allow assertion that covers nothing fails",))
        return Proved(query, proof, notes=notes)

    def _preferences(self) -> list[Expr]:
        """Soft wishes for a readable model: loaded endpoints over synthesized pods, then no label,
        named port or node a policy does not need, and private IPv4 addresses."""
        z3, enc = self.z3, self.enc
        private = IPSet.from_cidr("10.0.0.0/8")
        # Outside addresses from the documentation ranges (RFC 5737, RFC 3849) read as examples.
        documentation = IPSet.from_cidr("203.0.113.0/24") | IPSet.from_cidr("2001:db8::/32")
        wishes: list[Expr] = [side.cls >= 0 for side in (enc.src, enc.dst)]
        s, d = enc.src, enc.dst  # two synthesized endpoints read better with two different addresses
        wishes.append(z3.Or(s.v4 != d.v4, z3.If(s.v4, s.ip4 != d.ip4, s.ip6 != d.ip6)))
        wishes.append(enc.proto == PROTOCOLS.index("TCP"))  # the protocol most readers expect
        for side in (enc.src, enc.dst):
            synthesized = side.cls == SYMBOLIC
            wishes += [z3.Implies(synthesized, var == -1) for var in side.lab.values()]
            wishes += [z3.Implies(synthesized, z3.Not(present)) for present, _, _ in side.np.values()]
            wishes += [z3.Implies(synthesized, var == -1) for k, var in side.nslab.items() if k != NAMESPACE_NAME_LABEL]
            wishes += [z3.Implies(synthesized, side.node == NO_NODE),
                       z3.Implies(synthesized, enc.ip_in(side, private)), z3.Implies(side.cls == EXTERNAL, side.v4),
                       z3.Implies(side.cls == EXTERNAL, enc.ip_in(side, documentation))]
        return wishes

    def _readable_model(self) -> Any:
        """Greedily keep the wishes the query allows (dropping those in each conflict's core)."""
        s, z3 = self.solver, self.z3
        fallback = s.model()
        wishes = self._preferences()
        literals = [z3.Bool(f"wish:{i}") for i in range(len(wishes))]
        s.add(*(z3.Implies(lit, w) for lit, w in zip(literals, wishes, strict=True)))
        active = list(literals)
        s.set("core.minimize", False)  # any core will do here, and minimizing one is costly
        try:
            for _ in range(8):
                status = s.check(*self.enc.guards, *active)
                if status == z3.sat:
                    return s.model()
                if status != z3.unsat:
                    break
                core = {str(c) for c in s.unsat_core()}
                kept = [lit for lit in active if str(lit) not in core]
                if len(kept) == len(active):
                    break
                active = kept
        finally:
            s.set("core.minimize", True)
        return fallback

    def _narrow(self, query: Query, src_members: dict[int, list[Endpoint]], dst_members: dict[int, list[Endpoint]],
                full: list[Expr]) -> tuple[dict[int, list[Endpoint]], dict[int, list[Endpoint]]]:
        """Re-pose a refuted query on what its model chose: the loaded class of each side, or only the
        synthesized pods and outside addresses of a side where no loaded class will do.

        The class domains are disjunctions over every class the query covers (tens of thousands at
        100,000 pods); looking for a readable model searches them once per wish. Narrowed, the wishes
        only pick ports, labels and addresses. Loaded endpoints are preferred (the first wish) before
        narrowing. Falls back to the full query (and its model) when the narrowed one is not decided
        sat, which it must be: the model found is one of its models."""
        s, z3, enc = self.solver, self.z3, self.enc
        chosen = self._loaded_first(s.model())
        narrowed: list[Expr] = []
        members: list[dict[int, list[Endpoint]]] = []
        for vars_, side, all_members, c in ((enc.src, query.src, src_members, chosen[0]),
                                            (enc.dst, query.dst, dst_members, chosen[1])):
            if c >= 0:
                narrowed.append(enc.class_domain(vars_, self._class_texts(vars_), [c]))
                members.append({c: all_members[c]})
            else:
                narrowed.append(self._side_domain(vars_, side, {}))
                members.append({})
        while s.num_scopes() > 0:  # back to the policies alone: the full domains leave the solver
            s.pop()
        s.push()
        s.add(*narrowed, self._ports(query.ports), *self._self_exclusions(members[0], members[1]),
              *self._relation(query.relation), full[-1])
        if s.check(*enc.guards) == z3.sat:
            return members[0], members[1]
        s.pop()
        s.push()
        s.add(*full)
        s.check(*enc.guards)  # the full query again, for its model
        return src_members, dst_members

    def _loaded_first(self, model: Any) -> tuple[int, int]:
        """The classes of a model of the current query, after asking for loaded endpoints on the sides
        where it synthesized a pod or took an outside address. A preference, not part of the answer:
        the attempts share PREFERENCE_BUDGET_S (over the full class domains of 100,000 pods one can
        take a minute), and when it runs out the synthesized endpoint stays."""
        s, z3, enc = self.solver, self.z3, self.enc
        chosen = tuple(model.eval(v.cls, model_completion=True).as_long() for v in (enc.src, enc.dst))
        wanted = [v.cls >= 0 for v, c in zip((enc.src, enc.dst), chosen, strict=True) if c < 0]
        if not wanted:
            return chosen[0], chosen[1]
        both = [v.cls >= 0 for v in (enc.src, enc.dst)]  # a side already loaded stays loaded
        deadline = time.monotonic() + min(self.timeout_s, PREFERENCE_BUDGET_S)
        try:
            for attempt in ([both] if len(wanted) == 1 else [both, both[:1], both[1:]]):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                s.set("timeout", max(1, int(left * 1000)))
                s.push()
                try:
                    s.add(*attempt)
                    if s.check(*enc.guards) == z3.sat:
                        model = s.model()
                        return (model.eval(enc.src.cls, model_completion=True).as_long(),
                                model.eval(enc.dst.cls, model_completion=True).as_long())
                finally:
                    s.pop()
        finally:
            s.set("timeout", max(1, int(self.timeout_s * 1000)))
        return chosen[0], chosen[1]

    def _model_result(self, query: Query, src_members: dict[int, list[Endpoint]],
                      dst_members: dict[int, list[Endpoint]]) -> SmtResult:
        model = self._readable_model()
        conn = self._connection(model, src_members, dst_members, query.relation == "same-namespace")
        expected_allowed = query.expect != "allow"
        if conn.allowed != expected_allowed:
            raise ReplayMismatch(
                f"the solver found {conn.src.id} -> {conn.dst.id} {conn.port}/{conn.protocol} "
                f"{'allowed' if expected_allowed else 'denied'}, the evaluator says "
                f"{'allowed' if conn.allowed else 'denied'}")
        if query.expect == "reachable":
            return Proved(query, witness=conn)
        return Refuted(query, counterexample=conn)

    def _decode(self, model: Any, src_members: dict[int, list[Endpoint]], dst_members: dict[int, list[Endpoint]],
                dst_namespace: str = "new-namespace-2") -> tuple[Endpoint, Endpoint, str, int, int, int]:
        """The connection a model describes: (src, dst, protocol, port, src class, dst class)."""
        def value(expr: Expr) -> Any:
            return model.eval(expr, model_completion=True)

        proto = PROTOCOLS[value(self.enc.proto).as_long()]
        port = value(self.enc.port).as_long()
        s_cls, d_cls = value(self.enc.src.cls).as_long(), value(self.enc.dst.cls).as_long()
        if s_cls >= 0 and s_cls == d_cls:
            pair = _pair_in_class(src_members[s_cls], dst_members[d_cls])
            assert pair is not None  # excluded by the query's constraints otherwise
            src, dst = pair
        else:
            src = src_members[s_cls][0] if s_cls >= 0 else self._synthesize(value, self.enc.src, s_cls, "src")
            dst = (dst_members[d_cls][0] if d_cls >= 0
                   else self._synthesize(value, self.enc.dst, d_cls, "dst", dst_namespace))
        return src, dst, proto, port, s_cls, d_cls

    def _connection(self, model: Any, src_members: dict[int, list[Endpoint]],
                    dst_members: dict[int, list[Endpoint]], same_namespace: bool = False) -> Connection:
        # Two new namespaces whose names no selector mentions get two names, unless the query
        # puts both ends in one namespace.
        dst_ns = "new-namespace" if same_namespace else "new-namespace-2"
        src, dst, proto, port, s_cls, d_cls = self._decode(model, src_members, dst_members, dst_ns)
        verdict = evaluate_pair(self.policies, src, dst)
        return Connection(src, dst, proto, port, verdict.allowed.allows(proto, port), verdict,
                          src_synthesized=s_cls == SYMBOLIC, dst_synthesized=d_cls == SYMBOLIC)

    def _synthesize(self, value: Any, side: _SideVars, cls: int, role: str,
                    new_namespace: str = "new-namespace") -> Endpoint:
        """The pod (or outside address) a model describes, as an Endpoint the evaluator can replay."""
        z3 = self.z3
        ip4, ip6 = value(side.ip4).as_long(), value(side.ip6).as_long()
        ip = str(ipaddress.IPv4Address(ip4) if z3.is_true(value(side.v4)) else ipaddress.IPv6Address(ip6))
        if cls == EXTERNAL:
            return external_endpoint(ip)
        v = self.vocab
        ns_i = value(side.ns).as_long()
        if ns_i < v.fresh:
            namespace, ns_labels = v.namespaces[ns_i], dict(v.ns_labels[ns_i])
        else:
            decoded = {k: _decode(value(var).as_long(), v.ns_values[k], new_namespace if k == NAMESPACE_NAME_LABEL
                                  else "other") for k, var in side.nslab.items()}
            ns_labels = {k: val for k, val in decoded.items() if val is not None}
            namespace = ns_labels[NAMESPACE_NAME_LABEL]  # always present, never a taken name
        labels = {k: _decode(value(var).as_long(), v.pod_values[k], "other") for k, var in side.lab.items()}
        ports = []
        for name, (present, proto, number) in side.np.items():
            if z3.is_true(value(present)):
                ports.append(ContainerPort(value(number).as_long(), PROTOCOLS[value(proto).as_long()], name))
        node_i = value(side.node).as_long()
        name = f"new-{role}-pod"
        return Endpoint(
            f"{namespace}/{name}", "Pod", namespace, name,
            tuple(sorted((k, x) for k, x in labels.items() if x is not None)),
            tuple(sorted(ns_labels.items())), tuple(ports), (ip,), False,
            v.nodes[node_i] if node_i != NO_NODE else None, (name,), 1,
        )


def _pair_in_class(srcs: Sequence[Endpoint], dsts: Sequence[Endpoint]) -> tuple[Endpoint, Endpoint] | None:
    for s, d in itertools.product(srcs, dsts):
        if not (s.id == d.id and s.single_pod):
            return s, d
    return None


def _decode(code: int, values: list[str], other: str) -> str | None:
    """A label value from its code: None when absent, a value no selector mentions for OTHER."""
    if code < 0:
        return None
    if code < len(values):
        return values[code]
    candidate, n = other, 1
    while candidate in values:
        n += 1
        candidate = f"{other}-{n}"
    return candidate


# --- comparing policy sets: equiv, contains and redundancy (issue 6) -----------------------------


@dataclass(frozen=True)
class ComparisonWitness:
    """A concrete connection found by a comparison (not yet explained: the caller replays it)."""

    src: Endpoint
    dst: Endpoint
    protocol: str
    port: int
    src_synthesized: bool = False
    dst_synthesized: bool = False


@dataclass(frozen=True)
class ComparisonOutcome:
    """`holds` (proved: no connection distinguishes), `fails` (with a witness) or `unknown`."""

    status: str
    witness: ComparisonWitness | None = None
    proof: Proof | None = None  # for redundancy: the rules and policies that cover what was removed
    reason: str = ""


class _GoalSolver(SmtEngine):
    """Shared by the comparison engines: find a connection between two sides that meets a goal."""

    def _find(self, goal: Expr, src: Side, dst: Side) -> tuple[str, ComparisonWitness | None, Proof | None, str]:
        src_members, dst_members = self._members_by_class(src), self._members_by_class(dst)
        domain = [self._side_domain(self.enc.src, src, src_members), self._side_domain(self.enc.dst, dst, dst_members)]
        domain += self._self_exclusions(src_members, dst_members)
        s = self.solver
        s.push()
        try:
            s.add(*domain, goal)
            status = s.check(*self.enc.guards)
            if status == self.z3.unknown:
                return "unknown", None, None, s.reason_unknown()
            if status == self.z3.unsat:
                return "holds", None, self._proof(s.unsat_core()), ""
            model = self._readable_model()
            return "fails", self._witness(model, src_members, dst_members), None, ""
        finally:
            while s.num_scopes() > 0:
                s.pop()

    def _readable_model(self) -> Any:
        """Keep each wish for a readable model that the goal allows, one at a time (a non-minimal core
        would drop wishes, e.g. a private IPv4 address, that do not conflict at all)."""
        s, z3 = self.solver, self.z3
        for wish in self._preferences():
            s.push()
            s.add(wish)
            if s.check(*self.enc.guards) != z3.sat:
                s.pop()
        s.check(*self.enc.guards)
        return s.model()

    def _witness(self, model: Any, src_members: dict[int, list[Endpoint]],
                 dst_members: dict[int, list[Endpoint]]) -> ComparisonWitness:
        src, dst, proto, port, s_cls, d_cls = self._decode(model, src_members, dst_members, "new-namespace")
        return ComparisonWitness(src, dst, proto, port, s_cls == SYMBOLIC, d_cls == SYMBOLIC)


class PolicySetComparator(_GoalSolver):
    """Two policy sets over one inventory and one symbolic connection.

    equiv:    a connection allowed by exactly one of the sets (allowed_L XOR allowed_R)
    contains: a connection the right set allows and the left one does not (R AND NOT L)
    unsat is the proof. Both sets are encoded without tracked definitions, so nothing is shared
    between them but the connection's variables.
    """

    def __init__(self, left: Sequence[CompiledPolicy], right: Sequence[CompiledPolicy], endpoints: Sequence[Endpoint],
                 namespaces: Sequence[tuple[str, Labels]], hypothetical_namespaces: bool = False,
                 timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        # An engine with no policy of its own, over a vocabulary that covers both sets.
        self.left, self.right = tuple(left), tuple(right)
        super().__init__((), endpoints, namespaces, (), hypothetical_namespaces, timeout_s,
                         vocabulary_policies=self.left + self.right)
        self.allowed_left = self.enc.allowed_by(self.left, tracked=False)
        self.allowed_right = self.enc.allowed_by(self.right, tracked=False)

    def compare(self, relation: str, src: Side, dst: Side) -> ComparisonOutcome:
        """relation "equiv" or "contains" (left allows at least what right allows)."""
        z3 = self.z3
        if relation == "equiv":
            goal = z3.Xor(self.allowed_left, self.allowed_right)
        else:
            goal = z3.And(self.allowed_right, z3.Not(self.allowed_left))
        status, witness, _, reason = self._find(goal, src, dst)
        return ComparisonOutcome(status, witness, None, reason)


class RedundancyProver(_GoalSolver):
    """Whether removing a rule or a policy changes any allowed connection between two sides.

    The policy set's formula is the engine's own (tracked), and "without it" is the same formula
    with the removed rule's `admits` (or the removed policy's `selects`) replaced by false: the
    only connections that can change are those, and an unsat core names the rules and policies
    that still cover them.
    """

    def _variable(self, name: str) -> Expr:
        return self.z3.Bool(name)

    def without(self, rules: Sequence[RuleRef] = (), selects: Sequence[tuple[str, str]] = ()) -> Expr:
        """The allowed formula with `rules` removed and the policies (direction, id) in `selects` removed
        from that direction (no longer selecting, so no longer isolating)."""
        z3 = self.z3
        false = z3.BoolVal(False)
        pairs = [(self._variable(f"admits[{r}]"), false) for r in rules]
        pairs += [(self._variable(f"selects[{d}:{pid}]"), false) for d, pid in selects]
        return z3.substitute(self.enc.allowed, *pairs) if pairs else self.enc.allowed

    def changes(self, reduced: Expr, src: Side, dst: Side) -> ComparisonOutcome:
        """`holds` when `reduced` allows exactly what the full set allows between the sides, with the
        proof naming what covers the difference; `fails` with a connection that changes."""
        goal = self.z3.Xor(self.enc.allowed, reduced)
        status, witness, proof, reason = self._find(goal, src, dst)
        return ComparisonOutcome(status, witness, proof, reason)
