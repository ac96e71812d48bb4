"""The diff's fast path (changes grouped on joint classes) agrees with a naive pair-by-pair diff.

The naive diff evaluates every ordered pair of endpoints present in both versions with the
policy evaluator, pair by pair, and lists those whose allowed sets differ; for addresses
outside the cluster it evaluates each endpoint with probe addresses (every ipBlock's edges and
a few public addresses). Hypothesis draws a base cluster and a head that relabels, removes and
adds pods and workloads and edits, drops and adds policies, so the two versions' endpoint
classes split and merge differently. The changes (rectangles) must expand to exactly the
pairs the `--pairs` listing streams, each pair once.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from helpers_strategies import NAMESPACES, edited_policies, labels_st, load_with_namespaces, port_st, selector_st
from hypothesis import example, given, settings
from hypothesis import strategies as st

from netverify.model import Direction
from netverify.queries.context import Analysis
from netverify.queries.diff import DiffResult, diff
from netverify.queries.diff_cause import UNEXPLAINED, Cause
from netverify.queries.diff_causes import Explainer
from netverify.queries.diff_joint import endpoint_facts, merge_causes
from netverify.queries.diff_sets import expand
from netverify.semantics.compile import ip_blocks
from netverify.semantics.endpoints import external_endpoint
from netverify.semantics.evaluate import evaluate_pair
from netverify.sets import ConnectionSet

peer_st = st.one_of(
    st.builds(lambda s: {"podSelector": s}, selector_st),
    st.builds(lambda s: {"namespaceSelector": s}, st.builds(lambda t: {"matchLabels": {"team": t}},
                                                            st.sampled_from(["a", "b"]))),
    st.builds(lambda c: {"ipBlock": {"cidr": c}}, st.sampled_from(["10.0.0.0/24", "10.0.1.0/24", "0.0.0.0/0",
                                                                    "8.8.8.8/32", "::/0"])),
    st.just({"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}),
)
rule_st = st.fixed_dictionaries({}, optional={"peers": st.lists(peer_st, max_size=2),
                                              "ports": st.lists(port_st, min_size=1, max_size=2)})


@st.composite
def policy_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": draw(selector_st),
                            "policyTypes": draw(st.sampled_from([["Ingress"], ["Egress"], ["Ingress", "Egress"]]))}
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        rules = draw(st.lists(rule_st, max_size=2))
        spec[direction] = [{(peers if k == "peers" else k): v for k, v in r.items()} for r in rules]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": draw(st.sampled_from(sorted(NAMESPACES)))}, "spec": spec}


def pod(i: int, ns: str, labels: dict[str, str], port: int, node: str = "n1", host: bool = False) -> dict[str, Any]:
    """A pod on `node`; a hostNetwork pod has its node's address (node traffic: always allowed to its node's pods)."""
    spec: dict[str, Any] = {"nodeName": node,
                            "containers": [{"name": "c", "image": "i", "ports": [{"name": "http", "containerPort": port}]}]}
    if host:
        spec["hostNetwork"] = True
    ip = f"10.9.0.{1 + int(node[1:])}" if host else f"10.0.{i % 2}.{i + 1}"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "namespace": ns, "labels": labels},
            "spec": spec, "status": {"phase": "Running", "podIP": ip}}


def deployment(i: int, ns: str, labels: dict[str, str], replicas: int) -> dict[str, Any]:
    template = {"metadata": {"labels": labels or {"w": str(i)}},
                "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"name": "http", "containerPort": 80}]}]}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"d{i}", "namespace": ns},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels or {"w": str(i)}}, "template": template}}


@st.composite
def workload_st(draw: st.DrawFn, i: int) -> dict[str, Any]:
    ns, labels = draw(st.sampled_from(sorted(NAMESPACES))), draw(labels_st)
    if draw(st.booleans()):
        return pod(i, ns, labels, draw(st.sampled_from([80, 8080])), draw(st.sampled_from(["n1", "n2"])),
                   draw(st.sampled_from([False, False, False, True])))
    return deployment(i, ns, labels, draw(st.integers(1, 2)))


@st.composite
def versions_st(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    n = draw(st.integers(2, 7))
    base_objects = [draw(workload_st(i)) for i in range(n)]
    head_objects = []
    for i, obj in enumerate(base_objects):
        fate = draw(st.sampled_from(["keep", "keep", "relabel", "remove"]))
        if fate == "keep":
            head_objects.append(obj)
        elif fate == "relabel":
            head_objects.append(draw(workload_st(i)))
    head_objects += [draw(workload_st(n + j)) for j in range(draw(st.integers(0, 2)))]
    base_policies = [draw(policy_st(f"np{j}")) for j in range(draw(st.integers(0, 4)))]
    head_policies = draw(edited_policies(base_policies, policy_st, 2))
    return base_objects + base_policies, head_objects + head_policies


def analysis(objects: list[dict[str, Any]], by: str = "workload") -> Analysis:
    return Analysis(load_with_namespaces(objects), by=by)


def naive_diff(base: Analysis, head: Analysis) -> dict[tuple[str, str], tuple[ConnectionSet, ConnectionSet]]:
    """Every pair of endpoints present on both sides, evaluated pair by pair on each side."""
    common = [e.id for e in base.endpoints if e.id in head.by_id]
    out = {}
    for s in common:
        for d in common:
            if s == d and (base.by_id[s].single_pod or head.by_id[s].single_pod):
                before = ConnectionSet.none() if base.by_id[s].single_pod else \
                    evaluate_pair(base.policies, base.by_id[s], base.by_id[d]).allowed
                after = ConnectionSet.none() if head.by_id[s].single_pod else \
                    evaluate_pair(head.policies, head.by_id[s], head.by_id[d]).allowed
            else:
                before = evaluate_pair(base.policies, base.by_id[s], base.by_id[d]).allowed
                after = evaluate_pair(head.policies, head.by_id[s], head.by_id[d]).allowed
            if before != after:
                out[(s, d)] = (before, after)
    return out


def probes(base: Analysis, head: Analysis) -> list[str]:
    """Addresses outside the cluster that meet every block: each ipBlock's first and last address."""
    out = {"1.1.1.1", "8.8.8.8", "2001:db8::1"}
    for block in ip_blocks(base.policies) + ip_blocks(head.policies):
        for cidr in block.to_cidrs():
            net = ipaddress.ip_network(cidr)
            out |= {str(net.network_address), str(net.broadcast_address)}
    return sorted(out)


