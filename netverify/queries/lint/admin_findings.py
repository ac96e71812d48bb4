"""NV701-NV703, NV707: the findings of the admin scan (queries/lint/admin_scan.py), which records
what each admin rule and each NetworkPolicy rule did over the loaded inventory. Every finding says
its scope: the loaded inventory, with a witness from it."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.model import AdminTier, Direction, Severity
from netverify.queries.lint.admin_records import rule_name
from netverify.queries.lint.admin_scan import DIRECTIONS, AdminScan
from netverify.queries.lint.context import names
from netverify.queries.lint.findings import Finding
from netverify.semantics.admin_compile import AdminRuleRef
from netverify.semantics.compile import CompiledPolicy, CompiledRule


def _obj(ref: AdminRuleRef) -> str:
    return ref.policy.replace("/", " ", 1)


def _scope(scan: AdminScan) -> str:
    count = len(scan.reps)
    return f"over the loaded inventory ({count} endpoint class{'' if count == 1 else 'es'})"


def overlapping_priorities(scan: AdminScan) -> Iterator[Finding]:
    """NV701: equal-priority policies of one tier that decide one connection differently."""
    for o in scan.overlaps.values():
        yield o.involved.finding(
            scan, "NV701", o.first.source,
            f"{o.first.policy} and {o.second.policy} have the same priority {o.priority} in the {o.tier} tier and "
            f"decide {o.witness} differently ({rule_name(o.first)}: {o.first.action.value}, {rule_name(o.second)}: "
            f"{o.second.action.value}); the API leaves the order of equal priorities undefined, so implementations "
            f"may pick either (netverify answers by name order); give one policy a lower priority number",
            _obj(o.first), (o.second.source,))


def shadowed_rules(scan: AdminScan) -> Iterator[Finding]:
    """NV702: admin rules that match connections of the inventory but never decide one."""
    for ref, record in scan.rules.items():
        if record.decided or record.matched is None:
            continue
        by = [f"{label} ({source})" if source.file else label for label, source in record.shadowers.items()]
        yield record.involved.finding(
            scan, "NV702", ref.source,
            f"{rule_name(ref)} ({ref.action.value}) never decides a connection {_scope(scan)}: everything it "
            f"matches (e.g. {record.matched}) is decided before it by {names(by) or 'earlier rules'}; remove it, or "
            "give its policy a lower priority number (or move the rule up) if it was meant to win",
            _obj(ref), tuple(s for s in record.shadowers.values() if s.file))


def passes_to_nothing(scan: AdminScan) -> Iterator[Finding]:
    """NV703: Pass rules whose connections no later tier decides: they equal Accept."""
    for ref, record in scan.rules.items():
        if ref.action.value != "Pass" or record.passed is None or record.passed_somewhere_decided:
            continue
        later = ("no tier follows the Baseline tier" if ref.tier is AdminTier.BASELINE else
                 "no NetworkPolicy isolates these pods and no Baseline rule matches")
        yield record.involved.finding(
            scan, "NV703", ref.source,
            f"{rule_name(ref)} passes connections (e.g. {record.passed}) to later tiers that decide none of "
            f"them {_scope(scan)} ({later}): what every tier passes is allowed by default, so this Pass equals "
            "Accept; write Accept if that is meant, or add the NetworkPolicy or Baseline rule it expects",
            _obj(ref), severity=Severity.WARNING)


def voided_network_policy_rules(scan: AdminScan) -> Iterator[Finding]:
    """NV707: NetworkPolicy rules whose every admitted connection the Admin tier decides, denying some."""
    rules: dict[object, tuple[CompiledPolicy, CompiledRule]] = {
        r.ref: (cp, r) for cp in scan.ctx.policies for d in DIRECTIONS for r in cp.rules(d)}
    void = {ref for ref, record in scan.np_rules.items()
            if not record.open_below_admin and record.denied is not None and ref in rules}
    for ref, record in scan.np_rules.items():
        if ref not in void:
            continue
        cp, rule = rules[ref]
        deniers = [f"{label} ({source})" for label, source in record.deniers.items()]
        yield record.involved.finding(
            scan, "NV707", rule.ref.source,
            f"{cp.policy.id} {rule.ref.direction}[{rule.ref.index}] admits nothing the Admin tier leaves to "
            f"NetworkPolicies {_scope(scan)}: e.g. {record.denied} is denied by {names(deniers)} before any "
            f"NetworkPolicy is asked; the rule is void: {_removal(cp, rule, void)}, or ask the cluster administrator "
            "for an admin Pass or Accept", f"NetworkPolicy {cp.policy.id}", tuple(record.deniers.values()))


def _removal(cp: CompiledPolicy, rule: CompiledRule, void: set[object]) -> str:
    """How to remove a void rule without changing what the policy isolates. Without policyTypes (or with
    `policyTypes: []`) the API server infers Egress from the egress rules present (and Ingress always):
    removing the last egress rule would drop the policy's egress isolation and let its pods reach every
    destination the Admin tier leaves to NetworkPolicies."""
    if rule.ref.direction != Direction.EGRESS or cp.policy.declared_policy_types:
        return "remove it"
    others = [r for r in cp.egress if r.ref != rule.ref]
    if any(r.ref not in void for r in others):
        return "remove it"  # an egress rule that is not void stays: Egress is still inferred
    keep = "write `policyTypes: [Ingress, Egress]` (what the API server infers now) to keep its egress isolated"
    if not others:
        return ("but do not just remove it: it is the policy's only egress rule and the policy does not write "
                "policyTypes, so without it the API server infers policyTypes [Ingress] and the policy stops "
                "isolating egress (its pods could reach everything the Admin tier leaves to NetworkPolicies); "
                f"remove it and {keep}")
    return ("remove it, but the policy's other egress rules are void too and it does not write policyTypes: "
            "removing them all makes the API server infer policyTypes [Ingress] and the policy stops isolating "
            f"egress; if you remove them all, {keep}")
