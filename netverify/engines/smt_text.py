"""The isolating tier (NetworkPolicy) of a tracked encoding, written as SMT-LIB text and parsed once.

Building 10,000 policies through z3's Python API is some 30 API calls per policy, each a few
microseconds of argument checking and reference counting: about 8 s at 100,000 pods. The same
formulas as text are one `parse_smt2_string` per tier and direction. This module writes, for
smt_tiers.isolating_tier's tracked case, exactly the formulas that function builds: per policy
"selects the subject" (defined at the base level, tracked in one direction), per allow rule
"admits the connection" (tracked), and the tier's `TierFormula`. The literals are the Python
objects smt_tiers hands out (`TierLiterals`), so cores, "without this rule" and the untracked
encodings (equiv, contains) see no difference. Terms are written as Encoder builds them with the
API (`selector`, `peer`, `ports`); `TermTexts` keeps one text per term.

Variables are named in the text by short aliases (`v12`) bound to the Python objects through
`parse_smt2_string`'s `decls`, so no label key, policy name or file name needs quoting.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from netverify.engines.smt_fold import TierFormula
from netverify.engines.smt_vocabulary import Expr, Vocabulary
from netverify.model import Direction, LabelSelector
from netverify.semantics.class_tiers import TierSpec
from netverify.semantics.compile import AddressTerm, PeerTerm, SelectorTerm
from netverify.semantics.ports import PortSelection
from netverify.semantics.selectors import matches
from netverify.semantics.verdict import Action
from netverify.sets import PROTOCOLS


def _int(value: int) -> str:
    return str(value) if value >= 0 else f"(- {-value})"


def _and(parts: Iterable[str]) -> str:
    items = list(parts)
    return items[0] if len(items) == 1 else f"(and true {' '.join(items)})"


def _or(parts: Iterable[str]) -> str:
    items = list(parts)
    return items[0] if len(items) == 1 else f"(or false {' '.join(items)})"


class TermTexts:
    """SMT-LIB text of the terms over the encoder's variables, one text per term."""

    def __init__(self, enc: Any) -> None:
        """`enc`: the smt_encode.Encoder whose variables the text names."""
        self.vocab: Vocabulary = enc.vocab
        self.decls: dict[str, Expr] = {}
        self._names: dict[int, str] = {}
        for var in (enc.proto, enc.port):
            self._declare(var)
        for side in (enc.src, enc.dst):
            for var in (side.ns, side.ext, side.host, side.has_ip, *side.lab.values(), *side.nslab.values(),
                        *side.inb, *side.inall, *side.named.values()):
                self._declare(var)
        self._cache: dict[tuple[object, ...], str] = {}
        self._literals = 0
        self._pending: list[str] = []

    def _declare(self, var: Expr) -> str:
        alias = f"v{len(self.decls)}"
        self.decls[alias] = var
        self._names[var.get_id()] = alias
        return alias

    def name(self, var: Expr) -> str:
        """The name of a variable or literal in the text."""
        return self._names[var.get_id()]

    def literal(self, kind: str) -> str:
        """A fresh Boolean literal's name (`selects!3`), declared in the next parsed text.

        The literal's Python object is `z3.Bool(name)`: a constant is its name and sort, so the text
        and the object are one literal, and `decls` stays the few hundred connection variables (z3
        checks every entry of `decls` on every parse)."""
        name = f"{kind}!{self._literals}"
        self._literals += 1
        self._pending.append(f"(declare-const {name} Bool)")
        return name

    def guard(self, var: Expr) -> str:
        """A tracking guard (`track:12`, made by the encoder) declared in the next parsed text."""
        name = f"|{var.decl().name()}|"  # `track:N`: nothing to escape
        self._pending.append(f"(declare-const {name} Bool)")
        return name

    def take_declarations(self) -> list[str]:
        pending, self._pending = self._pending, []
        return pending

    def remember(self, var: Expr, name: str) -> None:
        self._names[var.get_id()] = name

    def _cached(self, key: tuple[object, ...], build: Any) -> str:
        text = self._cache.get(key)
        if text is None:
            text = self._cache[key] = build()
        return text

    # --- terms, as Encoder builds them

    def _label_selector(self, sel: LabelSelector, lab: dict[str, Expr], values: dict[str, list[str]]) -> str:
        terms = [f"(= {self.name(lab[k])} {values[k].index(v)})" for k, v in sel.match_labels]
        for r in sel.match_expressions:
            var, codes = self.name(lab[r.key]), [values[r.key].index(v) for v in r.values]
            if r.operator == "In":
                terms.append(_or(f"(= {var} {c})" for c in codes))
            elif r.operator == "NotIn":
                terms.append(_and(f"(not (= {var} {c}))" for c in codes))
            elif r.operator == "Exists":
                terms.append(f"(not (= {var} (- 1)))")
            elif r.operator == "DoesNotExist":
                terms.append(f"(= {var} (- 1))")
            else:
                terms.append("false")
        return _and(terms) if terms else "true"

    def _ns_selector(self, side: Any, sel: LabelSelector) -> str:
        v, ns = self.vocab, self.name(side.ns)
        existing = [f"(= {ns} {i})" for i, labels in enumerate(v.ns_labels) if matches(sel, labels)]
        if v.hypothetical:
            existing.append(f"(and (= {ns} {v.fresh}) {self._label_selector(sel, side.nslab, v.ns_values)})")
        return _or(existing) if existing else "false"

    def selector(self, term: SelectorTerm, side: Any) -> str:
        return self._cached(("selector", side.prefix, term), lambda: self._selector_term(term, side))

    def _selector_term(self, term: SelectorTerm, side: Any) -> str:
        parts = [f"(not {self.name(side.ext)})", f"(not {self.name(side.host)})"]
        if term.namespace is not None:
            parts.append(f"(= {self.name(side.ns)} {self.vocab.ns_index[term.namespace]})")
        elif term.namespace_selector is not None:
            parts.append(self._cached(("ns", side.prefix, term.namespace_selector),
                                      lambda: self._ns_selector(side, term.namespace_selector)))
        if term.pod_selector is not None:
            pods = term.pod_selector
            parts.append(self._cached(("pod", side.prefix, pods),
                                      lambda: self._label_selector(pods, side.lab, self.vocab.pod_values)))
        return _and(parts)

    def peer(self, term: PeerTerm, side: Any) -> str:
        if term is None:
            return "false"
        if isinstance(term, SelectorTerm):
            return self.selector(term, side)
        return self._cached(("address", side.prefix, term), lambda: self._address_term(term, side))

    def _address_term(self, term: AddressTerm, side: Any) -> str:
        has_ip = self.name(side.has_ip)
        if term.every_ip:
            if not term.addresses:
                return "false"
            return f"(and {has_ip} {self.name(side.inall[self.vocab.whole_block_index[term.addresses]])})"
        who = "true" if term.pods else f"(or {self.name(side.ext)} {self.name(side.host)})"
        return f"(and {has_ip} {who} {self.name(side.inb[self.vocab.block_index[term.addresses]])})"

    def ports(self, enc: Any, selections: tuple[PortSelection, ...] | None) -> str:
        if selections is None:
            return "true"
        return self._cached(("ports", selections), lambda: _or([self._port_selection(enc, p) for p in selections])
                            if selections else "false")

    def _port_selection(self, enc: Any, p: PortSelection) -> str:
        if p.protocol is None:
            if p.name is None:
                return "true"
            return _or(self._port_term(enc, proto, 0, 0, p.name) for proto in PROTOCOLS)
        return self._port_term(enc, p.protocol, p.lo, p.hi, p.name)

    def _port_term(self, enc: Any, protocol: str, lo: int, hi: int, name: str | None) -> str:
        proto = f"(= {self.name(enc.proto)} {PROTOCOLS.index(protocol)})"
        port = self.name(enc.port)
        if name is not None:
            return f"(and {proto} {self.name(enc.dst.named[(name, protocol)])})"
        if (lo, hi) == (1, 65535):
            return proto
        if lo == hi:
            return f"(and {proto} (= {port} (_ bv{lo} 16)))"
        return f"(and {proto} (bvule (_ bv{lo} 16) {port}) (bvule {port} (_ bv{hi} 16)))"


