"""lint's admin-tier findings are true, by the reference oracle (tests/reference_oracle.py), on random
small clusters of ClusterNetworkPolicies of both tiers mixed with NetworkPolicies:

- NV702 (a rule never decides a connection): removing the rule changes no verdict;
- NV703 (a Pass no later tier decides): writing Accept instead changes no verdict (where that makes
  the order of equal priorities undefined, both orders allow);
- NV707 (a NetworkPolicy rule the Admin tier voids): removing the rule as advised changes no verdict (for the
  only egress rule of a policy whose policyTypes are inferred: removing it and writing the inferred types);
- NV701 (equal priorities decide a connection differently): the oracle finds that order undefined for
  the witness; and wherever it finds an order undefined, lint reports NV701 for that tier.

Verdicts are compared per direction (each finding is about one direction's tiers) on every ordered
pair of loaded pods (self pairs aside) and probe ports."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from helpers_tiered_world import cnp_st as rich_cnp_st
from helpers_tiered_world import fixed_objects
from helpers_tiered_world import np_st as rich_np_st
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from reference_oracle import (
    UndefinedOrder,
    direction_verdict,
    peer_matches,
    policy_types,
    port_matches,
    selector_matches,
)

from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.queries.context import Analysis
from netverify.queries.lint import LintOptions, lint
from netverify.semantics.options import NetworkPolicySelection, Semantics

PROBES = [("TCP", 80), ("TCP", 8080), ("UDP", 53), ("SCTP", 80)]
NAMESPACES = {"x": {"team": "a"}, "y": {"team": "b"}}
labels_st = st.dictionaries(st.sampled_from(["app"]), st.sampled_from(["a", "b"]), max_size=1)
selector_st = st.one_of(st.just({}), st.builds(lambda ml: {"matchLabels": ml}, labels_st))
ns_selector_st = st.one_of(st.just({}), st.builds(lambda t: {"matchLabels": {"team": t}}, st.sampled_from("ab")))
protocols_st = st.lists(st.builds(lambda p, n: {p: {"destinationPort": {"number": n}}},
                                  st.sampled_from(["tcp", "udp"]), st.sampled_from([53, 80])), min_size=1, max_size=2)


def pods() -> list[dict[str, Any]]:
    return [{"apiVersion": "v1", "kind": "Pod",
             "metadata": {"namespace": ns, "name": f"p{i}", "labels": {"app": app}},
             "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [
                 {"containerPort": 80, "name": "web"}, {"containerPort": 53, "protocol": "UDP", "name": "dns"}]}]},
             "status": {"podIP": ip}}
            for i, (ns, app, ip) in enumerate([("x", "a", "10.0.0.1"), ("x", "b", "10.0.0.2"), ("y", "a", "10.0.1.1"),
                                               ("y", "b", "10.0.1.2")])]


def peer_st(direction: str) -> st.SearchStrategy[dict[str, Any]]:
    peers = [st.builds(lambda s: {"namespaces": s}, ns_selector_st),
             st.builds(lambda n, p: {"pods": {"namespaceSelector": n, "podSelector": p}}, ns_selector_st, selector_st)]
    if direction == "egress":
        peers.append(st.builds(lambda c: {"networks": [c]}, st.sampled_from(["10.0.0.0/24", "0.0.0.0/0"])))
    return st.one_of(*peers)


@st.composite
def rule_st(draw: st.DrawFn, direction: str) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": f"r{draw(st.integers(0, 999))}",
                            "action": draw(st.sampled_from(["Accept", "Deny", "Pass"])),
                            "from" if direction == "ingress" else "to": draw(st.lists(peer_st(direction), min_size=1,
                                                                                      max_size=2))}
    if draw(st.booleans()):
        rule["protocols"] = draw(protocols_st)
    return rule


@st.composite
def cnp_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    subject = draw(st.one_of(st.builds(lambda s: {"namespaces": s}, ns_selector_st),
                             st.builds(lambda n, p: {"pods": {"namespaceSelector": n, "podSelector": p}},
                                       ns_selector_st, selector_st)))
    spec: dict[str, Any] = {"tier": draw(st.sampled_from(["Admin", "Baseline"])), "priority": draw(st.integers(0, 2)),
                            "subject": subject}
    for direction in ("ingress", "egress"):
        rules = draw(st.lists(rule_st(direction), max_size=3))
        if rules:
            spec[direction] = rules
    return {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
            "metadata": {"name": name}, "spec": spec}


@st.composite
def np_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    types = draw(st.sampled_from([["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    spec: dict[str, Any] = {"podSelector": draw(selector_st), "policyTypes": types}
    for t in types:
        key, peers = ("ingress", "from") if t == "Ingress" else ("egress", "to")
        spec[key] = draw(st.lists(st.builds(lambda s, side=peers: {side: [{"namespaceSelector": s}]}, ns_selector_st),
                                  max_size=2))
    if draw(st.booleans()):
        del spec["policyTypes"]  # inferred from the rules present (NV707's advice must keep them)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"namespace": draw(st.sampled_from(["x", "y"])), "name": name}, "spec": spec}


# --- a wider world: each pod its own named ports and node, a hostNetwork pod beside some of them ---------

# Per port name, what a pod may declare under it (or nothing): the same name resolves to another number
# or protocol on another pod, so rules naming it select different connections per destination.
NAMED_PORTS = {"web": [(80, "TCP"), (8080, "TCP"), (80, "UDP")], "dns": [(53, "UDP"), (53, "TCP"), (5353, "UDP")]}
WORLD_PODS = [("x", "a", "10.0.0.1"), ("x", "b", "10.0.0.2"), ("y", "a", "10.0.1.1"), ("y", "b", "10.0.1.2")]


def world(pod_nodes: list[str], pod_ports: list[list[tuple[str, int, str]]], host_node: str) -> list[dict[str, Any]]:
    """fixed_objects' Namespaces and Nodes, the four pods on these nodes with these named ports (name,
    number, protocol), and the hostNetwork pod on `host_node`: its traffic to pods on that node is node
    traffic, exempt from ingress rules."""
    objects = [o for o in fixed_objects() if o["kind"] in ("Namespace", "Node")]
    for i, ((ns, app, ip), node, ports) in enumerate(zip(WORLD_PODS, pod_nodes, pod_ports, strict=True)):
        objects.append({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"namespace": ns, "name": f"p{i}", "labels": {"app": app, "tier": "ab"[i % 2]}},
                        "spec": {"nodeName": node, "containers": [{"name": "c", "ports": [
                            {"containerPort": number, "protocol": protocol, "name": name}
                            for name, number, protocol in ports]}]},
                        "status": {"phase": "Running", "podIP": ip}})
    objects.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "y", "name": "host",
                                                                    "labels": {"app": "a"}},
                    "spec": {"hostNetwork": True, "nodeName": host_node, "containers": [{"name": "c"}]},
                    "status": {"phase": "Running", "podIP": "192.168.0.1" if host_node == "n1" else "192.168.0.2"}})
    return objects


# Per port name, what a pod may declare under it (or nothing).
port_choice_st = st.tuples(*[st.sampled_from([None, *((name, number, protocol) for number, protocol in options)])
                             for name, options in NAMED_PORTS.items()]).map(lambda c: [p for p in c if p is not None])
world_st = st.builds(world, st.lists(st.sampled_from(["n1", "n2"]), min_size=4, max_size=4),
                     st.lists(port_choice_st, min_size=4, max_size=4), st.sampled_from(["n1", "n2"]))


@st.composite
def named_port_np_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """A NetworkPolicy whose rules may name ports (resolved on each destination) or give numbers."""
    policy = draw(rich_np_st(name))
    for key in ("ingress", "egress"):
        for rule in policy["spec"].get(key, []):
            ports = draw(st.lists(st.sampled_from([{"port": "web"}, {"port": "dns", "protocol": "UDP"},
                                                   {"port": "dns", "protocol": "TCP"}, {"port": 80}]), max_size=2))
            if ports:
                rule["ports"] = ports
            # ipBlocks are the only peers that match a hostNetwork pod (the nodes' addresses, 192.168.0.x)
            blocks = draw(st.lists(st.sampled_from(["192.168.0.0/24", "192.168.0.2/32", "10.0.0.0/16"]), max_size=1))
            rule["from" if key == "ingress" else "to"] += [{"ipBlock": {"cidr": c}} for c in blocks]
    return policy


def inventory(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
                  for n, labels in NAMESPACES.items()]
    return namespaces + pods() + objects


def verdicts(docs: list[dict[str, Any]], probes: list[tuple[str, int]] = PROBES, np_selection: str = "direction"
             ) -> dict[tuple[str, str, str, str, int], bool | None]:
    """Each direction of every pair and probe, by the oracle (None: undefined order). Node traffic (from
    a hostNetwork pod to a pod on its node) is allowed whatever ingress rules say: its ingress is left out."""
    pod = {f"{p['metadata']['namespace']}/{p['metadata']['name']}": p for p in docs if p["kind"] == "Pod"}
    out: dict[tuple[str, str, str, str, int], bool | None] = {}
    for sid, src in pod.items():
        for did, dst in pod.items():
            if sid == did:
                continue
            node_traffic = bool(src["spec"].get("hostNetwork")) and src["spec"].get("nodeName") == dst["spec"].get(
                "nodeName")
            for proto, port in probes:
                for direction, subject, peer in (("egress", src, dst), ("ingress", dst, src)):
                    if direction == "ingress" and node_traffic:
                        continue
                    try:
                        out[(direction, sid, did, proto, port)] = direction_verdict(direction, subject, peer, dst,
                                                                                    docs, proto, port, np_selection)
                    except UndefinedOrder:
                        out[(direction, sid, did, proto, port)] = None
    return out


def lint_findings(docs: list[dict[str, Any]], np_selection: str = "direction") -> list[Any]:
    result = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs))
    assert not result.errors, [e.render() for e in result.errors]
    semantics = Semantics(np_selection=NetworkPolicySelection(np_selection))
    return lint(Analysis(result.cluster, semantics, "pod"), (), LintOptions(select=("NV7",))).findings


def admin_rule(docs: list[dict[str, Any]], message: str) -> tuple[dict[str, Any], str, int]:
    """The CNP document, direction and index a finding's message names (`ClusterNetworkPolicy/cnp1 egress[0]`)."""
    for d in docs:
        if d["kind"] != "ClusterNetworkPolicy":
            continue
        for direction in ("ingress", "egress"):
            for i, _ in enumerate(d["spec"].get(direction, [])):
                if message.startswith(f"ClusterNetworkPolicy/{d['metadata']['name']} {direction}[{i}] "):
                    return d, direction, i
    raise AssertionError(message)


