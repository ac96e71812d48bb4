"""Load AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy and Node documents.

Validation is the API server's: the CRD schemas and CEL rules of network-policy-api v0.1.7
(v1alpha1: apis/v1alpha1/{adminnetworkpolicy,baselineadminnetworkpolicy,shared}_types.go) and of
main after v0.2.0 (v1alpha2: apis/v1alpha2/clusternetworkpolicy_types.go). Every problem is a
located error with a hint (exit 2 in the CLI), so a policy the cluster would reject is never
analysed. Where the schema accepts something that can never work as written (a v1alpha1 port
range with start >= end, a named port with a `networks` peer under the standard CRD), the object
is loaded and a warning says why. Unknown fields are errors, as with kubectl's strict field
validation (the default), because a misspelt field would silently widen a policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from netverify.loaders.convert import convert_selector, parse_cidr
from netverify.loaders.fields import HINT_CIDR, Fields, line_of
from netverify.model import (
    BASELINE_SINGLETON_NAME,
    AdminAction,
    AdminPeer,
    AdminPolicy,
    AdminPort,
    AdminRule,
    AdminSubject,
    AdminTier,
    Diagnostic,
    Direction,
    LabelSelector,
    Node,
    NodeAddress,
    PeerForm,
    Severity,
    SourceRef,
    SubjectForm,
    freeze_labels,
)

# The pattern of the DomainName type, `[a-zA-z0-9]` (sic: it also admits [\]^_`) included.
_DOMAIN_NAME = re.compile(
    r"^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$")
_ACTION = {"Accept": AdminAction.ACCEPT, "Allow": AdminAction.ACCEPT, "Deny": AdminAction.DENY,
           "Pass": AdminAction.PASS}
_NETWORKS_MAX = 25
_CIDR_MAX_LENGTH = 43


@dataclass(frozen=True)
class _Dialect:
    """What one kind's CRD accepts."""

    actions: tuple[str, ...]
    max_rules: int
    max_peers: int
    ports_key: str
    egress_forms: tuple[PeerForm, ...]
    priority: bool
    tier_field: bool
    pods_namespace_selector_required: bool


_ALL_EGRESS = (PeerForm.NAMESPACES, PeerForm.PODS, PeerForm.NETWORKS, PeerForm.NODES, PeerForm.DOMAIN_NAMES)
DIALECTS = {
    "ClusterNetworkPolicy": _Dialect(("Accept", "Deny", "Pass"), 25, 25, "protocols", _ALL_EGRESS, True, True, False),
    "AdminNetworkPolicy": _Dialect(("Allow", "Deny", "Pass"), 100, 100, "ports", _ALL_EGRESS, True, False, True),
    "BaselineAdminNetworkPolicy": _Dialect(("Allow", "Deny"), 100, 100, "ports", _ALL_EGRESS[:4], False, False, True),
}
_INGRESS_FORMS = (PeerForm.NAMESPACES, PeerForm.PODS)


def _unknown_fields(raw: Any, known: tuple[str, ...], path: str, f: Fields) -> None:
    if isinstance(raw, dict):
        for key in raw:
            if key not in known:
                f.error(line_of(raw, key), f"{path}.{key}", "unknown field",
                        f"the fields here are {', '.join(known)}; check the spelling and the apiVersion")


def _one_of(raw: Any, forms: tuple[str, ...], path: str, line: int, f: Fields,
            combined_hint: str = "split the combination into separate list entries") -> str | None:
    """The one key of `forms` that is set, as the CRD's MinProperties/MaxProperties=1 demand."""
    present = [k for k in forms if isinstance(raw, dict) and raw.get(k) is not None]
    if len(present) != 1:
        said = "none" if not present else " and ".join(present)
        f.error(line, path, f"must set exactly one of {', '.join(forms)} (found {said})",
                combined_hint if present else f"add one of {', '.join(forms)}")
        return None
    return present[0]


def _list(raw: Any, key: str, path: str, f: Fields, lo: int, hi: int, required: bool = False) -> list[Any] | None:
    items = f.list(raw, key, path)
    if items is None:
        if required:
            f.error(line_of(raw, key), path, "is required", f"add `{key}:` with at least {lo} entry")
        return None
    if not lo <= len(items) <= hi:
        f.error(line_of(raw, key), path, f"has {len(items)} entries; the API allows {lo} to {hi}",
                "split the policy" if len(items) > hi else f"add at least {lo} entry or remove `{key}`")
        return None
    return items


