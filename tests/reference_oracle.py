"""An independent, deliberately naive reading of the NetworkPolicy API reference.

It works on raw manifest dicts with plain loops and shares no code with netverify,
so agreement between the two is evidence, not tautology. Pods only (no workloads);
ipBlocks match pod IPs (netverify's default); ports are checked one at a time.

The grammar is the API's, written out by hand: per direction, tiers are asked in order and each
says "Allow", "Deny" or "Pass" for the one connection; the first tier that does not pass decides,
and a connection every tier passes is allowed. NetworkPolicy is one tier: a subject selected by a
policy of that direction is isolated (Allow if some rule of a selecting policy matches, else
Deny); a subject no policy selects is passed.

`allowed` reads NetworkPolicies alone; `tiered_allowed` adds the admin tiers around them.
"""

from __future__ import annotations

import ipaddress
from typing import Any

PROTOCOLS = ("TCP", "UDP", "SCTP")


def selector_matches(sel: dict[str, Any], labels: dict[str, str]) -> bool:
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        key, op, vals = e["key"], e["operator"], e.get("values") or []
        if op == "In" and not (key in labels and labels[key] in vals):
            return False
        if op == "NotIn" and key in labels and labels[key] in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def ns_labels(namespaces: dict[str, dict[str, str]], name: str) -> dict[str, str]:
    labels = dict(namespaces.get(name, {}))
    labels["kubernetes.io/metadata.name"] = name
    return labels


def peer_matches(peer: dict[str, Any], policy_ns: str, other: dict[str, Any], namespaces: dict[str, dict[str, str]]) -> bool:
    if "ipBlock" in peer:
        ip = other["status"].get("podIP")
        if not ip:
            return False
        addr = ipaddress.ip_address(ip)
        block = peer["ipBlock"]
        net = ipaddress.ip_network(block["cidr"], strict=False)
        if addr.version != net.version or addr not in net:
            return False
        return not any(addr in ipaddress.ip_network(e, strict=False) for e in block.get("except") or []
                       if ipaddress.ip_network(e, strict=False).version == addr.version)
    if (other.get("spec") or {}).get("hostNetwork"):
        return False  # netverify's reading: a hostNetwork pod has no pod identity; only ipBlocks match it
    other_ns = other["metadata"]["namespace"]
    if "namespaceSelector" in peer:
        if not selector_matches(peer["namespaceSelector"], ns_labels(namespaces, other_ns)):
            return False
    elif other_ns != policy_ns:
        return False
    if "podSelector" in peer:
        return selector_matches(peer["podSelector"], other["metadata"].get("labels") or {})
    return True


def port_matches(entry: dict[str, Any], dst: dict[str, Any], protocol: str, port: int) -> bool:
    if entry.get("protocol", "TCP") != protocol:
        return False
    p = entry.get("port")
    if p is None:
        return True
    if isinstance(p, str):
        for c in dst["spec"]["containers"]:
            for cp in c.get("ports") or []:
                if cp.get("name") == p and cp.get("protocol", "TCP") == protocol and cp["containerPort"] == port:
                    return True
        return False
    return p <= port <= entry.get("endPort", p)


def policy_types(spec: dict[str, Any]) -> list[str]:
    if spec.get("policyTypes"):
        return spec["policyTypes"]
    return ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]


ALLOW, DENY, PASS = "Allow", "Deny", "Pass"


def network_policy_tier(direction: str, subject: dict[str, Any], other: dict[str, Any], dst: dict[str, Any],
                        policies: list[dict[str, Any]], namespaces: dict[str, dict[str, str]], protocol: str,
                        port: int) -> str:
    ptype, rules_key, peers_key = (("Ingress", "ingress", "from") if direction == "ingress" else ("Egress", "egress", "to"))
    isolated = False
    for pol in policies:
        spec = pol["spec"]
        if pol["metadata"]["namespace"] != subject["metadata"]["namespace"]:
            continue
        if not selector_matches(spec.get("podSelector") or {}, subject["metadata"].get("labels") or {}):
            continue
        if ptype not in policy_types(spec):
            continue
        isolated = True
        for rule in spec.get(rules_key) or []:
            rule = rule or {}
            peers = rule.get(peers_key) or []
            if peers and not any(peer_matches(p, pol["metadata"]["namespace"], other, namespaces) for p in peers):
                continue
            ports = rule.get("ports") or []
            if ports and not any(port_matches(e, dst, protocol, port) for e in ports):
                continue
            return ALLOW
    return DENY if isolated else PASS