# The Admin tier denies app=a pods every namespace; np0 lets every pod of x out: its rule is void for the app=a pods
# only, and still lets the others out (NV707 once called it void: the scan skipped subjects no Admin policy selects).
VOID_FOR_SOME = ({"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy", "metadata": {"name": "cnp0"},
                  "spec": {"tier": "Admin", "priority": 0,
                           "subject": {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "a"}}}},
                           "egress": [{"name": "r0", "action": "Deny", "to": [{"namespaces": {}}]}]}},)
ALL_OF_X_OUT = ({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"namespace": "x", "name": "np0"},
                 "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"namespaceSelector": {}}]}]}},)


# cnp0 and cnp1 pass ingress at one priority, cnp0 for x's pods, cnp1 for every pod; np0 isolates x's pods and
# admits nothing. In name order cnp0 passes x's connections; in the other order cnp1 does, and the NetworkPolicy
# tier denies them: cnp1's Pass is not an Accept (NV703 once said it was: it looked at the name order only).
EQUAL_PRIORITY_PASSES = tuple({"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                               "metadata": {"name": name},
                               "spec": {"tier": "Admin", "priority": 2, "subject": {"namespaces": subject},
                                        "ingress": [{"name": "r0", "action": "Pass", "from": [{"namespaces": {}}]}]}}
                              for name, subject in (("cnp0", {"matchLabels": {"team": "a"}}), ("cnp1", {})))
X_ISOLATED = ({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"namespace": "x", "name": "np0"},
               "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}},)


@example(VOID_FOR_SOME, ALL_OF_X_OUT)
@example(EQUAL_PRIORITY_PASSES, X_ISOLATED)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(*[cnp_st(f"cnp{i}") for i in range(n)])),
       st.integers(0, 2).flatmap(lambda n: st.tuples(*[np_st(f"np{i}") for i in range(n)])))
