"""The policy kinds of an inventory, compiled into the tiers every query folds; what they observe.

This is the one place that knows which policy kinds an inventory (`model.Cluster`) holds and
how each is compiled: NetworkPolicies (`compile.compile_policies`, compiled by the caller, which
keeps them as `Analysis.policies`), and the admin kinds (`admin_compile.compile_admin_policies`,
Node addresses for `nodes` peers). `inventory_tiers` hands them to `evaluate.tiers_of` (which
tiers, in which order). Everything else of a kind that a query or an engine needs is read from
the tiers, never from the kind:

- `observations_of`: what tells endpoints apart (labels, address sets, named ports), merged from
  what each tier says it observes (`ObservingTier.observations`);
- `extra_tiers`: whether the inventory forms tiers beyond NetworkPolicy (`specs_of` keeps only
  tiers with policies, and the NetworkPolicy tier always): then the explanations are tier walks,
  the diff takes its tiered path;
- `has_first_match`: whether some tier decides by first match, whose equal priorities have no
  defined order (the graph engine folds one order; the SMT engine every one);
- `tier_order`: two inventories' tier names merged in evaluation order (the diff aligns their
  tier walks by it).

A new kind adds its compile step to `inventory_tiers` (and its tier to `tiers_of`), and gives its
tier an `observations` property: no query or engine changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from netverify.model import Cluster
from netverify.semantics.admin_compile import compile_admin_policies
from netverify.semantics.class_tiers import TierSpec, specs_of
from netverify.semantics.compile import CompiledPolicy, Observations, observe
from netverify.semantics.evaluate import tiers_of
from netverify.semantics.options import NetworkPolicySelection
from netverify.semantics.verdict import NETWORK_POLICY_TIER, Tier


@runtime_checkable
class ObservingTier(Protocol):
    """A tier that says what its policies observe of an endpoint (`compile.Observations`)."""

    @property
    def observations(self) -> Observations: ...


def inventory_tiers(cluster: Cluster, policies: tuple[CompiledPolicy, ...],
                    selection: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION) -> tuple[Tier, ...]:
    """The tiers of `cluster`'s policies of every kind, in evaluation order (`evaluate.tiers_of`);
    `policies` are its NetworkPolicies, compiled (`compile.compile_policies`)."""
    return tiers_of(policies, compile_admin_policies(cluster.admin_policies, cluster.nodes), selection)


def observations_of(tiers: Sequence[Tier]) -> Observations:
    """What the policies of every tier observe of an endpoint, merged: the NetworkPolicy tier's
    first, then the others in tier order. A tier that cannot say is a bug: it is refused."""
    ordered = sorted(tiers, key=lambda t: t.name != NETWORK_POLICY_TIER)  # stable: the others keep their order
    seen = observe(())
    for tier in ordered:
        if not isinstance(tier, ObservingTier):
            raise TypeError(f"the tier {tier.name!r} does not say what it observes (ObservingTier.observations)")
        seen = seen.merged(tier.observations)
    return seen


def extra_tiers(specs: Sequence[TierSpec]) -> tuple[str, ...]:
    """The names of the tiers beyond NetworkPolicy that have policies (`specs_of` drops the others)."""
    return tuple(s.name for s in specs if s.name != NETWORK_POLICY_TIER)


def has_first_match(specs: Sequence[TierSpec]) -> bool:
    """Whether some tier decides by first match (its equal priorities have no defined order)."""
    return any(not s.isolating for s in specs)


def tier_order(*sides: Sequence[str]) -> list[str]:
    """The tier names of both sides in evaluation order: each side lists its tiers in that order (a
    side may lack some), so a name comes once every name a side lists before it has come."""
    out: list[str] = []
    pending = [list(side) for side in sides]
    while any(pending):
        heads = [side[0] for side in pending if side]
        name = next((n for n in heads if not any(n in side[1:] for side in pending)), heads[0])
        out.append(name)
        pending = [[n for n in side if n != name] for side in pending]
    return out


__all__ = ["ObservingTier", "extra_tiers", "has_first_match", "inventory_tiers", "observations_of", "specs_of",
           "tier_order"]
