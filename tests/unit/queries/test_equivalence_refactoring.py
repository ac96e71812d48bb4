"""Specification of `equiv`/`contains` on the refactoring fixture (fixtures/equiv): six policies
refactored into two, a refactoring that forgot a client, and one with the two-peer YAML trap."""

from __future__ import annotations

import ipaddress

import pytest

from netverify.loaders.manifests import load_paths
from netverify.model import Cluster
from netverify.queries.equivalence import EquivalenceResult, compare, external_representatives, union_inventory
from netverify.semantics.endpoints import Endpoint
from netverify.sets import IPSet

ENGINES = [("inventory", "graph"), ("inventory", "smt"), ("any", "smt")]


def side(name: str) -> Cluster:
    result = load_paths([f"fixtures/equiv/{name}"])
    assert not result.errors
    return result.cluster


def run(a: str, b: str, relation: str, scope: str, engine: str) -> EquivalenceResult:
    return compare(side(a), side(b), (a, b), relation, scope, engine)


@pytest.mark.parametrize(("scope", "engine"), ENGINES)
def test_six_policies_refactored_into_two_are_equivalent_in_every_scope(scope: str, engine: str) -> None:
    result = run("before", "after", "equiv", scope, engine)
    assert (result.status, result.distinction) == ("holds", None)
    assert result.counts[:2] == (6, 2)
    assert result.headline() == "EQUIVALENT"


@pytest.mark.parametrize(("scope", "engine"), ENGINES)
def test_a_refactoring_that_forgot_a_client_is_not_equivalent(scope: str, engine: str) -> None:
    result = run("before", "narrowed", "equiv", scope, engine)
    assert result.status == "fails"
    d = result.distinction
    assert d is not None
    assert (d.left.src.id, d.left.dst.id, d.left.protocol, d.left.port) == (
        "shop/Deployment/worker", "shop/Deployment/api", "TCP", 8000)
    assert (d.left.allowed, d.right.allowed, d.allowed_by) == (True, False, "A")
    # the rule that admits it on A, and the rule on B that does not, with why
    assert [r["policy"] for r in d.left.rules() if r["admits"]] == ["shop/api-from-worker"]
    missed = [r for r in d.right.rules() if r["policy"] == "shop/api" and r["rule"] == 0]
    assert missed and "app in (web)" in str(missed[0]["reason"])


@pytest.mark.parametrize(("scope", "engine"), ENGINES)
def test_the_narrowed_refactoring_is_contained_in_the_original_but_not_the_reverse(scope: str, engine: str) -> None:
    assert run("before", "narrowed", "contains", scope, engine).status == "holds"
    reverse = run("narrowed", "before", "contains", scope, engine)
    assert reverse.status == "fails" and reverse.headline() == "A DOES NOT CONTAIN B"
    d = reverse.distinction
    assert d is not None and (d.allowed_by, d.right.allowed, d.left.allowed) == ("B", True, False)


def test_the_two_peer_trap_is_equivalent_for_the_loaded_pods_only() -> None:
    assert run("before", "trap", "equiv", "inventory", "graph").status == "holds"
    assert run("before", "trap", "equiv", "inventory", "smt").status == "holds"
    result = run("before", "trap", "equiv", "any", "smt")
    assert result.status == "fails"
    d = result.distinction
    assert d is not None
    # a pod that could exist: in namespace monitoring without app=prometheus, or in shop with it
    assert d.left.src_synthesized and d.left.dst.id == "shop/Deployment/web" and d.left.port == 9090
    assert d.allowed_by == "B"
    src = d.left.src
    assert (src.namespace == "monitoring") != (dict(src.labels).get("app") == "prometheus")


def test_json_names_the_sides_the_scope_and_each_sides_rules() -> None:
    out = run("before", "narrowed", "equiv", "inventory", "graph").to_json()
    assert out["status"] == "fails" and out["holds"] is False and out["relation"] == "equiv"
    assert out["A"] == {"source": "before", "policies": 6} and out["B"] == {"source": "narrowed", "policies": 2}
    dist = out["distinguishing"]
    assert isinstance(dist, dict)
    assert dist["allowed_by"] == "A" and dist["port"] == 8000 and dist["protocol"] == "TCP"
    assert dist["A"]["allowed"] is True and dist["B"]["allowed"] is False
    assert dist["A"]["rules"][0]["file"].endswith("before/policies.yaml")


def test_the_inventory_is_the_union_of_both_sides_and_the_right_side_wins() -> None:
    a, b = side("before"), side("after")
    union = union_inventory(a, b)
    assert union.policies == ()
    assert sorted(p.name for p in union.pods) == ["debug"]
    assert [p.source.file for p in union.pods] == ["fixtures/equiv/after/inventory.yaml"]
    assert len(union.workloads) == len(a.workloads)


def test_an_empty_side_is_compared_over_the_other_sides_inventory_with_a_note() -> None:
    policies_only = Cluster(namespaces=side("after").namespaces, policies=side("after").policies)
    result = compare(side("before"), policies_only, ("before", "policies"), "equiv")
    assert result.status == "holds"
    assert "B has no pods or workloads: A's inventory is used for both" in result.notes


def _ep(ip: str) -> Endpoint:
    return Endpoint(f"ns/{ip}", "Pod", "ns", ip, (), (), ips=(ip,))


def test_outside_addresses_have_one_representative_per_ipblock_atom_and_never_a_pod_ip() -> None:
    blocks = [IPSet.from_cidr("10.0.0.0/8", ["10.1.0.0/16"]), IPSet.from_cidr("10.0.0.0/24")]
    pods = [_ep("10.0.0.1"), _ep("10.1.0.1")]
    reps = external_representatives(blocks, pods)
    addresses = [ipaddress.ip_address(r.ips[0]) for r in reps]
    assert all(r.external for r in reps)
    assert not {str(a) for a in addresses} & {"10.0.0.1", "10.1.0.1"}
    # IPv4 atoms: below 10/8, 10.0.0.0/24, rest of 10/8 before the except, the except, after it, above 10/8
    v4 = [a for a in addresses if a.version == 4]
    assert len(v4) == 6
    memberships = {tuple(b.contains_address(a) for b in blocks) for a in v4}
    assert memberships == {(False, False), (True, True), (True, False)}
    assert [a for a in addresses if a.version == 6] == [ipaddress.ip_address("::1")]


def test_an_unknown_answer_is_neither_equivalent_nor_not() -> None:
    import io
    import json

    from netverify import report

    result = EquivalenceResult("equiv", "a", "b", "any", "smt", "unknown", reason="timeout", counts=(1, 1, 2))
    assert result.holds is None and result.headline() == "UNKNOWN"
    text = io.StringIO()
    report.write(result, "text", text)
    assert text.getvalue().startswith("UNKNOWN  A = a (1 policy), B = b (1 policy)")
    assert "the solver could not decide (timeout): this is not a proof" in text.getvalue()
    out = io.StringIO()
    report.write(result, "json", out)
    data = json.loads(out.getvalue())
    assert (data["status"], data["holds"], data["unknown"]) == ("unknown", None, "timeout")
    assert data["distinguishing"] is None
