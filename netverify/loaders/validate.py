"""The API server's validation rules across fields, for the kinds netverify reads.

The converters check each field's type and format; these rules relate fields to each other, as the
API server's `validation.go` does, so that netverify never analyses an object a cluster would refuse:
Service port names (required with several ports, unique, DNS labels), nodePort only where a node port
exists, externalName a DNS name, at most one controller owner, container port
names unique in a pod, status.podIP consistent with status.podIPs, at most two policyTypes, an
EndpointSlice addressType, at least one container in a pod and in every pod template, and workload
selectors as the API server reads them: required for apps/v1 (and apps/v1beta2) Deployments, ReplicaSets,
StatefulSets and DaemonSets (the older extensions/v1beta1 and apps/v1beta1 defaulted it from the template's
labels), generated for a Job (a given one must still select the template; `manualSelector: true` needs one),
refused in a CronJob's jobTemplate (`selector` will be auto-generated), and always selecting the template's labels.
Each problem is an error at its line with what to do.
"""

from __future__ import annotations

from typing import Any

from netverify.loaders.convert import convert_selector
from netverify.loaders.fields import HINT_DNS_LABEL, HINT_DNS_SUBDOMAIN, Fields, is_dns_label, line_of
from netverify.model.source import quoted

_WORKLOAD_SELECTOR_REQUIRED = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
_TEMPLATE_OWNERS = (*_WORKLOAD_SELECTOR_REQUIRED, "ReplicationController", "Job", "CronJob")
# API versions whose defaulting filled a missing selector from the template's labels (gone since 1.16)
_SELECTOR_DEFAULTED = ("extensions/v1beta1", "apps/v1beta1")
ADDRESS_TYPES = ("IPv4", "IPv6", "FQDN")


def validate_object(doc: Any, kind: str, f: Fields) -> None:
    """Record an error for each cross-field rule the API server would reject `doc` (of `kind`) for."""
    if not isinstance(doc, dict):
        return
    meta = doc.get("metadata")
    if isinstance(meta, dict):
        _one_controller(meta, f)
    spec = doc.get("spec")
    if kind == "Service" and isinstance(spec, dict):
        _service(spec, f)
    elif kind == "Pod":
        if isinstance(spec, dict):
            _pod_spec(spec, "spec", f, line_of(doc, "spec"))
        if isinstance(doc.get("status"), dict):
            _pod_ips(doc["status"], f)
    elif kind == "NetworkPolicy" and isinstance(spec, dict):
        types = spec.get("policyTypes")
        if isinstance(types, list) and len(types) > 2:
            f.error(line_of(spec, "policyTypes"), "spec.policyTypes", "may not list more than two policy types",
                    "write Ingress, Egress or both, each once")
    elif kind == "EndpointSlice":
        address_type = doc.get("addressType")
        if address_type not in ADDRESS_TYPES:
            problem = "is required" if address_type is None else \
                f"must be IPv4, IPv6 or FQDN, not {quoted(address_type)}"
            f.error(line_of(doc, "addressType"), "addressType", problem, "add `addressType: IPv4` (or IPv6, FQDN)")
    elif kind in _TEMPLATE_OWNERS and isinstance(spec, dict):
        _workload(spec, kind, doc.get("apiVersion"), f)


def _one_controller(meta: dict[str, Any], f: Fields) -> None:
    refs = meta.get("ownerReferences")
    if not isinstance(refs, list):
        return
    controllers = [i for i, r in enumerate(refs) if isinstance(r, dict) and r.get("controller") is True]
    for i in controllers[1:]:
        f.error(line_of(refs, i), f"metadata.ownerReferences[{i}].controller",
                f"only one owner reference may be the controller (the first is ownerReferences[{controllers[0]}])",
                "set controller: true on one owner only")


