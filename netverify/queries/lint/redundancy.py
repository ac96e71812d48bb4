"""NV6xx: rules and policies whose removal changes no allowed connection, and allow-all shadowing.

NV601  a rule is redundant: removing it changes no allowed connection (the union of the other
       rules of the same direction for the same selected pods covers it, or the peers' other
       direction denies the rest)
NV602  a whole policy is redundant: removing it (its isolation included) changes nothing
NV603  a policy's rules are shadowed by an allow-all rule (lint/shadowing.py, asked first)

Scopes. `inventory`: the loaded endpoints and every address outside the cluster (one
representative per ipBlock atom, as for `equiv`), decided on the graph engine's classes.
Removing a rule or policy of direction d can only change direction d of the classes that
policy selects, so each candidate recomputes only those classes' partitions for d (grouped by
their selecting policies) and looks the other direction up in partitions computed once.
`any`: proved with the SMT engine for any pod that could exist (one query per candidate).

Not reported in inventory scope, to keep findings true and not duplicated: policies that
select no loaded pod and rules whose peers or named ports match nothing (NV101, NV102, NV201
say so), and policies with no rules (a default-deny is kept for pods that do not exist yet;
`--scope any` reports one when another policy isolates every pod it could select).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import ReachabilityGraph, named_ports_key
from netverify.engines.partitions import Cells, Partition, cells, union_partition
from netverify.errors import UndecidedError
from netverify.model import Direction, Severity, SourceRef
from netverify.queries.context import Analysis
from netverify.queries.lint.findings import Finding
from netverify.queries.lint.shadowing import (
    DIRECTIONS,
    Selection,
    drops_isolation,
    policy_object,
    rule_text,
    see,
    shadow_findings,
)
from netverify.semantics.compile import CompiledPolicy, CompiledRule, ip_blocks
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.verdict import is_node_traffic, pair_of_members
from netverify.sets import ConnectionSet

# --- inventory scope: the graph's classes, one direction of a few classes per candidate --------


@dataclass(frozen=True)
class _Change:
    """A connection (class pair) that removing the candidate would change."""

    src: int
    dst: int
    delta: ConnectionSet



class _Directions:
    """Per class and direction, the partition of peer classes its policies admit (None: not isolated)."""

    def __init__(self, analysis: Analysis) -> None:
        pods = analysis.endpoints
        from netverify.queries.equivalence import external_representatives

        endpoints: list[Endpoint] = pods + external_representatives(ip_blocks(analysis.policies), pods)
        signature = {e.id: analysis.ip_signature(e) for e in endpoints}
        self.g = ReachabilityGraph(endpoints, analysis.policies, signature, analysis.label_keys)
        self.policies = analysis.policies
        g = self.g
        self.everyone = (1 << len(g.reps)) - 1
        self.selecting = {d: g.selecting(d) for d in DIRECTIONS}
        # Subject classes grouped by what their partition depends on: selecting policies (and named ports).
        self.groups: dict[str, dict[tuple[object, ...], int]] = {}
        self.open: dict[Direction, int] = {}
        for d in DIRECTIONS:
            by_key: dict[tuple[object, ...], int] = {}
            open_mask = 0
            for c, key in enumerate(self.selecting[d]):
                if not key:
                    open_mask |= 1 << c
                    continue
                gkey = (key, named_ports_key(g.reps[c]) if d == "ingress" else ())
                by_key[gkey] = by_key.get(gkey, 0) | 1 << c
            self.groups[d], self.open[d] = by_key, open_mask
        self._parts: dict[tuple[object, ...], Partition] = {}
        self._cells: dict[tuple[str, tuple[object, ...]], Cells] = {}
        self._group_of: dict[str, dict[int, tuple[object, ...]]] = {}

    def part(self, d: Direction, rules: Sequence[CompiledRule], rep: Endpoint, cache_key: tuple[object, ...],
             within: int | None = None) -> Partition:
        """The peer classes `rules` admit for a subject like `rep`, each with what (only the peer
        classes in `within`, when given)."""
        found = self._parts.get(cache_key)
        if found is not None:
            return found
        g = self.g
        out = union_partition(g.rule_parts(d, rules, rep, within), g.conns)
        self._parts[cache_key] = out
        return out

    def key_rules(self, d: Direction, key: tuple[int, ...]) -> list[CompiledRule]:
        return [r for i in key for r in self.policies[i].rules(d)]

    def cells(self, part: Partition | None, within: int | None = None) -> Cells:
        """A partition as (mask, conns) covering every class, or those in `within` (the uncovered
        ones with nothing)."""
        universe = self.everyone if within is None else within
        if part is None:
            return [(universe, ConnectionSet.all())]
        return cells(part, self.g.conns, universe)

    def current(self, d: Direction, gkey: tuple[object, ...]) -> Partition:
        key = gkey[0]
        assert isinstance(key, tuple)
        rep = self.rep(d, gkey)
        return self.part(d, self.key_rules(d, key), rep, ("all", d, gkey))

    def _current_cells(self, d: Direction, gkey: tuple[object, ...]) -> Cells:
        found = self._cells.get((d, gkey))
        if found is None:
            found = self._cells[(d, gkey)] = self.cells(self.current(d, gkey))
        return found

    def rep(self, d: Direction, gkey: tuple[object, ...]) -> Endpoint:
        mask = self.groups[d][gkey]
        return self.g.reps[(mask & -mask).bit_length() - 1]  # the lowest class, without listing them all

    # --- the other direction, looked up per peer class

    def witness(self, d: Direction, subjects: int, peers: int, delta: ConnectionSet) -> tuple[int, int] | None:
        """Some (subject, peer) class pair, subject in `subjects` and peer in `peers`, whose other
        direction lets some of `delta` through (so a change of direction d is visible), or None.

        Walks the other direction's groups once, each with its cells over the subject side, rather
        than once per subject: at 100,000 pods a group of subjects has thousands of classes."""
        od = d.opposite
        found = self._first_real(d, subjects, self.open[od] & peers)
        if found is not None:
            return found
        for gkey, group in self._groups_meeting(od, peers):
            m = group & peers
            if not m:
                continue
            for cell, conns in self._current_cells(od, gkey):
                s = cell & subjects
                if s and conns & delta:
                    found = self._first_real(d, s, m)
                    if found is not None:
                        return found
        return None

    def _groups_meeting(self, od: Direction, peers: int) -> list[tuple[tuple[object, ...], int]]:
        """The groups of direction od with a class in `peers`: looked up per class when the peers are
        fewer than the groups (the usual case: a rule's peers), else every group."""
        groups = self.groups[od]
        if peers.bit_count() >= len(groups):
            return list(groups.items())
        group_of = self._group_of.get(od)
        if group_of is None:
            group_of = self._group_of[od] = {}
            for gkey, mask in groups.items():
                for c in bit_list(mask):
                    group_of[c] = gkey
        keys = dict.fromkeys(group_of[c] for c in bit_list(peers) if c in group_of)
        return [(k, groups[k]) for k in keys]

    def _first_real(self, d: Direction, subjects: int, peers: int) -> tuple[int, int] | None:
        if not subjects or not peers:
            return None
        peer_list = bit_list(peers)
        for b in bit_list(subjects):
            for a in peer_list:
                if self._real_pair(d, b, a):
                    return b, a
        return None

    def _real_pair(self, d: Direction, subject: int, peer: int) -> bool:
        g = self.g
        src, dst = (peer, subject) if d == "ingress" else (subject, peer)
        s, t = g.reps[src], g.reps[dst]
        if any(is_node_traffic(s, m) for m in g.members[dst]):
            return False  # node traffic: always allowed, whatever the policies say
        if src == dst:
            return pair_of_members(g.members[src], g.members[dst]) is not None
        return not t.external or not s.external


class _InventoryRedundancy:
    def __init__(self, analysis: Analysis, dirs: _Directions) -> None:
        self.analysis = analysis
        self.dirs = dirs
        self.index = {id(cp): i for i, cp in enumerate(analysis.policies)}
        # Per direction and policy: the subject groups it takes part in, and the classes it selects.
        self._groups: dict[str, dict[int, list[tuple[tuple[object, ...], tuple[int, ...]]]]] = {}
        self._masks: dict[str, dict[int, int]] = {}
        for d in DIRECTIONS:
            groups: dict[int, list[tuple[tuple[object, ...], tuple[int, ...]]]] = {}
            masks: dict[int, int] = {}
            for gkey, mask in dirs.groups[d].items():
                key = gkey[0]
                assert isinstance(key, tuple)
                for i in key:
                    groups.setdefault(i, []).append((gkey, key))
                    masks[i] = masks.get(i, 0) | mask
            self._groups[d], self._masks[d] = groups, masks

    def _subject_groups(self, d: Direction, i: int) -> list[tuple[tuple[object, ...], tuple[int, ...]]]:
        return self._groups[d].get(i, [])

    def change(self, d: Direction, i: int, drop: CompiledRule | None) -> _Change | None:
        """What removing rule `drop` (or, when None, policy i's part in direction d) changes first."""
        dirs = self.dirs
        removed = self.dirs.policies[i].rules(d) if drop is None else (drop,)
        # Only peers some removed rule admits can see a change (while the subjects stay isolated):
        # both partitions are compared on those peers alone.
        within = 0
        for rule in removed:
            within |= dirs.g.peer_mask(rule)
        for gkey, key in self._subject_groups(d, i):
            rep = dirs.rep(d, gkey)
            old = dirs.current(d, gkey)
            subjects = dirs.groups[d][gkey]
            if drop is None:
                rest = tuple(k for k in key if k != i)
                if not rest:  # no longer isolated: every peer may change
                    found = self._compare(d, subjects, old, None)
                else:
                    new = dirs.part(d, dirs.key_rules(d, rest), rep, ("without", d, gkey, i), within)
                    found = self._compare(d, subjects, _restrict(old, within), new, within)
            else:
                rules = [r for r in dirs.key_rules(d, key) if r is not drop]
                new = dirs.part(d, rules, rep, ("drop", d, gkey, id(drop)), within)
                found = self._compare(d, subjects, _restrict(old, within), new, within)
            if found is not None:
                return found
        return None

    def _compare(self, d: Direction, subjects: int, old: Partition, new: Partition | None,
                 within: int | None = None) -> _Change | None:
        dirs = self.dirs
        new_cells = dirs.cells(new, within)
        same = {cn: mn for mn, cn in new_cells}
        for mo, co in dirs.cells(old, within):
            if same.get(co, 0) & mo == mo:
                continue  # every peer of this cell keeps what it had
            for mn, cn in new_cells:
                peers = mo & mn
                if not peers or co == cn:
                    continue
                delta = (co - cn) | (cn - co)
                found = dirs.witness(d, subjects, peers, delta)
                if found is not None:
                    b, a = found
                    src, dst = (a, b) if d == "ingress" else (b, a)
                    return _Change(src, dst, delta)
        return None

    def covering_rules(self, d: Direction, i: int, drop: CompiledRule) -> list[CompiledRule]:
        """Other rules of direction d, for the same subjects, that admit some of what `drop` admits."""
        dirs = self.dirs
        g = dirs.g
        out: dict[int, CompiledRule] = {}
        mine = g.peer_mask(drop)
        for gkey, key in self._subject_groups(d, i):
            rep = dirs.rep(d, gkey)
            for rule in dirs.key_rules(d, key):
                if rule is drop or id(rule) in out:
                    continue
                if g.peer_mask(rule) & mine and _ports_meet(rule, drop, rep, d):
                    out[id(rule)] = rule
        return list(out.values())

    def matters(self, cp: CompiledPolicy, rule: CompiledRule) -> bool:
        """Whether the rule can admit anything in the inventory (otherwise NV102/NV201 report it)."""
        g = self.dirs.g
        peers = g.peer_mask(rule)
        d = rule.ref.direction
        targets = bit_list(self.subjects(cp, d)) if d == "ingress" else bit_list(peers)
        return bool(peers) and any(rule.ports_for(g.reps[c]) for c in targets)

    def subjects(self, cp: CompiledPolicy, d: Direction) -> int:
        return self._masks[d].get(self.index[id(cp)], 0)


def _restrict(part: Partition, within: int) -> Partition:
    return {c: m & within for c, m in part.items() if m & within}


def _ports_meet(a: CompiledRule, b: CompiledRule, rep: Endpoint, d: Direction) -> bool:
    if d == "egress":
        return True  # named ports resolve per destination; peers overlapping is enough to name it
    return bool(a.ports_for(rep) & b.ports_for(rep))


def _inventory_findings(analysis: Analysis, dirs: _Directions, shadowed: set[tuple[str, str]]) -> list[Finding]:
    inv = _InventoryRedundancy(analysis, dirs)
    findings: list[Finding] = []
    same_namespace: dict[str, list[CompiledPolicy]] = {}
    for cp in analysis.policies:
        same_namespace.setdefault(cp.policy.namespace, []).append(cp)
    for i, cp in enumerate(analysis.policies):
        directions = _candidate_directions(cp, shadowed)
        if not directions or not any(inv.subjects(cp, d) for d in directions):
            continue  # all shadowed (NV603), or selects no loaded pod (NV101)
        has_rules = any(cp.rules(d) for d in directions)
        if has_rules and all(inv.change(d, i, None) is None for d in directions):
            others = [o for o in same_namespace[cp.policy.namespace] if o is not cp and any(
                inv.subjects(o, d) & inv.subjects(cp, d) for d in directions)]
            findings.append(_policy_finding(cp, "the loaded endpoints", others, [o.ref.source for o in others]))
            continue
        for d, rule in _candidate_rules(cp, directions, shadowed):
            if not inv.matters(cp, rule):
                continue
            drop_policy = drops_isolation(cp, rule)
            if inv.change(d, i, None if drop_policy else rule) is None:
                cover = inv.covering_rules(d, i, rule)
                findings.append(_rule_finding(cp, rule, cover, "the loaded endpoints"))
    return findings


def _candidate_directions(cp: CompiledPolicy, shadowed: set[tuple[str, str]]) -> list[Direction]:
    """The directions a policy affects, or none when NV603 already reports all of them."""
    directions = [d for d in DIRECTIONS if cp.affects(d)]
    return [] if all((cp.policy.id, d) in shadowed for d in directions) else directions


def _candidate_rules(cp: CompiledPolicy, directions: list[Direction], shadowed: set[tuple[str, str]]
                     ) -> Iterator[tuple[Direction, CompiledRule]]:
    """The rules to test one by one: those of the directions NV603 does not already report."""
    for d in directions:
        if (cp.policy.id, d) not in shadowed:
            for rule in cp.rules(d):
                yield d, rule


def _rule_finding(cp: CompiledPolicy, rule: CompiledRule, cover: Sequence[CompiledRule], scope: str,
                  other: Sequence[CompiledRule] = ()) -> Finding:
    """`cover`: rules of the same direction that admit what it admits; `other`: rules of the other
    direction whose limits deny the rest (from a proof)."""
    denied = "what it admits is denied by the peers' policies in the other direction"
    if other:
        denied += " (see " + ", ".join(f"{rule_text(r)} ({r.ref.source})" for r in other) + ")"
    if cover:
        why = "covered by " + ", ".join(f"{rule_text(r)} ({r.ref.source})" for r in cover)
        if other:
            why += "; " + denied.replace("what it admits", "the rest")
    else:
        why = denied
    return Finding(rule.ref.source, "NV601", Severity.INFO,
                   f"rule {rule_text(rule)} is redundant: removing it changes no allowed connection of {scope}; "
                   f"{why}{see('NV601')}", policy_object(cp), tuple(r.ref.source for r in (*cover, *other)))


def _policy_finding(cp: CompiledPolicy, scope: str, others: Sequence[CompiledPolicy],
                    related: Sequence[SourceRef]) -> Finding:
    head = f"policy {cp.policy.id} is redundant: removing it changes no allowed connection of {scope}"
    if not others:
        # Nothing else selects its pods: it isolates them and then admits everything (an allow-all
        # policy). Often written on purpose to document intent, so only an info.
        return Finding(cp.ref.source, "NV602", Severity.INFO,
                       f"{head} (it isolates its pods and then admits everything they could send or receive; "
                       f"without it they are simply not isolated){see('NV602')}", policy_object(cp), ())
    names = ", ".join(o.policy.id for o in others)
    admits = any(cp.rules(d) for d in DIRECTIONS if cp.affects(d))
    what = "its pods stay isolated and what it admits stays admitted" if admits else "its pods stay isolated"
    return Finding(cp.ref.source, "NV602", Severity.WARNING, f"{head} ({what}: {names}){see('NV602')}",
                   policy_object(cp), tuple(related))


# --- any scope: the SMT engine --------------------------------------------------------------------


def _any_findings(analysis: Analysis, shadowed: set[tuple[str, str]], timeout_s: float) -> list[Finding]:
    from netverify.engines.smt_compare import RedundancyProver  # loads z3: only for --scope any
    from netverify.engines.smt_types import PodPattern, Side
    from netverify.queries.equivalence import EVERY_ADDRESS

    pods = tuple(analysis.endpoints)
    side = Side("any", pods, PodPattern(), EVERY_ADDRESS)
    namespaces = [(ns.name, ns.labels) for ns in analysis.cluster.namespaces]
    prover = RedundancyProver(analysis.policies, pods, namespaces, (), False, timeout_s)
    findings: list[Finding] = []
    for cp in analysis.policies:
        directions = _candidate_directions(cp, shadowed)
        if not directions:
            continue
        whole = prover.changes(prover.without(selects=[(d, cp.policy.id) for d in directions]), side, side)
        _unknown(whole.status, cp.policy.id, whole.reason)
        if whole.status == "holds":
            proof = whole.proof
            ids = {p.id for p, _ in proof.policies} | {r.policy for r in proof.rules} if proof else set()
            others = [o for o in analysis.policies if o is not cp and o.policy.id in ids]
            findings.append(_policy_finding(cp, "any pod", others, [o.ref.source for o in others]))
            continue
        for d, rule in _candidate_rules(cp, directions, shadowed):
            reduced = (prover.without(selects=[(d, cp.policy.id)]) if drops_isolation(cp, rule)
                       else prover.without(rules=[rule.ref]))
            outcome = prover.changes(reduced, side, side)
            _unknown(outcome.status, str(rule.ref), outcome.reason)
            if outcome.status == "holds":
                core = [r for r in _rules_of(analysis, outcome.proof.rules if outcome.proof else ())
                        if r is not rule]
                cover = [r for r in core if r.ref.direction == d]
                other = [r for r in core if r.ref.direction != d]
                findings.append(_rule_finding(cp, rule, cover, "any pod", other))
    return findings


def _rules_of(analysis: Analysis, refs: Sequence[object]) -> list[CompiledRule]:
    wanted = set(refs)
    return [r for cp in analysis.policies for d in DIRECTIONS for r in cp.rules(d) if r.ref in wanted]


class RedundancyUnknown(UndecidedError):
    """The solver could not decide whether a rule or policy is redundant (never read as redundant)."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"the solver could not decide whether {what} is redundant ({reason or 'unknown'})")
        self.what = what
        self.reason = reason


def _unknown(status: str, what: str, reason: str) -> None:
    if status == "unknown":
        raise RedundancyUnknown(what, reason)


# --- entry point ----------------------------------------------------------------------------------


def redundancy_findings(analysis: Analysis, scope: str = "inventory", timeout_s: float = 30.0) -> list[Finding]:
    """NV601 redundant rules, NV602 redundant policies, NV603 rules shadowed by an allow-all.

    scope "inventory" (loaded endpoints and every outside address; graph engine) or "any" (any pod
    that could exist; SMT engine). Raises RedundancyUnknown when the solver cannot decide.
    """
    if not analysis.policies:
        return []
    dirs = _Directions(analysis) if scope == "inventory" else None
    shadow, shadowed = shadow_findings(analysis, Selection(analysis, scope, dirs.g if dirs else None))
    if dirs is None:
        rest = _any_findings(analysis, shadowed, timeout_s)
    else:
        rest = _inventory_findings(analysis, dirs, shadowed)
    return sorted(shadow + rest)
