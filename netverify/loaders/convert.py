"""Convert located Kubernetes object documents into model objects.

Each `convert_*` function validates like the API server and returns None when the
object cannot be used; all problems land in the `Fields` diagnostics.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from netverify.loaders.fields import (
    HINT_CIDR,
    HINT_LABEL_KEY,
    HINT_LABEL_VALUE,
    HINT_MAPPING,
    HINT_PORT_NAME,
    Fields,
    label_key_problem,
    label_value_problem,
    line_of,
    plain_container_port,
    plain_ip,
    plain_owner,
    port_name_problem,
)
from netverify.model import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    Direction,
    IPBlock,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    OwnerRef,
    Peer,
    Pod,
    PortSpec,
    Requirement,
    Rule,
    Service,
    ServicePort,
    Workload,
    freeze_labels,
)
from netverify.model.source import quoted

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_KIND = re.compile(r"^[A-Z][A-Za-z0-9]{0,62}$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def convert_namespace(doc: Any, f: Fields) -> Namespace | None:
    meta = f.map(doc, "metadata", "metadata", required=True)
    name = f.name(meta, "metadata.name", dns_label=True) if meta is not None else None
    labels = f.labels(meta, "labels", "metadata.labels") if meta is not None else {}
    if name is None:
        return None
    labels[NAMESPACE_NAME_LABEL] = name  # set by the API server, whatever the manifest says
    return Namespace(name, freeze_labels(labels), f.ref())


def _container_ports(spec: Any, path: str, f: Fields) -> tuple[ContainerPort, ...]:
    out: list[ContainerPort] = []
    for key in ("containers", "initContainers"):
        containers = f.list(spec, key, f"{path}.{key}") or []
        for i, c in enumerate(containers):
            cpath = f"{path}.{key}[{i}]"
            if not isinstance(c, dict):
                f.error(line_of(containers, i), cpath, "must be a mapping", HINT_MAPPING)
                continue
            # Only regular containers and restartable init containers (sidecars) serve ports.
            if key == "initContainers" and f.str(c, "restartPolicy", f"{cpath}.restartPolicy") != "Always":
                continue
            for j, p in enumerate(f.list(c, "ports", f"{cpath}.ports") or []):
                port = plain_container_port(p) if isinstance(p, dict) else None
                if port is not None:
                    out.append(port)
                    continue
                ppath = f"{cpath}.ports[{j}]"
                if not isinstance(p, dict):
                    f.error(line_of(c["ports"], j), ppath, "must be a mapping", HINT_MAPPING)
                    continue
                number = f.port_number(p, "containerPort", f"{ppath}.containerPort", required=True)
                protocol = f.protocol(p, "protocol", f"{ppath}.protocol")
                name = f.str(p, "name", f"{ppath}.name")
                if name is not None:
                    problem = port_name_problem(name)
                    if problem:
                        f.error(line_of(p, "name"), f"{ppath}.name", f"invalid port name {quoted(name)}: {problem}",
                                HINT_PORT_NAME)
                        name = None
                if number is not None:
                    out.append(ContainerPort(number, protocol, name))
    return tuple(out)


def _owner(meta: Any, f: Fields) -> OwnerRef | None:
    """The controller among the ownerReferences (every entry is checked: the API server rejects bad ones)."""
    refs = f.list(meta, "ownerReferences", "metadata.ownerReferences") or []
    owner: OwnerRef | None = None
    for i, ref in enumerate(refs):
        if isinstance(ref, dict):  # the common case, valid as written: no path built, no line looked up
            kind, name, controller = ref.get("kind"), ref.get("name"), ref.get("controller")
            if type(kind) is str and type(name) is str and kind and name and type(controller) in (bool, type(None)):
                if not (controller and owner is None):
                    continue
                if (possible := plain_owner(kind, name)) is not None:
                    owner = possible
                    continue
        path = f"metadata.ownerReferences[{i}]"
        if not isinstance(ref, dict):
            f.error(line_of(refs, i), path, "must be a mapping with apiVersion, kind and name", HINT_MAPPING)
            continue
        kind = f.str(ref, "kind", f"{path}.kind", required=True)
        name = f.str(ref, "name", f"{path}.name", required=True)
        controller = f.bool(ref, "controller", f"{path}.controller")
        if controller and kind and name and owner is None:
            if not _KIND.match(kind) or len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
                # No object can have this kind or name: the owner cannot exist, and it would be shown as the
                # workload's id in every report (a name such as `x.yaml:1: error: ...` forges CI output).
                f.warn(line_of(ref, "name"), f"metadata.ownerReferences[{i}] names no possible object "
                       f"({quoted(kind)} {quoted(name)}): the pod is reported on its own",
                       "an owner is a workload of this namespace: a Kind and a lowercase DNS name")
                continue
            owner = OwnerRef(kind, name)
    return owner


def convert_pod(doc: Any, namespace: str, f: Fields) -> Pod | None:
    """A Pod, or None when it is finished (Succeeded/Failed) or invalid."""
    meta = f.map(doc, "metadata", "metadata", required=True)
    spec = f.map(doc, "spec", "spec", required=True)
    if meta is None:
        return None
    name = f.name(meta, "metadata.name")
    labels = f.labels(meta, "labels", "metadata.labels")
    ports = _container_ports(spec, "spec", f) if spec is not None else ()
    host_network = (f.bool(spec, "hostNetwork", "spec.hostNetwork") if spec is not None else None) or False
    node = f.str(spec, "nodeName", "spec.nodeName") if spec is not None else None
    status = f.map(doc, "status", "status")
    ips: list[str] = []
    phase = None
    if status is not None:
        phase = f.str(status, "phase", "status.phase")
        raw_ips: list[tuple[Any, Any, Any]] = []  # the value, where it is (its line is looked up on an error)
        if "podIP" in status:
            raw_ips.append((status["podIP"], status, "podIP"))
        for i, entry in enumerate(f.list(status, "podIPs", "status.podIPs") or []):
            raw_ips.append((entry.get("ip") if isinstance(entry, dict) else entry, status["podIPs"], i))
        for value, container, key in raw_ips:
            if value in (None, ""):
                continue
            ip = plain_ip(value) or f.ip(value, line_of(container, key),
                                         f"status.podIPs[{key}].ip" if type(key) is int else "status.podIP")
            if ip is not None and ip not in ips:
                ips.append(ip)
    owner = _owner(meta, f)
    if name is None or f.failed or phase in ("Succeeded", "Failed"):
        return None
    return Pod(namespace, name, freeze_labels(labels), ports, tuple(ips), host_network, owner, node, f.ref())


def _template_path(kind: str) -> tuple[str, ...]:
    return ("spec", "jobTemplate", "spec", "template") if kind == "CronJob" else ("spec", "template")


def container_ports(pod_spec: Any, path: str, f: Fields) -> tuple[ContainerPort, ...]:
    """The ports a pod spec's containers (and sidecar init containers) serve, validated; `path` names it."""
    return _container_ports(pod_spec, path, f)


