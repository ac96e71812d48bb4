"""NV6xx: rules and policies whose removal changes no allowed connection, and allow-all shadowing.

NV601  a rule is redundant: removing it changes no allowed connection (the union of the other
       rules of the same direction for the same selected pods covers it, or the peers' other
       direction denies the rest)
NV602  a whole policy is redundant: removing it (its isolation included) changes nothing
NV603  a policy's rules are shadowed by an allow-all rule (lint/shadowing.py, asked first)

Scopes. `inventory`: the loaded endpoints and every address outside the cluster (one
representative per atom of the ipBlocks and admin address sets, as for `equiv`), decided on the
graph engine's classes with every tier folded (Admin -> NetworkPolicy -> Baseline;
redundancy_classes.py): removing a NetworkPolicy rule or policy is redundant when no connection
the tiers allow changes.
Removing a rule or policy of direction d can only change direction d of the classes that
policy selects, so each candidate recomputes only those classes' partitions for d (grouped by
their selecting policies) and looks the other direction up in partitions computed once.
`any`: proved with the SMT engine for any pod that could exist, every tier folded as check folds
them and equal admin priorities in every order (one query per candidate).

Not reported in inventory scope, to keep findings true and not duplicated: policies that
select no loaded pod and rules whose peers or named ports match nothing (NV101, NV102, NV201
say so), and policies with no rules (a default-deny is kept for pods that do not exist yet;
`--scope any` reports one when another policy isolates every pod it could select).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from netverify.engines.bitsets import bit_list
from netverify.engines.partitions import Partition
from netverify.engines.smt_types import Proof
from netverify.errors import UndecidedError
from netverify.model import Direction, Severity, SourceRef
from netverify.queries.context import Analysis
from netverify.queries.lint.context import names
from netverify.queries.lint.findings import Finding
from netverify.queries.lint.redundancy_classes import Change, GroupKey, TieredDirections
from netverify.queries.lint.shadowing import (
    DIRECTIONS,
    Selection,
    drops_isolation,
    policy_object,
    rule_text,
    see,
    shadow_findings,
)
from netverify.semantics.class_tiers import specs_of
from netverify.semantics.compile import CompiledPolicy, CompiledRule
from netverify.semantics.endpoints import Endpoint

# --- inventory scope: the graph's classes, one direction of a few classes per candidate --------


class _InventoryRedundancy:
    def __init__(self, analysis: Analysis, dirs: TieredDirections) -> None:
        self.analysis = analysis
        self.dirs = dirs
        self.index = {id(cp): i for i, cp in enumerate(analysis.policies)}
        # Per direction and NetworkPolicy: the subject groups it takes part in, and the classes it selects.
        self._groups: dict[Direction, dict[int, list[GroupKey]]] = {}
        self._masks: dict[Direction, dict[int, int]] = {}
        for d in DIRECTIONS:
            groups: dict[int, list[GroupKey]] = {}
            masks: dict[int, int] = {}
            for gkey, mask in dirs.groups[d].items():
                for i in dirs.np_policies(gkey):
                    groups.setdefault(i, []).append(gkey)
                    masks[i] = masks.get(i, 0) | mask
            self._groups[d], self._masks[d] = groups, masks

    def _subject_groups(self, d: Direction, i: int) -> list[GroupKey]:
        return self._groups[d].get(i, [])

    def change(self, d: Direction, i: int, drop: CompiledRule | None) -> Change | None:
        """What removing rule `drop` (or, when None, policy i's part in direction d) changes first."""
        dirs = self.dirs
        removed = self.dirs.policies[i].rules(d) if drop is None else (drop,)
        # Only peers some removed rule admits can see a change (while the subjects stay isolated):
        # both partitions are compared on those peers alone.
        within = 0
        for rule in removed:
            within |= dirs.g.peer_mask(rule)
        for gkey in self._subject_groups(d, i):
            key = dirs.np_policies(gkey)
            old = dirs.current(d, gkey)
            subjects = dirs.groups[d][gkey]
            if drop is None:
                rest = tuple(k for k in key if k != i)
                if not rest:  # no longer isolated: every peer may change
                    found = None
                    for part, other in self._unisolated(d, i, subjects):
                        new = dirs.fold(d, gkey, dirs.np_entry(d, (), other), ("without", d, gkey, i, other))
                        found = found or self._compare(d, part, old, new)
                else:
                    new = dirs.fold(d, gkey, dirs.key_rules(d, rest), ("without", d, gkey, i), within)
                    found = self._compare(d, subjects, _restrict(old, within, dirs), new, within)
            else:
                rules = [r for r in dirs.key_rules(d, key) if r is not drop]
                new = dirs.fold(d, gkey, rules, ("drop", d, gkey, id(drop)), within)
                found = self._compare(d, subjects, _restrict(old, within, dirs), new, within)
            if found is not None:
                return found
        return None

    def change_elsewhere(self, i: int, directions: Sequence[Direction]) -> Change | None:
        """--np-selection any: removing policy i also changes the directions it has no say in, for the
        pods only it selects (the NetworkPolicy tier no longer decides those: it passes)."""
        dirs = self.dirs
        if not dirs.any_direction:
            return None
        for e in DIRECTIONS:
            if e in directions:
                continue
            mine = sum(self._masks[d].get(i, 0) for d in directions if d != e)
            selecting = dirs.selecting[e.opposite]
            for gkey, group in dirs.groups[e].items():
                if dirs.np_policies(gkey) or not group & mine:
                    continue
                alone = sum(1 << c for c in bit_list(group & mine) if all(k == i for k in selecting[c]))
                if alone:
                    new = dirs.fold(e, gkey, None, ("passing", e, gkey))
                    found = self._compare(e, alone, dirs.current(e, gkey), new)
                    if found is not None:
                        return found
        return None

    def _unisolated(self, d: Direction, i: int, subjects: int) -> list[tuple[int, bool]]:
        """The subjects split by whether, without policy i, some NetworkPolicy still selects them for
        the other direction (under --np-selection any that keeps the tier final for them)."""
        dirs = self.dirs
        if not dirs.any_direction:
            return [(subjects, False)]
        selecting = dirs.selecting[d.opposite]
        other = sum(1 << c for c in bit_list(subjects) if any(k != i for k in selecting[c]))
        return [(m, flag) for m, flag in ((subjects & ~other, False), (other, True)) if m]

    def _compare(self, d: Direction, subjects: int, old: Partition | None, new: Partition | None,
                 within: int | None = None) -> Change | None:
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
                    src, dst = (a, b) if d == Direction.INGRESS else (b, a)
                    return Change(src, dst, delta)
        return None

    def covering_rules(self, d: Direction, i: int, drop: CompiledRule) -> list[CompiledRule]:
        """Other rules of direction d, for the same subjects, that admit some of what `drop` admits."""
        dirs = self.dirs
        g = dirs.g
        out: dict[int, CompiledRule] = {}
        mine = g.peer_mask(drop)
        for gkey in self._subject_groups(d, i):
            rep = dirs.rep(d, gkey)
            for rule in dirs.key_rules(d, dirs.np_policies(gkey)):
                if rule is drop or id(rule) in out:
                    continue
                if g.peer_mask(rule) & mine and _ports_meet(rule, drop, rep, d):
                    out[id(rule)] = rule
        return list(out.values())

    def deciding_tiers(self, d: Direction, i: int, below: bool) -> list[str]:
        """The admin-tier policies (`name (Tier)`) that select some subject of policy i for direction d:
        those of the tiers before the NetworkPolicy tier, and of those after it when `below` (the
        subjects may fall to them)."""
        dirs = self.dirs
        found: dict[str, None] = {}
        for gkey in self._subject_groups(d, i):
            for t, j in dirs.tier_policies(gkey):
                if t > dirs.np_tier and not below:
                    continue
                spec = dirs.specs[t]
                ref = spec.policies[j].ref
                found[f"{ref.id} ({spec.name})" if ref else spec.name] = None
        return list(found)

    def matters(self, cp: CompiledPolicy, rule: CompiledRule) -> bool:
        """Whether the rule can admit anything in the inventory (otherwise NV102/NV201 report it)."""
        g = self.dirs.g
        peers = g.peer_mask(rule)
        d = rule.ref.direction
        targets = bit_list(self.subjects(cp, d)) if d == Direction.INGRESS else bit_list(peers)
        return bool(peers) and any(rule.ports_for(g.reps[c]) for c in targets)

    def subjects(self, cp: CompiledPolicy, d: Direction) -> int:
        return self._masks[d].get(self.index[id(cp)], 0)


def _restrict(part: Partition | None, within: int, dirs: TieredDirections) -> Partition:
    if part is None:  # everything allowed
        return {id(dirs.g.conns.all): within} if within else {}
    return {c: m & within for c, m in part.items() if m & within}


def _ports_meet(a: CompiledRule, b: CompiledRule, rep: Endpoint, d: Direction) -> bool:
    if d == Direction.EGRESS:
        return True  # named ports resolve per destination; peers overlapping is enough to name it
    return bool(a.ports_for(rep) & b.ports_for(rep))


def _inventory_findings(analysis: Analysis, dirs: TieredDirections, shadowed: set[tuple[str, str]]) -> list[Finding]:
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
        if has_rules and all(inv.change(d, i, None) is None for d in directions) and inv.change_elsewhere(
                i, directions) is None:
            others = [o for o in same_namespace[cp.policy.namespace] if o is not cp and any(
                inv.subjects(o, d) & inv.subjects(cp, d) for d in directions)]
            deciders = list(dict.fromkeys(x for d in directions for x in inv.deciding_tiers(d, i, not others)))
            findings.append(_policy_finding(cp, "the loaded endpoints", others, [o.ref.source for o in others],
                                            deciders))
            continue
        for d, rule in _candidate_rules(cp, directions, shadowed):
            if not inv.matters(cp, rule):
                continue
            drop_policy = drops_isolation(cp, rule)
            if inv.change(d, i, None if drop_policy else rule) is None:
                cover = inv.covering_rules(d, i, rule)
                findings.append(_rule_finding(cp, rule, cover, "the loaded endpoints",
                                              deciders=inv.deciding_tiers(d, i, drop_policy)))
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
                  other: Sequence[CompiledRule] = (), deciders: Sequence[str] = ()) -> Finding:
    """`cover`: rules of the same direction that admit what it admits; `other`: rules of the other
    direction whose limits deny the rest (from a proof); `deciders`: the admin-tier policies that
    select its pods (with tiers, what they decide first is not the NetworkPolicy's to admit)."""
    denied = "what it admits is denied by the peers' policies in the other direction"
    if other:
        denied += " (see " + ", ".join(f"{rule_text(r)} ({r.ref.source})" for r in other) + ")"
    if cover:
        why = "covered by " + ", ".join(f"{rule_text(r)} ({r.ref.source})" for r in cover)
        if other:
            why += "; " + denied.replace("what it admits", "the rest")
    else:
        why = denied
    if deciders:
        why = (f"{why}, or decided by the admin tiers before or instead of the NetworkPolicy tier "
               f"({names(deciders)})") if cover else (
               f"what it admits is decided by the admin tiers before or instead of the NetworkPolicy tier "
               f"({names(deciders)}), or denied by the peers' policies in the other direction")
    return Finding(rule.ref.source, "NV601", Severity.INFO,
                   f"rule {rule_text(rule)} is redundant: removing it changes no allowed connection of {scope}; "
                   f"{why}{see('NV601')}", policy_object(cp), tuple(r.ref.source for r in (*cover, *other)))


