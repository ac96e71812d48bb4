"""Lint redundancy (NV601 a rule, NV602 a policy) under the admin tiers, held to the
reference oracle: lint calls a NetworkPolicy rule or policy redundant exactly when removing it
changes no connection `tiered_allowed` decides (Admin -> NetworkPolicy -> Baseline), between any
two loaded pods and any pod and an outside address, on any port.

The world is tests/helpers_tiered_world.py's (four pods and a hostNetwork pod, two Nodes), with
random ClusterNetworkPolicies of both tiers (distinct priorities: equal ones are NV701's question)
and NetworkPolicies of up to two rules per direction. The outside addresses are one per atom of the
world's `networks` and node addresses (lint's inventory covers every address outside the cluster,
one representative per atom), and the probes one port per atom of the ports the world's rules name.
The inventory scope must agree exactly; `--any` (any pod that could exist) must claim nothing the
oracle refutes on the loaded world.
"""

from __future__ import annotations

import copy
from typing import Any

from helpers_admin_strategies import orders
from helpers_tiered_world import cnp_st, fixed_objects, ns_selector_st, pods, selector_st
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_oracle import peer_matches, port_matches, selector_matches, tiered_allowed

from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.queries.context import Analysis
from netverify.queries.lint.redundancy import redundancy_findings
from netverify.semantics.netpol_tier import NetworkPolicySelection
from netverify.semantics.options import Semantics

# One port per atom of the ports the world names (53, 80, 8080, the range 50-100, the rest).
PROBES = [(proto, port) for proto in ("TCP", "UDP") for port in (53, 60, 80, 8080, 9999)] + [
    ("SCTP", port) for port in (53, 80, 8080, 9999)]
# One outside address per atom of the world's networks (10.0.0.0/24, 10.0.1.2/32, 192.168.0.0/24,
# 0.0.0.0/0) and node addresses (192.168.0.1; 192.168.0.2 is the hostNetwork pod's).
OUTSIDE = ["10.0.0.77", "192.168.0.1", "192.168.0.9", "172.16.0.1", "2001:db8::1"]


def _outside(ip: str) -> dict[str, Any]:
    """An address outside the cluster as the oracle reads an endpoint: no pod identity (only
    `networks` and `nodes` peers match it by address) and never a subject of any policy."""
    return {"kind": "External", "metadata": {"namespace": "", "name": ip, "labels": {}},
            "spec": {"hostNetwork": True, "containers": []}, "status": {"podIP": ip}}


ENDPOINTS = [*pods(), *(_outside(ip) for ip in OUTSIDE)]


def _verdicts(docs: list[dict[str, Any]], reading: str) -> list[bool]:
    return [tiered_allowed(src, dst, docs, proto, port, reading)
            for src in ENDPOINTS for dst in ENDPOINTS
            if src is not dst and not (src["kind"] == dst["kind"] == "External")
            for proto, port in PROBES]


@st.composite
def network_policy_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    types = draw(st.sampled_from([["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    spec: dict[str, Any] = {"podSelector": draw(selector_st), "policyTypes": types}
    for t in types:
        key, peers_key = ("ingress", "from") if t == "Ingress" else ("egress", "to")
        rules = []
        for _ in range(draw(st.integers(0, 2))):
            peer = draw(st.one_of(st.builds(lambda s: {"namespaceSelector": s}, ns_selector_st),
                                  st.builds(lambda s: {"podSelector": s}, selector_st)))
            rule: dict[str, Any] = {peers_key: [peer]}
            ports = draw(st.sampled_from([None, [{"port": 80}], [{"protocol": "UDP", "port": 53}], [{"port": "web"}]]))
            if ports:
                rule["ports"] = ports
            rules.append(rule)
        spec[key] = rules
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"namespace": draw(st.sampled_from(["x", "y"])), "name": name}, "spec": spec}


def _lint(docs: list[dict[str, Any]], reading: NetworkPolicySelection, scope: str = "inventory"
          ) -> tuple[set[str], set[str]]:
    """The policies (ns/name) lint reports as redundant (NV602), and the rules (`ns/name direction[i]`, NV601)."""
    result = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs))
    assert not result.errors, [e.render() for e in result.errors]
    analysis = Analysis(result.cluster, Semantics(np_selection=reading), by="pod")
    findings = redundancy_findings(analysis, scope=scope)
    policies = {f.obj.removeprefix("NetworkPolicy ") for f in findings if f.code == "NV602"}
    rules = {f.message.removeprefix("rule ").split(" is redundant")[0] for f in findings if f.code == "NV601"}
    return policies, rules


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 3).flatmap(lambda n: st.tuples(*[cnp_st(f"cnp{i}") for i in range(n)])),
       st.integers(1, 2).flatmap(lambda n: st.tuples(*[network_policy_st(f"np{i}") for i in range(n)])),
       st.sampled_from(list(NetworkPolicySelection)))
