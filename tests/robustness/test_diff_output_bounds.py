"""`diff` output and memory follow the distinct changes, not the pairs (issues 17 and 21).

A change that adds N unpoliced pods and drops a default-deny in front of N others changes about
N^2 pairs. The grouped JSON must grow like the endpoints it names (one change, one group of alike
added endpoints), not like the pairs; `--pairs` must stream: the memory it holds while writing
must not grow with the pairs it writes.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from typing import Any

from netverify import report
from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.queries.context import Analysis
from netverify.queries.diff import DiffResult, diff

DENY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny", "namespace": "app"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}


def pod(ns: str, i: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"{ns}-{i}", "namespace": ns,
                                                            "labels": {"app": f"{ns}-{i}"}},
            "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]},
            "status": {"phase": "Running", "podIP": f"10.{1 if ns == 'app' else 2}.{i // 200}.{i % 200 + 1}"}}


def analysis(objects: list[dict[str, Any]]) -> Analysis:
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in ("app", "scratch")]
    loaded = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(namespaces + objects))
    assert not loaded.errors
    return Analysis(loaded.cluster)


def change(n: int) -> DiffResult:
    existing = [pod("app", i) for i in range(n)]
    base = analysis([*existing, DENY])
    head = analysis([*existing, *(pod("scratch", i) for i in range(n))])
    return diff(base, head)


class Sink(io.TextIOBase):
    """Counts what is written and keeps none of it."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        return len(text)


def test_grouped_json_grows_with_the_endpoints_named_not_with_the_pairs() -> None:
    sizes = {}
    for n in (30, 120):
        result = change(n)
        # every app pod now receives from every other, and from outside the cluster (one address block)
        assert result.count("added") == n * (n - 1) + n
        data = json.loads(json.dumps(result.to_json()))
        [group] = data["endpoints_added"]  # the added pods are alike: one entry
        assert len(group["same"]) == n - 1
        assert len(data["changes"]) <= 4
        sizes[n] = len(json.dumps(result.to_json()))
    assert sizes[120] < 6 * sizes[30]  # 4x the endpoints; the pairs grew 16x


def _pairs_peak(n: int) -> tuple[int, int]:
    result = change(n)
    result = DiffResult(result.base, result.head, result.changes, result.outside, result.compared,
                        result.endpoints_added, result.endpoints_removed, listing="pairs")
    sink = Sink()
    tracemalloc.start()
    try:
        report.write(result, "json", sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return sink.size, peak


def test_pairs_listing_streams_with_memory_that_does_not_follow_the_pairs() -> None:
    small_out, small_peak = _pairs_peak(40)
    large_out, large_peak = _pairs_peak(160)
    assert large_out > 12 * small_out  # the pairs written grew about 16x
    assert large_peak < 6 * small_peak  # what is held at once grew with one endpoint's peers at most