def convert_workload(doc: Any, kind: str, namespace: str, f: Fields,
                     template_path: tuple[str, ...] | None = None) -> Workload | None:
    """A workload read from its pod template; `template_path` is where a custom resource keeps it
    (e.g. ("spec", "template") for an Argo Rollout), otherwise the built-in kind's place."""
    meta = f.map(doc, "metadata", "metadata", required=True)
    name = f.name(meta, "metadata.name") if meta is not None else None
    f.labels(meta, "labels", "metadata.labels")  # the workload's own labels: not its pods', but checked alike
    node: Any = doc
    path = ""
    for key in template_path or _template_path(kind):
        path = f"{path}.{key}" if path else key
        node = f.map(node, key, path, required=True)
        if node is None:
            return None
    tmeta = f.map(node, "metadata", f"{path}.metadata")
    labels = f.labels(tmeta, "labels", f"{path}.metadata.labels") if tmeta is not None else {}
    tspec = f.map(node, "spec", f"{path}.spec", required=True)
    ports = _container_ports(tspec, f"{path}.spec", f) if tspec is not None else ()
    host_network = (f.bool(tspec, "hostNetwork", f"{path}.spec.hostNetwork") if tspec is not None else None) or False
    spec = doc.get("spec")
    replicas: int | None = None
    scaled = kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")
    if scaled or template_path == ("spec", "template"):  # a custom resource's spec.replicas, as for a Deployment
        replicas = f.int(spec, "replicas", "spec.replicas", 0, 2**31 - 1)
        replicas = 1 if replicas is None else replicas
    elif kind == "Job":
        replicas = f.int(spec, "parallelism", "spec.parallelism", 0, 2**31 - 1)
    owner = _owner(meta, f)
    if name is None or f.failed:
        return None
    return Workload(kind, namespace, name, freeze_labels(labels), ports, host_network, replicas, owner, f.ref())