def _subject(spec: Any, dialect: _Dialect, f: Fields) -> AdminSubject | None:
    raw = f.map(spec, "subject", "spec.subject", required=True)
    if raw is None:
        return None
    line = line_of(spec, "subject")
    _unknown_fields(raw, ("namespaces", "pods"), "spec.subject", f)
    form = _one_of(raw, ("namespaces", "pods"), "spec.subject", line, f,
                   "keep one: `pods` takes a namespaceSelector and a podSelector together")
    if form == "namespaces":
        sel = convert_selector(raw, "namespaces", "spec.subject.namespaces", f)
        return AdminSubject(SubjectForm.NAMESPACES, sel or LabelSelector(), LabelSelector(), f.ref(line))
    if form == "pods":
        ns_sel, pod_sel = _namespaced_pod(raw, "spec.subject.pods", dialect, f)
        return AdminSubject(SubjectForm.PODS, ns_sel, pod_sel, f.ref(line))
    return None


def _namespaced_pod(parent: Any, path: str, dialect: _Dialect, f: Fields) -> tuple[LabelSelector, LabelSelector]:
    raw = f.map(parent, "pods", path)
    _unknown_fields(raw, ("namespaceSelector", "podSelector"), path, f)
    if raw is not None and "podSelector" not in raw:
        f.error(line_of(parent, "pods"), f"{path}.podSelector", "is required", "write `podSelector: {}` for every pod")
    if raw is not None and dialect.pods_namespace_selector_required and "namespaceSelector" not in raw:
        f.error(line_of(parent, "pods"), f"{path}.namespaceSelector", "is required in v1alpha1",
                "write `namespaceSelector: {}` for every namespace")
    ns_sel = convert_selector(raw, "namespaceSelector", f"{path}.namespaceSelector", f)
    pod_sel = convert_selector(raw, "podSelector", f"{path}.podSelector", f)
    return ns_sel or LabelSelector(), pod_sel or LabelSelector()


def _networks(raw: Any, path: str, f: Fields) -> tuple[str, ...]:
    items = _list(raw, "networks", path, f, 1, _NETWORKS_MAX) or []
    out: list[str] = []
    for i, value in enumerate(items):
        ipath, line = f"{path}[{i}]", line_of(items, i)
        if not isinstance(value, str) or len(value) > _CIDR_MAX_LENGTH:
            f.error(line, ipath, f"{value!r} is not a CIDR string of at most {_CIDR_MAX_LENGTH} characters", HINT_CIDR)
            continue
        try:
            parse_cidr(value)
        except ValueError:
            f.error(line, ipath, f"{value!r} is not a valid CIDR (isCIDR)", HINT_CIDR)
            continue
        if value in out:  # x-kubernetes-list-type: set
            f.error(line, ipath, f"duplicate network {value}", "list each CIDR once")
            continue
        out.append(value)
    return tuple(out)


def _domain_names(raw: Any, path: str, f: Fields) -> tuple[str, ...]:
    items = _list(raw, "domainNames", path, f, 1, 25) or []
    out: list[str] = []
    for i, value in enumerate(items):
        if not isinstance(value, str) or not _DOMAIN_NAME.match(value):
            f.error(line_of(items, i), f"{path}[{i}]", f"{value!r} is not a domain name",
                    "write a fully qualified name (www.example.com) or a wildcard of whole labels (*.example.com)")
        elif value in out:
            f.error(line_of(items, i), f"{path}[{i}]", f"duplicate domain name {value}", "list each name once")
        else:
            out.append(value)
    return tuple(out)


def _peer(raw: Any, path: str, line: int, forms: tuple[PeerForm, ...], dialect: _Dialect,
          f: Fields) -> AdminPeer | None:
    names = tuple(p.value for p in forms)
    if not isinstance(raw, dict):
        f.error(line, path, f"must be a mapping with one of {', '.join(names)}", f"write e.g. `- {names[0]}: {{}}`")
        return None
    _unknown_fields(raw, names, path, f)
    form = _one_of(raw, names, path, line, f)
    ref = f.ref(line)
    if form == "namespaces":
        return AdminPeer(PeerForm.NAMESPACES, convert_selector(raw, form, f"{path}.{form}", f) or LabelSelector(),
                         source=ref)
    if form == "pods":
        ns_sel, pod_sel = _namespaced_pod(raw, f"{path}.pods", dialect, f)
        return AdminPeer(PeerForm.PODS, ns_sel, pod_sel, source=ref)
    if form == "networks":
        return AdminPeer(PeerForm.NETWORKS, networks=_networks(raw, f"{path}.networks", f), source=ref)
    if form == "nodes":
        return AdminPeer(PeerForm.NODES, node_selector=convert_selector(raw, form, f"{path}.nodes", f)
                         or LabelSelector(), source=ref)
    if form == "domainNames":
        return AdminPeer(PeerForm.DOMAIN_NAMES, domain_names=_domain_names(raw, f"{path}.domainNames", f), source=ref)
    return None


