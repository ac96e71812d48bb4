"""Kinds netverify does not read as built-in objects: which make pods, and how to read those pods.

An object whose kind is not one of the built-in kinds netverify reads is, in this order:

1. a kind the user's kinds file (`--kinds FILE`, see KindMap) describes: read as it says;
2. a custom resource with a pod template at `spec.template` (Argo Rollouts, OpenKruise CloneSet, Knative
   Service ...) or `spec.jobTemplate.spec.template` (CronJob-like resources): a workload of that kind;
3. a resource of a widely used operator (netverify.loaders.operators): the pods the operator makes;
4. a kind known never to make pods or change traffic (TRAFFIC_IRRELEVANT): skipped quietly;
5. a network policy of another API (Calico, Cilium ...): skipped, and an error under --strict, since the
   answers ignore it;
6. anything else: skipped as a resource that may create pods netverify cannot see (an error under --strict).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from netverify.loaders.convert import convert_workload
from netverify.loaders.fields import Fields
from netverify.loaders.kindmap import KindMap
from netverify.loaders.operators import OPERATOR_KINDS
from netverify.model import Workload


def _kinds(group: str, names: str) -> Iterable[tuple[str, str]]:
    return ((group, kind) for kind in names.split())


# (API group, kind) pairs that never create pods and are not network policy: ServiceAccounts, RBAC, CRDs,
# configuration, autoscaling, storage, routing and certificate resources. "" is the core group.
TRAFFIC_IRRELEVANT: frozenset[tuple[str, str]] = frozenset((
    *_kinds("", "ServiceAccount Secret ConfigMap Endpoints LimitRange ResourceQuota PersistentVolume "
                "PersistentVolumeClaim PodTemplate Event ComponentStatus Binding"),
    *_kinds("rbac.authorization.k8s.io", "Role ClusterRole RoleBinding ClusterRoleBinding"),
    *_kinds("apiextensions.k8s.io", "CustomResourceDefinition"),
    *_kinds("apiregistration.k8s.io", "APIService"),
    *_kinds("admissionregistration.k8s.io", "ValidatingWebhookConfiguration MutatingWebhookConfiguration "
                                             "ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding "
                                             "MutatingAdmissionPolicy MutatingAdmissionPolicyBinding"),
    *_kinds("policy", "PodDisruptionBudget PodSecurityPolicy"),
    *_kinds("autoscaling", "HorizontalPodAutoscaler"),
    *_kinds("autoscaling.k8s.io", "VerticalPodAutoscaler VerticalPodAutoscalerCheckpoint"),
    *_kinds("scheduling.k8s.io", "PriorityClass"),
    *_kinds("storage.k8s.io", "StorageClass CSIDriver CSINode VolumeAttachment CSIStorageCapacity "
                               "VolumeAttributesClass"),
    *_kinds("snapshot.storage.k8s.io", "VolumeSnapshot VolumeSnapshotClass VolumeSnapshotContent"),
    *_kinds("networking.k8s.io", "Ingress IngressClass IPAddress ServiceCIDR"),
    *_kinds("node.k8s.io", "RuntimeClass"),
    *_kinds("coordination.k8s.io", "Lease"),
    *_kinds("certificates.k8s.io", "CertificateSigningRequest ClusterTrustBundle"),
    *_kinds("flowcontrol.apiserver.k8s.io", "FlowSchema PriorityLevelConfiguration"),
    *_kinds("kustomize.config.k8s.io", "Kustomization Component"),  # kustomization.yaml files
    *_kinds("monitoring.coreos.com", "ServiceMonitor PodMonitor PrometheusRule Probe AlertmanagerConfig "
                                     "ScrapeConfig"),
    *_kinds("cert-manager.io", "Certificate CertificateRequest Issuer ClusterIssuer"),
    *_kinds("gateway.networking.k8s.io", "GatewayClass HTTPRoute GRPCRoute TLSRoute TCPRoute UDPRoute "
                                         "ReferenceGrant BackendTLSPolicy"),
    *_kinds("external-secrets.io", "ExternalSecret ClusterExternalSecret SecretStore ClusterSecretStore"),
    *_kinds("bitnami.com", "SealedSecret"),
))

# Network policy of other APIs: no pods, but the traffic they allow or deny is not in netverify's answers.
OTHER_POLICY_GROUPS = frozenset(("crd.projectcalico.org", "projectcalico.org", "cilium.io", "security.istio.io"))


@dataclass(frozen=True)
class CustomReading:
    """What became of a custom resource: its workloads, or why it was skipped."""

    workloads: tuple[Workload, ...] = ()
    read: bool = False  # read as workloads (possibly none, e.g. an invalid one: errors say why)
    may_create_pods: bool = False
    policy_not_evaluated: bool = False
    reason: str = ""


def api_group(api_version: Any) -> str:
    """The group of an apiVersion: `apps/v1` -> apps, `v1` -> "" (core)."""
    return api_version.rsplit("/", 1)[0] if isinstance(api_version, str) and "/" in api_version else ""


def read_custom(doc: Any, kind: str, namespace: str, f: Fields, kinds: KindMap | None) -> CustomReading:
    """How a resource of a kind that is not built in is read (see the module doc for the order)."""
    group = api_group(doc.get("apiVersion"))
    rule = kinds.rule(group, kind) if kinds is not None else None
    if rule is not None:
        if not rule.creates_pods:
            return CustomReading(reason=f"not relevant to NetworkPolicy (kinds file {rule.source})")
        return CustomReading(tuple(rule.read(doc, kind, namespace, f)), read=True)
    template = pod_template_path(doc)
    if template is not None:
        workload = convert_workload(doc, kind, namespace, f, template)
        return CustomReading((workload,) if workload is not None else (), read=True)
    reader = OPERATOR_KINDS.get((group, kind))
    if reader is not None:
        return CustomReading(tuple(reader(doc, namespace, f)), read=True)
    if (group, kind) in TRAFFIC_IRRELEVANT:
        return CustomReading(reason="not relevant to NetworkPolicy")
    if group in OTHER_POLICY_GROUPS:
        return CustomReading(policy_not_evaluated=True,
                             reason=f"a network policy of {group}, which netverify does not evaluate")
    return CustomReading(may_create_pods=True, reason="a custom resource that may create pods netverify cannot see")


def pod_template_path(doc: Any) -> tuple[str, ...] | None:
    """Where a custom resource keeps a pod template: spec.template or spec.jobTemplate.spec.template."""
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        return None
    if _is_pod_template(spec.get("template")):
        return ("spec", "template")
    job = spec.get("jobTemplate")
    job_spec = job.get("spec") if isinstance(job, dict) else None
    if isinstance(job_spec, dict) and _is_pod_template(job_spec.get("template")):
        return ("spec", "jobTemplate", "spec", "template")
    return None


def _is_pod_template(node: Any) -> bool:
    """A PodTemplateSpec: a mapping whose spec has a list of containers."""
    spec = node.get("spec") if isinstance(node, dict) else None
    return isinstance(spec, dict) and isinstance(spec.get("containers"), list)