def convert_service(doc: Any, namespace: str, f: Fields) -> Service | None:
    meta = f.map(doc, "metadata", "metadata", required=True)
    name = f.name(meta, "metadata.name", dns_label=True) if meta is not None else None
    f.labels(meta, "labels", "metadata.labels")  # not used, but the API server rejects invalid ones
    spec: dict[str, Any] = f.map(doc, "spec", "spec") or {}
    svc_type = f.str(spec, "type", "spec.type") or "ClusterIP"
    if svc_type not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        f.error(line_of(spec, "type"), "spec.type", f"unknown Service type {quoted(svc_type)}",
                "use ClusterIP, NodePort, LoadBalancer or ExternalName")
    selector: dict[str, str] | None = f.labels(spec, "selector", "spec.selector") if "selector" in spec else None
    ports: list[ServicePort] = []
    for i, p in enumerate(f.list(spec, "ports", "spec.ports") or []):
        path = f"spec.ports[{i}]"
        if not isinstance(p, dict):
            f.error(line_of(spec["ports"], i), path, "must be a mapping", HINT_MAPPING)
            continue
        number = f.port_number(p, "port", f"{path}.port", required=True)
        target = f.int_or_port_name(p, "targetPort", f"{path}.targetPort")
        node_port = f.int(p, "nodePort", f"{path}.nodePort", 1, 65535)
        protocol = f.protocol(p, "protocol", f"{path}.protocol")
        pname = f.str(p, "name", f"{path}.name")
        if number is not None:
            ports.append(ServicePort(number, target if target is not None else number, protocol, pname, node_port))
    cluster_ips = _ip_strings(spec, "clusterIPs", f)
    cluster_ip = f.str(spec, "clusterIP", "spec.clusterIP")
    if cluster_ip not in (None, "", "None"):
        f.ip(cluster_ip, line_of(spec, "clusterIP"), "spec.clusterIP")
    if cluster_ip and cluster_ip not in cluster_ips:
        cluster_ips.insert(0, cluster_ip)
    policy = f.str(spec, "externalTrafficPolicy", "spec.externalTrafficPolicy") or "Cluster"
    if policy not in ("Cluster", "Local"):
        f.error(line_of(spec, "externalTrafficPolicy"), "spec.externalTrafficPolicy",
                f"must be Cluster or Local, not {quoted(policy)}", "write Cluster or Local (capitalised)")
    ranges = _cidr_list(spec, "loadBalancerSourceRanges", f)
    external_ips = _ip_strings(spec, "externalIPs", f)
    if name is None or f.failed:
        return None
    return Service(
        namespace, name, svc_type, freeze_labels(selector) if selector is not None else None, tuple(ports),
        tuple(cluster_ips), f.str(spec, "externalName", "spec.externalName"), policy, tuple(ranges),
        tuple(external_ips), f.ref(),
    )