TIERS = (network_policy_tier,)  # in evaluation order


def direction_allows(direction: str, subject: dict[str, Any], other: dict[str, Any], dst: dict[str, Any],
                     policies: list[dict[str, Any]], namespaces: dict[str, dict[str, str]], protocol: str, port: int) -> bool:
    for tier in TIERS:
        action = tier(direction, subject, other, dst, policies, namespaces, protocol, port)
        if action != PASS:
            return action == ALLOW
    return True  # every tier passed: the default allows


def allowed(src: dict[str, Any], dst: dict[str, Any], policies: list[dict[str, Any]],
            namespaces: dict[str, dict[str, str]], protocol: str, port: int) -> bool:
    return (direction_allows("egress", src, dst, dst, policies, namespaces, protocol, port)
            and direction_allows("ingress", dst, src, dst, policies, namespaces, protocol, port))


# --------------------------------------------------------------------------------------
# Admin tiers: AdminNetworkPolicy / BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1)
# and ClusterNetworkPolicy (v1alpha2), read from the API text as plainly as possible
# (apis/v1alpha2/clusternetworkpolicy_types.go; v0.1.7 apis/v1alpha1/*; see
# /work/shared/design/admin-tiers.md). Per direction: Admin tier (ascending priority, then rule
# order; the first matching rule decides: Allow/Accept allows, Deny denies, Pass goes on to the
# NetworkPolicy tier), then NetworkPolicies (final for pods they isolate), then the Baseline tier,
# then allowed. A connection needs its egress verdict (subject = source) and its ingress verdict
# (subject = destination) to allow.
# --------------------------------------------------------------------------------------

ADMIN_KINDS = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")
ALLOW, DENY, PASS = "allow", "deny", "pass"
_ACTIONS = {"Allow": ALLOW, "Accept": ALLOW, "Deny": DENY, "Pass": PASS}


class UndefinedOrder(Exception):
    """Two policies of equal priority in one tier match the connection with different actions:
    upstream lets an implementation apply either (clusternetworkpolicy_types.go:98-104)."""


def _host_network(pod: dict[str, Any]) -> bool:
    return bool(pod["spec"].get("hostNetwork"))


def _pod_ip(pod: dict[str, Any]) -> str:
    return str(pod["status"]["podIP"])