def _policy_finding(cp: CompiledPolicy, scope: str, others: Sequence[CompiledPolicy],
                    related: Sequence[SourceRef], deciders: Sequence[str] = ()) -> Finding:
    head = f"policy {cp.policy.id} is redundant: removing it changes no allowed connection of {scope}"
    tiers = f"; the admin tiers decide the same for its pods ({names(deciders)})" if deciders else ""
    if not others:
        # Nothing else selects its pods: it isolates them and then admits everything (an allow-all
        # policy), or the admin tiers decide what it would. Often written on purpose, so only an info.
        what = ("it isolates its pods and then admits everything they could send or receive; without it they are "
                "simply not isolated" if not deciders else "without it its pods are not isolated")
        return Finding(cp.ref.source, "NV602", Severity.INFO, f"{head} ({what}{tiers}){see('NV602')}",
                       policy_object(cp), ())
    other_ids = ", ".join(o.policy.id for o in others)
    admits = any(cp.rules(d) for d in DIRECTIONS if cp.affects(d))
    what = "its pods stay isolated and what it admits stays admitted" if admits else "its pods stay isolated"
    return Finding(cp.ref.source, "NV602", Severity.WARNING, f"{head} ({what}: {other_ids}{tiers}){see('NV602')}",
                   policy_object(cp), tuple(related))


