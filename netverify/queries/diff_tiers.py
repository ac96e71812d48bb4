"""The tiers of one side of a diff: Admin, NetworkPolicy and Baseline, as verdict Tiers.

The Admin and Baseline tiers are asked through semantics/admin_tiers (first match by priority,
then rule order) and handed to the verdict as Decisions whose rule matches carry their action.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model import AdminAction, AdminTier
from netverify.queries.context import Analysis
from netverify.semantics.admin_compile import CompiledAdminPolicy, admin_networks, compile_admin_policies
from netverify.semantics.admin_tiers import decide_admin_tier
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import tiers_of
from netverify.semantics.verdict import Action, Decision, RuleMatch, Tier
from netverify.sets import IPSet

_ACTIONS = {AdminAction.ACCEPT: Action.ALLOW, AdminAction.DENY: Action.DENY, AdminAction.PASS: Action.PASS}


@dataclass(frozen=True)
class _AdminTierOf:
    """The Admin or Baseline tier as a verdict Tier (until semantics provides it)."""

    admin: tuple[CompiledAdminPolicy, ...]
    tier: AdminTier

    @property
    def name(self) -> str:
        return self.tier.value

    def decide(self, direction: str, subject: Endpoint, peer: Endpoint, dst: Endpoint) -> Decision:
        d = decide_admin_tier(self.admin, self.tier, direction, subject, peer, dst)
        matches = tuple(RuleMatch(s.ref, s.connections, _ACTIONS[s.action])  # type: ignore[arg-type]
                        for s in d.steps if s.ref is not None)
        return Decision(self.name, d.allow, d.deny, (), matches, (), d.note)


def admin_of(analysis: Analysis) -> tuple[CompiledAdminPolicy, ...]:
    return compile_admin_policies(analysis.cluster.admin_policies, analysis.cluster.nodes)


def admin_addresses(analysis: Analysis) -> list[IPSet]:
    """The address sets one side's admin rules test (`networks`, the selected nodes' addresses)."""
    return admin_networks(admin_of(analysis))


def tiers_of_analysis(analysis: Analysis) -> tuple[Tier, ...]:
    """Admin, NetworkPolicy and Baseline tiers of one side, in evaluation order."""
    admin = admin_of(analysis)
    return (_AdminTierOf(admin, AdminTier.ADMIN), *tiers_of(analysis.policies), _AdminTierOf(admin, AdminTier.BASELINE))