def test_admin_findings_agree_with_the_oracle(admin: tuple[dict[str, Any], ...],
                                              network: tuple[dict[str, Any], ...]) -> None:
    findings_hold(inventory([*admin, *network]), PROBES)


# Every number and protocol a named port of world_st resolves to, and the plain ones.
WIDE_PROBES = sorted({*PROBES, *((protocol, number) for options in NAMED_PORTS.values() for number, protocol in options)})


# Every pod on n1 with the hostNetwork pod; the Admin tier denies every ingress from pods; np0's rule admits the
# pods of every namespace and the nodes' addresses: all it admits is denied, or node traffic (never asked): void.
DENY_INGRESS_FROM_PODS = ({"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                           "metadata": {"name": "cnp0"},
                           "spec": {"tier": "Admin", "priority": 0, "subject": {"namespaces": {}},
                                    "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}]}},)
FROM_PODS_AND_NODES = ({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                        "metadata": {"namespace": "x", "name": "np0"},
                        "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [
                            {"namespaceSelector": {}}, {"ipBlock": {"cidr": "192.168.0.0/24"}}]}]}},)


@example(world(["n1"] * 4, [[]] * 4, "n1"), DENY_INGRESS_FROM_PODS, FROM_PODS_AND_NODES, "direction")
@example(world(["n1", "n2", "n1", "n2"], [[("web", 80, "TCP")], [("web", 8080, "TCP")], [], [("web", 80, "UDP")]], "n2"),
         DENY_INGRESS_FROM_PODS, FROM_PODS_AND_NODES, "any")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(world_st,
       st.integers(1, 3).flatmap(lambda n: st.tuples(*[rich_cnp_st(f"cnp{i}") for i in range(n)])),
       st.integers(0, 2).flatmap(lambda n: st.tuples(*[named_port_np_st(f"np{i}") for i in range(n)])),
       st.sampled_from(["direction", "any"]))
