"""Two versions compared by `diff` are aligned first (`Analysis.aligned_with`): each side draws its endpoints,
and keys its graph's classes, by what either side's policies tell apart. Both sides then split the endpoints
they share into the same classes, numbered alike (the diff translates a side's masks to its joint classes
with one AND), and each side's graph still answers exactly as that side's own graph does."""

from __future__ import annotations

import textwrap

from netverify.loaders.manifests import load_blobs
from netverify.queries.context import Analysis
from netverify.queries.diff import diff


def _pod(name: str, ip: str) -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: shop, labels: {{app: web}}}}
spec: {{containers: [{{name: c, image: i}}]}}
status: {{phase: Running, podIP: {ip}}}
"""


PODS = [_pod("a", "10.0.1.5"), _pod("b", "10.0.2.5"), _pod("c", "10.0.3.5"), _pod("d", "10.0.3.6")]


def _ingress_from(cidr: str) -> str:
    return f"""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: web-in, namespace: shop}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  ingress:
    - from: [{{ipBlock: {{cidr: "{cidr}"}}}}]
      ports: [{{port: 80}}]
"""


def _analysis(*docs: str) -> Analysis:
    result = load_blobs([("m.yaml", "\n---\n".join(textwrap.dedent(d).strip() for d in docs).encode())])
    assert not result.errors, [e.render() for e in result.errors]
    return Analysis(result.cluster)


def test_sides_with_different_ipblocks_number_their_classes_alike() -> None:
    base, head = _analysis(*PODS, _ingress_from("10.0.1.0/24")), _analysis(*PODS, _ingress_from("10.0.2.0/24"))
    # On its own, each side keeps together the pods only the other side's ipBlock tells apart.
    assert base.graph.class_of["shop/b"] == base.graph.class_of["shop/c"]
    assert head.graph.class_of["shop/a"] == head.graph.class_of["shop/c"]
    aligned_base, aligned_head = base.aligned_with(head), head.aligned_with(base)
    assert aligned_base.graph.class_of == aligned_head.graph.class_of
    assert aligned_base.graph.class_of["shop/c"] == aligned_base.graph.class_of["shop/d"]  # nothing splits these
    assert len(aligned_base.graph.reps) == 3


def test_an_aligned_graph_answers_as_its_own_side() -> None:
    base, head = _analysis(*PODS, _ingress_from("10.0.1.0/24")), _analysis(*PODS, _ingress_from("10.0.2.0/24"))
    for side, other in ((base, head), (head, base)):
        aligned = side.aligned_with(other)
        for src in side.endpoints:
            for dst in side.endpoints:
                assert aligned.graph.allowed(aligned.by_id[src.id], aligned.by_id[dst.id]) == \
                    side.graph.allowed(src, dst), (src.id, dst.id)


def test_the_diff_names_the_pods_each_block_lets_in() -> None:
    base, head = _analysis(*PODS, _ingress_from("10.0.1.0/24")), _analysis(*PODS, _ingress_from("10.0.2.0/24"))
    result = diff(base, head)
    among_pods = {(p.src, p.dst, p.status) for p in result.pairs() if p.src.startswith("shop/")}
    assert among_pods == {(s, d, status) for s, status in (("shop/a", "removed"), ("shop/b", "added"))
                          for d in ("shop/a", "shop/b", "shop/c", "shop/d") if s != d}
