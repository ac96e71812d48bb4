"""matrix, blast-radius and paths answer with the admin tiers folded in (the graph engine folds them
over classes), and paths explains each hop with the tier walk.

The lateral fixture (internet -> frontend -> api -> postgres, reports -> postgres) with two kinds of
guardrails: an Admin Deny that cuts reports off the data namespace, and Admin Accepts that open
reports -> frontend on TCP 8080 although NetworkPolicies isolate both ends.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
REPORTS, FRONTEND, POSTGRES = "app/Deployment/reports", "web/Deployment/frontend", "data/StatefulSet/postgres"

GUARDRAILS = """\
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: reports-may-not-reach-data}
spec:
  tier: Admin
  priority: 10
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: reports}}}}
  egress:
  - {name: no-data, action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: data}}}]}
  - {name: to-web, action: Accept, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: web}}}],
     protocols: [{tcp: {destinationPort: {number: 8080}}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: web-from-reports}
spec:
  tier: Admin
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: web}}}
  ingress:
  - {name: from-reports, action: Accept, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: reports}}}}]}
"""


def lateral(into: Path) -> str:
    """The lateral fixture's manifests (not its assertion file) in a directory of their own."""
    shutil.copytree(ROOT / "fixtures" / "lateral", into, ignore=shutil.ignore_patterns("assertions.yaml"))
    return str(into)


@pytest.fixture()
def plain(tmp_path: Path) -> str:
    return lateral(tmp_path / "plain")


@pytest.fixture()
def guarded(tmp_path: Path) -> str:
    path = lateral(tmp_path / "guarded")
    (tmp_path / "guarded" / "guardrails.yaml").write_text(GUARDRAILS)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def pairs(capsys: pytest.CaptureFixture[str], path: str) -> dict[tuple[str, str], list[dict[str, object]]]:
    code, out, err = run(capsys, "matrix", path, "-f", "json", "--strict")
    assert code == 0, err
    return {(c["src"], c["dst"]): c["allowed"] for c in json.loads(out)["connections"]}


def test_the_matrix_folds_the_admin_deny_and_accept(plain: str, guarded: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    before = pairs(capsys, plain)
    assert (REPORTS, POSTGRES) in before and (REPORTS, FRONTEND) not in before
    after = pairs(capsys, guarded)
    assert (REPORTS, POSTGRES) not in after
    assert after[(REPORTS, FRONTEND)] == [{"protocol": "TCP", "ports": [[8080, 8080]]}]
    assert {k: v for k, v in after.items() if REPORTS not in k} == {k: v for k, v in before.items() if REPORTS not in k}


def test_blast_radius_follows_the_tiers(guarded: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "blast-radius", REPORTS, guarded, "-f", "json")
    reached = {r["id"]: r["hops"] for r in json.loads(out)["reached"]}
    # Not in one hop any more (the Deny), but through the frontend the Accept opened: 3 hops.
    assert code == 0 and reached[FRONTEND] == 1 and reached[POSTGRES] == 3


def test_paths_explain_each_hop_with_the_tier_walk(guarded: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "paths", REPORTS, FRONTEND, guarded)
    assert code == 0
    assert f"egress of {REPORTS}: [Admin] allow (reports-may-not-reach-data to-web)" in out
    assert f"ingress of {FRONTEND}: [Admin] allow (web-from-reports from-reports)" in out
    code, out, _ = run(capsys, "paths", REPORTS, FRONTEND, guarded, "-f", "json")
    (hop,) = json.loads(out)["paths"][0]
    assert [r["name"] for r in hop["rules"]] == ["to-web", "from-reports"]
    assert [[t["tier"] for t in side["walk"]] for side in hop["tiers"]] == [["Admin", "NetworkPolicy", "Baseline"]] * 2
    code, out, _ = run(capsys, "paths", REPORTS, POSTGRES, guarded, "--max-hops", "2")
    assert code == 1 and "UNREACHABLE" in out  # the direct hop is denied; the way round takes 3


def test_without_admin_policies_a_hop_carries_no_walk(plain: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "paths", REPORTS, POSTGRES, plain, "-f", "json")
    (hop,) = json.loads(out)["paths"][0]
    assert code == 0 and "tiers" not in hop and hop["rules"]