def naive_outside(base: Analysis, head: Analysis) -> dict[tuple[str, str], tuple[ConnectionSet, ConnectionSet]]:
    """(endpoint, probe address) and (probe address, endpoint) pairs whose allowed sets differ."""
    common = [e.id for e in base.endpoints if e.id in head.by_id]
    out = {}
    for address in probes(base, head):
        outside = external_endpoint(address)
        for e in common:
            for src, dst in ((e, address), (address, e)):
                sides = []
                for side in (base, head):
                    ends = [side.by_id[x] if x == e else outside for x in (src, dst)]
                    sides.append(evaluate_pair(side.policies, *ends).allowed)
                if sides[0] != sides[1]:
                    out[(src, dst)] = (sides[0], sides[1])
    return out


def outside_pairs(result: DiffResult, base: Analysis, head: Analysis
                  ) -> dict[tuple[str, str], tuple[ConnectionSet, ConnectionSet]]:
    """The diff's pairs with address blocks, read at the probe addresses."""
    blocks = {b.id: b.addresses for b in result.outside}
    found = {}
    for c in result.pairs():
        for address in probes(base, head):
            if c.src in blocks and blocks[c.src].contains_address(address):
                found[(address, c.dst)] = (c.before, c.after)
            if c.dst in blocks and blocks[c.dst].contains_address(address):
                found[(c.src, address)] = (c.before, c.after)
    return found


@settings(max_examples=150, deadline=None)
@given(versions_st())
def test_the_fast_diff_lists_exactly_the_pairs_a_naive_diff_finds(versions: tuple[list[Any], list[Any]]) -> None:
    base, head = analysis(versions[0]), analysis(versions[1])
    result = diff(base, head)
    blocks = {b.id for b in result.outside}
    listed = list(result.pairs())
    reported = {(c.src, c.dst): (c.before, c.after) for c in listed if not {c.src, c.dst} & blocks}
    assert len({(c.src, c.dst) for c in listed}) == len(listed)  # each pair once
    assert reported == naive_diff(base, head)
    assert outside_pairs(result, base, head) == naive_outside(base, head)
    assert {e.id for e in result.endpoints_added} == set(head.by_id) - set(base.by_id)
    assert {e.id for e in result.endpoints_removed} == set(base.by_id) - set(head.by_id)


def naive_connectivity(analysis: Analysis, eid: str) -> tuple[list[tuple[str, ConnectionSet]], list[tuple[str, ConnectionSet]]]:
    """What an endpoint on one side only may send and receive, pair by pair, in endpoint order."""
    ep = analysis.by_id[eid]
    egress, ingress = [], []
    for other in analysis.endpoints:
        # a single pod's pair with itself is not listed
        if not (other.id == eid and ep.single_pod) and (out := evaluate_pair(analysis.policies, ep, other).allowed):
            egress.append((other.id, out))
        if other.id != eid and (into := evaluate_pair(analysis.policies, other, ep).allowed):
            ingress.append((other.id, into))
    return egress, ingress


@settings(max_examples=100, deadline=None)
@given(versions_st())
def test_added_and_removed_endpoints_list_what_they_send_and_receive(versions: tuple[list[Any], list[Any]]) -> None:
    base, head = analysis(versions[0]), analysis(versions[1])
    result = diff(base, head)
    for side, changes in ((head, result.endpoints_added), (base, result.endpoints_removed)):
        for change in changes:
            assert (list(change.egress), list(change.ingress)) == naive_connectivity(side, change.id)


