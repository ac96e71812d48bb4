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
policy selects (and, for a whole policy, the other direction of some pairs too): how each removal
is decided, once per subject group rather than once per candidate, is redundancy_inventory.py's.
`any`: proved with the SMT engine for any pod that could exist, every tier folded as check folds
them and equal admin priorities in every order (one query per candidate).

Not reported in inventory scope, to keep findings true and not duplicated: policies that
select no loaded pod and rules whose peers or named ports match nothing (NV101, NV102, NV201
say so), and policies with no rules (a default-deny is kept for pods that do not exist yet;
`--scope any` reports one when another policy isolates every pod it could select).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from netverify.engines.smt_types import Proof
from netverify.errors import UndecidedError
from netverify.model import Direction, Severity, SourceRef
from netverify.queries.context import Analysis
from netverify.queries.lint.context import names
from netverify.queries.lint.findings import Finding
from netverify.queries.lint.redundancy_classes import TieredDirections
from netverify.queries.lint.redundancy_inventory import InventoryRedundancy
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

# --- inventory scope: the graph's classes (redundancy_inventory.py decides each removal) ---------


def _inventory_findings(analysis: Analysis, dirs: TieredDirections, shadowed: set[tuple[str, str]]) -> list[Finding]:
    inv = InventoryRedundancy(analysis, dirs)
    findings: list[Finding] = []
    for i, cp in enumerate(analysis.policies):
        directions = _candidate_directions(cp, shadowed)
        if not directions or not any(inv.subjects(cp, d) for d in directions):
            continue  # all shadowed (NV603), or selects no loaded pod (NV101)
        has_rules = any(cp.rules(d) for d in directions)
        if has_rules and not inv.policy_changes(i, directions):
            others = [analysis.policies[k] for k in inv.co_selecting(i, directions)]
            deciders = list(dict.fromkeys(x for d in directions for x in inv.deciding_tiers(d, i, not others)))
            findings.append(_policy_finding(cp, "the loaded endpoints", others, [o.ref.source for o in others],
                                            deciders))
            continue
        for d, rule in _candidate_rules(cp, directions, shadowed):
            if not inv.matters(cp, rule):
                continue
            drop_policy = drops_isolation(cp, rule)
            if not (inv.direction_changes(d, i) if drop_policy else inv.rule_changes(d, i, rule)):
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
