"""The semantic choices the NetworkPolicy API leaves to implementations, as one value object."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from netverify.model import ValueEnum


class NetworkPolicySelection(str, Enum):
    """When the NetworkPolicy tier is final for a subject, with admin tiers around it (admin-tiers.md
    section 2.5; `--np-selection`)."""

    PER_DIRECTION = "direction"  # isolated in this direction (netpol-analyzer; the NetworkPolicy API's isolation)
    ANY = "any"  # selected by any NetworkPolicy at all, in either direction (kube-network-policies)


class Granularity(ValueEnum):
    """What one endpoint stands for (--by): the pods of a workload, each pod, or (matrix only) clients as
    workloads and Services as destinations."""

    WORKLOAD = "workload"
    POD = "pod"
    SERVICE = "service"


class HostNetworkReading(ValueEnum):
    """How hostNetwork pods are read (--hostnetwork): see Semantics.host_network."""

    NODE = "node"
    POD = "pod"


@dataclass(frozen=True)
class Semantics:
    """Implementation-defined behaviour; the defaults are documented in the README.

    ipblock_matches_pods: ipBlocks also match pod IPs (the upstream e2e suite and
        Calico); False is the reading where they match only cluster-external
        addresses (Cilium).

    host_network: how hostNetwork pods are read. "node" (default): as node traffic, never
        isolated, matched as peers only by ipBlocks, and traffic from their node to a pod on
        it is always allowed (most plugins). "pod": as ordinary pods (policies select and
        isolate them, selectors match them, no node exemption), as some plugins and peer
        tools police them. The reading is applied where endpoints are built, so every engine
        and query sees the same one.

    np_selection: with admin policies loaded, when the NetworkPolicy tier is final for a subject:
        isolated in that direction (PER_DIRECTION, the default) or selected by any NetworkPolicy
        (ANY). Without admin policies both readings give the same verdicts.
    """

    ipblock_matches_pods: bool = True
    host_network: HostNetworkReading = HostNetworkReading.NODE
    np_selection: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION

    def __post_init__(self) -> None:
        # a spelling from the command line or a caller ("node", "pod") becomes the member; a wrong one fails here
        object.__setattr__(self, "host_network", HostNetworkReading(self.host_network))


DEFAULT = Semantics()

SELF_TRAFFIC_NOTE = "a pod can always reach itself: NetworkPolicy does not apply to a pod's traffic to itself"
REPLICA_NOTE = "the endpoint stands for several pods: this is traffic between different replicas, governed by policy"
HOST_NETWORK_NOTE = (
    "hostNetwork pods use the node's network: NetworkPolicy does not govern them (treated as node traffic; "
    "only ipBlock peers can match them; --hostnetwork pod reads them as ordinary pods)"
)
HOST_NETWORK_READINGS = tuple(r.value for r in HostNetworkReading)
HOST_NETWORK_AS_NODE_NOTE = (
    "hostNetwork pod read as node traffic (--hostnetwork node, the default): never isolated, matched as a peer "
    "only by ipBlocks, and traffic from its node to pods on that node is always allowed"
)
HOST_NETWORK_AS_POD_NOTE = (
    "hostNetwork pod read as an ordinary pod (--hostnetwork pod): policies select and isolate it, selectors "
    "match it, and traffic from it is not exempt as node traffic"
)
NODE_NOTE = "traffic from a pod's own node is always allowed (NetworkPolicy API)"
EXTERNAL_NOTE = "an address outside the cluster has no NetworkPolicy of its own"
