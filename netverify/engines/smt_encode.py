"""SMT encoding: the tiers of an inventory as z3 formulas over one symbolic connection.

The connection is (src, dst, protocol, port). Each side has: a kind (LOADED: one of the classes
of loaded endpoints, named by a bit-vector class id; SYMBOLIC: a pod that could exist, EXTERNAL:
an address outside the cluster), a namespace index (FRESH: a namespace that does not exist yet), one integer per
pod label key a selector references (-1 absent, an index into the values selectors
mention, or OTHER), one boolean per distinct ipBlock (the side's IP is in it), the IP as
32/128-bit vectors with a family flag, hostNetwork, node, and (destination) one boolean per
(port name, protocol) a rule or query mentions: "dst has a container port of that name and
protocol whose number is the connection's port". Only these facts can change a verdict.

The tiers come as the engines read them (semantics/class_tiers.TierSpec: isolating or first
match, subject and peer terms, rules with actions and port selections); smt_tiers encodes each,
this module encodes the terms and folds the tiers (smt_fold). Tracked definitions are guarded by
assumption literals, so an unsat core names the policies and rules a proof needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from netverify.engines.smt_fold import TierFormula, fold_tiers
from netverify.engines.smt_text import TermTexts, isolating_tier_text
from netverify.engines.smt_tiers import TierLiterals, tier_formula
from netverify.engines.smt_types import PodPattern
from netverify.engines.smt_vocabulary import LOADED, NO_NODE, ClassSignature, Expr, Vocabulary
from netverify.model import NAMESPACE_NAME_LABEL, Direction, LabelSelector
from netverify.semantics.class_tiers import TierSpec
from netverify.semantics.compile import AddressTerm, PeerTerm, SelectorTerm
from netverify.semantics.ports import PortSelection
from netverify.semantics.selectors import matches
from netverify.semantics.verdict import RuleId
from netverify.sets import PROTOCOLS, IPSet

# Pod CIDR ranges whose edge addresses a readable model avoids (host_address): --pod-cidr lists a few.
EDGE_RANGES = 16


# --- symbolic endpoints -------------------------------------------------------------------------


class SideVars:
    """The z3 variables describing one side of the connection."""

    def __init__(self, z3: Any, prefix: str, vocab: Vocabulary, port: Expr, is_dst: bool) -> None:
        self.prefix = prefix
        self.cls = z3.Int(f"{prefix}.class")  # the kind: LOADED, SYMBOLIC or EXTERNAL
        # Which loaded class, as a bit-vector: a domain of tens of thousands of classes written as
        # `cls == c` made the arithmetic solver weigh every class against every other (seconds per
        # check at 30,000 pods); bit patterns are plain propositional literals.
        self.class_id = z3.BitVec(f"{prefix}.classId", vocab.class_bits)
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
        self.inall = [z3.Bool(f"{prefix}.inEveryIP[{i}]") for i in range(len(vocab.whole_blocks))]
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


__all__ = ["Encoder", "SideNames", "SideVars", "TierFormula", "fold_tiers"]


class Encoder:
    """Formulas over the two sides and the connection; built once per engine.

    `tiers`: the inventory's tiers in evaluation order as engines read them
    (semantics/class_tiers.specs_of), each encoded by smt_tiers however it decides. `every_order`:
    equal priorities in a first-match tier are ordered freely, so a proof holds under every order;
    otherwise the evaluation order breaks ties, as the evaluator does."""

    def __init__(self, z3: Any, vocab: Vocabulary, tiers: Sequence[TierSpec], every_order: bool = True) -> None:
        self.z3 = z3
        self.vocab = vocab
        self.proto = z3.Int("protocol")
        self.port = z3.BitVec("port", 16)
        self.src = SideVars(z3, "src", vocab, self.port, is_dst=False)
        self.dst = SideVars(z3, "dst", vocab, self.port, is_dst=True)
        self.base: list[Expr] = [self.proto >= 0, self.proto < len(PROTOCOLS), self.port != 0]
        self.base += self.src.bounds(z3, vocab) + self.dst.bounds(z3, vocab)
        self.guards: list[Expr] = []
        # guard name -> ("policy", (ref, direction)) | ("rule", ref) | ("ordered-rule", ref)
        self.tracked: dict[str, tuple[str, object]] = {}
        # Policies repeat selectors, peers and ports: each term is built once (z3 terms cost ~µs each).
        self._terms: dict[tuple[object, ...], Expr] = {}
        self.every_order = every_order
        self.literals = TierLiterals()  # tracked literals and the free tie groups
        self._texts: TermTexts | None = None
        self.allowed = self.allowed_by(tiers)

    @property
    def selects_literals(self) -> dict[tuple[str, str], Expr]:
        """(direction, policy id) -> "the isolating policy selects the subject" (tracked)."""
        return self.literals.selects

    @property
    def admits_literals(self) -> dict[RuleId, Expr]:
        """An isolating tier's rule -> "it admits the connection" (tracked)."""
        return self.literals.admits

    # --- pieces of the policy formula

    def track(self, kind: str, what: object, definition: Expr) -> None:
        """Assert `definition` under a fresh assumption literal: an unsat core names `what` when it needs it."""
        name = f"track:{len(self.guards)}"  # what str() of the literal prints, without the printer's cost
        self.guards.append(self.z3.Bool(name))
        self.tracked[name] = (kind, what)
        guard = self.guards[-1]
        self.base.append(self.z3.Implies(guard, definition))

    def track_text(self, kind: str, what: object) -> Expr:
        """A fresh guard for a definition written as text (smt_text): the caller asserts
        `(=> guard definition)`; an unsat core names `what` when it needs it."""
        name = f"track:{len(self.guards)}"
        self.guards.append(self.z3.Bool(name))
        self.tracked[name] = (kind, what)
        return self.guards[-1]

    def define(self, constraint: Expr) -> None:
        """Assert a structural constraint at the base level (no proof names it)."""
        self.base.append(constraint)

    def _cached(self, key: tuple[object, ...], build: Any) -> Expr:
        term = self._terms.get(key)
        if term is None:
            term = self._terms[key] = build()
        return term

    def ns_selector(self, side: SideVars, sel: LabelSelector) -> Expr:
        return self._cached(("ns", side.prefix, sel), lambda: self._ns_selector(side, sel))

    def pod_selector(self, side: SideVars, sel: LabelSelector) -> Expr:
        return self._cached(("pod", side.prefix, sel),
                            lambda: _selector(self.z3, sel, side.lab, self.vocab.pod_values))

    def _ns_selector(self, side: SideVars, sel: LabelSelector) -> Expr:
        z3, v = self.z3, self.vocab
        existing = [side.ns == i for i, labels in enumerate(v.ns_labels) if matches(sel, labels)]
        if v.hypothetical:
            existing.append(z3.And(side.ns == v.fresh, _selector(z3, sel, side.nslab, v.ns_values)))
        return z3.Or(existing)

    def is_pod(self, side: SideVars) -> Expr:
        return self._cached(("pod?", side.prefix), lambda: self.z3.And(self.z3.Not(side.ext), self.z3.Not(side.host)))

    def selector(self, term: SelectorTerm, side: SideVars) -> Expr:
        """Pods (never hostNetwork pods nor outside addresses) in the term's namespace(s), with its labels."""
        return self._cached(("selector", side.prefix, term), lambda: self._selector_term(term, side))

    def _selector_term(self, term: SelectorTerm, side: SideVars) -> Expr:
        parts = [self.is_pod(side)]
        if term.namespace is not None:
            parts.append(side.ns == self.vocab.ns_index[term.namespace])
        elif term.namespace_selector is not None:
            parts.append(self.ns_selector(side, term.namespace_selector))
        if term.pod_selector is not None:
            parts.append(self.pod_selector(side, term.pod_selector))
        return self.z3.And(parts)

    def peer(self, term: PeerTerm, side: SideVars) -> Expr:
        """A peer term (compile.SelectorTerm, compile.AddressTerm, None: nothing) on one side."""
        if term is None:
            return self.z3.BoolVal(False)
        if isinstance(term, SelectorTerm):
            return self.selector(term, side)
        return self._cached(("address", side.prefix, term), lambda: self._address_term(term, side))

    def _address_term(self, term: AddressTerm, side: SideVars) -> Expr:
        z3 = self.z3
        if term.every_ip:  # every IP of the side inside (pod IPs always count)
            if not term.addresses:
                return z3.BoolVal(False)
            return z3.And(side.has_ip, side.inall[self.vocab.whole_block_index[term.addresses]])
        who = z3.BoolVal(True) if term.pods else z3.Or(side.ext, side.host)
        return z3.And(side.has_ip, who, side.inb[self.vocab.block_index[term.addresses]])

    def ports(self, selections: tuple[PortSelection, ...] | None) -> Expr:
        """Some of these ports is the connection's (None: every port and protocol; empty: none)."""
        if selections is None:
            return self.z3.BoolVal(True)
        return self.z3.Or([self.port_selection(p) for p in selections])

    def port_selection(self, p: PortSelection) -> Expr:
        """One PortSelection of a rule: a protocol's ports or range, or a port name resolved on the
        destination (with the given protocol, or whichever protocol the destination declares)."""
        if p.protocol is None:
            if p.name is None:
                return self.z3.BoolVal(True)
            return self.z3.Or([self.port_term(proto, 0, 0, p.name) for proto in PROTOCOLS])
        return self.port_term(p.protocol, p.lo, p.hi, p.name)

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

    def _direction(self, tiers: Sequence[TierSpec], direction: Direction, tracked: bool = True) -> Expr:
        """The subject's side of `direction` lets the connection through: the tiers folded in order,
        then the default allow."""
        formulas = [self._tier(spec, direction, tracked) for spec in tiers]
        return fold_tiers(self.z3, [f for f in formulas if f is not None])

    def _tier(self, spec: TierSpec, direction: Direction, tracked: bool) -> TierFormula | None:
        """A tracked NetworkPolicy-like tier as one parsed text (smt_text: the same formulas, a
        fraction of the API calls); any other tier through smt_tiers."""
        if spec.isolating and tracked and not spec.final_if_selected:
            if self._texts is None:
                self._texts = TermTexts(self)
            return isolating_tier_text(self, self._texts, spec, direction)
        return tier_formula(self, self.literals, spec, direction, tracked, self.every_order)

    def allowed_by(self, tiers: Sequence[TierSpec], tracked: bool = True) -> Expr:
        """The connection is allowed: node traffic, or both the egress and the ingress side let it through."""
        z3 = self.z3
        node_traffic = z3.And(self.src.host, self.src.node != NO_NODE, self.src.node == self.dst.node)
        return z3.Or(node_traffic, z3.And(self._direction(tiers, Direction.EGRESS, tracked),
                                          self._direction(tiers, Direction.INGRESS, tracked)))

    # --- where a side's facts come from

    def ip_in(self, side: SideVars, addresses: IPSet) -> Expr:
        z3 = self.z3

        def ranges(var: Expr, ivs: Iterable[tuple[int, int]], bits: int) -> Expr:
            return z3.Or([var == z3.BitVecVal(lo, bits) if lo == hi
                          else z3.And(z3.ULE(z3.BitVecVal(lo, bits), var), z3.ULE(var, z3.BitVecVal(hi, bits)))
                          for lo, hi in ivs])

        return z3.Or(z3.And(side.v4, ranges(side.ip4, addresses.v4, 32)),
                     z3.And(z3.Not(side.v4), ranges(side.ip6, addresses.v6, 128)))

    def host_address(self, side: SideVars, pod_cidr: IPSet | None = None) -> Expr:
        """The side's IP reads as a host's: not the network address (nor, IPv4, the broadcast address) of a
        /24 (IPv6: a /64, its Subnet-Router anycast address), nor the first or last address of a range of
        `pod_cidr`. A wish for readable models, never a constraint: host-local IPAM (a node's podCIDR, /24
        and /64 by default) never hands out those addresses, but Calico's IPAM may hand out any address of
        its pools, so a pod that could exist may still take one."""
        z3 = self.z3
        v4 = [z3.Extract(7, 0, side.ip4) != 0, z3.Extract(7, 0, side.ip4) != 255]
        v6 = [z3.Extract(63, 0, side.ip6) != 0]
        empty: tuple[tuple[int, int], ...] = ()
        for facts, ip, bits, ivs in ((v4, side.ip4, 32, pod_cidr.v4 if pod_cidr else empty),
                                     (v6, side.ip6, 128, pod_cidr.v6 if pod_cidr else empty)):
            for lo, hi in list(ivs)[:EDGE_RANGES]:
                if hi - lo >= 3:  # a /30 or wider has a network (and broadcast) address; a /31 or /32 none
                    facts.append(ip != z3.BitVecVal(lo, bits))
                    if bits == 32:
                        facts.append(ip != z3.BitVecVal(hi, bits))
        return z3.If(side.v4, z3.And(v4), z3.And(v6))

    def _address_facts(self, side: SideVars) -> list[Expr]:
        """A synthesized pod or an outside address has one IP: inside a block iff that IP is."""
        facts = [side.has_ip] + [inb == self.ip_in(side, b) for inb, b in zip(side.inb, self.vocab.blocks, strict=True)]
        return facts + [inb == self.ip_in(side, b) for inb, b in zip(side.inall, self.vocab.whole_blocks, strict=True)]

    def _named_ports(self, side: SideVars) -> list[Expr]:
        z3 = self.z3
        return [var == z3.And(side.np[n][0], side.np[n][1] == PROTOCOLS.index(p), side.np[n][2] == self.port)
                for (n, p), var in side.named.items()]

    def symbolic(self, side: SideVars, pods: PodPattern) -> Expr:
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

    def external(self, side: SideVars, addresses: IPSet) -> Expr:
        z3 = self.z3
        facts = [side.ext, z3.Not(side.host), side.ns == -1, side.node == NO_NODE, self.ip_in(side, addresses)]
        facts += self._address_facts(side) + [z3.Not(var) for var in side.named.values()]
        return z3.And(facts)

    def class_domain(self, side: SideVars, texts: Mapping[int, str], classes: Sequence[int]) -> Expr:
        """"The side is one of these classes of loaded endpoints, with its facts", parsed from SMT-LIB
        text in one go (building hundreds of thousands of terms through the Python API is what would
        cost time here). `texts` holds each class's facts as written by SideNames.class_text."""
        names = SideNames(side, self.port)
        kind, cid, bits = side.cls.decl().name(), side.class_id.decl().name(), self.vocab.class_bits
        body = " ".join(f"(and (= |{cid}| (_ bv{c} {bits})) {texts[c]})" for c in classes)
        return self.z3.parse_smt2_string(f"(assert (and (= |{kind}| {LOADED}) (or false {body})))",
                                         decls={**names.decls, kind: side.cls, cid: side.class_id})[0]

    def block_table(self, side: SideVars, classes: Sequence[ClassSignature]) -> Expr:
        """"A loaded side is inside ipBlock i iff its class is one of those inside it", per block, as
        runs of class ids (the shorter of the classes inside and those outside).

        Written once per side rather than in every class's facts: at 100,000 pods a class's facts
        were mostly its membership of each of some hundred ipBlocks, nearly all false."""
        n, bits, cid = len(classes), self.vocab.class_bits, "c"
        inside: list[list[int]] = [[] for _ in self.vocab.blocks]
        by_blocks: dict[tuple[bool, ...], list[int]] = {}
        for c, sig in enumerate(classes):
            by_blocks.setdefault(sig.blocks, []).append(c)
        for blocks, members in by_blocks.items():
            for i, is_inside in enumerate(blocks):
                if is_inside:
                    inside[i].extend(members)

        def runs(ids: list[int]) -> str:
            parts, start = [], 0
            ids = sorted(ids)
            for k in range(1, len(ids) + 1):
                if k == len(ids) or ids[k] != ids[k - 1] + 1:
                    lo, hi = ids[start], ids[k - 1]
                    parts.append(f"(= {cid} (_ bv{lo} {bits}))" if lo == hi else
                                 f"(and (bvule (_ bv{lo} {bits}) {cid}) (bvule {cid} (_ bv{hi} {bits})))")
                    start = k
            return f"(or false {' '.join(parts)})"

        facts = []
        for i, ids in enumerate(inside):
            if len(ids) <= n // 2:
                facts.append(f"(= b{i} {runs(ids)})")
            else:
                wanted = set(ids)
                facts.append(f"(= b{i} (not {runs([c for c in range(n) if c not in wanted])}))")
        decls = {"k": side.cls, cid: side.class_id, **{f"b{i}": v for i, v in enumerate(side.inb)}}
        return self.z3.parse_smt2_string(f"(assert (=> (= k {LOADED}) (and true {' '.join(facts)})))",
                                         decls=decls)[0]

    def is_class(self, side: SideVars, c: int) -> Expr:
        """The side is the loaded class `c`."""
        return self.z3.And(side.cls == LOADED, side.class_id == c)


