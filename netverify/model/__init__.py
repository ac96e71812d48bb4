"""Frozen data model of the loaded inventory."""

from netverify.model.admin import (
    ADMIN_POLICY_KINDS,
    BASELINE_SINGLETON_NAME,
    AdminAction,
    AdminPeer,
    AdminPolicy,
    AdminPort,
    AdminRule,
    AdminSubject,
    AdminTier,
    Node,
    NodeAddress,
    PeerForm,
    SubjectForm,
)
from netverify.model.direction import Direction
from netverify.model.labels import Labels, LabelSelector, Requirement, freeze_labels
from netverify.model.objects import (
    NAMESPACE_NAME_LABEL,
    POLICY_FIELDS,
    WORKLOAD_KINDS,
    Cluster,
    ContainerPort,
    EndpointSlice,
    IPBlock,
    Namespace,
    NetworkPolicy,
    OwnerRef,
    Peer,
    Pod,
    PortSpec,
    Rule,
    Service,
    ServicePort,
    SkippedObject,
    Workload,
)
from netverify.model.source import Diagnostic, InputError, Severity, SourceRef, ValueEnum, relocated, without_sources

__all__ = [
    "ADMIN_POLICY_KINDS", "BASELINE_SINGLETON_NAME", "AdminAction", "AdminPeer", "AdminPolicy", "AdminPort",
    "AdminRule", "AdminSubject", "AdminTier", "Node", "NodeAddress", "PeerForm", "SubjectForm",
    "NAMESPACE_NAME_LABEL", "POLICY_FIELDS", "WORKLOAD_KINDS", "Cluster", "ContainerPort", "Diagnostic",
    "EndpointSlice",
    "IPBlock", "InputError", "LabelSelector", "Labels", "Namespace", "NetworkPolicy", "OwnerRef", "Peer", "Pod",
    "PortSpec", "Requirement", "Rule", "Service", "ServicePort", "Severity", "SkippedObject", "SourceRef", "Workload",
    "without_sources", "relocated", "freeze_labels", "Direction", "ValueEnum",
]
