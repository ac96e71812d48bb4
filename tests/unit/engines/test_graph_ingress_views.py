"""Destination classes share an ingress partition when they have the same tier key and the same ports
as the key's rules name them (`ReachabilityGraph.decided`; ports named nowhere in the key cannot change
what a rule admits). Held bit by bit, entry order included, to the fold computed on each class's own
representative (`TierFolds.decide`, as the graph did per tier key and full set of named ports), on a
generated cluster with and without admin tiers and on random tiered worlds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers_tiered_world import cnp_st, fixed_objects, np_st
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.engines.class_keys import named_ports_key
from netverify.engines.folds import TierFolds
from netverify.engines.graph import ReachabilityGraph
from netverify.engines.rule_parts import RuleParts
from netverify.loaders.manifests import load_objects, load_paths
from netverify.model import Direction, SourceRef
from netverify.queries.context import Analysis
from netverify.semantics.options import NetworkPolicySelection, Semantics

GENERATOR = Path(__file__).resolve().parents[3] / "benchmarks" / "gen_cluster.py"


def assert_each_class_folded_alone(graph: ReachabilityGraph) -> int:
    """Every class's ingress partition is the fold on its own representative; returns how many
    (tier key, named ports) pairs were served by a partition computed for another one."""
    folds = TierFolds(graph.tiers, RuleParts(graph.index, graph.conns, []), graph.conns, graph.index)
    computed: dict[int, tuple[object, ...]] = {}
    shared = set()
    for c, key in enumerate(graph.tier_keys(Direction.INGRESS)):
        if not key:
            continue
        rep = graph.reps[c]
        got = graph.decided(Direction.INGRESS, c)
        assert list(got.items()) == list(folds.decide(Direction.INGRESS, key, rep).items()), c
        first = computed.setdefault(id(got), (key, named_ports_key(rep)))
        if first != (key, named_ports_key(rep)):
            shared.add((key, named_ports_key(rep)))
    return len(shared)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "c"
    subprocess.run([sys.executable, str(GENERATOR), "--pods", "400", "--policies", "40", "--seed", "9",
                    "--admin", "4", "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.mark.parametrize("parts", [("cluster", "policies"), ("cluster", "policies", "admin")])
def test_on_a_generated_cluster(generated: Path, parts: tuple[str, ...]) -> None:
    analysis = Analysis(load_paths([str(generated / p) for p in parts], "default").cluster)
    assert assert_each_class_folded_alone(analysis.graph) > 0, "some classes share a partition by their view"


named_np_st = st.builds(
    lambda ns, port: {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                      "metadata": {"namespace": ns, "name": "named"},
                      "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": port}]}]}},
    st.sampled_from(["x", "y"]), st.sampled_from(["web", "dns", 80]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 3).flatmap(lambda n: st.tuples(*[cnp_st(f"cnp{i}") for i in range(n)])),
       st.integers(0, 2).flatmap(lambda n: st.tuples(*[np_st(f"np{i}") for i in range(n)])),
       st.lists(named_np_st, max_size=1), st.sampled_from(list(NetworkPolicySelection)))
def test_on_random_tiered_worlds(admin: tuple[dict[str, Any], ...], network: tuple[dict[str, Any], ...],
                                 named: list[dict[str, Any]], reading: NetworkPolicySelection) -> None:
    docs = fixed_objects() + list(admin) + list(network) + named
    result = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs))
    assert not result.errors, [e.render() for e in result.errors]
    assert_each_class_folded_alone(Analysis(result.cluster, Semantics(np_selection=reading), by="pod").graph)
