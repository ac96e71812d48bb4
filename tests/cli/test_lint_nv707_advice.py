"""NV707's advice keeps the policy's isolation: a void egress rule of a NetworkPolicy that does not write
policyTypes is the reason the API server infers Egress; removing the last one would drop the policy's egress
isolation and open its pods' egress. The finding says so, and its advice, applied, changes no verdict (by the
reference oracle), where "just remove it" would.

The world: namespaces a, b and c with one pod each; the Admin tier denies team a's egress to team b; a's
NetworkPolicy lets its pods out to team b only (void: the Admin tier denies all of it)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from reference_oracle import tiered_allowed

from netverify.cli import main

PROBES = [("TCP", 80), ("UDP", 53)]


def world(np_spec: dict[str, Any]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for i, team in enumerate("abc"):
        docs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": team, "labels": {"team": team}}})
        docs.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": team, "name": "p", "labels": {"app": "p"}},
                     "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [{"containerPort": 80}]}]},
                     "status": {"podIP": f"10.0.{i}.1"}})
    docs.append({"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                 "metadata": {"name": "a-not-to-b"},
                 "spec": {"tier": "Admin", "priority": 1, "subject": {"namespaces": {"matchLabels": {"team": "a"}}},
                          "egress": [{"name": "no-b", "action": "Deny",
                                      "to": [{"namespaces": {"matchLabels": {"team": "b"}}}]}]}})
    docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": {"namespace": "a", "name": "out"}, "spec": np_spec})
    return docs


TO_B = {"to": [{"namespaceSelector": {"matchLabels": {"team": "b"}}}]}
TO_C_ON_UDP = {"to": [{"namespaceSelector": {"matchLabels": {"team": "c"}}}], "ports": [{"protocol": "UDP", "port": 53}]}


def nv707(capsys: pytest.CaptureFixture[str], tmp_path: Path, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    code = main(["lint", str(path), "--select", "NV707", "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return [f for f in json.loads(out)["findings"] if f["code"] == "NV707"]


def verdicts(docs: list[dict[str, Any]]) -> dict[tuple[str, str, str, int], bool]:
    pods = [d for d in docs if d["kind"] == "Pod"]
    return {(s["metadata"]["namespace"], d["metadata"]["namespace"], proto, port): tiered_allowed(s, d, docs, proto, port)
            for s in pods for d in pods if s is not d for proto, port in PROBES}


def without_egress_rule(docs: list[dict[str, Any]], index: int, write_types: bool) -> list[dict[str, Any]]:
    out = copy.deepcopy(docs)
    spec = out[-1]["spec"]
    del spec["egress"][index]
    if write_types:
        spec["policyTypes"] = ["Ingress", "Egress"]
    return out


def test_the_only_egress_rule_of_a_policy_without_policy_types_is_not_just_removed(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    docs = world({"podSelector": {}, "egress": [TO_B]})
    (f,) = nv707(capsys, tmp_path, docs)
    assert "do not just remove it" in f["message"] and "policyTypes: [Ingress, Egress]" in f["message"]
    before = verdicts(docs)
    # Just removing it opens a's egress (to c); removing it and writing the inferred policyTypes does not.
    assert verdicts(without_egress_rule(docs, 0, write_types=False)) != before
    assert verdicts(without_egress_rule(docs, 0, write_types=True)) == before


@pytest.mark.parametrize("spec", [
    {"podSelector": {}, "policyTypes": ["Egress"], "egress": [TO_B]},  # written: Egress stays
    {"podSelector": {}, "egress": [TO_B, TO_C_ON_UDP]},  # another egress rule, not void, stays
    {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}], "egress": [TO_B, TO_C_ON_UDP]},
], ids=["policy-types-written", "another-egress-rule-stays", "with-ingress-rules"])
def test_removing_a_void_rule_is_the_advice_where_isolation_stays(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, spec: dict[str, Any]) -> None:
    docs = world(spec)
    (f,) = nv707(capsys, tmp_path, docs)
    assert "the rule is void: remove it, or ask" in f["message"]
    assert verdicts(without_egress_rule(docs, 0, write_types=False)) == verdicts(docs)


def test_empty_policy_types_are_inferred_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`policyTypes: []` is defaulted by the API server as if absent."""
    (f,) = nv707(capsys, tmp_path, world({"podSelector": {}, "policyTypes": [], "egress": [TO_B]}))
    assert "do not just remove it" in f["message"]


def test_every_egress_rule_void_says_to_write_policy_types_when_removing_them_all(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    to_b_on_udp = {**TO_B, "ports": [{"protocol": "UDP", "port": 53}]}
    docs = world({"podSelector": {}, "egress": [TO_B, to_b_on_udp]})
    found = nv707(capsys, tmp_path, docs)
    assert len(found) == 2
    assert all("if you remove them all, write `policyTypes: [Ingress, Egress]`" in f["message"] for f in found)
    before = verdicts(docs)
    assert verdicts(without_egress_rule(docs, 1, write_types=False)) == before  # one alone: Egress still inferred
    both = without_egress_rule(without_egress_rule(docs, 1, write_types=False), 0, write_types=False)
    assert verdicts(both) != before
    assert verdicts(without_egress_rule(without_egress_rule(docs, 1, write_types=False), 0, write_types=True)) == before


def test_an_ingress_rule_is_removed_as_advised_whatever_policy_types_say(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Ingress is always inferred: removing the last ingress rule keeps the policy isolating ingress."""
    docs = world({"podSelector": {}})
    docs[-2]["spec"]["ingress"] = [{"name": "no-b-in", "action": "Deny",
                                    "from": [{"namespaces": {"matchLabels": {"team": "b"}}}]}]
    docs[-1]["spec"] = {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "b"}}}]}]}
    (f,) = nv707(capsys, tmp_path, docs)
    assert "ingress[0]" in f["message"] and "the rule is void: remove it, or ask" in f["message"]
    removed = copy.deepcopy(docs)
    del removed[-1]["spec"]["ingress"][0]
    assert verdicts(removed) == verdicts(docs)