def isolating_tier_text(enc: Any, texts: TermTexts, spec: TierSpec, direction: Direction) -> TierFormula | None:
    """smt_tiers.isolating_tier, tracked and without `final_if_selected`, as one parsed text.

    The definitions go to the encoder's base (`enc.base`), the tracked ones under fresh guards
    (`enc.track_text`); the literals are those of `enc.literals`, created here on first use."""
    z3, literals = enc.z3, enc.literals
    subject_side, peer_side = (enc.src, enc.dst) if direction is Direction.EGRESS else (enc.dst, enc.src)
    definitions: list[str] = []
    selected: list[str] = []
    admitted: list[str] = []
    for i, tp in enumerate(spec.policies):
        rules = tp.rules(direction)
        if rules is None:
            continue
        policy_id = tp.ref.id if tp.ref is not None else f"{spec.name}#{i}"
        key = (direction.value, policy_id)
        sel = literals.selects.get(key)
        if sel is None:
            sel_text = texts.literal("selects")
            sel = literals.selects[key] = z3.Bool(sel_text)
            texts.remember(sel, sel_text)
            subject = texts.selector(tp.subject, subject_side)
            guard = texts.guard(enc.track_text("policy", (tp.ref, direction)))
            definitions.append(f"(=> {sel_text} {subject}) (=> {guard} (=> {subject} {sel_text}))")
        sel_text = texts.name(sel)
        selected.append(sel_text)
        admits: list[str] = []
        for rule, action in rules:
            if action is not Action.ALLOW:  # an isolating tier's rules only allow
                continue
            literal = literals.admits.get(rule.ref)
            if literal is None:
                literal_text = texts.literal("admits")
                literal = literals.admits[rule.ref] = z3.Bool(literal_text)
                texts.remember(literal, literal_text)
                peers = _or(texts.peer(m.term, peer_side) for m in rule.peers) if rule.peers else "true"
                match = f"(and {peers} {texts.ports(enc, rule.port_selections)})"
                guard = texts.guard(enc.track_text("rule", rule.ref))
                definitions.append(f"(=> {guard} (= {literal_text} {match}))")
            admits.append(texts.name(literal))
        if admits:
            admitted.append(f"(and {sel_text} {_or(admits)})")
    if not selected:
        return None
    text = "".join((*texts.take_declarations(), f"(assert (and true {' '.join(definitions)}))",
                    f"(assert {_or(admitted) if admitted else 'false'})", f"(assert {_or(selected)})"))
    parsed = z3.parse_smt2_string(text, decls=texts.decls)
    enc.base.append(parsed[0])  # every definition as one conjunction: one Python object, not one per policy
    return TierFormula((parsed[1],), parsed[2])
