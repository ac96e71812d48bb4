"""Workload-level answers equal the answers for each member pod (issue 14).

By default pods are reported under their workload. That is only sound when the members
are indistinguishable to every answer: a workload whose pods run on several nodes used to
lose the node-local rule (traffic from a hostNetwork pod's own node is always allowed), so
`can` said DENIED at workload level and ALLOWED with `--by pod` for the same pods. Random
clusters (from the matrix-vs-reference generator) have their pods made members of a few
Deployments, spread over nodes, some hostNetwork; for every ordered pair of workload-level
endpoints and every pair of their member pods, the evaluator and the graph engine must give
the workload pair exactly the connections they give the pod pair. Under every reading:
ipBlock scope all/external, hostNetwork as node traffic or as pods.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_matrix_vs_reference import cluster_st

from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.queries.context import Analysis
from netverify.semantics.evaluate import evaluate_pair
from netverify.semantics.options import Semantics

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
READINGS = [Semantics(ipblock_matches_pods=m, host_network=h) for m in (True, False) for h in ("node", "pod")]


@st.composite
def workload_cluster_st(draw: st.DrawFn) -> list[dict[str, Any]]:
    namespaces, pods, policies = draw(cluster_st())
    template_labels: dict[tuple[str, str], dict[str, str]] = {}
    host_network: dict[tuple[str, str | None], bool] = {}
    for p in pods:
        workload = draw(st.sampled_from(["w0", "w1", None]))
        if workload is not None:  # a Deployment's pod, known by its ReplicaSet and pod-template-hash
            labels = template_labels.setdefault((p["metadata"]["namespace"], workload), p["metadata"]["labels"])
            if draw(st.integers(0, 3)):  # mostly the template's labels; sometimes a member relabelled
                p["metadata"]["labels"] = dict(labels)
            p["metadata"]["labels"]["pod-template-hash"] = "abc"
            p["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                 "name": f"{workload}-abc", "controller": True, "uid": "1"}]
        node = draw(st.sampled_from([None, "n1", "n2"]))
        if node is not None:
            p["spec"]["nodeName"] = node
        host = host_network.setdefault((p["metadata"]["namespace"], workload), draw(st.integers(0, 2)) == 0) \
            if workload is not None else draw(st.integers(0, 3)) == 0
        if host:  # a template property: all members of a workload alike
            p["spec"]["hostNetwork"] = True
    if draw(st.booleans()):  # an isolated namespace: only node traffic gets in from a hostNetwork pod
        policies = [*policies, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                                "metadata": {"name": "deny-in", "namespace": draw(st.sampled_from(sorted(namespaces)))},
                                "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}]
    if draw(st.booleans()):  # ipBlock peers: how hostNetwork members are told apart under either ipBlock scope
        block = {"ipBlock": {"cidr": draw(st.sampled_from(["10.0.1.0/24", "10.0.0.0/23"]))}}
        policies = [*policies, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                                "metadata": {"name": "blocks", "namespace": draw(st.sampled_from(sorted(namespaces)))},
                                "spec": {"podSelector": {}, "ingress": [{"from": [block]}],
                                         "egress": [{"to": [block]}]}}]
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
            for n, labels in namespaces.items()]
    return docs + pods + policies


def analyses(docs: list[dict[str, Any]], semantics: Semantics) -> tuple[Analysis, Analysis]:
    result = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs))
    assert not result.errors, result.errors
    return Analysis(result.cluster, semantics, "workload"), Analysis(result.cluster, semantics, "pod")


@SETTINGS
@given(workload_cluster_st())
def test_every_workload_answer_is_the_answer_for_each_of_its_pods(docs: list[dict[str, Any]]) -> None:
    for semantics in READINGS:
        by_workload, by_pod = analyses(docs, semantics)
        pods = {e.id: e for e in by_pod.endpoints}
        wrong = []
        for w1 in by_workload.endpoints:
            for w2 in by_workload.endpoints:
                if w1.external or w2.external:
                    continue
                grouped = evaluate_pair(by_workload.policies, w1, w2).allowed
                graph = by_workload.graph.allowed(w1, w2)
                if graph != grouped:
                    wrong.append(f"{w1.id} -> {w2.id}: graph {graph}, evaluator {grouped}")
                for a in w1.pods:
                    for b in w2.pods:
                        p1, p2 = pods[f"{w1.namespace}/{a}"], pods[f"{w2.namespace}/{b}"]
                        if p1.id == p2.id:
                            continue  # a pod to itself: only a single-pod endpoint stands for that pair
                        single = evaluate_pair(by_pod.policies, p1, p2).allowed
                        if single != grouped:
                            wrong.append(f"{semantics}: {w1.id} -> {w2.id} allows {grouped.describe()}, but "
                                         f"{p1.id} -> {p2.id} allows {single.describe()}")
        assert not wrong, "\n".join(wrong[:10])
