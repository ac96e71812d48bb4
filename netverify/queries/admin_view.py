"""The tiers of an analysis as the verdict's `Tier`s, for the queries that read decisions (lint, exposure).

`analysis_tiers(analysis)` is (Admin, NetworkPolicy, Baseline), in evaluation order; each tier's
`decide` returns a `verdict.Decision` whose `matches` name the rules that decided (an admin rule's
reference is an `AdminRuleRef`: its `tier`, `action`, `label` and `source` say where it sits).
Queries fold them with `semantics.evaluate.decide_direction`, so no query re-derives the rule.

The admin tiers here are `verdict.first_match` over the compiled admin policies
(semantics/admin_compile.py): policies selecting the subject in evaluation order (priority, then
name: equal priorities are undefined upstream and reported by lint NV701), rules in list order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from netverify.model import AdminAction, AdminTier
from netverify.queries.context import Analysis
from netverify.semantics.admin_compile import AdminRuleRef, CompiledAdminPolicy, compile_admin_policies
from netverify.semantics.compile import PolicyRef, RuleRef
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.netpol_tier import NetworkPolicyTier
from netverify.semantics.verdict import Action, Decision, RuleMatch, RuleMiss, Tier, first_match

ACTIONS = {AdminAction.ACCEPT: Action.ALLOW, AdminAction.DENY: Action.DENY, AdminAction.PASS: Action.PASS}


def compiled_admin(analysis: Analysis) -> tuple[CompiledAdminPolicy, ...]:
    """The inventory's admin policies, compiled, in evaluation order within each tier."""
    return compile_admin_policies(analysis.cluster.admin_policies, analysis.cluster.nodes)


def as_rule_ref(ref: AdminRuleRef) -> RuleRef:
    """An admin rule's reference where the verdict expects a rule reference (both have `source` and
    a readable `str`; consumers that need more test `isinstance(..., AdminRuleRef)`)."""
    return cast(RuleRef, ref)


def admin_ref(ref: object) -> AdminRuleRef | None:
    return ref if isinstance(ref, AdminRuleRef) else None


@dataclass(frozen=True)
class FirstMatchTier:
    """The Admin or the Baseline tier: the first matching rule of the applicable policies decides."""

    tier: AdminTier
    policies: tuple[CompiledAdminPolicy, ...]  # this tier's, in evaluation order

    @property
    def name(self) -> str:
        return self.tier.value

    def applicable(self, subject: Endpoint) -> list[CompiledAdminPolicy]:
        return [p for p in self.policies if p.selects(subject)]

    def rule_matches(self, policies: Sequence[CompiledAdminPolicy], direction: str, peer: Endpoint,
                     dst: Endpoint) -> tuple[list[RuleMatch], list[RuleMiss]]:
        """Each rule of `policies` (in order) with every connection it matches, before first-match
        decides: what lint needs to see shadowing and overlaps."""
        matches: list[RuleMatch] = []
        misses: list[RuleMiss] = []
        for policy in policies:
            for rule in policy.rules(direction):
                why = rule.peer_miss(peer)
                conns = rule.ports_for(dst) if why is None else None
                if conns is not None and not conns:
                    why = rule.port_miss(dst)
                if why is not None or conns is None:
                    misses.append(RuleMiss(as_rule_ref(rule.ref), why or ""))
                    continue
                matches.append(RuleMatch(as_rule_ref(rule.ref), conns, ACTIONS[rule.ref.action]))
        return matches, misses

    def decide(self, direction: str, subject: Endpoint, peer: Endpoint, dst: Endpoint) -> Decision:
        applicable = self.applicable(subject)
        if not applicable:
            return Decision.passing(self.name, f"no {self.name}-tier policy selects {subject.id}")
        matches, misses = self.rule_matches(applicable, direction, peer, dst)
        refs = tuple(PolicyRef(p.policy.id, p.policy.source) for p in applicable)
        return first_match(self.name, refs, matches, misses)


def admin_tiers(admin: tuple[CompiledAdminPolicy, ...]) -> tuple[FirstMatchTier, FirstMatchTier]:
    return (FirstMatchTier(AdminTier.ADMIN, tuple(p for p in admin if p.policy.tier is AdminTier.ADMIN)),
            FirstMatchTier(AdminTier.BASELINE, tuple(p for p in admin if p.policy.tier is AdminTier.BASELINE)))


def analysis_tiers(analysis: Analysis, admin: tuple[CompiledAdminPolicy, ...] | None = None) -> tuple[Tier, ...]:
    """(Admin, NetworkPolicy, Baseline) for `analysis`: what every direction is folded through."""
    first, baseline = admin_tiers(compiled_admin(analysis) if admin is None else admin)
    return (first, NetworkPolicyTier(analysis.policies), baseline)
