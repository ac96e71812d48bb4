"""netverify's verdict through the tiers (`evaluate.decide_pair` over `tiers_of`) agrees with the
reference oracle's reading of the admin tiers on random small clusters: ClusterNetworkPolicies of both tiers (random priorities, actions,
subjects, peers of every form, protocols), v1alpha1 AdminNetworkPolicies and the baseline, mixed
with NetworkPolicies (either policyTypes), a hostNetwork pod and Nodes. Where the oracle finds an
equal-priority conflict (undefined upstream), netverify must report an overlap for that pair."""

from __future__ import annotations

from typing import Any

from helpers_tiered_world import NAMESPACES, PROBES, cnp_st, nodes, np_st, pods, rule_st, subject_st
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_oracle import UndefinedOrder, tiered_allowed

from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.report.tiers_format import describe_one
from netverify.semantics.admin_compile import compile_admin_policies
from netverify.semantics.admin_tier import pair_overlaps
from netverify.semantics.compile import compile_policies, ip_blocks
from netverify.semantics.endpoints import build_endpoints
from netverify.semantics.evaluate import decide_pair, tiers_of
from netverify.semantics.netpol_tier import NetworkPolicySelection
from netverify.semantics.options import Semantics


def check(objects: list[dict[str, Any]], reading: NetworkPolicySelection) -> None:
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
                  for n, labels in NAMESPACES.items()]
    docs = namespaces + nodes() + pods() + objects
    result = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs))
    assert not result.errors, [e.render() for e in result.errors]
    cluster = result.cluster
    nps = compile_policies(cluster.policies, Semantics())
    admin = compile_admin_policies(cluster.admin_policies, cluster.nodes)
    tiers = tiers_of(nps, admin, reading)
    endpoints = {e.id: e for e in build_endpoints(cluster, Semantics(), ip_blocks(nps), "pod")}
    raw = {f"{p['metadata']['namespace']}/{p['metadata']['name']}": p for p in pods()}
    for sid, src in raw.items():
        if src["spec"].get("hostNetwork"):
            continue  # node traffic: exempt from every tier in both readers
        for did, dst in raw.items():
            if sid == did:
                continue
            pair = decide_pair(tiers, endpoints[sid], endpoints[did])
            overlaps = pair_overlaps(tiers, endpoints[sid], endpoints[did])
            for proto, port in PROBES:
                try:
                    want = tiered_allowed(src, dst, docs, proto, port, reading.value)
                except UndefinedOrder:
                    assert any(o.connections.allows(proto, port) for o in overlaps), (sid, did, proto, port)
                    continue
                got = pair.allowed.allows(proto, port)
                assert got == want, (sid, did, proto, port, describe_one(pair.egress.decisions, proto, port),
                                     describe_one(pair.ingress.decisions, proto, port))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 3).flatmap(lambda n: st.tuples(*[cnp_st(f"cnp{i}") for i in range(n)])),
       st.integers(0, 2).flatmap(lambda n: st.tuples(*[np_st(f"np{i}") for i in range(n)])),
       st.sampled_from(list(NetworkPolicySelection)))
def test_tier_walk_agrees_with_the_oracle(admin: tuple[dict[str, Any], ...], network: tuple[dict[str, Any], ...],
                                          reading: NetworkPolicySelection) -> None:
    check([*admin, *network], reading)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rule_st("egress", ["Allow", "Deny", "Pass"], "ports"), min_size=1, max_size=2),
       st.lists(rule_st("ingress", ["Allow", "Deny"], "ports"), min_size=1, max_size=2), subject_st())
def test_v1alpha1_kinds_agree_with_the_oracle(anp_rules: list[dict[str, Any]], banp_rules: list[dict[str, Any]],
                                              subject: dict[str, Any]) -> None:
    for peers in (r.get("from", []) + r.get("to", []) for r in anp_rules + banp_rules):
        for peer in peers:
            if "pods" in peer:
                peer["pods"].setdefault("namespaceSelector", {})
    if "pods" in subject:
        subject["pods"].setdefault("namespaceSelector", {})
    anp = {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
           "metadata": {"name": "anp"}, "spec": {"priority": 1, "subject": subject, "egress": anp_rules}}
    banp = {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
            "metadata": {"name": "default"}, "spec": {"subject": {"namespaces": {}}, "ingress": banp_rules}}
    check([anp, banp], NetworkPolicySelection.PER_DIRECTION)