def test_admin_findings_agree_with_the_oracle_with_named_ports_per_pod_and_node_traffic(
        world: list[dict[str, Any]], admin: tuple[dict[str, Any], ...], network: tuple[dict[str, Any], ...],
        np_selection: str) -> None:
    """The same where a named port means something else on each pod, rules name nodes and networks, a
    hostNetwork pod shares a node with some pods (its traffic to them is exempt from ingress rules), under
    either reading of when the NetworkPolicy tier is final (`--np-selection`)."""
    docs = world + [*admin, *network]
    findings_hold(docs, WIDE_PROBES, np_selection)
    reported = {(f.obj.split(" ", 1)[1], *rule_of(f.message)) for f in lint_findings(docs, np_selection)
                if f.code == "NV707"}
    try:
        void = void_by_oracle(docs)
    except UndefinedOrder:  # at a port WIDE_PROBES does not try
        assume(False)
    assert reported == void


# A probe in every stretch of ports the drawn policies and named ports tell apart, for each protocol: what
# holds at these holds on every port.
EVERY_STRETCH = [(protocol, port) for protocol in ("TCP", "UDP", "SCTP")
                 for port in (1, 50, 53, 54, 80, 81, 100, 101, 5353, 5354, 8080, 8081)]


def rule_of(message: str) -> tuple[str, int]:
    """The direction and index an NV707 message names (`x/np0 egress[1] admits nothing ...`)."""
    found = re.search(r" (ingress|egress)\[(\d+)\] admits nothing", message)
    assert found is not None, message
    return found[1], int(found[2])


def void_by_oracle(docs: list[dict[str, Any]]) -> set[tuple[str, str, int]]:
    """NV707 by its definition: NetworkPolicy rules (of a direction the policy isolates) whose every admitted
    connection (subject a pod the policy selects, peer any other pod but node traffic into the subject's
    node, a port of every stretch) the Admin tier decides, denying one. The Admin tier's decision is read
    from two verdicts: with the Admin tier alone (denied: it denied), and with a NetworkPolicy denying
    everything below it (allowed: it allowed)."""
    inventory = [d for d in docs if d["kind"] in ("Namespace", "Node", "Pod")]
    admin = [d for d in docs if d["kind"] == "ClusterNetworkPolicy" and d["spec"]["tier"] == "Admin"]
    namespaces = {d["metadata"]["name"]: d["metadata"].get("labels") or {} for d in inventory if d["kind"] == "Namespace"}
    deny_all = [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"namespace": n, "name": "deny"},
                 "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}} for n in namespaces]
    pods = [d for d in inventory if d["kind"] == "Pod"]

    def admin_decides(direction: str, subject: dict[str, Any], peer: dict[str, Any], protocol: str, port: int) -> str:
        dst = subject if direction == "ingress" else peer
        if not direction_verdict(direction, subject, peer, dst, inventory + admin, protocol, port):
            return "deny"
        allowed = direction_verdict(direction, subject, peer, dst, inventory + admin + deny_all, protocol, port)
        return "allow" if allowed else "pass"

    void = set()
    for policy in (d for d in docs if d["kind"] == "NetworkPolicy"):
        ns, spec = policy["metadata"]["namespace"], policy["spec"]
        subjects = [p for p in pods if p["metadata"]["namespace"] == ns and not p["spec"].get("hostNetwork")
                    and selector_matches(spec.get("podSelector") or {}, p["metadata"].get("labels") or {})]
        for direction in (t.lower() for t in policy_types(spec)):
            for index, rule in enumerate(spec.get(direction) or []):
                peers_key = "from" if direction == "ingress" else "to"
                decisions = {admin_decides(direction, subject, peer, protocol, port)
                             for subject in subjects for peer in pods if peer is not subject
                             and not (direction == "ingress" and peer["spec"].get("hostNetwork")
                                      and peer["spec"].get("nodeName") == subject["spec"].get("nodeName"))
                             if not rule.get(peers_key) or any(peer_matches(p, ns, peer, namespaces)
                                                               for p in rule[peers_key])
                             for protocol, port in EVERY_STRETCH
                             if not rule.get("ports") or any(port_matches(
                                 e, subject if direction == "ingress" else peer, protocol, port) for e in rule["ports"])}
                if "deny" in decisions and "pass" not in decisions:
                    void.add((f"{ns}/{policy['metadata']['name']}", direction, index))
    return void


