"""Grouping pods into endpoints: only what a policy can see may split a workload."""

from __future__ import annotations

from typing import Any

from helpers_k8s import analyse, ns, pod, policy

from netverify.semantics.endpoints import IPAtoms
from netverify.semantics.evaluate import evaluate_pair
from netverify.sets import IPSet


def test_addresses_no_ipblock_tells_apart_share_a_signature() -> None:
    atoms = IPAtoms([IPSet.from_cidr("10.0.1.0/24"), IPSet.from_cidr("10.0.3.0/24")])
    # 10.0.0.5 and 10.0.2.5 lie in different gaps between the blocks, but in no block at all.
    assert atoms.signature(["10.0.0.5"]) == atoms.signature(["10.0.2.5"]) == atoms.signature(["fd00::1"])
    assert atoms.signature(["10.0.1.5"]) != atoms.signature(["10.0.3.5"])
    assert atoms.signature(["10.0.1.5"]) != atoms.signature(["10.0.0.5"])


def test_the_blocks_containing_addresses_are_named_by_their_index() -> None:
    blocks = [IPSet.from_cidr("10.0.0.0/8", ["10.9.0.0/16"]), IPSet.from_cidr("10.1.0.0/16"), IPSet.from_cidr("fd00::/8")]
    atoms = IPAtoms(blocks)
    assert atoms.blocks_containing(["10.1.2.3"]) == {0, 1}
    assert atoms.blocks_containing(["10.9.0.1"]) == set()  # the except hole
    assert atoms.blocks_containing(["10.2.0.1", "fd00::1"]) == {0, 2}
    assert atoms.blocks_containing([]) == set()
    for ip in ["10.1.2.3", "10.9.0.1", "10.2.0.1", "fd00::1", "192.168.0.1"]:  # agrees with testing each block
        assert atoms.blocks_containing([ip]) == {j for j, b in enumerate(blocks) if b.contains_address(ip)}


def test_an_except_hole_is_the_same_as_outside_when_no_other_block_covers_it() -> None:
    atoms = IPAtoms([IPSet.from_cidr("10.0.0.0/16", ["10.0.5.0/24"])])
    assert atoms.signature(["10.0.5.1"]) == atoms.signature(["192.168.0.1"])
    assert atoms.signature(["10.0.4.1"]) == atoms.signature(["10.0.6.1"])


def test_overlapping_blocks_give_each_combination_its_own_signature() -> None:
    atoms = IPAtoms([IPSet.from_cidr("10.0.0.0/8"), IPSet.from_cidr("10.1.0.0/16")])
    both, outer, none = atoms.signature(["10.1.2.3"]), atoms.signature(["10.2.0.1"]), atoms.signature(["11.0.0.1"])
    assert len({both, outer, none}) == 3
    assert atoms.signature(["10.2.0.1", "10.1.2.3"]) == tuple(sorted(set(outer + both)))


# --- members an answer can tell apart are reported apart (issue 14) ----------------------------

def _member(name: str, ip: str, node: str | None = None, host: bool = False) -> dict[str, Any]:
    p = pod("x", name, ip, host_network=host, node=node, app="w", **{"pod-template-hash": "abc"})
    p["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "w-abc",
                                         "controller": True, "uid": "1"}]
    return p


def _answers(by: str, *objects: dict[str, Any], ipblock_matches_pods: bool = True) -> dict[str, bool]:
    """Who reaches whom (any port), by endpoint id pairs, among the loaded pods' endpoints."""
    a = analyse(ns("x"), *objects, by=by, ipblock_matches_pods=ipblock_matches_pods)
    return {f"{s.id} -> {d.id}": bool(evaluate_pair(a.policies, s, d).allowed)
            for s in a.endpoints for d in a.endpoints if s.id != d.id}


def test_members_on_different_nodes_are_apart_when_a_host_network_pod_shares_one() -> None:
    objects = (pod("x", "h", "192.168.0.1", host_network=True, node="n1"),
               _member("a", "10.0.0.1", node="n1"), _member("b", "10.0.0.2", node="n2"),
               policy("x", "deny", {"podSelector": {"matchLabels": {"app": "w"}}, "policyTypes": ["Ingress"]}))
    by_workload = _answers("workload", *objects)
    assert by_workload["x/h -> x/Deployment/w"] is True  # node traffic: a runs on h's node
    assert by_workload["x/h -> x/b"] is False
    assert _answers("pod", *objects)["x/h -> x/a"] is True


def test_members_on_different_nodes_stay_together_when_no_host_network_pod_is_there() -> None:
    a = analyse(ns("x"), _member("a", "10.0.0.1", node="n1"), _member("b", "10.0.0.2", node="n2"), by="workload")
    assert [e.id for e in a.endpoints] == ["x/Deployment/w"]


def test_host_network_members_in_different_ipblocks_are_apart_under_either_ipblock_scope() -> None:
    objects = (pod("x", "d", "10.0.5.1", app="d"), _member("a", "10.0.1.1", host=True), _member("b", "10.0.0.1", host=True),
               policy("x", "in", {"podSelector": {"matchLabels": {"app": "d"}},
                                  "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.1.0/24"}}]}]}))
    for scope in (True, False):
        by_workload = _answers("workload", *objects, ipblock_matches_pods=scope)
        assert by_workload["x/Deployment/w -> x/d"] is True and by_workload["x/b -> x/d"] is False
