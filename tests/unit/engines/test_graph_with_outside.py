"""`ReachabilityGraph.with_outside`: a graph with addresses outside the cluster added is the graph built
from scratch over the endpoints and those addresses (lint's redundancy checks read it instead of a
second graph). Held to a from-scratch build, class by class: the classes and their members, tier keys,
selecting policies, every folded partition in both directions, every rule's peer mask and named-port
parts, every row and column (compared as mappings, class -> allowed: the order of a partition's
entries may differ). On random tiered worlds (admin tiers, NetworkPolicies with ipBlocks and
excepts, a hostNetwork pod, Nodes) in every reading, and on a generated cluster."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers_tiered_world import cnp_st, fixed_objects, np_st
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import ReachabilityGraph
from netverify.loaders.manifests import load_objects, load_paths
from netverify.model import Direction, SourceRef
from netverify.queries.context import Analysis
from netverify.queries.equivalence import external_representatives
from netverify.semantics.compile import ip_blocks
from netverify.semantics.endpoints import Endpoint, external_endpoint
from netverify.semantics.options import HostNetworkReading, NetworkPolicySelection, Semantics
from netverify.sets import ConnectionSet

GENERATOR = Path(__file__).resolve().parents[3] / "benchmarks" / "gen_cluster.py"
DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)


def outside_of(analysis: Analysis) -> list[Endpoint]:
    """One address per atom of the policies' ipBlocks and admin networks (as lint's redundancy checks)."""
    addresses = tuple(analysis.observations.addresses or ())
    return external_representatives([*ip_blocks(analysis.policies), *addresses], analysis.endpoints)


def from_scratch(analysis: Analysis, endpoints: list[Endpoint]) -> ReachabilityGraph:
    return ReachabilityGraph(endpoints, analysis.policies, {e.id: analysis.ip_signature(e) for e in endpoints},
                             analysis.label_keys, analysis.specs)


def by_class(cells: object) -> dict[int, ConnectionSet]:
    """(mask, conns) pairs, or a partition's conns id -> mask items resolved, as class -> allowed."""
    assert isinstance(cells, list | tuple)
    return {c: conns for mask, conns in cells for c in bit_list(mask)}


def assert_same_graph(got: ReachabilityGraph, want: ReachabilityGraph) -> None:
    assert got.class_of == want.class_of
    assert [[e.id for e in m] for m in got.members] == [[e.id for e in m] for m in want.members]
    assert [r.id for r in got.reps] == [r.id for r in want.reps]
    assert got.index.everyone == want.index.everyone and got.index.pods == want.index.pods
    n = len(want.reps)
    for d in DIRECTIONS:
        assert got.tier_keys(d) == want.tier_keys(d)
        assert got.selecting(d) == want.selecting(d)
        for c in range(n):
            mine = [(m, got.conns.by_id[k]) for k, m in got.decided(d, c).items()]
            theirs = [(m, want.conns.by_id[k]) for k, m in want.decided(d, c).items()]
            assert by_class(mine) == by_class(theirs), (d, c)
            assert all(m for m, _ in mine), "no empty mask in a partition"
    for spec in want.tiers:
        for policy in spec.policies:
            for d in DIRECTIONS:
                for rule, _ in policy.rules(d) or ():
                    assert got.peer_mask(rule) == want.peer_mask(rule)
                    if rule.named_ports:
                        assert by_class(got.named_rule_parts(rule)) == by_class(want.named_rule_parts(rule))
    everything = range(n)
    assert [by_class(r) for r in got.rows_of(everything)] == [by_class(r) for r in want.rows_of(everything)]
    assert [by_class(c) for c in got.columns_of(everything)] == [by_class(c) for c in want.columns_of(everything)]


BLOCKS = [("10.0.0.0/16", None), ("10.0.0.0/16", "10.0.0.0/24"), ("10.0.0.0/16", "10.0.1.2/32"),
          ("0.0.0.0/0", None), ("0.0.0.0/0", "10.0.0.0/24"), ("192.168.0.0/24", "192.168.0.2/32"), ("10.0.1.0/24", None)]
