"""SMT engine: proves or refutes queries over the encoding of one inventory.

The only place that imports z3 (through smt_vocabulary.load_z3), and only when an engine is
built (commands that do not prove anything never load it). One solver holds the definitions
(smt_encode, every tier through smt_tiers); each query is pushed, checked and popped. A
refuted query's model is made readable (loaded endpoints preferred, few labels, private
addresses) and decoded into endpoints (`Found`, with the order of equal-priority policies it
used). The engine never evaluates: the query layer replays every decoded connection through
the evaluator (queries/replay.py), so a disagreement is caught outside the encoding it tests.

Budgets: `rlimit` (z3's resource units, deterministic: the same query runs out at the same point
on any machine and under any load; the commands' default, DEFAULT_RLIMIT) and `timeout_s` (wall
clock, when the user asks for it); running out of either is `Unknown`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from netverify.engines.smt_decode import synthesize
from netverify.engines.smt_encode import Encoder, SideNames, SideVars
from netverify.engines.smt_tiers import TieGroup
from netverify.engines.smt_types import (
    Found,
    OrderedRuleId,
    Proof,
    Proved,
    Query,
    Refuted,
    Side,
    SmtResult,
    Unknown,
)
from netverify.engines.smt_vocabulary import (
    EXTERNAL,
    LOADED,
    NO_NODE,
    SYMBOLIC,
    BlockMembership,
    ClassSignature,
    Expr,
    Vocabulary,
    load_z3,
)
from netverify.model import NAMESPACE_NAME_LABEL, Direction, Labels
from netverify.semantics.class_tiers import TierSpec
from netverify.semantics.compile import Observations, PolicyRef
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.ports import PortSelection
from netverify.semantics.verdict import RuleId, pair_of_members
from netverify.sets import PROTOCOLS, IPSet

DEFAULT_TIMEOUT_S = 30.0  # the wall-clock limit of engines whose caller gives no budget (lint's redundancy)
# The commands' default budget per query, in z3 resource units (queries/solver_options.ProveOptions): a
# verdict must not depend on the machine's load (a wall-clock limit gave `unknown` on a shared machine
# where another run decided). 100 million units are 20-60 s of one core's CPU on a 2020s x86 machine
# (2-5 million units per second of search), about the 30 s wall-clock limit it replaces, on a quiet one.
DEFAULT_RLIMIT = 100_000_000
MINIMIZE_CORE_LIMIT = 64  # literals: larger unsat cores are not minimised (see SmtEngine._core)
PREFERENCE_BUDGET_S = 2.0  # per query, to make a counterexample more readable (never changes a verdict)
PREFERENCE_RLIMIT = 5_000_000  # the same, in resource units, when the engine has no wall-clock limit


# --- the engine -----------------------------------------------------------------------------------


class SmtEngine:
    """Proves or refutes queries about one inventory; one solver, one push/pop per query."""

    def __init__(self, tiers: Sequence[TierSpec], endpoints: Sequence[Endpoint],
                 namespaces: Sequence[tuple[str, Labels]], queries: Sequence[Query] = (),
                 hypothetical_namespaces: bool = False, timeout_s: float | None = DEFAULT_TIMEOUT_S, *,
                 observations: Observations, preferred_pod_cidr: IPSet | None = None,
                 node_ips: IPSet | None = None, rlimit: int | None = None) -> None:
        """`tiers`: the inventory's tiers in evaluation order (semantics/class_tiers.specs_of).
        `observations`: what the policies observe of an endpoint (semantics/compile.observe, every
        kind merged): which labels, address sets and port names the encoding can see; a comparison
        encodes no tier of its own but must see both sets'. `preferred_pod_cidr`: where a readable
        model puts synthesized pods' IPs (a wish, never a constraint; default 10.0.0.0/8).
        `node_ips`: the loaded Nodes' addresses, which no pod that could exist takes. `rlimit`: z3's
        deterministic resource budget per check (None: none), beside the wall-clock `timeout_s` (None: none)."""
        self.z3 = load_z3()
        self.tiers = tuple(tiers)
        self.vocab = Vocabulary(observations, namespaces, endpoints, queries, hypothetical_namespaces)
        self.enc = Encoder(self.z3, self.vocab, self.tiers)
        self.class_of: dict[str, int] = {}
        self.classes: list[ClassSignature] = []
        index: dict[ClassSignature, int] = {}
        membership = BlockMembership(self.vocab.blocks)
        for ep in endpoints:
            key = ClassSignature.of(ep, self.vocab, membership.of(ep))
            if key not in index:
                index[key] = len(self.classes)
                self.classes.append(key)
            self.class_of[ep.id] = index[key]
        # Classes numbered in the order of their ipBlock memberships: the classes inside a block are
        # then a few runs of class ids (block_tables).
        order = sorted(range(len(self.classes)), key=lambda c: self.classes[c].blocks, reverse=True)
        renumber = {old: new for new, old in enumerate(order)}
        self.classes = [self.classes[c] for c in order]
        self.class_of = {ep_id: renumber[c] for ep_id, c in self.class_of.items()}
        self.pod_ips = IPSet.from_addresses(ip for ep in endpoints for ip in ep.ips)
        # Addresses a pod that could exist cannot take: loaded pods' (and hostNetwork pods' nodes') and Nodes'.
        self.taken_ips = self.pod_ips | node_ips if node_ips else self.pod_ips
        self.preferred_pod_cidr = preferred_pod_cidr or IPSet.from_cidr("10.0.0.0/8")
        self._class_facts: dict[str, dict[int, str]] = {}  # per side: class -> its facts as SMT-LIB text
        self._side_names: dict[str, SideNames] = {}
        self._domains: dict[tuple[str, tuple[int, ...]], Expr] = {}  # class domains defined at the base level
        self.solver = self.z3.Solver()
        self.solver.set("core.minimize", False)  # minimised on demand (`_core`)
        self.timeout_s = timeout_s
        self.rlimit = rlimit
        if timeout_s is not None:
            self.solver.set("timeout", max(1, int(timeout_s * 1000)))
        if rlimit is not None:
            self.solver.set("rlimit", rlimit)
        self.solver.add(*self.enc.base)
        self.solver.add(*(self.enc.block_table(side, self.classes) for side in (self.enc.src, self.enc.dst)))

    def solve_all(self, queries: Iterable[Query]) -> list[SmtResult]:
        return [self.solve(q) for q in queries]

    def solve(self, query: Query, prefer_loaded: bool = True) -> SmtResult:
        """`prefer_loaded`: look for loaded endpoints that refute the query too, for a readable
        counterexample (False when the caller knows none does: queries/loaded_search.py)."""
        src_members = self._members_by_class(query.src)
        dst_members = self._members_by_class(query.dst)
        domain = [self._side_domain(self.enc.src, query.src, src_members),
                  self._side_domain(self.enc.dst, query.dst, dst_members), self._ports(query.ports)]
        domain += self._self_exclusions(src_members, dst_members) + self._relation(query.relation)
        domain += self._distinct_endpoints(query.src, query.dst)
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
                src_members, dst_members = self._narrow(query, src_members, dst_members, [*domain, goal],
                                                        prefer_loaded)
                return self._model_result(query, src_members, dst_members)
            proof = self._proof(self._core())
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

    def _class_texts(self, vars_: SideVars, classes: Sequence[int]) -> dict[int, str]:
        """These classes' facts as SMT-LIB text, each written once per side on first use (a query
        about a few classes does not write the facts of every class)."""
        texts = self._class_facts.setdefault(vars_.prefix, {})
        missing = [c for c in classes if c not in texts]
        if missing:
            names = self._side_names.get(vars_.prefix)
            if names is None:
                names = self._side_names[vars_.prefix] = SideNames(vars_, self.enc.port)
            for c in missing:
                texts[c] = names.class_text(self.classes[c])
        return texts

    def _loaded_classes(self, vars_: SideVars, classes: list[int]) -> Expr:
        """"The side is one of these loaded classes", as a literal defined once at the solver's base level.

        A class domain can be a disjunction over every class of the inventory; asserted inside each
        query's scope, the solver would internalise it again for every query (most of the time of
        a `check` at 100,000 pods). Defined once under a literal, a query only asserts the literal."""
        key = (vars_.prefix, tuple(classes))
        literal = self._domains.get(key)
        if literal is None:
            domain = self.enc.class_domain(vars_, self._class_texts(vars_, classes), classes)
            if self.solver.num_scopes() > 0:  # not at the base level: the definition would be popped
                return domain
            literal = self._domains[key] = self.z3.Bool(f"domain:{len(self._domains)}")
            self.solver.add(self.z3.Implies(literal, domain))
        return literal

    def _side_domain(self, vars_: SideVars, side: Side, members: dict[int, list[Endpoint]]) -> Expr:
        z3 = self.z3
        alternatives = [self._loaded_classes(vars_, sorted(members))] if members else []
        if side.pods is not None:
            pod = [vars_.cls == SYMBOLIC, self.enc.symbolic(vars_, side.pods)]
            if self.taken_ips:  # a pod that could exist cannot take an address a loaded pod (or node) has
                pod.append(z3.Not(self.enc.ip_in(vars_, self.taken_ips)))
            alternatives.append(z3.And(pod))
        if side.addresses:
            outside = side.addresses - self.pod_ips  # an address a loaded pod has is that pod, not outside
            if outside:
                alternatives.append(z3.And(vars_.cls == EXTERNAL, self.enc.external(vars_, outside)))
        return z3.Or(alternatives)

    def _ports(self, ports: Sequence[PortSelection]) -> Expr:
        terms = [self.enc.port_term(t.protocol, t.lo, t.hi, t.name) for t in ports if t.protocol is not None]
        if not ports or len(terms) < len(ports):
            return self.z3.BoolVal(True)
        return self.z3.Or(terms)

    def _self_exclusions(self, src: dict[int, list[Endpoint]], dst: dict[int, list[Endpoint]]) -> list[Expr]:
        """A single pod talking to itself is not a network question: such pairs are left out."""
        z3 = self.z3
        out = []
        for c in set(src) & set(dst):
            if pair_of_members(src[c], dst[c]) is None:
                out.append(z3.Not(z3.And(self.enc.is_class(self.enc.src, c), self.enc.is_class(self.enc.dst, c))))
        return out

    def _distinct_endpoints(self, src: Side, dst: Side) -> list[Expr]:
        """What makes two sides a connection between two endpoints that can exist together.

        Two addresses outside the cluster are no connection NetworkPolicy speaks of. Two sides that
        are not loaded endpoints (pods that could exist, outside addresses) are two different
        endpoints, so they have two different addresses: a pod's IP is its own, and an address a
        pod has is not outside the cluster. (A loaded endpoint's IP is excluded in _side_domain.)

        Each constraint is written only when both sides can be what it speaks of: relating the two
        sides' addresses costs the solver seconds over a large inventory, and a side of loaded
        endpoints alone (every `scope: inventory` query) makes it hold anyway."""
        z3, s, d = self.z3, self.enc.src, self.enc.dst
        out = []
        if src.addresses and dst.addresses:
            out.append(z3.Not(z3.And(s.cls == EXTERNAL, d.cls == EXTERNAL)))
        if _unloaded(src) and _unloaded(dst):
            same_ip = z3.And(s.v4 == d.v4, z3.If(s.v4, s.ip4 == d.ip4, s.ip6 == d.ip6))
            out.append(z3.Implies(z3.And(s.cls < 0, d.cls < 0), z3.Not(same_ip)))
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

    def _core(self) -> list[Expr]:
        """The last check's unsat core, minimised (z3's core.minimize) when it names at most
        MINIMIZE_CORE_LIMIT literals. Minimising costs about one check per literal: for a small core
        that is cheap and worth it (a proof names only what it needs), for one of hundreds of rules
        and policies (an assertion over every pod of a large inventory) it cost several times the
        whole proof and removed nothing; such a core is reported as z3 found it."""
        s = self.solver
        core = list(s.unsat_core())
        if len(core) > MINIMIZE_CORE_LIMIT:
            return core
        s.set("core.minimize", True)
        try:
            return list(s.unsat_core())
        finally:
            s.set("core.minimize", False)

    def _proof(self, core: Iterable[Expr]) -> Proof:
        policies: list[tuple[PolicyRef, Direction]] = []
        rules: list[RuleId] = []
        ordered: list[OrderedRuleId] = []
        for lit in core:
            kind, what = self.enc.tracked[str(lit)]
            if kind == "policy":
                policies.append(what)  # type: ignore[arg-type]
            elif kind == "ordered-rule":
                ordered.append(what)  # type: ignore[arg-type]
            else:
                rules.append(what)  # type: ignore[arg-type]
        policies.sort(key=lambda pd: (pd[0].id, pd[1]))
        rules.sort(key=lambda r: (r.policy, r.direction, r.index))
        ordered.sort(key=lambda r: (r.tier_name, r.priority or 0, r.policy, r.direction, r.index))
        every_order = tuple(g.members for g in self.tie_groups)
        return Proof(tuple(policies), tuple(rules), tuple(ordered), every_order)

    @property
    def tie_groups(self) -> list[TieGroup]:
        """The groups of equal-priority policies of first-match tiers that the encoding orders freely."""
        return list(self.enc.literals.tie_groups.values())

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
        private = self.preferred_pod_cidr  # the pod CIDR (given or inferred), else 10.0.0.0/8
        # Outside addresses from the documentation ranges (RFC 5737, RFC 3849) read as examples.
        documentation = IPSet.from_cidr("203.0.113.0/24") | IPSet.from_cidr("2001:db8::/32")
        wishes: list[Expr] = [side.cls >= 0 for side in (enc.src, enc.dst)]
        wishes.append(enc.proto == PROTOCOLS.index("TCP"))  # the protocol most readers expect
        for side in (enc.src, enc.dst):
            synthesized = side.cls == SYMBOLIC
            wishes += [z3.Implies(synthesized, var == -1) for var in side.lab.values()]
            wishes += [z3.Implies(synthesized, z3.Not(present)) for present, _, _ in side.np.values()]
            wishes += [z3.Implies(synthesized, var == -1) for k, var in side.nslab.items() if k != NAMESPACE_NAME_LABEL]
            wishes += [z3.Implies(synthesized, side.node == NO_NODE),
                       z3.Implies(synthesized, enc.ip_in(side, private)), z3.Implies(side.cls == EXTERNAL, side.v4),
                       z3.Implies(side.cls == EXTERNAL, enc.ip_in(side, documentation)),
                       z3.Implies(synthesized, enc.host_address(side, private)),
                       z3.Implies(side.cls == EXTERNAL, enc.host_address(side))]
        return wishes

    def _readable_model(self) -> Any:
        """Greedily keep the wishes the query allows (dropping those in each conflict's core)."""
        s, z3 = self.solver, self.z3
        fallback = s.model()
        wishes = self._preferences()
        literals = [z3.Bool(f"wish:{i}") for i in range(len(wishes))]
        s.add(*(z3.Implies(lit, w) for lit, w in zip(literals, wishes, strict=True)))
        active = list(literals)
        for _ in range(8):  # any core will do here (the solver does not minimise them unless asked)
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
        return fallback

    def _narrow(self, query: Query, src_members: dict[int, list[Endpoint]], dst_members: dict[int, list[Endpoint]],
                full: list[Expr], prefer_loaded: bool = True
                ) -> tuple[dict[int, list[Endpoint]], dict[int, list[Endpoint]]]:
        """Re-pose a refuted query on what its model chose: the loaded class of each side, or only the
        synthesized pods and outside addresses of a side where no loaded class will do.

        The class domains are disjunctions over every class the query covers (tens of thousands at
        100,000 pods); looking for a readable model searches them once per wish. Narrowed, the wishes
        only pick ports, labels and addresses. Loaded endpoints are preferred (the first wish) before
        narrowing. Falls back to the full query (and its model) when the narrowed one is not decided
        sat, which it must be: the model found is one of its models."""
        s, z3, enc = self.solver, self.z3, self.enc
        model = s.model()
        chosen = (self._loaded_first(model) if prefer_loaded
                  else (self._class_in(model, enc.src), self._class_in(model, enc.dst)))
        narrowed: list[Expr] = []
        members: list[dict[int, list[Endpoint]]] = []
        sides: list[Side] = []
        for vars_, side, all_members, c in ((enc.src, query.src, src_members, chosen[0]),
                                            (enc.dst, query.dst, dst_members, chosen[1])):
            if c >= 0:
                narrowed.append(enc.class_domain(vars_, self._class_texts(vars_, [c]), [c]))
                members.append({c: all_members[c]})
                sides.append(Side(side.text, side.members))
            else:
                narrowed.append(self._side_domain(vars_, side, {}))
                members.append({})
                sides.append(Side(side.text, (), side.pods, side.addresses))
        while s.num_scopes() > 0:  # back to the policies alone: the full domains leave the solver
            s.pop()
        s.push()
        s.add(*narrowed, self._ports(query.ports), *self._self_exclusions(members[0], members[1]),
              *self._relation(query.relation), *self._distinct_endpoints(sides[0], sides[1]), full[-1])
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
        take a minute; PREFERENCE_RLIMIT units when the engine has no wall-clock limit), and when it
        runs out the synthesized endpoint stays."""
        s, enc = self.solver, self.enc
        chosen = (self._class_in(model, enc.src), self._class_in(model, enc.dst))
        wanted = [v.cls >= 0 for v, c in zip((enc.src, enc.dst), chosen, strict=True) if c < 0]
        if not wanted:
            return chosen[0], chosen[1]
        both = [v.cls >= 0 for v in (enc.src, enc.dst)]  # a side already loaded stays loaded
        attempts = [both] if len(wanted) == 1 else [both, both[:1], both[1:]]
        if self.timeout_s is None:  # the resource budget alone: the preference is as deterministic as the verdict
            s.set("rlimit", PREFERENCE_RLIMIT if self.rlimit is None else min(self.rlimit, PREFERENCE_RLIMIT))
            try:
                for attempt in attempts:
                    found = self._loaded_attempt(attempt)
                    if found is not None:
                        return found
            finally:
                s.set("rlimit", self.rlimit or 0)  # 0: no limit
            return chosen[0], chosen[1]
        deadline = time.monotonic() + min(self.timeout_s, PREFERENCE_BUDGET_S)
        try:
            for attempt in attempts:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                s.set("timeout", max(1, int(left * 1000)))
                found = self._loaded_attempt(attempt)
                if found is not None:
                    return found
        finally:
            s.set("timeout", max(1, int(self.timeout_s * 1000)))
        return chosen[0], chosen[1]

    def _loaded_attempt(self, attempt: list[Expr]) -> tuple[int, int] | None:
        """The classes of a model of the current query with `attempt` added, or None (unsat, out of budget)."""
        s, enc = self.solver, self.enc
        s.push()
        try:
            s.add(*attempt)
            if s.check(*enc.guards) == self.z3.sat:
                model = s.model()
                return self._class_in(model, enc.src), self._class_in(model, enc.dst)
            return None
        finally:
            s.pop()

    def _model_result(self, query: Query, src_members: dict[int, list[Endpoint]],
                      dst_members: dict[int, list[Endpoint]]) -> SmtResult:
        """The decoded connection, for the query layer to replay (queries/replay.py)."""
        model = self._readable_model()
        dst_ns = "new-namespace" if query.relation == "same-namespace" else "new-namespace-2"
        found = self.found(model, src_members, dst_members, dst_ns)
        if query.expect == "reachable":
            return Proved(query, found=found)
        return Refuted(query, found=found)

    def found(self, model: Any, src_members: dict[int, list[Endpoint]], dst_members: dict[int, list[Endpoint]],
              dst_namespace: str = "new-namespace-2") -> Found:
        """The connection a model describes, with the order of equal-priority policies it used.
        Two new namespaces whose names no selector mentions get two names (`dst_namespace`), unless
        the query puts both ends in one namespace."""
        src, dst, proto, port, s_cls, d_cls = self._decode(model, src_members, dst_members, dst_namespace)
        groups = self.tie_groups
        positions = [[model.eval(v, model_completion=True).as_long() for v in g.order] for g in groups]
        by_policy = {pid: at for g, p in zip(groups, positions, strict=True) for pid, at in zip(g.policies, p,
                                                                                                strict=True)}
        return Found(src, dst, proto, port, s_cls == SYMBOLIC, d_cls == SYMBOLIC, tuple(sorted(by_policy.items())),
                     tuple(dict.fromkeys(g.describe(p) for g, p in zip(groups, positions, strict=True))))

    @staticmethod
    def _class_in(model: Any, side: SideVars) -> int:
        """The loaded class a model puts a side in (>= 0), or its kind (SYMBOLIC, EXTERNAL)."""
        kind = model.eval(side.cls, model_completion=True).as_long()
        if kind != LOADED:
            return int(kind)
        return int(model.eval(side.class_id, model_completion=True).as_long())

    def _decode(self, model: Any, src_members: dict[int, list[Endpoint]], dst_members: dict[int, list[Endpoint]],
                dst_namespace: str = "new-namespace-2") -> tuple[Endpoint, Endpoint, str, int, int, int]:
        """The connection a model describes: (src, dst, protocol, port, src class, dst class)."""
        def value(expr: Expr) -> Any:
            return model.eval(expr, model_completion=True)

        proto = PROTOCOLS[value(self.enc.proto).as_long()]
        port = value(self.enc.port).as_long()
        s_cls, d_cls = self._class_in(model, self.enc.src), self._class_in(model, self.enc.dst)
        if s_cls >= 0 and s_cls == d_cls:
            pair = pair_of_members(src_members[s_cls], dst_members[d_cls])
            assert pair is not None  # excluded by the query's constraints otherwise
            src, dst = pair
        else:
            src = (src_members[s_cls][0] if s_cls >= 0
                   else synthesize(self.z3, self.vocab, value, self.enc.src, s_cls, "src"))
            dst = (dst_members[d_cls][0] if d_cls >= 0
                   else synthesize(self.z3, self.vocab, value, self.enc.dst, d_cls, "dst",
                                                  dst_namespace))
        return src, dst, proto, port, s_cls, d_cls


def _unloaded(side: Side) -> bool:
    """The side may stand for something other than a loaded endpoint (a pod that could exist, an outside address)."""
    return side.pods is not None or bool(side.addresses)