def findings_hold(docs: list[dict[str, Any]], probes: list[tuple[str, int]], np_selection: str = "direction") -> None:
    """Each NV701-NV703/NV707 finding's claim, by the oracle's verdicts before and after its advice."""
    before = verdicts(docs, probes, np_selection)
    found = lint_findings(docs, np_selection)
    undefined = {k for k, v in before.items() if v is None}
    assert bool(undefined) <= any(f.code == "NV701" for f in found), sorted(undefined)[:3]
    for f in found:
        if f.code == "NV701":
            assert_order_undefined(docs, f, np_selection)
    assume(not undefined)  # the other claims are about a defined order
    for f in found:
        if f.code in ("NV702", "NV703"):
            mutated = copy.deepcopy(docs)
            doc, direction, i = admin_rule(mutated, f.message)
            if f.code == "NV702":
                del doc["spec"][direction][i]
                assert verdicts(mutated, probes, np_selection) == before, f.message
                continue
            doc["spec"][direction][i]["action"] = "Accept"
            # An equal-priority policy that still passes the same connection now conflicts with the
            # Accept (an undefined order): both orders allow it, which is the claim.
            after = verdicts(mutated, probes, np_selection)
            assert all(after[k] == v or (after[k] is None and v) for k, v in before.items()), f.message
        elif f.code == "NV707":
            mutated = copy.deepcopy(docs)
            policy = f.obj.split(" ", 1)[1]
            doc = next(d for d in mutated if d["kind"] == "NetworkPolicy"
                       and f"{d['metadata']['namespace']}/{d['metadata']['name']}" == policy)
            rest = f.message.split(policy + " ", 1)[1]
            direction, index = rest.split("[", 1)[0], int(rest.split("[", 1)[1].split("]", 1)[0])
            del doc["spec"][direction][index]
            if "do not just remove it" in f.message:  # the advice: write the policyTypes inferred now
                doc["spec"]["policyTypes"] = ["Ingress", "Egress"]
            assert verdicts(mutated, probes, np_selection) == before, f.message


def assert_order_undefined(docs: list[dict[str, Any]], finding: Any, np_selection: str) -> None:
    """NV701's witness (`decide x/p0 -> y/p2 on TCP/80 differently`) is a connection policies decide (not node
    traffic, which ingress rules are not asked about) whose verdict in the finding's direction the oracle finds
    to depend on the undefined order."""
    found = re.search(r"decide (\S+) -> (\S+) on (\w+)/(\d+) differently", finding.message)
    assert found is not None, finding.message
    pod = {f"{p['metadata']['namespace']}/{p['metadata']['name']}": p for p in docs if p["kind"] == "Pod"}
    src, dst, protocol, port = pod[found[1]], pod[found[2]], found[3], int(found[4])
    ingress = finding.direction == "ingress"
    assert not (ingress and src["spec"].get("hostNetwork") and src["spec"].get("nodeName") == dst["spec"].get(
        "nodeName")), f"node traffic: {finding.message}"
    subject, peer = (dst, src) if ingress else (src, dst)
    with pytest.raises(UndefinedOrder):
        direction_verdict(finding.direction, subject, peer, dst, docs, protocol, port, np_selection)
