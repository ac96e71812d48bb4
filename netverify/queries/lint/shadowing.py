"""NV603: a policy's rules shadowed by an allow-all rule (no peers, no ports) of a policy selecting
the same or a superset of its pods, in the same direction.

Also the wording helpers the NV6xx checks share (lint/redundancy.py reports NV601 and NV602 and
asks this module first, so a shadowed direction is not reported twice).
"""

from __future__ import annotations

from netverify.engines.graph import ReachabilityGraph
from netverify.model import Direction, LabelSelector, Severity
from netverify.queries.context import Analysis
from netverify.queries.lint.findings import DOCS_BASE, Finding
from netverify.semantics.compile import CompiledPolicy, CompiledRule

DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)


def see(code: str) -> str:
    return f" (see {DOCS_BASE}/{code}.md)"


def policy_object(cp: CompiledPolicy) -> str:
    return f"NetworkPolicy {cp.policy.id}"


def rule_text(rule: CompiledRule) -> str:
    return f"{rule.ref.policy} {rule.ref.direction}[{rule.ref.index}]"


def is_allow_all(rule: CompiledRule) -> bool:
    return not rule.peers and not rule.ports


def drops_isolation(cp: CompiledPolicy, rule: CompiledRule) -> bool:
    """Removing the last egress rule of a policy without policyTypes also removes its egress isolation
    (the API server defaults policyTypes from the rules present)."""
    d = rule.ref.direction
    return d == Direction.EGRESS and not cp.policy.declared_policy_types and len(cp.rules(d)) == 1


def _selector_covers(wide: LabelSelector, narrow: LabelSelector) -> bool:
    """Every pod `narrow` selects, `wide` selects too (a sufficient, syntactic condition)."""
    return set(wide.match_labels) <= set(narrow.match_labels) and set(wide.match_expressions) <= set(
        narrow.match_expressions)


class Selection:
    """Which pods a policy selects: loaded classes (inventory) or selectors (any pod)."""

    def __init__(self, analysis: Analysis, scope: str, graph: ReachabilityGraph | None) -> None:
        self.scope = scope
        self.graph = graph
        self.policies = analysis.policies

    def mask(self, cp: CompiledPolicy) -> int:
        assert self.graph is not None
        index = self.graph.index  # shared with the graph, so classes agree
        return index.pods & index.selected_by_policy(cp.policy.namespace, cp.policy.pod_selector)

    def covers(self, wide: CompiledPolicy, narrow: CompiledPolicy) -> bool:
        if wide.policy.namespace != narrow.policy.namespace:
            return False
        if self.scope == "any" or self.graph is None:
            return _selector_covers(wide.policy.pod_selector, narrow.policy.pod_selector)
        mine = self.mask(narrow)
        return bool(mine) and mine & ~self.mask(wide) == 0


def shadow_findings(analysis: Analysis, selection: Selection) -> tuple[list[Finding], set[tuple[str, str]]]:
    """NV603 per (policy, direction) whose rules an allow-all makes meaningless; also the
    (policy id, direction) pairs reported, so NV601/NV602 do not repeat them."""
    findings: list[Finding] = []
    shadowed: set[tuple[str, str]] = set()
    allow_all: dict[tuple[str, str], list[tuple[CompiledPolicy, CompiledRule]]] = {}  # by (namespace, direction)
    for cp in analysis.policies:
        for d in DIRECTIONS:
            if cp.affects(d):
                for rule in cp.rules(d):
                    if is_allow_all(rule):
                        allow_all.setdefault((cp.policy.namespace, d), []).append((cp, rule))
    for cp in analysis.policies:
        for d in DIRECTIONS:
            rules = [r for r in cp.rules(d) if not is_allow_all(r)]
            if not rules or not cp.affects(d):
                continue
            cover = next((rule for other, rule in allow_all.get((cp.policy.namespace, d), ())
                          if selection.covers(other, cp)), None)
            if cover is None:
                continue
            shadowed.add((cp.policy.id, d))
            owner = "its own" if cover.ref.policy == cp.policy.id else "the"
            findings.append(Finding(
                cp.ref.source, "NV603", Severity.WARNING,
                f"the {d} rules of {cp.policy.id} ({', '.join(f'{d}[{r.ref.index}]' for r in rules)}) restrict "
                f"nothing: {owner} allow-all rule {rule_text(cover)} ({cover.ref.source}) admits every peer on every "
                f"port to {'the same' if owner == 'its own' else 'the same or more'} pods{see('NV603')}",
                policy_object(cp), (cover.ref.source,)))
    return findings, shadowed