# --- any scope: the SMT engine --------------------------------------------------------------------


def _any_findings(analysis: Analysis, shadowed: set[tuple[str, str]], timeout_s: float,
                  notes: list[str] | None = None) -> list[Finding]:
    from netverify.engines.smt_compare import RedundancyProver  # loads z3: only for --scope any
    from netverify.engines.smt_types import PodPattern, Side
    from netverify.queries.equivalence import EVERY_ADDRESS
    from netverify.queries.prove import node_ips

    pods = tuple(analysis.endpoints)
    side = Side("any", pods, PodPattern(), EVERY_ADDRESS)
    namespaces = [(ns.name, ns.labels) for ns in analysis.cluster.namespaces]
    # Every tier, folded as check folds them (Admin -> NetworkPolicy -> Baseline), over what every
    # tier observes: removing a NetworkPolicy can hand its pods to the Baseline tier, and what the
    # Admin tier decides first no NetworkPolicy rule can change.
    prover = RedundancyProver(specs_of(analysis.tiers), pods, namespaces, (), False, timeout_s,
                              observations=analysis.observations, node_ips=node_ips(analysis))
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
            findings.append(_policy_finding(cp, "any pod", others, [o.ref.source for o in others],
                                            _deciders(proof)))
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
                findings.append(_rule_finding(cp, rule, cover, "any pod", other, _deciders(outcome.proof)))
    if notes is not None:
        notes.extend(tie_notes([g.members for g in prover.tie_groups]))
    return findings


