"""The analysis of one loaded inventory: compiled policies, the tiers they form, endpoints, and the graph.

`tiers` is what every query folds (semantics.evaluate.tiers_of): Admin, NetworkPolicy, Baseline
when admin policies are loaded, the NetworkPolicy tier alone otherwise, under the semantics'
`np_selection` reading.
"""

from __future__ import annotations

from functools import cached_property

from netverify.engines.graph import ReachabilityGraph
from netverify.model import Cluster
from netverify.semantics.admin_compile import CompiledAdminPolicy, admin_networks, compile_admin_policies
from netverify.semantics.compile import CompiledPolicy, compile_policies, ip_blocks, referenced_label_keys
from netverify.semantics.endpoints import Endpoint, IPAtoms, build_endpoints
from netverify.semantics.evaluate import tiers_of
from netverify.semantics.options import Semantics
from netverify.semantics.verdict import Tier


class Analysis:
    """Everything derived from a Cluster, computed once and on demand."""

    def __init__(self, cluster: Cluster, semantics: Semantics | None = None, by: str = "workload") -> None:
        self.cluster = cluster
        self.semantics = semantics or Semantics()
        self.by = by

    @cached_property
    def policies(self) -> tuple[CompiledPolicy, ...]:
        return compile_policies(self.cluster.policies, self.semantics)

    @cached_property
    def admin(self) -> tuple[CompiledAdminPolicy, ...]:
        """The admin policies (both tiers), compiled, in evaluation order within each tier."""
        return compile_admin_policies(self.cluster.admin_policies, self.cluster.nodes)

    @cached_property
    def tiers(self) -> tuple[Tier, ...]:
        """The tiers every verdict folds, in order (semantics.evaluate.tiers_of)."""
        return tiers_of(self.policies, self.admin, self.semantics.np_selection)

    @property
    def tiered(self) -> bool:
        """Whether admin tiers are folded (admin policies are loaded)."""
        return bool(self.admin)

    @cached_property
    def atoms(self) -> IPAtoms:
        return IPAtoms(ip_blocks(self.policies))

    @cached_property
    def endpoints(self) -> list[Endpoint]:
        # Admin `networks`/`nodes` peers tell addresses apart like ipBlocks do: members of a workload
        # they separate must not share an endpoint.
        blocks = ip_blocks(self.policies) + admin_networks(self.admin)
        return build_endpoints(self.cluster, self.semantics, blocks, self.granularity, self.label_keys)

    @property
    def granularity(self) -> str:
        """How pods become endpoints: `--by service` reports clients as workloads."""
        return "workload" if self.by == "service" else self.by

    @cached_property
    def label_keys(self) -> frozenset[str]:
        return referenced_label_keys(self.policies)

    @cached_property
    def by_id(self) -> dict[str, Endpoint]:
        return {e.id: e for e in self.endpoints}

    @cached_property
    def position(self) -> dict[str, int]:
        """Each endpoint's index in `endpoints` (the order reports list them in)."""
        return {e.id: i for i, e in enumerate(self.endpoints)}

    def ip_signature(self, ep: Endpoint) -> object:
        if ep.external or ep.host_network or self.semantics.ipblock_matches_pods:
            return self.atoms.signature(ep.ips)
        return ()

    @cached_property
    def graph(self) -> ReachabilityGraph:
        return ReachabilityGraph(self.endpoints, self.policies, {e.id: self.ip_signature(e) for e in self.endpoints},
                                 self.label_keys)
