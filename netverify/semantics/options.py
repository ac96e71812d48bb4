"""The semantic choices the NetworkPolicy API leaves to implementations, as one value object."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Semantics:
    """Implementation-defined behaviour; the defaults are documented in the README.

    ipblock_matches_pods: ipBlocks also match pod IPs (the upstream e2e suite and
        Calico); False is the reading where they match only cluster-external
        addresses (Cilium).
    """

    ipblock_matches_pods: bool = True


DEFAULT = Semantics()

SELF_TRAFFIC_NOTE = "a pod can always reach itself: NetworkPolicy does not apply to a pod's traffic to itself"
REPLICA_NOTE = "the endpoint stands for several pods: this is traffic between different replicas, governed by policy"
HOST_NETWORK_NOTE = (
    "hostNetwork pods use the node's network: NetworkPolicy does not govern them (treated as node traffic; "
    "only ipBlock peers can match them)"
)
NODE_NOTE = "traffic from a pod's own node is always allowed (NetworkPolicy API)"
EXTERNAL_NOTE = "an address outside the cluster has no NetworkPolicy of its own"