def _range(raw: Any, path: str, protocol: str | None, f: Fields, strict: bool) -> AdminPort | None:
    start = f.port_number(raw, "start", f"{path}.start", required=True)
    end = f.port_number(raw, "end", f"{path}.end", required=True)
    if start is None or end is None:
        return None
    if start >= end:
        message = f"start {start} must be less than end {end}"
        if strict:  # v1alpha2 CEL: self.start < self.end
            f.error(line_of(raw, "start"), path, message,
                    f"for one port write `number: {start}`" if start == end else "swap start and end")
            return None
        f.warn(line_of(raw, "start"), f"{path}: {message} (the v1alpha1 API documents it but does not enforce it; "
               f"read as the inclusive range {start}-{end}" + (", which is empty)" if start > end else ")"),
               f"for one port write `portNumber: {{port: {start}}}`")
    return AdminPort(protocol, start, end, source=f.ref(line_of(raw, "start")))


def _v1alpha1_port(raw: Any, path: str, line: int, f: Fields) -> AdminPort | None:
    forms = ("portNumber", "portRange", "namedPort")
    _unknown_fields(raw, forms, path, f)
    form = _one_of(raw, forms, path, line, f)
    if form == "namedPort":
        name = f.str(raw, "namedPort", f"{path}.namedPort")
        return AdminPort(None, named=name, source=f.ref(line)) if name else None
    body = f.map(raw, form, f"{path}.{form}") if form else None
    if body is None:
        return None
    _unknown_fields(body, ("protocol", "port") if form == "portNumber" else ("protocol", "start", "end"),
                    f"{path}.{form}", f)
    protocol = f.protocol(body, "protocol", f"{path}.{form}.protocol")
    if form == "portNumber":
        port = f.port_number(body, "port", f"{path}.portNumber.port", required=True)
        return AdminPort(protocol, port, port, source=f.ref(line)) if port is not None else None
    return _range(body, f"{path}.portRange", protocol, f, strict=False)


def _v1alpha2_protocol(raw: Any, path: str, line: int, f: Fields) -> AdminPort | None:
    forms = ("tcp", "udp", "sctp", "destinationNamedPort")
    _unknown_fields(raw, forms, path, f)
    form = _one_of(raw, forms, path, line, f)
    if form == "destinationNamedPort":
        name = f.str(raw, form, f"{path}.{form}")
        return AdminPort(None, named=name, source=f.ref(line)) if name else None
    body = f.map(raw, form, f"{path}.{form}") if form else None
    if body is None:
        return None
    protocol = form.upper() if form else "TCP"
    _unknown_fields(body, ("destinationPort",), f"{path}.{form}", f)
    dport = f.map(body, "destinationPort", f"{path}.{form}.destinationPort")
    if dport is None:  # MinProperties=1: `tcp: {}` is rejected, whatever api-overview.md says
        f.error(line_of(raw, form), f"{path}.{form}.destinationPort", "is required",
                "for every port of the protocol write `destinationPort: {range: {start: 1, end: 65535}}`")
        return None
    dpath = f"{path}.{form}.destinationPort"
    _unknown_fields(dport, ("number", "range"), dpath, f)
    which = _one_of(dport, ("number", "range"), dpath, line_of(body, "destinationPort"), f)
    if which == "number":
        number = f.port_number(dport, "number", f"{dpath}.number")
        return AdminPort(protocol, number, number, source=f.ref(line)) if number is not None else None
    rng = f.map(dport, "range", f"{dpath}.range") if which else None
    if rng is None:
        return None
    _unknown_fields(rng, ("start", "end"), f"{dpath}.range", f)
    return _range(rng, f"{dpath}.range", protocol, f, strict=True)


