"""The analysis of one loaded inventory: compiled policies, the tiers they form, endpoints, and the graph.

`tiers` is what every query folds: the inventory's policies of every kind, compiled and ordered
in semantics (semantics/kinds.inventory_tiers, evaluate.tiers_of), under the semantics'
`np_selection` reading. Nothing here knows a policy kind but NetworkPolicy, whose compiled
policies (`policies`) the graph and the diff index. The graph folds the same tiers over classes
(`specs`: semantics/class_tiers.specs_of).

What tells endpoints apart (labels, addresses, named ports) is derived once, from what every
tier says it observes (`observations`: semantics/kinds.observations_of); the workload grouping of
endpoints and the graph's class keys both read it. Two inventories compared with each other (diff)
are `aligned_with` each other first: each draws its endpoints as both sides' policies tell pods apart,
so a workload that one side's policies split (a label key or an ipBlock only that side reads) is
split the same way on the other side and compared, not reported as removed and added.
"""

from __future__ import annotations

from functools import cached_property

from netverify.engines.graph import ReachabilityGraph
from netverify.model import Cluster
from netverify.semantics.class_tiers import TierSpec, specs_of
from netverify.semantics.compile import CompiledPolicy, Observations, compile_policies, ip_blocks
from netverify.semantics.endpoints import Endpoint, IPAtoms, build_endpoints
from netverify.semantics.kinds import extra_tiers, inventory_tiers, observations_of
from netverify.semantics.options import Granularity, Semantics
from netverify.semantics.verdict import Tier


class Analysis:
    """Everything derived from a Cluster, computed once and on demand."""

    def __init__(self, cluster: Cluster, semantics: Semantics | None = None,
                 by: Granularity | str = Granularity.WORKLOAD, also_observed: Observations | None = None) -> None:
        self.cluster = cluster
        self.semantics = semantics or Semantics()
        self.by = Granularity(by)  # "workload", "pod" or "service" as the command line spells them
        # What another inventory's policies observe, drawn into this one's endpoints (aligned_with).
        self.also_observed = also_observed

    def aligned_with(self, other: Analysis) -> Analysis:
        """This inventory, its endpoints told apart by what `other`'s policies observe too (same
        cluster facts, same compiled policies and verdicts; only the grouping of pods into endpoints
        may get finer). Itself when `other` adds nothing that groups pods (label keys, address sets),
        so endpoints already built are not built again."""
        mine = self.observations
        merged = mine.merged(other.own_observations)
        if _grouping(merged) == _grouping(mine):
            return self
        twin = Analysis(self.cluster, self.semantics, self.by, also_observed=other.own_observations)
        twin.policies = self.policies  # compiled once: the twin differs in endpoints only
        twin.tiers = self.tiers
        return twin

    @cached_property
    def policies(self) -> tuple[CompiledPolicy, ...]:
        return compile_policies(self.cluster.policies, self.semantics)

    @cached_property
    def tiers(self) -> tuple[Tier, ...]:
        """The tiers every verdict folds, in order (semantics.kinds.inventory_tiers)."""
        return inventory_tiers(self.cluster, self.policies, self.semantics.np_selection)

    @cached_property
    def specs(self) -> tuple[TierSpec, ...]:
        """The tiers as engines fold them over classes (semantics.class_tiers.specs_of)."""
        return specs_of(self.tiers)

    @property
    def tiered(self) -> bool:
        """Whether tiers beyond NetworkPolicy have policies (explanations are then tier walks)."""
        return bool(extra_tiers(self.specs))

    @cached_property
    def own_observations(self) -> Observations:
        """What the policies of every tier of this inventory observe of an endpoint."""
        return observations_of(self.tiers)

    @cached_property
    def observations(self) -> Observations:
        """What tells endpoints apart: this inventory's observations and those it is aligned with."""
        if self.also_observed is None:
            return self.own_observations
        return self.own_observations.merged(self.also_observed)

    @cached_property
    def atoms(self) -> IPAtoms:
        return IPAtoms(ip_blocks(self.policies))

    @cached_property
    def address_atoms(self) -> IPAtoms | None:
        """The atoms of the address sets matched on pod IPs whatever the ipBlock scope (admin
        networks and node addresses); None when no policy has one."""
        addresses = self.observations.addresses
        return IPAtoms(addresses) if addresses else None

    @cached_property
    def endpoints(self) -> list[Endpoint]:
        return build_endpoints(self.cluster, self.semantics, self.observations.ip_blocks, self.granularity,
                               self.label_keys, self.observations.addresses)

    @property
    def granularity(self) -> Granularity:
        """How pods become endpoints: `--by service` reports clients as workloads."""
        return Granularity.WORKLOAD if self.by is Granularity.SERVICE else self.by

    @cached_property
    def label_keys(self) -> frozenset[str]:
        return self.observations.label_keys

    @cached_property
    def by_id(self) -> dict[str, Endpoint]:
        return {e.id: e for e in self.endpoints}

    @cached_property
    def position(self) -> dict[str, int]:
        """Each endpoint's index in `endpoints` (the order reports list them in)."""
        return {e.id: i for i, e in enumerate(self.endpoints)}

    @cached_property
    def class_atoms(self) -> IPAtoms:
        """The atoms the graph keys its classes by: this inventory's ipBlocks and, when aligned, the other
        inventory's too. Finer than this side's policies need (always exact), and the two sides of a diff
        then split their endpoints into the same classes, numbered alike: the diff's joint classes are
        each side's own, and translating a side's masks to them is one AND, not a walk over shifted bits."""
        if self.also_observed is None:
            return self.atoms
        return IPAtoms(list(dict.fromkeys([*ip_blocks(self.policies), *self.also_observed.ip_blocks])))

    def ip_signature(self, ep: Endpoint) -> object:
        """What the policies can tell of an endpoint's addresses: equal signatures, same verdicts (aligned
        with another inventory, what either side's policies can tell: `class_atoms`)."""
        blocks = self.class_atoms.signature(ep.ips) if (ep.external or ep.host_network
                                                        or self.semantics.ipblock_matches_pods) else ()
        if self.address_atoms is None:
            return blocks
        return (blocks, self.address_atoms.signature(ep.ips))

    @cached_property
    def graph(self) -> ReachabilityGraph:
        return ReachabilityGraph(self.endpoints, self.policies, {e.id: self.ip_signature(e) for e in self.endpoints},
                                 self.label_keys, self.specs)


def _grouping(seen: Observations) -> tuple[object, ...]:
    """What of an inventory's observations splits pods into endpoints (build_endpoints' inputs)."""
    return seen.label_keys, seen.ip_blocks, seen.addresses