def _ip_strings(spec: Any, key: str, f: Fields) -> list[str]:
    """IP address entries as written ("None" marks a headless Service); invalid ones are reported."""
    items = f.list(spec, key, f"spec.{key}") or []
    out: list[str] = []
    for i, value in enumerate(items):
        headless = key == "clusterIPs" and value in ("", "None")
        if headless or f.ip(value, line_of(items, i), f"spec.{key}[{i}]") is not None:
            out.append(value)
    return out


def parse_cidr(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Like the API server's net.ParseCIDR: address/prefix-length (host bits allowed), nothing else."""
    address, slash, prefix = text.partition("/")
    if not slash or not prefix.isdigit() or not prefix.isascii() or "%" in address:  # no zone, ASCII digits
        raise ValueError(f"{text!r} has no /prefix-length")
    return ipaddress.ip_network(text, strict=False)


def _cidr_list(spec: Any, key: str, f: Fields) -> list[str]:
    out = []
    for i, value in enumerate(f.list(spec, key, f"spec.{key}") or []):
        try:
            out.append(str(parse_cidr(str(value).strip())))
        except ValueError:
            f.error(line_of(spec[key], i), f"spec.{key}[{i}]", f"{quoted(value)} is not a valid CIDR", HINT_CIDR)
    return out


# --- NetworkPolicy -------------------------------------------------------------------------


def convert_selector(parent: Any, key: str, path: str, f: Fields) -> LabelSelector | None:
    raw = f.map(parent, key, path)
    if raw is None:
        return None
    labels = f.labels(raw, "matchLabels", f"{path}.matchLabels")
    exprs = f.list(raw, "matchExpressions", f"{path}.matchExpressions") or []
    requirements = [_requirement(expr, f"{path}.matchExpressions[{i}]", line_of(exprs, i), f)
                    for i, expr in enumerate(exprs)]
    return LabelSelector(freeze_labels(labels), tuple(r for r in requirements if r is not None))


def _requirement(expr: Any, epath: str, line: int, f: Fields) -> Requirement | None:
    """One matchExpressions entry, validated as the API server does (None when it cannot be used)."""
    if not isinstance(expr, dict):
        f.error(line, epath, "must be a mapping with key, operator and values",
                "write `- {key: app, operator: In, values: [web]}`")
        return None
    rkey = f.str(expr, "key", f"{epath}.key", required=True)
    op = f.str(expr, "operator", f"{epath}.operator", required=True)
    values_raw = f.list(expr, "values", f"{epath}.values") or []
    values: list[str] = []
    for j, v in enumerate(values_raw):
        if not isinstance(v, str):
            f.error(line_of(values_raw, j), f"{epath}.values[{j}]", f"{quoted(v)} must be a string", "quote it")
        elif label_value_problem(v):  # the API server validates selector values as label values
            f.error(line_of(values_raw, j), f"{epath}.values[{j}]", f"invalid label value {quoted(v)}",
                    HINT_LABEL_VALUE)
        else:
            values.append(v)
    if op is not None and op not in OPERATORS:
        hint = next((o for o in OPERATORS if o.lower() == op.lower()), None)
        f.error(line_of(expr, "operator"), f"{epath}.operator", f"unknown operator {quoted(op)}",
                f"did you mean {hint}?" if hint else "use In, NotIn, Exists or DoesNotExist")
        return None
    if op in ("In", "NotIn") and not values_raw:
        f.error(line, epath, f"operator {op} needs at least one value", "add `values: [...]`")
    if op in ("Exists", "DoesNotExist") and values_raw:
        f.error(line_of(expr, "values"), f"{epath}.values", f"operator {op} takes no values",
                "remove `values` (the API server rejects it)")
    if rkey is not None:
        problem = label_key_problem(rkey)
        if problem:
            f.error(line_of(expr, "key"), f"{epath}.key", f"invalid label key {quoted(rkey)}: {problem}",
                    HINT_LABEL_KEY)
    if rkey is not None and op is not None:
        return Requirement(rkey, op, tuple(sorted(set(values))))
    return None


def _ip_block(raw: Any, path: str, f: Fields) -> IPBlock | None:
    cidr_text = f.str(raw, "cidr", f"{path}.cidr", required=True)
    if cidr_text is None:
        return None
    try:
        cidr = parse_cidr(cidr_text)
    except ValueError:
        f.error(line_of(raw, "cidr"), f"{path}.cidr", f"{quoted(cidr_text)} is not a valid CIDR", HINT_CIDR)
        return None
    excepts: list[str] = []
    items = f.list(raw, "except", f"{path}.except") or []
    for i, e in enumerate(items):
        epath, line = f"{path}.except[{i}]", line_of(items, i)
        try:
            net = parse_cidr(str(e))
        except ValueError:
            f.error(line, epath, f"{quoted(e)} is not a valid CIDR", HINT_CIDR)
            continue
        if net.version != cidr.version or not net.subnet_of(cidr) or net.prefixlen <= cidr.prefixlen:  # type: ignore[arg-type]
            f.error(line, epath, f"{e} must be a strict subset of cidr {cidr_text}",
                    "an except entry narrows the cidr; it must lie inside it and be smaller")
            continue
        excepts.append(str(e))
    return IPBlock(cidr_text, tuple(excepts))


def _peer(raw: Any, path: str, line: int, f: Fields) -> Peer | None:
    if not isinstance(raw, dict):
        f.error(line, path, "must be a mapping with podSelector, namespaceSelector or ipBlock",
                "write e.g. `- podSelector: {matchLabels: {app: web}}`")
        return None
    known = {"podSelector", "namespaceSelector", "ipBlock"}
    unknown = [k for k in raw if k not in known]  # each reported by check_unknown_fields, with the nearest name
    pod_sel = convert_selector(raw, "podSelector", f"{path}.podSelector", f)
    ns_sel = convert_selector(raw, "namespaceSelector", f"{path}.namespaceSelector", f)
    ip_raw = f.map(raw, "ipBlock", f"{path}.ipBlock")
    ip_block = _ip_block(ip_raw, f"{path}.ipBlock", f) if ip_raw is not None else None
    if ip_raw is not None and (pod_sel is not None or ns_sel is not None):
        f.error(line, path, "ipBlock cannot be combined with podSelector or namespaceSelector in one peer",
                "make the ipBlock a separate list item")
        return None
    if ip_raw is None and pod_sel is None and ns_sel is None:
        if not unknown and all(raw.get(k) is None for k in known):  # not when a selector was just invalid
            f.error(line, path, "a peer must specify podSelector, namespaceSelector or ipBlock",
                    "to allow every peer, omit `from`/`to` entirely")
        return None
    return Peer(pod_sel, ns_sel, ip_block, f.ref(line))


def _port_spec(raw: Any, path: str, line: int, f: Fields) -> PortSpec | None:
    if not isinstance(raw, dict):
        f.error(line, path, "must be a mapping with protocol, port and endPort",
                "write e.g. `- {protocol: TCP, port: 8080}`")
        return None
    protocol = f.protocol(raw, "protocol", f"{path}.protocol")
    port = f.int_or_port_name(raw, "port", f"{path}.port")
    end_port = f.port_number(raw, "endPort", f"{path}.endPort")
    if end_port is not None:
        if "port" not in raw:
            f.error(line_of(raw, "endPort"), f"{path}.endPort", "endPort needs a port", "add `port:` (the range start)")
            return None
        if isinstance(port, str):
            f.error(line_of(raw, "endPort"), f"{path}.endPort", "endPort cannot be used with a named port",
                    "use a numeric port for a range")
            return None
        if isinstance(port, int) and end_port < port:
            f.error(line_of(raw, "endPort"), f"{path}.endPort", f"endPort {end_port} is less than port {port}",
                    "endPort must be greater than or equal to port")
            return None
    if port is None and "port" in raw:
        return None  # already reported
    return PortSpec(protocol, port, end_port, f.ref(line))


def _rules(spec: Any, direction: Direction, f: Fields) -> tuple[Rule, ...]:
    key, peers_key = (direction.value, "from" if direction is Direction.INGRESS else "to")
    items = f.list(spec, key, f"spec.{key}") or []
    rules: list[Rule] = []
    for i, raw in enumerate(items):
        path, line = f"spec.{key}[{i}]", line_of(items, i)
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            f.error(line, path, f"must be a mapping with `{peers_key}` and `ports`",
                    f"write e.g. `- {peers_key}: [...]` and/or `ports: [...]`; `- {{}}` allows everything")
            continue
        peers_raw = f.list(raw, peers_key, f"{path}.{peers_key}") or []
        ports_raw = f.list(raw, "ports", f"{path}.ports") or []
        peers = [_peer(p, f"{path}.{peers_key}[{j}]", line_of(peers_raw, j), f) for j, p in enumerate(peers_raw)]
        ports = [_port_spec(p, f"{path}.ports[{j}]", line_of(ports_raw, j), f) for j, p in enumerate(ports_raw)]
        rules.append(Rule(direction, i, tuple(p for p in peers if p), tuple(p for p in ports if p), f.ref(line)))
    return tuple(rules)


def convert_network_policy(doc: Any, namespace: str, f: Fields) -> NetworkPolicy | None:
    meta = f.map(doc, "metadata", "metadata", required=True)
    name = f.name(meta, "metadata.name") if meta is not None else None
    f.labels(meta, "labels", "metadata.labels")  # not used, but the API server rejects invalid ones
    spec = f.map(doc, "spec", "spec", required=True)
    if spec is None:
        return None
    pod_selector = convert_selector(spec, "podSelector", "spec.podSelector", f)
    if pod_selector is None and "podSelector" not in spec:
        f.warn(line_of(doc, "spec"),
               "spec.podSelector is missing; the API server reads it as {} (every pod in the namespace)",
               "write `podSelector: {}` to make that explicit")
    declared: tuple[Direction, ...] | None = None
    raw_types = f.list(spec, "policyTypes", "spec.policyTypes")
    if raw_types is not None:
        types: list[Direction] = []
        for i, t in enumerate(raw_types):
            if not isinstance(t, str) or t not in _POLICY_TYPES:  # t may be any YAML value
                f.error(line_of(raw_types, i), f"spec.policyTypes[{i}]", f"unknown policy type {quoted(t)}",
                        "use Ingress and/or Egress (capitalised)")
            elif _POLICY_TYPES[t] not in types:
                types.append(_POLICY_TYPES[t])
        declared = tuple(types)
    ingress = _rules(spec, Direction.INGRESS, f)
    egress = _rules(spec, Direction.EGRESS, f)
    if name is None or f.failed:
        return None
    effective = effective_policy_types(declared, egress)
    return NetworkPolicy(namespace, name, pod_selector or LabelSelector(), effective, ingress, egress, declared,
                         f.ref())


# spec.policyTypes as written (a YAML value, case-sensitive) -> the direction it names
_POLICY_TYPES = {d.policy_type: d for d in Direction}


def effective_policy_types(declared: tuple[Direction, ...] | None,
                           egress: tuple[Rule, ...]) -> tuple[Direction, ...]:
    """The API server's defaulting: no policyTypes -> Ingress, plus Egress when egress rules exist."""
    if declared:
        return tuple(d for d in Direction if d in declared)  # ingress first, as before
    return (Direction.INGRESS, Direction.EGRESS) if egress else (Direction.INGRESS,)
