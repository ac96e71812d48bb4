"""Redundancy findings on a generated cluster are true, and none is missed: removing what NV601/NV602
report changes no allowed connection (checked by `equiv` on the cluster with and without it), and
removing any other policy that selects a loaded pod does change one."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from netverify.loaders.manifests import load_paths
from netverify.model import Cluster, Direction, NetworkPolicy
from netverify.queries.context import Analysis
from netverify.queries.equivalence import compare
from netverify.queries.lint.findings import Finding
from netverify.queries.lint.redundancy import redundancy_findings

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Cluster:
    out = tmp_path_factory.mktemp("gen-red")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_cluster.py"), "--pods", "400", "--policies", "60",
                    "--seed", "7", "--out", str(out)], check=True, capture_output=True, timeout=300)
    return load_paths([str(out)]).cluster


def without_policy(c: Cluster, pid: str) -> Cluster:
    return dataclasses.replace(c, policies=tuple(p for p in c.policies if p.id != pid))


def without_rule(c: Cluster, pid: str, written: str, index: int) -> Cluster:
    direction = Direction(written)  # a finding names its direction as the output writes it

    def edit(p: NetworkPolicy) -> NetworkPolicy:
        if p.id != pid:
            return p
        rules = tuple(r for r in p.rules(direction) if r.index != index)
        types = p.policy_types
        if p.declared_policy_types is None and direction is Direction.EGRESS and not rules:
            types = tuple(t for t in types if t is not Direction.EGRESS)  # what the API server would default to
        return dataclasses.replace(p, **{direction.value: rules, "policy_types": types})  # type: ignore[arg-type]

    return dataclasses.replace(c, policies=tuple(edit(p) for p in c.policies))


def removed(c: Cluster, f: Finding) -> Cluster:
    if f.code == "NV602":
        return without_policy(c, f.obj.split()[1])
    m = re.search(r"rule (\S+) (ingress|egress)\[(\d+)\]", f.message)
    assert m is not None
    return without_rule(c, m[1], m[2], int(m[3]))


def test_every_inventory_finding_is_true_and_no_redundant_policy_is_missed(generated: Cluster) -> None:
    found = redundancy_findings(Analysis(generated))
    kinds = {f.code for f in found}
    assert {"NV601", "NV602"} <= kinds  # the generator writes both (duplicate DNS rules, covered policies)
    for f in found:
        if f.code in ("NV601", "NV602"):
            result = compare(generated, removed(generated, f), ("with", "without"))
            assert result.status == "holds", f.message
    flagged = {f.obj.split()[1] for f in found}
    analysis = Analysis(generated)
    for cp in analysis.policies:
        selects_a_pod = any(cp.selects(e) for e in analysis.endpoints)
        if cp.policy.id in flagged or not selects_a_pod or not (cp.policy.ingress or cp.policy.egress):
            continue
        result = compare(generated, without_policy(generated, cp.policy.id), ("with", "without"))
        assert result.status == "fails", f"{cp.policy.id} is redundant but not reported"


def test_every_finding_for_any_pod_is_true_for_any_pod(generated: Cluster) -> None:
    small = dataclasses.replace(generated, policies=generated.policies[:20])
    found = [f for f in redundancy_findings(Analysis(small), scope="any") if f.code in ("NV601", "NV602")]
    assert found
    for f in found:
        assert compare(small, removed(small, f), ("with", "without"), scope="any", engine="smt").status == "holds"
    # what is redundant for any pod is redundant for the loaded ones too (a rule, or its whole policy)
    inventory = redundancy_findings(Analysis(small))
    rules = {f.source for f in inventory if f.code == "NV601"}
    policies = {f.obj for f in inventory if f.code == "NV602"}
    for f in found:
        assert f.source in rules or f.obj in policies if f.code == "NV601" else f.obj in policies, f.message