def tie_notes(groups: Sequence[str]) -> list[str]:
    """What the `--any` answers assumed of equal-priority admin policies (as `check` notes it)."""
    if not groups:
        return []
    return ["equal-priority admin policies have no defined order; redundancy (NV601/NV602) was decided for every "
            f"order of {'; '.join(groups)}"]


def _deciders(proof: Proof | None) -> list[str]:
    """The admin-tier policies (`name (Tier)`) whose rules a redundancy proof needs."""
    return list(dict.fromkeys(f"{r.policy} ({r.tier_name})" for r in proof.admin_rules)) if proof else []


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


def redundancy_findings(analysis: Analysis, scope: str = "inventory", timeout_s: float = 30.0,
                        notes: list[str] | None = None) -> list[Finding]:
    """NV601 redundant rules, NV602 redundant policies, NV603 rules shadowed by an allow-all.

    scope "inventory" (loaded endpoints and every outside address; graph engine) or "any" (any pod
    that could exist; SMT engine). Raises RedundancyUnknown when the solver cannot decide. `notes`
    is told what the answers assumed (`--any`: the equal admin priorities decided in every order).
    """
    if not analysis.policies:
        return []
    dirs = TieredDirections(analysis) if scope == "inventory" else None
    shadow, shadowed = shadow_findings(analysis, Selection(analysis, scope, dirs.g if dirs else None))
    if dirs is None:
        rest = _any_findings(analysis, shadowed, timeout_s, notes)
    else:
        rest = _inventory_findings(analysis, dirs, shadowed)
    return sorted(shadow + rest)