def _ports(raw: Any, path: str, dialect: _Dialect, f: Fields) -> tuple[AdminPort, ...] | None:
    key = dialect.ports_key
    items = _list(raw, key, f"{path}.{key}", f, 1, dialect.max_peers if key == "ports" else 25)
    if items is None:
        return None
    convert = _v1alpha1_port if key == "ports" else _v1alpha2_protocol
    out = []
    for j, entry in enumerate(items):
        epath, line = f"{path}.{key}[{j}]", line_of(items, j)
        if not isinstance(entry, dict):
            f.error(line, epath, "must be a mapping", "write e.g. `- portNumber: {port: 80}`" if key == "ports"
                    else "write e.g. `- tcp: {destinationPort: {number: 80}}`")
            continue
        port = convert(entry, epath, line, f)
        if port is not None:
            out.append(port)
    return tuple(out)


def _rule(raw: Any, direction: Direction, index: int, line: int, dialect: _Dialect, kind: str,
          f: Fields) -> AdminRule | None:
    path = f"spec.{direction.value}[{index}]"
    peers_key = "from" if direction is Direction.INGRESS else "to"
    if not isinstance(raw, dict):
        f.error(line, path, f"must be a mapping with action and {peers_key}",
                f"write `- action: Deny` and `{peers_key}:`")
        return None
    _unknown_fields(raw, ("name", "action", peers_key, dialect.ports_key), path, f)
    name = f.str(raw, "name", f"{path}.name") or ""
    if len(name) > 100:
        f.error(line_of(raw, "name"), f"{path}.name", f"is {len(name)} characters long; at most 100", "shorten it")
    written = f.str(raw, "action", f"{path}.action", required=True)
    if written is not None and written not in dialect.actions:
        other = {"Allow": "Accept", "Accept": "Allow"}.get(written)
        hint = (f"{kind} spells it {other}" if other in dialect.actions
                else f"use one of {', '.join(dialect.actions)}")
        f.error(line_of(raw, "action"), f"{path}.action", f"unsupported action {written!r}", hint)
        written = None
    forms = _INGRESS_FORMS if direction is Direction.INGRESS else dialect.egress_forms
    items = _list(raw, peers_key, f"{path}.{peers_key}", f, 1, dialect.max_peers, required=True) or []
    peers = [_peer(p, f"{path}.{peers_key}[{j}]", line_of(items, j), forms, dialect, f) for j, p in enumerate(items)]
    ports = _ports(raw, path, dialect, f) if dialect.ports_key in raw else None
    kept = tuple(p for p in peers if p is not None)
    if ports and any(p.named for p in ports):
        _named_port_with_addresses(kept, path, line, kind, f)
    if written is None:
        return None
    return AdminRule(direction, index, name, _ACTION[written], written, kept, ports, f.ref(line))


def _named_port_with_addresses(peers: tuple[AdminPeer, ...], path: str, line: int, kind: str, f: Fields) -> None:
    """CEL (experimental CRD): no named port with networks/nodes/domainNames peers, which have no
    container ports. nodes and domainNames exist only in the experimental CRD, so the rule applies
    with them; with networks alone the standard CRD accepts the rule, which never matches there."""
    forms = {p.form for p in peers}
    if forms & {PeerForm.NODES, PeerForm.DOMAIN_NAMES}:
        f.error(line, path, "a named port cannot be used with nodes or domainNames peers (CEL rule of the CRD)",
                "use port numbers, or move the named port into a rule with pods/namespaces peers")
    elif PeerForm.NETWORKS in forms:
        f.warn(line, f"{path}: a named port never matches a `networks` destination (no container ports there); "
               f"the standard {kind} CRD accepts it, the experimental one rejects it",
               "use port numbers for networks peers")


