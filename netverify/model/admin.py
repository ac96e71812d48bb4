"""Cluster-wide admin policies and Nodes, as frozen dataclasses.

Three kinds share one shape here, because their semantics are one (network-policy-api
apis/v1alpha2/clusternetworkpolicy_types.go merges the two v1alpha1 kinds, NPEP-285):

- ``AdminNetworkPolicy`` (policy.networking.k8s.io/v1alpha1): tier Admin, a priority, actions
  Allow/Deny/Pass, v1alpha1 ``ports``;
- ``BaselineAdminNetworkPolicy`` (v1alpha1): tier Baseline, no priority (a singleton named
  ``default``), actions Allow/Deny;
- ``ClusterNetworkPolicy`` (v1alpha2): tier Admin or Baseline, a priority in both, actions
  Accept/Deny/Pass, ``protocols``.

`AdminPolicy.kind` and `api_version` keep what was written; the action is normalised (v1alpha1
``Allow`` and v1alpha2 ``Accept`` are both `AdminAction.ACCEPT`, the spelling of the current API)
and `AdminRule.action_as_written` keeps the original word for explanations. Ports are
normalised to destination port ranges or a named port (`AdminPort`). Invariants (the loader
enforces them, as the API server's CRD schema and CEL rules do): a subject and every peer have
exactly one form; ``ports is None`` means every port and protocol; priorities are 0..1000.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from netverify.model.direction import Direction
from netverify.model.labels import Labels, LabelSelector
from netverify.model.source import SourceRef

ADMIN_POLICY_KINDS = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")
BASELINE_SINGLETON_NAME = "default"


class AdminTier(str, Enum):
    """The two cluster-wide tiers; NetworkPolicies sit between them."""

    ADMIN = "Admin"
    BASELINE = "Baseline"


class AdminAction(str, Enum):
    ACCEPT = "Accept"  # v1alpha1 "Allow"
    DENY = "Deny"
    PASS = "Pass"


class SubjectForm(str, Enum):
    NAMESPACES = "namespaces"
    PODS = "pods"


class PeerForm(str, Enum):
    NAMESPACES = "namespaces"
    PODS = "pods"
    NETWORKS = "networks"
    NODES = "nodes"
    DOMAIN_NAMES = "domainNames"


@dataclass(frozen=True)
class AdminSubject:
    """Which pods a policy applies to. ``namespaces``: every pod of the selected namespaces
    (`namespace_selector`); ``pods``: `pod_selector` within `namespace_selector` (empty = all
    namespaces). Host-networked pods are never subjects."""

    form: SubjectForm
    namespace_selector: LabelSelector = LabelSelector()
    pod_selector: LabelSelector = LabelSelector()
    source: SourceRef = SourceRef("")

    def describe(self) -> str:
        if self.form is SubjectForm.NAMESPACES:
            return f"namespaces {self.namespace_selector.describe()}"
        return f"pods {self.pod_selector.describe()} in namespaces {self.namespace_selector.describe()}"


@dataclass(frozen=True)
class AdminPeer:
    """One entry of ``from``/``to``, in exactly one form. `networks` are CIDR strings as written
    (they match pod and node addresses too); `node_selector` selects Node addresses; `domain_names`
    are matched by DNS at run time and can never be proved from manifests."""

    form: PeerForm
    namespace_selector: LabelSelector = LabelSelector()
    pod_selector: LabelSelector = LabelSelector()
    networks: tuple[str, ...] = ()
    node_selector: LabelSelector = LabelSelector()
    domain_names: tuple[str, ...] = ()
    source: SourceRef = SourceRef("")

    def describe(self) -> str:
        if self.form is PeerForm.NAMESPACES:
            return f"namespaces {self.namespace_selector.describe()}"
        if self.form is PeerForm.PODS:
            return f"pods {self.pod_selector.describe()} in namespaces {self.namespace_selector.describe()}"
        if self.form is PeerForm.NETWORKS:
            return "networks " + ",".join(self.networks)
        if self.form is PeerForm.NODES:
            return f"nodes {self.node_selector.describe()}"
        return "domainNames " + ",".join(self.domain_names)


@dataclass(frozen=True)
class AdminPort:
    """A destination port match: an inclusive range of one protocol, or a named container port of
    the destination pod (its protocol is the container port's)."""

    protocol: str | None = "TCP"  # None with a named port
    start: int | None = None
    end: int | None = None
    named: str | None = None
    source: SourceRef = SourceRef("")

    def describe(self) -> str:
        if self.named is not None:
            return f"named port {self.named}"
        span = str(self.start) if self.start == self.end else f"{self.start}-{self.end}"
        return f"{self.protocol} {span}"


@dataclass(frozen=True)
class AdminRule:
    direction: Direction
    index: int
    name: str
    action: AdminAction
    action_as_written: str
    peers: tuple[AdminPeer, ...]
    ports: tuple[AdminPort, ...] | None = None  # None: every port and protocol
    source: SourceRef = SourceRef("")

    def label(self) -> str:
        """How explanations name the rule: its name when it has one, else direction[index]."""
        return self.name or f"{self.direction.value}[{self.index}]"


@dataclass(frozen=True)
class AdminPolicy:
    """An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy (cluster-scoped)."""

    kind: str
    api_version: str
    name: str
    tier: AdminTier
    priority: int | None  # None only for a BaselineAdminNetworkPolicy
    subject: AdminSubject
    ingress: tuple[AdminRule, ...] = ()
    egress: tuple[AdminRule, ...] = ()
    source: SourceRef = SourceRef("")

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.name}"

    def rules(self, direction: Direction) -> tuple[AdminRule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress


@dataclass(frozen=True)
class NodeAddress:
    type: str  # InternalIP, ExternalIP, Hostname, InternalDNS, ExternalDNS
    address: str


@dataclass(frozen=True)
class Node:
    """A Node: its labels (for ``nodes`` peers) and status addresses. `ips` are the addresses that
    ``nodes`` peers match: InternalIP and ExternalIP (as kube-network-policies does)."""

    name: str
    labels: Labels
    addresses: tuple[NodeAddress, ...] = ()
    pod_cidrs: tuple[str, ...] = ()
    source: SourceRef = SourceRef("")

    @property
    def ips(self) -> tuple[str, ...]:
        return tuple(a.address for a in self.addresses if a.type in ("InternalIP", "ExternalIP"))
