"""An independent, deliberately naive reading of the NetworkPolicy API reference.

It works on raw manifest dicts with plain loops and shares no code with netverify,
so agreement between the two is evidence, not tautology. Pods only (no workloads);
ipBlocks match pod IPs (netverify's default); ports are checked one at a time.

The grammar is the API's, written out by hand: per direction, tiers are asked in order and each
says "Allow", "Deny" or "Pass" for the one connection; the first tier that does not pass decides,
and a connection every tier passes is allowed. NetworkPolicy is one tier: a subject selected by a
policy of that direction is isolated (Allow if some rule of a selecting policy matches, else
Deny); a subject no policy selects is passed.
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