class SideNames:
    """SMT-LIB names of one side's variables, for writing class facts as text."""

    def __init__(self, side: SideVars, port: Expr) -> None:
        variables = [side.ext, side.host, side.has_ip, side.ns, side.node, port, *side.lab.values(), *side.inb,
                     *side.named.values(), *side.inall]
        self.decls = {v.decl().name(): v for v in variables}
        q = {id(v): f"|{v.decl().name()}|" for v in variables}
        self.ext, self.host, self.has_ip, self.ns, self.node, self.port = (
            q[id(side.ext)], q[id(side.host)], q[id(side.has_ip)], q[id(side.ns)], q[id(side.node)], q[id(port)])
        self.labels = [q[id(v)] for v in side.lab.values()]
        self.blocks = [q[id(v)] for v in side.inb]
        self.named = [q[id(v)] for v in side.named.values()]
        self.whole_blocks = [q[id(v)] for v in side.inall]

    def class_text(self, sig: ClassSignature) -> str:
        def bool_(name: str, value: bool) -> str:
            return name if value else f"(not {name})"

        def int_(name: str, value: int) -> str:
            return f"(= {name} {value})" if value >= 0 else f"(= {name} (- {-value}))"

        parts = [bool_(self.ext, False), bool_(self.host, sig.host_network), bool_(self.has_ip, sig.has_ip),
                 int_(self.ns, sig.namespace), int_(self.node, sig.node)]
        parts += [int_(name, code) for name, code in zip(self.labels, sig.labels, strict=True)]
        # The ipBlocks a class is inside: Encoder.block_table, once per side for every class.
        parts += [bool_(name, inside) for name, inside in zip(self.whole_blocks, sig.whole_blocks, strict=True)]
        # Only the destination has named-port variables: for the source, `self.named` is empty.
        for name, numbers in zip(self.named, sig.named, strict=False):
            matches_port = " ".join(f"(= {self.port} (_ bv{n} 16))" for n in numbers)
            parts.append(f"(= {name} (or false {matches_port}))")
        return f"(and {' '.join(parts)})"