def test_lint_redundancy_agrees_with_the_tiered_oracle(admin: tuple[dict[str, Any], ...],
                                                        network: tuple[dict[str, Any], ...],
                                                        reading: NetworkPolicySelection) -> None:
    for priority, cnp in enumerate(admin):
        cnp["spec"]["priority"] = priority
    base = fixed_objects() + list(admin)
    docs = base + list(network)
    redundant_policies, redundant_rules = _lint(docs, reading)
    before = _verdicts(docs, reading.value)
    for p, policy in enumerate(network):
        pid = f"{policy['metadata']['namespace']}/{policy['metadata']['name']}"
        policy_redundant = _verdicts(base + [n for n in network if n is not policy], reading.value) == before
        selected = [pod for pod in pods() if _selects(policy, pod)]
        # Not reported, by design: a default-deny (no rules) and a policy that selects no pod (NV101 says so).
        if any(policy["spec"].get(k) for k in ("ingress", "egress")) and selected:
            assert (pid in redundant_policies) == policy_redundant, (pid, policy_redundant)
        else:
            assert pid not in redundant_policies or policy_redundant, pid
        if pid in redundant_policies:
            continue  # its rules are not reported one by one
        for direction in ("ingress", "egress"):
            for r in range(len(policy["spec"].get(direction) or [])):
                changed = copy.deepcopy(network)
                del changed[p]["spec"][direction][r]
                rule_redundant = _verdicts(base + list(changed), reading.value) == before
                rule = f"{pid} {direction}[{r}]"
                if _admits_something(policy, direction, policy["spec"][direction][r], selected, docs):
                    assert (rule in redundant_rules) == rule_redundant, (rule, rule_redundant)
                else:  # a rule that admits nothing here is NV102/NV201's to report
                    assert rule not in redundant_rules or rule_redundant, rule


# --any claims more than the inventory scope (no pod that could exist, in any order of equal admin
# priorities, tells the sets apart), so every claim must hold on the loaded world; cnp_st draws equal
# priorities, and the oracle checks the claim in each of their orders (helpers_admin_strategies.orders). Few examples:
# one SMT query per candidate.
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 3).flatmap(lambda n: st.tuples(*[cnp_st(f"cnp{i}") for i in range(n)])),
       st.integers(1, 2).flatmap(lambda n: st.tuples(*[network_policy_st(f"np{i}") for i in range(n)])),
       st.sampled_from(list(NetworkPolicySelection)))
def test_lint_any_redundancy_holds_for_the_loaded_world_under_the_tiers(admin: tuple[dict[str, Any], ...],
                                                                       network: tuple[dict[str, Any], ...],
                                                                       reading: NetworkPolicySelection) -> None:
    docs = fixed_objects() + list(admin) + list(network)
    redundant_policies, redundant_rules = _lint(docs, reading, scope="any")

    def unchanged(without: list[dict[str, Any]]) -> bool:
        """Removing it changes no verdict of the loaded world, in every order of equal priorities."""
        return all(_verdicts(fixed_objects() + order + list(network), reading.value)
                   == _verdicts(fixed_objects() + order + without, reading.value) for order in orders(list(admin)))

    for p, policy in enumerate(network):
        pid = f"{policy['metadata']['namespace']}/{policy['metadata']['name']}"
        if pid in redundant_policies:
            assert unchanged([n for n in network if n is not policy]), pid
        for direction in ("ingress", "egress"):
            for r in range(len(policy["spec"].get(direction) or [])):
                rule = f"{pid} {direction}[{r}]"
                if rule in redundant_rules:
                    changed = copy.deepcopy(list(network))
                    del changed[p]["spec"][direction][r]
                    assert unchanged(changed), rule


def _selects(policy: dict[str, Any], pod: dict[str, Any]) -> bool:
    return (not pod["spec"].get("hostNetwork") and pod["metadata"]["namespace"] == policy["metadata"]["namespace"]
            and selector_matches(policy["spec"].get("podSelector") or {}, pod["metadata"]["labels"]))


def _admits_something(policy: dict[str, Any], direction: str, rule: dict[str, Any], selected: list[dict[str, Any]],
                      docs: list[dict[str, Any]]) -> bool:
    """Whether the rule matches some peer endpoint on some port for a pod its policy selects."""
    namespaces = {d["metadata"]["name"]: d["metadata"].get("labels") or {} for d in docs if d["kind"] == "Namespace"}
    peers = rule.get("from" if direction == "ingress" else "to") or []
    ns = policy["metadata"]["namespace"]
    for subject in selected:
        for other in ENDPOINTS:
            if other is subject or not any(peer_matches(p, ns, other, namespaces) for p in peers):
                continue
            dst = subject if direction == "ingress" else other
            if not rule.get("ports") or any(port_matches(e, dst, proto, port) for e in rule["ports"]
                                            for proto, port in PROBES):
                return True
    return False