ipblock_np_st = st.builds(
    lambda ns, direction, block, port: {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"namespace": ns, "name": f"ipblock-{direction}"},
        "spec": {"podSelector": {}, "policyTypes": [direction.capitalize()],
                 direction: [{("from" if direction == "ingress" else "to"): [
                     {"ipBlock": {"cidr": block[0], **({"except": [block[1]]} if block[1] else {})}}],
                     **({"ports": [{"port": port}]} if port else {})}]}},
    st.sampled_from(["x", "y"]), st.sampled_from(["ingress", "egress"]), st.sampled_from(BLOCKS),
    st.sampled_from([None, 80, "web"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 3).flatmap(lambda n: st.tuples(*[cnp_st(f"cnp{i}") for i in range(n)])),
       st.integers(0, 2).flatmap(lambda n: st.tuples(*[np_st(f"np{i}") for i in range(n)])),
       st.lists(ipblock_np_st, max_size=2, unique_by=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"])),
       st.sampled_from(list(NetworkPolicySelection)), st.booleans(), st.sampled_from(list(HostNetworkReading)))
def test_a_graph_with_outside_addresses_added_is_the_graph_built_with_them(
        admin: tuple[dict[str, Any], ...], network: tuple[dict[str, Any], ...], ipblocks: list[dict[str, Any]],
        reading: NetworkPolicySelection, on_pods: bool, host_network: HostNetworkReading) -> None:
    docs = fixed_objects() + list(admin) + list(network) + ipblocks
    result = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs))
    assert not result.errors, [e.render() for e in result.errors]
    semantics = Semantics(ipblock_matches_pods=on_pods, host_network=host_network, np_selection=reading)
    analysis = Analysis(result.cluster, semantics, by="pod")
    outside = outside_of(analysis)
    got = analysis.graph.with_outside(outside, {e.id: analysis.ip_signature(e) for e in outside})
    assert_same_graph(got, from_scratch(analysis, analysis.endpoints + outside))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    out = tmp_path_factory.mktemp("gen") / "c"
    subprocess.run([sys.executable, str(GENERATOR), "--pods", "300", "--policies", "30", "--seed", "5",
                    "--admin", "4", "--out", str(out)], check=True, capture_output=True)
    return Analysis(load_paths([str(out / d) for d in ("cluster", "policies", "admin")], "default").cluster)


def test_on_a_generated_cluster_with_admin_tiers(generated: Analysis) -> None:
    outside = outside_of(generated)
    assert len(outside) > 3
    got = generated.graph.with_outside(outside, {e.id: generated.ip_signature(e) for e in outside})
    assert len(got.reps) > len(generated.graph.reps), "the outside addresses form classes of their own"
    assert_same_graph(got, from_scratch(generated, generated.endpoints + outside))


def test_an_address_alike_one_already_in_the_graph_joins_its_class(generated: Analysis) -> None:
    """An outside address no policy tells apart from one the graph holds is a member of that one's class
    (the graph's own member lists are left as they were)."""
    outside = outside_of(generated)
    base_endpoints = generated.endpoints + outside[:2]
    base = from_scratch(generated, base_endpoints)
    members_before = [[e.id for e in m] for m in base.members]
    neighbour = external_endpoint(str(ipaddress.ip_address(outside[0].ips[0]) + 1))
    assert generated.ip_signature(neighbour) == generated.ip_signature(outside[0]), "the same ipBlock atom"
    added = [*outside[2:], neighbour]
    got = base.with_outside(added, {e.id: generated.ip_signature(e) for e in added})
    assert got.class_of[neighbour.id] == got.class_of[outside[0].id] < len(base.reps)
    assert_same_graph(got, from_scratch(generated, base_endpoints + added))
    assert [[e.id for e in m] for m in base.members] == members_before


def test_only_addresses_outside_the_cluster_can_be_added(generated: Analysis) -> None:
    with pytest.raises(ValueError, match="outside the cluster"):
        generated.graph.with_outside(generated.endpoints[:1], {})