@settings(max_examples=60, deadline=None)
@given(versions_st())
def test_per_pod_the_fast_diff_lists_exactly_the_pairs_a_naive_diff_finds(versions: tuple[list[Any], list[Any]]
                                                                          ) -> None:
    base, head = analysis(versions[0], "pod"), analysis(versions[1], "pod")
    result = diff(base, head)
    blocks = {b.id for b in result.outside}
    listed = [(c.src, c.dst, c.before, c.after) for c in result.pairs() if not {c.src, c.dst} & blocks]
    assert len({p[:2] for p in listed}) == len(listed)
    assert {p[:2]: p[2:] for p in listed} == naive_diff(base, head)


@settings(max_examples=100, deadline=None)
@given(versions_st())
def test_the_changes_expand_to_exactly_the_listed_pairs(versions: tuple[list[Any], list[Any]]) -> None:
    result = diff(analysis(versions[0]), analysis(versions[1]))
    expanded = [(p.src, p.dst, p.before, p.after, p.causes) for c in result.changes for p in c.expand()]
    listed = [(p.src, p.dst, p.before, p.after, p.causes) for p in result.pairs()]
    assert sorted(expanded, key=lambda p: p[:2]) == sorted(listed, key=lambda p: p[:2])
    assert len(set(p[:2] for p in listed)) == len(listed)
    for status in ("added", "removed", "changed"):  # --pairs order: by (src, dst) within a status
        keys = [(p.src, p.dst) for p in result.pairs(status)]
        assert keys == sorted(keys)
    for change in result.changes:
        assert change.sources and change.destinations and change.causes
        assert change.before != change.after
    # The grouped JSON names sets of endpoints; expanded, it is the --pairs listing, pair for pair.
    document = json.loads(json.dumps(result.to_json()))
    grouped = sorted((src, dst, json.dumps({k: change[k] for k in ("allowed", "before", "after", "cause")
                                            if k in change}, sort_keys=True))
                     for src, dst, change in expand(document))
    assert grouped == sorted((p.src, p.dst, json.dumps({k: v for k, v in p.to_json().items() if k not in ("src", "dst")},
                                                       sort_keys=True)) for p in result.pairs())
    named = [m for s in document["sets"] for m in s["members"]]
    assert len(named) == len(set(named)) == document["summary"]["named"]  # every endpoint named once


def explained_pair(explainer: Explainer, src: str, dst: str, before: ConnectionSet, after: ConnectionSet
                   ) -> tuple[Cause, ...]:
    """The causes of one pair as the explainer gives them for that pair alone (no signature cache): each
    direction's verdicts on both sides compared, then what changed in either endpoint."""
    gained, lost = after - before, before - after
    causes: list[Cause] = []
    for direction, subject, peer in ((Direction.EGRESS, src, dst), (Direction.INGRESS, dst, src)):
        vb = explainer.verdict(explainer.base, direction, subject, peer)
        vh = explainer.verdict(explainer.head, direction, subject, peer)
        causes += explainer.direction(vb, vh, gained, lost)
    moved = [explainer.endpoint(e) for e in (src, dst)
             if endpoint_facts(explainer.base.by_id[e]) != endpoint_facts(explainer.head.by_id[e])]
    return merge_causes(causes, *moved)


def _same_class_pods() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Two single pods of one class whose ingress from each other is closed: the cell of the class
    with itself was explained on the first pod with itself (self traffic, always allowed), which
    left every pair of the cell unexplained."""
    pods = [pod(0, "x", {"app": "c"}, 80), pod(2, "x", {"app": "c"}, 80)]
    spec = {"podSelector": {}, "policyTypes": ["Ingress"]}
    allow = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "np0", "namespace": "x"},
             "spec": {**spec, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "c"}}}]}]}}
    return [*pods, allow], [*pods, {**allow, "spec": spec}]


@settings(max_examples=100, deadline=None)
@given(versions_st())
@example(_same_class_pods())
def test_each_pair_of_a_change_has_the_causes_of_its_own_explanation(versions: tuple[list[Any], list[Any]]) -> None:
    """A change is explained once, on one representative pair: every pair it holds must be explained
    the same on its own (two single pods of one class included: their pair is not a pod with itself)."""
    base, head = analysis(versions[0]), analysis(versions[1])
    result = diff(base, head)
    blocks = {b.id for b in result.outside}
    explainer = Explainer(base.aligned_with(head), head.aligned_with(base))
    for change in result.pairs():
        if change.src == change.dst or {change.src, change.dst} & blocks:
            continue  # a workload's replicas with each other, and address blocks, are explained apart
        assert change.causes == explained_pair(explainer, change.src, change.dst, change.before, change.after)
        assert UNEXPLAINED not in change.causes
