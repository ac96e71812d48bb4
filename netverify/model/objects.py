"""Frozen dataclasses for the Kubernetes objects netverify reasons about.

Labels are sorted tuples of (key, value) pairs (model/labels.py) so objects stay hashable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netverify.model.direction import Direction
from netverify.model.labels import Labels, LabelSelector
from netverify.model.source import SourceRef

if TYPE_CHECKING:  # the Cluster only names the admin kinds; admin.py builds on labels.py, not on this module
    from netverify.model.admin import AdminPolicy, Node


NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
WORKLOAD_KINDS = (
    "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
)


@dataclass(frozen=True)
class ContainerPort:
    port: int
    protocol: str = "TCP"
    name: str | None = None


@dataclass(frozen=True)
class Namespace:
    name: str
    labels: Labels
    source: SourceRef = SourceRef("")
    implicit: bool = False  # referenced but not declared by any manifest


@dataclass(frozen=True)
class OwnerRef:
    kind: str
    name: str


@dataclass(frozen=True)
class Pod:
    namespace: str
    name: str
    labels: Labels
    ports: tuple[ContainerPort, ...] = ()
    ips: tuple[str, ...] = ()
    host_network: bool = False
    owner: OwnerRef | None = None
    node_name: str | None = None
    source: SourceRef = SourceRef("")


@dataclass(frozen=True)
class Workload:
    """A controller with a pod template: one endpoint standing for the pods it creates."""

    kind: str
    namespace: str
    name: str
    labels: Labels  # the pod template's labels
    ports: tuple[ContainerPort, ...] = ()
    host_network: bool = False
    replicas: int | None = None
    owner: OwnerRef | None = None  # e.g. a Job created by a CronJob
    source: SourceRef = SourceRef("")


@dataclass(frozen=True)
class ServicePort:
    port: int
    target_port: int | str
    protocol: str = "TCP"
    name: str | None = None
    node_port: int | None = None


@dataclass(frozen=True)
class Service:
    namespace: str
    name: str
    type: str = "ClusterIP"
    selector: Labels | None = None  # None: no selector (endpoints managed elsewhere)
    ports: tuple[ServicePort, ...] = ()
    cluster_ips: tuple[str, ...] = ()
    external_name: str | None = None
    external_traffic_policy: str = "Cluster"
    load_balancer_source_ranges: tuple[str, ...] = ()
    external_ips: tuple[str, ...] = ()
    source: SourceRef = SourceRef("")

    @property
    def headless(self) -> bool:
        return self.cluster_ips == ("None",)


@dataclass(frozen=True)
class IPBlock:
    cidr: str
    excepts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Peer:
    """One entry of `from`/`to`: selectors (ANDed when both are present) or an ipBlock."""

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None
    source: SourceRef = SourceRef("")


@dataclass(frozen=True)
class PortSpec:
    """One entry of `ports`: port None means every port of the protocol."""

    protocol: str = "TCP"
    port: int | str | None = None
    end_port: int | None = None
    source: SourceRef = SourceRef("")


@dataclass(frozen=True)
class Rule:
    """An ingress or egress rule; empty peers = every peer, empty ports = every port."""

    direction: Direction
    index: int
    peers: tuple[Peer, ...] = ()
    ports: tuple[PortSpec, ...] = ()
    source: SourceRef = SourceRef("")


@dataclass(frozen=True)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: tuple[Direction, ...]  # effective, after the API server's defaulting
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    declared_policy_types: tuple[Direction, ...] | None = None  # as written (in order); None when absent
    source: SourceRef = SourceRef("")

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"

    def affects(self, direction: Direction) -> bool:
        return direction in self.policy_types

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress


@dataclass(frozen=True)
class EndpointSlice:
    """Backends of a Service as read from a live cluster."""

    namespace: str
    name: str
    service: str
    addresses: tuple[str, ...] = ()
    target_pods: tuple[str, ...] = ()  # pod names from targetRef
    ports: tuple[ServicePort, ...] = ()
    source: SourceRef = SourceRef("")


@dataclass(frozen=True)
class SkippedObject:
    """An object netverify does not analyse, and whether pods it may lead to are missing from the analysis."""

    kind: str
    source: SourceRef
    namespace: str = ""  # "" for cluster-scoped objects, and for kinds never analysed
    name: str = ""
    # True for a kind that may create pods (e.g. a custom resource whose operator makes a StatefulSet)
    # that netverify could not read as a workload: its pods are absent from every answer.
    may_create_pods: bool = False
    # True for network policy of another API (Calico, Cilium ...): the traffic it governs is not analysed.
    policy_not_evaluated: bool = False
    reason: str = ""  # why it is skipped, shown by --verbose

    @property
    def ref(self) -> str:
        return f"{self.namespace + '/' if self.namespace else ''}{self.kind}/{self.name or '?'}"


# The fields of `Cluster` that hold policies, one per kind (each policy has an `id`): what a comparison of
# two policy sets takes from each side (queries/equivalence), the other fields being the inventory they
# share. A new policy kind adds its field here.
POLICY_FIELDS = ("policies", "admin_policies")


@dataclass(frozen=True)
class Cluster:
    """The loaded inventory. Every namespace referenced by an object is present."""

    namespaces: tuple[Namespace, ...] = ()
    pods: tuple[Pod, ...] = ()
    workloads: tuple[Workload, ...] = ()
    services: tuple[Service, ...] = ()
    policies: tuple[NetworkPolicy, ...] = ()
    endpoint_slices: tuple[EndpointSlice, ...] = ()
    admin_policies: tuple[AdminPolicy, ...] = ()  # AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy
    nodes: tuple[Node, ...] = ()
    skipped: tuple[SkippedObject, ...] = field(default=(), compare=False)

    @property
    def policy_count(self) -> int:
        """How many policies of every kind (each field of POLICY_FIELDS) were loaded."""
        return sum(len(getattr(self, kind)) for kind in POLICY_FIELDS)

    def namespace(self, name: str) -> Namespace | None:
        for ns in self.namespaces:
            if ns.name == name:
                return ns
        return None
