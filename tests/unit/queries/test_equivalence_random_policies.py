"""Random clusters (hypothesis): `equiv` on the inventory agrees with a pair-by-pair evaluation, the
graph and SMT engines agree, splitting every policy into one policy per rule is equivalent for any
pod, and the redundancy findings are exactly the rules and policies whose removal changes nothing."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from helpers_strategies import NAMESPACES, edited_policies, labels_st, load_with_namespaces, port_st, selector_st
from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.model import Cluster, Direction
from netverify.queries.context import Analysis
from netverify.queries.equivalence import PolicySets, compare
from netverify.queries.lint.redundancy import redundancy_findings
from netverify.semantics.evaluate import evaluate_pair

peer_st = st.one_of(
    st.builds(lambda s: {"podSelector": s}, selector_st),
    st.builds(lambda t: {"namespaceSelector": {"matchLabels": {"team": t}}}, st.sampled_from(["a", "b"])),
    st.builds(lambda c: {"ipBlock": {"cidr": c}}, st.sampled_from(["10.0.0.0/24", "10.0.0.0/8", "0.0.0.0/0"])),
)
rule_st = st.fixed_dictionaries({}, optional={"peers": st.lists(peer_st, max_size=2),
                                              "ports": st.lists(port_st, min_size=1, max_size=2)})


def rule_doc(rule: dict[str, Any], direction: str) -> dict[str, Any]:
    return {("from" if direction == "ingress" else "to") if k == "peers" else k: v for k, v in rule.items()}


@st.composite
def policy_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": draw(selector_st),
                            "policyTypes": draw(st.sampled_from([["Ingress"], ["Egress"], ["Ingress", "Egress"]]))}
    for direction in ("ingress", "egress"):
        spec[direction] = [rule_doc(r, direction) for r in draw(st.lists(rule_st, max_size=2))]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": draw(st.sampled_from(sorted(NAMESPACES)))}, "spec": spec}


@st.composite
def pod_st(draw: st.DrawFn, i: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"p{i}", "namespace": draw(st.sampled_from(sorted(NAMESPACES))),
                         "labels": draw(labels_st)},
            "spec": {"containers": [{"name": "c", "image": "i", "ports": [
                {"name": "http", "containerPort": draw(st.sampled_from([80, 8080]))}]}]},
            "status": {"phase": "Running", "podIP": f"10.0.{i % 2}.{i + 1}"}}


@st.composite
def two_sets_st(draw: st.DrawFn) -> tuple[Cluster, Cluster]:
    pods = [draw(pod_st(i)) for i in range(draw(st.integers(2, 5)))]
    a = [draw(policy_st(f"np{j}")) for j in range(draw(st.integers(0, 3)))]
    b = draw(edited_policies(a, policy_st, 1))
    return load_with_namespaces(pods + a), load_with_namespaces(pods + b)


@st.composite
def overlapping_st(draw: st.DrawFn) -> Cluster:
    """Policies with repeated rules, plus partial copies of some of them (a rule dropped, ports widened),
    so that rules and policies covered by others are common."""
    pods = [draw(pod_st(i)) for i in range(draw(st.integers(2, 5)))]
    policies = [draw(policy_st(f"np{j}")) for j in range(draw(st.integers(1, 3)))]
    for p in policies:  # a rule repeated in its own policy, possibly narrowed to its first port
        for direction in ("ingress", "egress"):
            rules = p["spec"][direction]
            if rules and draw(st.booleans()):
                extra = dict(draw(st.sampled_from(rules)))
                if extra.get("ports") and draw(st.booleans()):
                    extra["ports"] = extra["ports"][:1]
                rules.append(extra)
    for j, p in enumerate(list(policies)):
        if draw(st.booleans()):
            spec = {**p["spec"]}
            for direction in ("ingress", "egress"):
                rules = spec[direction]
                if rules and draw(st.booleans()):
                    rules = rules[1:]
                if rules and draw(st.booleans()):
                    rules = [{k: v for k, v in r.items() if k != "ports"} for r in rules]
                spec[direction] = rules
            policies.append({**p, "metadata": {**p["metadata"], "name": f"copy{j}"}, "spec": spec})
    return load_with_namespaces(pods + policies)


def naive_equal(left: Cluster, right: Cluster) -> bool:
    """Every ordered pair of endpoints (loaded, and one address per ipBlock piece), pair by pair."""
    sets = PolicySets(left, right)
    eps = sets.endpoints()
    for s in eps:
        for d in eps:
            if s.id == d.id and s.single_pod:
                continue
            if evaluate_pair(sets.left, s, d).allowed != evaluate_pair(sets.right, s, d).allowed:
                return False
    return True


@settings(max_examples=60, deadline=None)
@given(two_sets_st())
def test_inventory_equivalence_is_pairwise_equality_and_both_engines_agree(pair: tuple[Cluster, Cluster]) -> None:
    left, right = pair
    graph = compare(left, right, ("A", "B"))
    assert graph.holds == naive_equal(left, right)
    assert compare(left, right, ("A", "B"), engine="smt").status == graph.status
    for a, b in ((left, right), (right, left)):
        assert (compare(a, b, ("A", "B"), "contains").status ==
                compare(a, b, ("A", "B"), "contains", engine="smt").status)


def split(c: Cluster) -> Cluster:
    """Each policy with rules becomes one policy per rule, with the same selector and policyTypes."""
    out = []
    for p in c.policies:
        rules = [(d, r) for d in Direction for r in p.rules(d)]
        if not rules:
            out.append(p)
            continue
        for k, (d, r) in enumerate(rules):
            out.append(dataclasses.replace(p, name=f"{p.name}-{k}", ingress=(r,) if d is Direction.INGRESS else (),
                                           egress=(r,) if d is Direction.EGRESS else ()))
    return dataclasses.replace(c, policies=tuple(out))


@settings(max_examples=25, deadline=None)
@given(two_sets_st())
def test_splitting_policies_rule_by_rule_is_equivalent_for_any_pod(pair: tuple[Cluster, Cluster]) -> None:
    original = pair[0]
    result = compare(original, split(original), ("original", "split"), scope="any", engine="smt")
    assert result.status == "holds", result.distinction


def without_policy(c: Cluster, index: int) -> Cluster:
    return dataclasses.replace(c, policies=c.policies[:index] + c.policies[index + 1:])


@settings(max_examples=80, deadline=None)
@given(overlapping_st())
def test_a_policy_is_reported_redundant_exactly_when_removing_it_changes_nothing(c: Cluster) -> None:
    analysis = Analysis(c)
    found = redundancy_findings(analysis)
    reported = {f.obj.split()[1] for f in found if f.code in ("NV602", "NV603")}
    for i, cp in enumerate(analysis.policies):
        pid = cp.policy.id
        unchanged = naive_equal(c, without_policy(c, i))
        if pid in {f.obj.split()[1] for f in found if f.code == "NV602"}:
            assert unchanged, pid
        selects = any(cp.selects(e) and not e.host_network for e in analysis.endpoints)
        # rules of a direction the policy does not affect (not in policyTypes) are ignored by Kubernetes
        has_rules = any(cp.rules(d) for d in Direction if cp.affects(d))
        if unchanged and selects and has_rules:
            assert pid in reported, pid


def without_rule(c: Cluster, pid: str, direction: Direction, index: int) -> Cluster:
    def edit(p: Any) -> Any:
        if p.id != pid:
            return p
        rules = tuple(r for r in p.rules(direction) if r.index != index)
        return dataclasses.replace(p, **{direction.value: rules})  # policyTypes are declared by the strategy

    return dataclasses.replace(c, policies=tuple(edit(p) for p in c.policies))


@settings(max_examples=80, deadline=None)
@given(overlapping_st())
def test_a_rule_is_reported_redundant_exactly_when_removing_it_changes_nothing(c: Cluster) -> None:
    analysis = Analysis(c)
    found = redundancy_findings(analysis)
    rules = {m.groups() for f in found if f.code == "NV601"
             for m in [re.search(r"rule (\S+) (ingress|egress)\[(\d+)\]", f.message)] if m}
    whole = {f.obj.split()[1] for f in found if f.code in ("NV602", "NV603")}
    for cp in analysis.policies:
        selects = any(cp.selects(e) and not e.host_network for e in analysis.endpoints)
        for d in Direction:
            if not cp.affects(d):
                continue
            for rule in cp.rules(d):
                unchanged = naive_equal(c, without_rule(c, cp.policy.id, d, rule.ref.index))
                key = (cp.policy.id, d, str(rule.ref.index))
                if key in rules:
                    assert unchanged, rule.ref
                # a rule that can admit something on the inventory: outside addresses always exist
                reaches = not rule.peers or any(p.matches(e) for p in rule.peers for e in analysis.endpoints) or any(
                    not hasattr(p, "pod_selector") for p in rule.peers)
                numeric = all(not isinstance(m.spec.port, str) for m in rule.ports)
                if unchanged and selects and reaches and numeric and cp.policy.id not in whole:
                    assert key in rules, rule.ref