def _service(spec: dict[str, Any], f: Fields) -> None:
    svc_type = spec.get("type") or "ClusterIP"
    ports: list[Any] = spec["ports"] if isinstance(spec.get("ports"), list) else []
    names: dict[str, int] = {}
    for i, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        path, line = f"spec.ports[{i}]", line_of(ports, i)
        name = port.get("name")
        if name in (None, "") and len(ports) > 1:
            f.error(line, f"{path}.name", "is required when a Service has more than one port",
                    "give every port a name, e.g. name: http")
        elif isinstance(name, str) and name:
            if not is_dns_label(name):
                f.error(line_of(port, "name"), f"{path}.name", f"{quoted(name)} is not a valid port name",
                        HINT_DNS_LABEL)
            elif name in names:
                f.error(line_of(port, "name"), f"{path}.name", f"duplicate port name {quoted(name)} (first in "
                        f"spec.ports[{names[name]}])", "give every port its own name")
            else:
                names[name] = i
        if port.get("nodePort") not in (None, 0) and svc_type not in ("NodePort", "LoadBalancer"):
            f.error(line_of(port, "nodePort"), f"{path}.nodePort", f"may not be used when type is {svc_type}",
                    "remove nodePort, or use type: NodePort or LoadBalancer")
    if svc_type == "ExternalName":
        name = spec.get("externalName")
        shown = name.rstrip(".") if isinstance(name, str) else None
        if not shown or len(shown) > 253 or not all(is_dns_label(part) for part in shown.split(".")):
            f.error(line_of(spec, "externalName"), "spec.externalName",
                    "is required for type ExternalName" if name is None else f"{quoted(name)} is not a DNS name",
                    HINT_DNS_SUBDOMAIN)


def _pod_spec(spec: dict[str, Any], path: str, f: Fields, line: int) -> None:
    containers = spec.get("containers")
    if containers is None or (isinstance(containers, list) and not containers):  # other types: the converter's
        f.error(line_of(spec, "containers") or line, f"{path}.containers",
                "is required: a pod runs at least one container (the API server rejects it otherwise)",
                "add `containers: [{name: app, image: ...}]` with the container's ports")
    seen: dict[str, tuple[str, int, int]] = {}  # a port name -> where it is first (written out on a duplicate)
    for key in ("containers", "initContainers"):
        items = spec.get(key)
        for i, container in enumerate(items if isinstance(items, list) else []):
            ports = container.get("ports") if isinstance(container, dict) else None
            for j, port in enumerate(ports if isinstance(ports, list) else []):
                name = port.get("name") if isinstance(port, dict) else None
                if not isinstance(name, str) or not name:
                    continue
                if name in seen:
                    first_key, first_i, first_j = seen[name]
                    f.error(line_of(port, "name"), f"{path}.{key}[{i}].ports[{j}].name", f"duplicate port name "
                            f"{quoted(name)} in the pod (first at {path}.{first_key}[{first_i}].ports[{first_j}])",
                            "port names must be unique across the pod's containers")
                else:
                    seen[name] = (key, i, j)


def _pod_ips(status: dict[str, Any], f: Fields) -> None:
    pod_ips = status.get("podIPs")
    if not isinstance(pod_ips, list) or not pod_ips:
        return
    first = pod_ips[0].get("ip") if isinstance(pod_ips[0], dict) else None
    pod_ip = status.get("podIP")
    if pod_ip not in (None, "") and first not in (None, "") and pod_ip != first:
        f.error(line_of(status, "podIP"), "status.podIP", f"{quoted(pod_ip)} is not the first of status.podIPs "
                f"({quoted(first)})", "status.podIP must equal status.podIPs[0].ip")
    if len(pod_ips) > 2:
        f.error(line_of(status, "podIPs"), "status.podIPs", "may hold at most two addresses (one per IP family)",
                "keep one IPv4 and one IPv6 address")
    elif len(pod_ips) == 2:
        ips = [p.get("ip") if isinstance(p, dict) else None for p in pod_ips]
        if isinstance(ips[0], str) and isinstance(ips[1], str) and (":" in ips[0]) == (":" in ips[1]):
            f.error(line_of(pod_ips, 1), "status.podIPs[1]", "two addresses of the same IP family",
                    "a dual-stack pod has one IPv4 and one IPv6 address")