def _namespaces_of(docs: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {d["metadata"]["name"]: d["metadata"].get("labels") or {} for d in docs if d["kind"] == "Namespace"}


def _admin_subject_selects(subject: dict[str, Any], pod: dict[str, Any], namespaces: dict[str, dict[str, str]]) -> bool:
    """Host-networked pods are never subjects (types.go:162-175)."""
    if _host_network(pod):
        return False
    ns = pod["metadata"]["namespace"]
    if "namespaces" in subject:
        return selector_matches(subject["namespaces"] or {}, ns_labels(namespaces, ns))
    pods = subject["pods"]
    return (selector_matches(pods.get("namespaceSelector") or {}, ns_labels(namespaces, ns))
            and selector_matches(pods.get("podSelector") or {}, pod["metadata"].get("labels") or {}))


def _node_ips(docs: list[dict[str, Any]], selector: dict[str, Any]) -> set[str]:
    ips: set[str] = set()
    for node in docs:
        if node["kind"] == "Node" and selector_matches(selector, node["metadata"].get("labels") or {}):
            ips |= {a["address"] for a in (node.get("status") or {}).get("addresses") or []
                    if a.get("type") in ("InternalIP", "ExternalIP")}
    return ips


def _admin_peer_matches(peer: dict[str, Any], other: dict[str, Any], docs: list[dict[str, Any]],
                        namespaces: dict[str, dict[str, str]]) -> bool:
    """`other` is the pod at the far end. Pod and namespace peers never match host-networked pods;
    `networks` match every address, pod IPs included (types.go:371-377); `nodes` match node
    addresses, which host-networked pods use; `domainNames` are never proved from manifests."""
    ip = ipaddress.ip_address(_pod_ip(other))
    if "networks" in peer:
        return any(ip.version == net.version and ip in net
                   for net in (ipaddress.ip_network(c, strict=False) for c in peer["networks"]))
    if "nodes" in peer:
        return str(ip) in _node_ips(docs, peer["nodes"] or {})
    if "domainNames" in peer:
        return False
    if _host_network(other):
        return False
    ns = other["metadata"]["namespace"]
    if "namespaces" in peer:
        return selector_matches(peer["namespaces"] or {}, ns_labels(namespaces, ns))
    if "pods" in peer:
        pods = peer["pods"]
        return (selector_matches(pods.get("namespaceSelector") or {}, ns_labels(namespaces, ns))
                and selector_matches(pods.get("podSelector") or {}, other["metadata"].get("labels") or {}))
    return False


def _named_port_matches(name: str, dst: dict[str, Any], protocol: str, port: int) -> bool:
    for c in dst["spec"]["containers"]:
        for cp in c.get("ports") or []:
            if cp.get("name") == name and cp.get("protocol", "TCP") == protocol and cp["containerPort"] == port:
                return True
    return False


def _admin_port_matches(entry: dict[str, Any], dst: dict[str, Any], protocol: str, port: int) -> bool:
    """v1alpha1 `ports` entries (portNumber / portRange / namedPort) and v1alpha2 `protocols` entries
    (tcp / udp / sctp with destinationPort number or range; destinationNamedPort)."""
    if "portNumber" in entry:
        e = entry["portNumber"]
        return bool(e.get("protocol", "TCP") == protocol and e["port"] == port)
    if "portRange" in entry:
        e = entry["portRange"]
        return bool(e.get("protocol", "TCP") == protocol and e["start"] <= port <= e["end"])
    if "namedPort" in entry:
        return _named_port_matches(entry["namedPort"], dst, protocol, port)
    if "destinationNamedPort" in entry:
        return _named_port_matches(entry["destinationNamedPort"], dst, protocol, port)
    for key in ("tcp", "udp", "sctp"):
        if key in entry:
            if key.upper() != protocol:
                return False
            dport = (entry[key] or {}).get("destinationPort")
            if dport is None:  # rejected by the CRD; read as every port of the protocol, as KNP does
                return True
            if "number" in dport:
                return bool(dport["number"] == port)
            return bool(dport["range"]["start"] <= port <= dport["range"]["end"])
    return False


def _first_match(policy: dict[str, Any], direction: str, other: dict[str, Any], dst: dict[str, Any],
                 docs: list[dict[str, Any]], namespaces: dict[str, dict[str, str]], protocol: str, port: int) -> str | None:
    peers_key = "from" if direction == "ingress" else "to"
    for rule in policy["spec"].get(direction) or []:
        if not any(_admin_peer_matches(p, other, docs, namespaces) for p in rule.get(peers_key) or []):
            continue
        ports = rule.get("ports") or rule.get("protocols")
        if ports and not any(_admin_port_matches(e, dst, protocol, port) for e in ports):
            continue
        return _ACTIONS[rule["action"]]
    return None


def _tier_decision(policies: list[dict[str, Any]], direction: str, subject: dict[str, Any], other: dict[str, Any],
                   dst: dict[str, Any], docs: list[dict[str, Any]], protocol: str, port: int) -> str | None:
    """allow / deny / pass from one tier, or None when no rule matches. Equal priorities whose first
    matching rules disagree raise UndefinedOrder."""
    namespaces = _namespaces_of(docs)
    by_priority: dict[int, list[str]] = {}
    for pol in policies:
        if not _admin_subject_selects(pol["spec"]["subject"], subject, namespaces):
            continue
        action = _first_match(pol, direction, other, dst, docs, namespaces, protocol, port)
        if action is not None:
            by_priority.setdefault(pol["spec"].get("priority", 0), []).append(action)
    if not by_priority:
        return None
    actions = set(by_priority[min(by_priority)])
    if len(actions) > 1:
        raise UndefinedOrder(f"equal priority {min(by_priority)} matches with {sorted(actions)}")
    return actions.pop()


def _admin_tier(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == "AdminNetworkPolicy"
            or (d["kind"] == "ClusterNetworkPolicy" and d["spec"]["tier"] == "Admin")]


def _baseline_tier(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """v1alpha1: the one BaselineAdminNetworkPolicy, which must be named `default`; v1alpha2: every
    Baseline-tier ClusterNetworkPolicy."""
    return [d for d in docs if (d["kind"] == "BaselineAdminNetworkPolicy" and d["metadata"]["name"] == "default")
            or (d["kind"] == "ClusterNetworkPolicy" and d["spec"]["tier"] == "Baseline")]


def _np_tier(direction: str, subject: dict[str, Any], other: dict[str, Any], dst: dict[str, Any],
             docs: list[dict[str, Any]], protocol: str, port: int, np_selection: str) -> str | None:
    """NetworkPolicies decide (allow/deny) for the pods they isolate in this direction; others pass.
    np_selection="any": a pod selected by any NetworkPolicy has its NetworkPolicy tier final in both
    directions (a direction no selecting policy covers is allowed there), as kube-network-policies reads it."""
    if _host_network(subject):
        return None  # netverify's reading: NetworkPolicy does not govern hostNetwork pods (the API leaves it undefined)
    ptype = "Ingress" if direction == "ingress" else "Egress"
    ns = subject["metadata"]["namespace"]
    selecting = [p for p in docs if p["kind"] == "NetworkPolicy" and p["metadata"]["namespace"] == ns
                 and selector_matches(p["spec"].get("podSelector") or {}, subject["metadata"].get("labels") or {})]
    if not any(ptype in policy_types(p["spec"]) for p in selecting):
        return ALLOW if (selecting and np_selection == "any") else None
    allowed_here = direction_allows(direction, subject, other, dst, selecting, _namespaces_of(docs), protocol, port)
    return ALLOW if allowed_here else DENY


def direction_verdict(direction: str, subject: dict[str, Any], other: dict[str, Any], dst: dict[str, Any],
                      docs: list[dict[str, Any]], protocol: str, port: int, np_selection: str = "direction") -> bool:
    """One direction's verdict through the tiers, in order; nothing decides = allowed."""
    admin = _tier_decision(_admin_tier(docs), direction, subject, other, dst, docs, protocol, port)
    if admin in (ALLOW, DENY):
        return admin == ALLOW
    np = _np_tier(direction, subject, other, dst, docs, protocol, port, np_selection)
    if np is not None:
        return np == ALLOW
    baseline = _tier_decision(_baseline_tier(docs), direction, subject, other, dst, docs, protocol, port)
    return baseline != DENY


def tiered_allowed(src: dict[str, Any], dst: dict[str, Any], docs: list[dict[str, Any]], protocol: str, port: int,
                   np_selection: str = "direction") -> bool:
    """May pod `src` open a connection to pod `dst`'s IP on protocol/port? `docs` are the raw manifests
    (Namespaces, Nodes, Pods with status.podIP, NetworkPolicies and the admin kinds)."""
    return (direction_verdict("egress", src, dst, dst, docs, protocol, port, np_selection)
            and direction_verdict("ingress", dst, src, dst, docs, protocol, port, np_selection))
