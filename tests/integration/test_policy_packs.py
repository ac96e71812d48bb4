"""The assertion packs in policies/: each holds on its `holds` fixture and fails, with a real
counterexample, on its `fails` fixture (fixtures/packs/<pack>/{holds,fails}); on the demo
each verdict is the reviewed one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netverify.cli import main
from netverify.loaders.manifests import load_paths
from netverify.queries.context import Analysis

ROOT = Path(__file__).resolve().parents[2]
# The packs about NetworkPolicies, proved for any pod (scope any). The admin guardrail pack reasons
# about the tiers over the loaded pods: tests/integration/test_admin_guardrail_pack.py.
ADMIN_PACKS = ("admin-guardrails",)
PACKS = sorted(p.stem for p in (ROOT / "policies").glob("*.yaml") if p.stem not in ADMIN_PACKS)

# pack -> (assertion that fails on the `fails` fixture, its counterexample: src, dst, protocol/port)
FAILURES = {
    "dns-egress": ("every-pod-reaches-cluster-dns", "shop/Deployment/web", "kube-system/Deployment/coredns",
                   "TCP/53"),
    "ingress-default-deny": ("unlabelled-pods-receive-nothing-from-pods", None, "a new pod in data", None),
    "internet-egress": ("only-labelled-pods-reach-public-ipv4", "shop/Deployment/web", None, "TCP/443"),
    "internet-exposure": ("no-unlabelled-pod-reachable-from-public-ipv4", None, "shop/Deployment/api", "TCP/8000"),
    "kube-system-protected": ("workloads-cannot-reach-kube-system-components", "shop/Deployment/web",
                              "kube-system/Deployment/metrics-server", "TCP/4443"),
    "tenant-isolation": ("tenants-cannot-reach-other-tenants", "acme/Deployment/app", "globex/Deployment/app",
                         "TCP/8080"),
}


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments and outputs name files relative to the repository; monkeypatch restores the directory."""
    monkeypatch.chdir(ROOT)


def check(capsys: pytest.CaptureFixture[str], cluster: str, *assertions: str) -> tuple[int, dict[str, Any]]:
    args = ["check", cluster, "--format", "json"]
    for a in assertions:
        args += ["--assertions", a]
    code = main(args)
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, json.loads(out)


def endpoint_id(side: dict[str, Any]) -> str | None:
    """A loaded endpoint's id, "a new pod in NS" for a pod the solver synthesized, None for an address."""
    if side.get("external"):
        return None
    return f"a new pod in {side['namespace']}" if side.get("synthesized") else str(side["id"])


def test_every_pack_has_fixtures_where_it_holds_and_fails() -> None:
    assert len(PACKS) >= 5 and set(PACKS) == set(FAILURES)
    for pack in (*PACKS, *ADMIN_PACKS):
        for verdict in ("holds", "fails"):
            assert any((ROOT / "fixtures" / "packs" / pack / verdict).glob("*.yaml")), f"{pack}/{verdict}"


@pytest.mark.parametrize("pack", PACKS)
def test_the_pack_holds_where_the_policies_keep_it(capsys: pytest.CaptureFixture[str], pack: str) -> None:
    code, data = check(capsys, f"fixtures/packs/{pack}/holds", f"policies/{pack}.yaml")
    assert code == 0, [a["name"] for a in data["assertions"] if a["status"] != "holds"]
    for a in data["assertions"]:
        assert a["scope"] == "any" and not a["notes"], (a["name"], a["notes"])  # not vacuously
        assert a["result"]["proof"]["policies"], a["name"]  # held because of policies, which the proof names


@pytest.mark.parametrize("pack", PACKS)
def test_the_pack_fails_with_a_counterexample_where_it_does_not(capsys: pytest.CaptureFixture[str],
                                                                pack: str) -> None:
    fixture = f"fixtures/packs/{pack}/fails"
    code, data = check(capsys, fixture, f"policies/{pack}.yaml")
    name, src, dst, conn = FAILURES[pack]
    assert code == 1
    by_name = {a["name"]: a for a in data["assertions"]}
    assert by_name[name]["status"] == "fails"
    cx = by_name[name]["result"]["counterexample"]
    expect_allowed = by_name[name]["expect"] != "allow"
    assert cx["allowed"] is expect_allowed
    if src is not None:
        assert endpoint_id(cx["src"]) == src
    if dst is not None:
        assert endpoint_id(cx["dst"]) == dst
    if conn is not None:
        assert f"{cx['protocol']}/{cx['port']}" == conn
    replay_loaded(fixture, cx)


def replay_loaded(fixture: str, cx: dict[str, Any]) -> None:
    """When both ends are loaded endpoints, the graph engine agrees with the counterexample."""
    if not (cx["src"].get("id") and cx["dst"].get("id")):
        return
    result = load_paths([fixture])
    a = Analysis(result.cluster)
    allowed = a.graph.allowed(a.by_id[cx["src"]["id"]], a.by_id[cx["dst"]["id"]])
    assert allowed.allows(cx["protocol"], cx["port"]) is cx["allowed"]


# The demo is a showcase: most packs fail there, truly. Reviewed verdicts:
DEMO = {
    "every-pod-reaches-cluster-dns": "holds",  # shop keeps allow-dns; kube-system is open
    "unlabelled-pods-receive-nothing-from-pods": "fails",  # monitoring and data have no default-deny
    "unlabelled-pods-receive-nothing-from-outside": "fails",
    "unlabelled-pods-receive-nothing-from-outside-ipv6": "fails",
    "only-labelled-pods-reach-public-ipv4": "fails",  # only shop isolates egress
    "only-labelled-pods-reach-public-ipv6": "fails",
    "no-unlabelled-pod-reachable-from-public-ipv4": "fails",  # data/monitoring/kube-system are open
    "no-unlabelled-pod-reachable-from-public-ipv6": "fails",
    "workloads-cannot-reach-kube-system-components": "fails",  # kube-system has no policy
    "workloads-reach-cluster-dns-on-dns-ports-only": "fails",
    "tenants-cannot-reach-other-tenants": "holds",  # no namespace is labelled tenant (vacuous, with a note)
    # admin-guardrails (the demo has no admin policies):
    "admin-tier-keeps-tenants-apart": "holds",  # no tenant namespace
    "kube-system-only-through-the-admin-allow-list": "holds",  # kube-system holds cluster DNS only
    "cluster-dns-on-dns-ports-only": "fails",  # kube-system is open
    "cluster-dns-allowed-by-the-admin-tier": "holds",
    "baseline-default-deny": "holds",  # no namespace relies on the baseline
}


def test_the_demo_verdicts_are_the_reviewed_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = check(capsys, "fixtures/demo", "policies/")
    assert code == 1
    assert {a["name"]: a["status"] for a in data["assertions"]} == DEMO
    for a in data["assertions"]:
        cx = a["result"].get("counterexample")
        if cx is not None:
            assert cx["allowed"] is (a["expect"] != "allow")
            replay_loaded("fixtures/demo", cx)
    tenants = next(a for a in data["assertions"] if a["name"] == "tenants-cannot-reach-other-tenants")
    assert tenants["notes"] == ["no connection matches the query's endpoints and ports"]