def _workload(spec: dict[str, Any], kind: str, api_version: Any, f: Fields) -> None:
    owner, path = (_job_template(spec, f), "spec.jobTemplate.spec") if kind == "CronJob" else (spec, "spec")
    template = owner.get("template") if owner is not None else None
    if not isinstance(template, dict):
        return  # the converter reports the missing template
    tmeta = template.get("metadata")
    labels = tmeta.get("labels") if isinstance(tmeta, dict) else None
    if isinstance(template.get("spec"), dict):
        _pod_spec(template["spec"], f"{path}.template.spec", f, line_of(template, "spec"))
    if kind != "CronJob":
        _selector(spec, kind, api_version, labels if isinstance(labels, dict) else {}, f)


def _job_template(spec: dict[str, Any], f: Fields) -> dict[str, Any] | None:
    """A CronJob's jobTemplate.spec, after the API server's rules for it: each Job's selector is generated."""
    job = spec.get("jobTemplate")
    job_spec = job.get("spec") if isinstance(job, dict) else None
    if not isinstance(job_spec, dict):
        return None  # the converter reports the missing jobTemplate.spec
    if job_spec.get("selector") is not None:
        f.error(line_of(job_spec, "selector"), "spec.jobTemplate.spec.selector",
                "may not be given in a CronJob's jobTemplate: the API server generates it",
                "remove the selector; each Job selects its own pods")
    if job_spec.get("manualSelector") is True:
        f.error(line_of(job_spec, "manualSelector"), "spec.jobTemplate.spec.manualSelector",
                "may not be true in a CronJob's jobTemplate", "remove manualSelector")
    return job_spec


def _selector(spec: dict[str, Any], kind: str, api_version: Any, labels: dict[Any, Any], f: Fields) -> None:
    """The workload's selector as the API server checks it: present where required, selecting the template."""
    selector = spec.get("selector")
    manual = spec.get("manualSelector") is True
    if selector is None:
        if kind in _WORKLOAD_SELECTOR_REQUIRED and api_version not in _SELECTOR_DEFAULTED:
            f.error(line_of(spec, "template"), "spec.selector", f"is required for a {kind} (apps/v1)",
                    "add `selector: {matchLabels: ...}` with the pod template's labels")
        elif kind == "Job" and manual:
            f.error(line_of(spec, "manualSelector"), "spec.selector", "is required when manualSelector is true",
                    "add `selector: {matchLabels: ...}` with the pod template's labels, or remove manualSelector")
        return
    if kind == "Job" and not manual and selector == {}:
        return  # the generated controller-uid label makes it select the template
    matches: bool | None
    if kind == "ReplicationController":  # a plain map of labels
        given = f.labels(spec, "selector", "spec.selector")
        matches = all(labels.get(k) == v for k, v in given.items()) if isinstance(selector, dict) else None
    else:
        # A Job's generated controller-uid label goes to both its selector and its template, so a selector
        # given without manualSelector must still select the template's own labels.
        failed = f.failed
        if convert_selector(spec, "selector", "spec.selector", f) is None or (f.failed and not failed):
            return  # its shape is wrong: reported at its line
        matches = _selector_matches(selector, labels)
    if matches is False:
        f.error(line_of(spec, "selector"), "spec.selector", "does not match the pod template's labels",
                "the selector must select spec.template.metadata.labels (the API server rejects it otherwise)")


def _selector_matches(selector: Any, labels: dict[Any, Any]) -> bool | None:
    """Whether a LabelSelector selects `labels`; None when it is malformed (the converter reports that)."""
    if not isinstance(selector, dict):
        return None
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        return None
    if not match_labels and not expressions:
        return False  # the API server refuses an empty selector on a workload
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    for expr in expressions:
        if not isinstance(expr, dict):
            return None
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True
