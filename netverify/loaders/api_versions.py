"""Which built-in kinds are read, under which apiVersions, and which of them cite only their document's first line."""

from __future__ import annotations

from typing import Any

from netverify.model import ADMIN_POLICY_KINDS

# apiVersions under which each kind is read; anything else is reported.
API_VERSIONS: dict[str, tuple[str, ...]] = {
    "Namespace": ("v1",),
    "Pod": ("v1",),
    "Service": ("v1",),
    "ReplicationController": ("v1",),
    "NetworkPolicy": ("networking.k8s.io/v1", "extensions/v1beta1"),
    "Deployment": ("apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"),
    "StatefulSet": ("apps/v1", "apps/v1beta1", "apps/v1beta2"),
    "DaemonSet": ("apps/v1", "apps/v1beta2", "extensions/v1beta1"),
    "ReplicaSet": ("apps/v1", "apps/v1beta2", "extensions/v1beta1"),
    "Job": ("batch/v1",),
    "CronJob": ("batch/v1", "batch/v1beta1"),
    "EndpointSlice": ("discovery.k8s.io/v1",),
    "Node": ("v1",),
    "AdminNetworkPolicy": ("policy.networking.k8s.io/v1alpha1",),
    "BaselineAdminNetworkPolicy": ("policy.networking.k8s.io/v1alpha1",),
    "ClusterNetworkPolicy": ("policy.networking.k8s.io/v1alpha2",),
}
CLUSTER_SCOPED = ("Namespace", "Node", *ADMIN_POLICY_KINDS)
CURRENT_API = {kind: versions[0] for kind, versions in API_VERSIONS.items()}


# Kinds whose objects cite only their document's first line (f.ref()): read from the fast parser's objects, and
# re-read with every line only when they have something to report. Policies cite their rules, peers and ports;
# EndpointSlices, Lists and custom resources read lines of their own: the fast path re-reads those at once.
FAST_KINDS = frozenset(("Namespace", "Pod", "Service", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                         "ReplicationController", "Job", "CronJob", "Node"))


def fast_kind(data: Any) -> bool:
    """Whether a document is a built-in kind that cites only its first line, under an apiVersion it is read at."""
    if not isinstance(data, dict):
        return False
    kind = data.get("kind")
    return isinstance(kind, str) and kind in FAST_KINDS and data.get("apiVersion") in API_VERSIONS[kind]
