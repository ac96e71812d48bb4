"""`diff` with admin tiers agrees with a naive per-pair diff read from the reference oracle.

Hypothesis draws a small cluster (pods with fixed IPs on two labelled Nodes, a hostNetwork pod)
with ClusterNetworkPolicies of both tiers, a v1alpha1 AdminNetworkPolicy now and then, and
NetworkPolicies; the head edits them the way a pull request does: a priority moved, an action
flipped, rules reordered, a policy dropped, renamed (which reorders equal priorities) or added.
For every ordered pair of pods the oracle's `tiered_allowed` is asked on both versions at a few
probe connections: a pair the diff lists must have the oracle's answers before and after; a
pair it does not list must have equal answers on both versions. Pairs whose order the oracle
finds undefined (equal priorities, different actions) are left out. Every change must name a
rule or a policy: with the pods unchanged, nothing else can explain it.
"""

from __future__ import annotations

from typing import Any

from helpers_tiered_world import PROBES, cnp_st, fixed_objects, np_st, ns_selector_st, pods
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_oracle import UndefinedOrder, tiered_allowed

from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.queries.context import Analysis
from netverify.queries.diff import diff


@st.composite
def anp_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """A v1alpha1 AdminNetworkPolicy (Allow, not Accept; `ports`, not `protocols`)."""
    rules = [{"action": draw(st.sampled_from(["Allow", "Deny", "Pass"])),
              "from": [{"namespaces": draw(ns_selector_st)}],
              **({"ports": [{"portNumber": {"protocol": "TCP", "port": 80}}]} if draw(st.booleans()) else {})}
             for _ in range(draw(st.integers(1, 2)))]
    return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
            "metadata": {"name": name},
            "spec": {"priority": draw(st.integers(0, 3)), "subject": {"namespaces": draw(ns_selector_st)},
                     "ingress": rules}}


def _edited(draw: st.DrawFn, policy: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """What a pull request does to one admin policy."""
    fate = draw(st.sampled_from(["keep", "priority", "action", "reorder", "drop", "rename", "redraw"]))
    edited: dict[str, Any] = {**policy, "metadata": dict(policy["metadata"]), "spec": dict(policy["spec"])}
    spec = edited["spec"]
    if fate == "drop":
        return []
    if fate == "priority":
        spec["priority"] = draw(st.integers(0, 3))
    elif fate == "action":
        direction = draw(st.sampled_from(["ingress", "egress"]))
        if spec.get(direction):
            rules = [dict(r) for r in spec[direction]]
            allow = "Allow" if policy["kind"] == "AdminNetworkPolicy" else "Accept"
            rules[0]["action"] = draw(st.sampled_from([allow, "Deny", "Pass"]))
            spec[direction] = rules
    elif fate == "reorder":
        for direction in ("ingress", "egress"):
            if spec.get(direction):
                spec[direction] = list(reversed(spec[direction]))
    elif fate == "rename":
        edited["metadata"]["name"] = f"renamed{n}"
    elif fate == "redraw":
        return [draw(cnp_st(policy["metadata"]["name"]))]
    return [edited]


@st.composite
def versions_st(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    admin = [draw(cnp_st(f"cnp{i}")) for i in range(draw(st.integers(0, 3)))]
    admin += [draw(anp_st("anp"))] if draw(st.integers(0, 3)) == 0 else []
    network = [draw(np_st(f"np{i}")) for i in range(draw(st.integers(0, 2)))]
    head_admin = [p for n, policy in enumerate(admin) for p in _edited(draw, policy, n)]
    head_admin += [draw(cnp_st(f"new{i}")) for i in range(draw(st.integers(0, 1)))]
    head_network = [draw(np_st(p["metadata"]["name"])) if draw(st.booleans()) else p for p in network]
    if not admin and not head_admin:
        head_admin = [draw(cnp_st("only"))]
    return admin + network, head_admin + head_network


def analysis(objects: list[dict[str, Any]], file: str) -> tuple[Analysis, list[dict[str, Any]]]:
    docs = fixed_objects() + objects
    loaded = load_objects((d, SourceRef(file, i + 1)) for i, d in enumerate(docs))
    assert not loaded.errors, [e.render() for e in loaded.errors]
    return Analysis(loaded.cluster, by="pod"), docs


def oracle(src: dict[str, Any], dst: dict[str, Any], docs: list[dict[str, Any]]) -> tuple[bool, ...] | None:
    try:
        return tuple(tiered_allowed(src, dst, docs, proto, port) for proto, port in PROBES)
    except UndefinedOrder:
        return None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(versions_st())
def test_the_tiered_diff_lists_exactly_the_pairs_the_oracle_sees_change(
        versions: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    (base, base_docs), (head, head_docs) = analysis(versions[0], "base.yaml"), analysis(versions[1], "head.yaml")
    result = diff(base, head)
    listed = {(p.src, p.dst): p for p in result.pairs()}
    assert len(listed) == sum(c.size for c in result.changes)  # each pair once
    raw = {f"{p['metadata']['namespace']}/{p['metadata']['name']}": p for p in pods()}
    for sid, src in raw.items():
        if src["spec"].get("hostNetwork"):
            continue  # node traffic: exempt from every tier in both readers
        for did, dst in raw.items():
            if sid == did:
                continue
            before, after = oracle(src, dst, base_docs), oracle(src, dst, head_docs)
            if before is None or after is None:
                continue  # an order upstream leaves undefined
            pair = listed.get((sid, did))
            if pair is None:
                assert before == after, (sid, did, before, after)
            else:
                assert tuple(pair.before.allows(*p) for p in PROBES) == before, (sid, did)
                assert tuple(pair.after.allows(*p) for p in PROBES) == after, (sid, did)
    for change in result.changes:
        assert any(c.kind in ("rule", "policy") for c in change.causes), change.causes
        for cause in change.causes:
            assert cause.source.file in ("base.yaml", "head.yaml")


def test_a_renamed_policy_that_reorders_equal_priorities_says_the_order_is_undefined() -> None:
    def cnp(name: str, action: str) -> dict[str, Any]:
        return {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                "metadata": {"name": name},
                "spec": {"tier": "Admin", "priority": 5, "subject": {"namespaces": {"matchLabels": {"team": "a"}}},
                         "ingress": [{"action": action, "from": [{"namespaces": {}}]}]}}

    base, _ = analysis([cnp("a-deny", "Deny"), cnp("b-allow", "Accept")], "base.yaml")
    head, _ = analysis([cnp("z-deny", "Deny"), cnp("b-allow", "Accept")], "head.yaml")
    result = diff(base, head)
    assert result.changes and all(c.status == "added" for c in result.changes)
    messages = [c.message for change in result.changes for c in change.causes]
    assert any("ClusterNetworkPolicy/b-allow ingress[0] (Accept, priority 5) now allows" in m
               and "ClusterNetworkPolicy/a-deny has the same priority 5: their order is undefined upstream" in m
               for m in messages), messages