def convert_admin_policy(doc: Any, kind: str, api_version: str, f: Fields) -> AdminPolicy | None:
    """An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy, or None if invalid."""
    dialect = DIALECTS[kind]
    meta = f.map(doc, "metadata", "metadata", required=True)
    name = f.name(meta, "metadata.name") if meta is not None else None
    if kind == "BaselineAdminNetworkPolicy" and name is not None and name != BASELINE_SINGLETON_NAME:
        f.error(line_of(meta, "name"), "metadata.name",
                f"a BaselineAdminNetworkPolicy must be named {BASELINE_SINGLETON_NAME!r}, not {name!r} (CEL rule)",
                f"rename it to {BASELINE_SINGLETON_NAME}: the cluster holds one baseline, merge the rules into it")
    spec = f.map(doc, "spec", "spec", required=True)
    if spec is None:
        return None
    known = ("tier", "priority", "subject", "ingress", "egress") if dialect.tier_field else (
        ("priority", "subject", "ingress", "egress") if dialect.priority else ("subject", "ingress", "egress"))
    _unknown_fields(spec, known, "spec", f)
    tier = AdminTier.BASELINE if kind == "BaselineAdminNetworkPolicy" else AdminTier.ADMIN
    if dialect.tier_field:
        written_tier = f.str(spec, "tier", "spec.tier", required=True)
        if written_tier is not None and written_tier not in ("Admin", "Baseline"):
            f.error(line_of(spec, "tier"), "spec.tier", f"unsupported tier {written_tier!r}", "use Admin or Baseline")
        elif written_tier is not None:
            tier = AdminTier(written_tier)
    priority = f.int(spec, "priority", "spec.priority", 0, 1000, required=True) if dialect.priority else None
    subject = _subject(spec, dialect, f)
    gress: dict[Direction, tuple[AdminRule, ...]] = {}
    for direction in Direction:
        key = direction.value  # the YAML key: spec.ingress, spec.egress
        items = _list(spec, key, f"spec.{key}", f, 0, dialect.max_rules) or []
        rules = [_rule(r, direction, i, line_of(items, i), dialect, kind, f) for i, r in enumerate(items)]
        gress[direction] = tuple(r for r in rules if r is not None)
    if name is None or subject is None or f.failed or (dialect.priority and priority is None):
        return None
    return AdminPolicy(kind, api_version, name, tier, priority, subject, gress[Direction.INGRESS],
                       gress[Direction.EGRESS], f.ref())


def convert_node(doc: Any, f: Fields) -> Node | None:
    """A Node: labels for `nodes` peers; status.addresses for the IPs they stand for."""
    meta = f.map(doc, "metadata", "metadata", required=True)
    name = f.name(meta, "metadata.name") if meta is not None else None
    labels = f.labels(meta, "labels", "metadata.labels") if meta is not None else {}
    spec = f.map(doc, "spec", "spec")
    cidrs: list[str] = []
    raw_cidrs = f.list(spec, "podCIDRs", "spec.podCIDRs") or []
    for i, value in enumerate(raw_cidrs):
        try:
            cidrs.append(str(parse_cidr(str(value))))
        except ValueError:
            f.error(line_of(raw_cidrs, i), f"spec.podCIDRs[{i}]", f"{value!r} is not a valid CIDR", HINT_CIDR)
    status = f.map(doc, "status", "status")
    addresses: list[NodeAddress] = []
    items = f.list(status, "addresses", "status.addresses") or []
    for i, entry in enumerate(items):
        path = f"status.addresses[{i}]"
        kind = f.str(entry, "type", f"{path}.type", required=True)
        value = f.str(entry, "address", f"{path}.address", required=True)
        if kind is None or value is None:
            continue
        if kind in ("InternalIP", "ExternalIP"):
            ip = f.ip(value, line_of(entry, "address"), f"{path}.address")
            if ip is None:
                continue
            value = ip
        addresses.append(NodeAddress(kind, value))
    if name is None or f.failed:
        return None
    return Node(name, freeze_labels(labels), tuple(addresses), tuple(cidrs), f.ref())


def unread_notes(origin: str, not_served: list[str], nodes_forbidden: bool,
                 admin_policies: tuple[AdminPolicy, ...]) -> list[Diagnostic]:
    """What a cluster read could not see, said once: admin kinds whose CRD is not installed (none of
    them, an info), and forbidden Nodes, which matter (a warning) only when `nodes` peers exist."""
    where = SourceRef(origin)
    out = []
    if not_served:
        out.append(Diagnostic(Severity.INFO, where, f"{', '.join(not_served)}: not served by this cluster "
                                                    "(CRD not installed): none read"))
    if nodes_forbidden and any(p.form is PeerForm.NODES for a in admin_policies for r in a.egress for p in r.peers):
        out.append(Diagnostic(Severity.WARNING, where, "listing Nodes is forbidden: `nodes` peers of admin policies "
                              "match no address", "grant get and list on nodes (see docs/cluster.md)"))
    return out


__all__ = ["DIALECTS", "convert_admin_policy", "convert_node", "unread_notes"]
