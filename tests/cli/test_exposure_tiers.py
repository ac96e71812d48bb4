"""`netverify exposure` folds every tier: an admin Deny of outside networks removes exposure, an admin
Accept grants it above NetworkPolicy, a Baseline rule applies to pods no NetworkPolicy isolates, and
admin ingress rules (pods only) never decide traffic from outside. Every answer is compared with the
reference oracle's reading of the tiers (tests/reference_oracle.py) on probe addresses and ports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from reference_oracle import direction_verdict

from netverify.cli import main
from netverify.loaders.manifests import load_paths
from netverify.model import Direction
from netverify.queries.context import Analysis
from netverify.queries.exposure import Exposure, OutsideReach
from netverify.semantics.options import NetworkPolicySelection, Semantics

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "admin-tiers" / "exposure.yaml"
GUARDRAILS = ROOT / "fixtures" / "packs" / "admin-guardrails"
ADDRESSES = ("203.0.113.7", "198.51.100.9", "8.8.8.8", "10.200.0.1", "2001:db8::1")
PORTS = (("TCP", 22), ("TCP", 443), ("TCP", 8080), ("UDP", 53), ("SCTP", 9))


def run(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, Any]:
    code = main(["exposure", str(path), "--by", "pod", "-f", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def egress(data: dict[str, Any], endpoint: str) -> list[dict[str, Any]]:
    return [r for e in data["egress"] if e["endpoint"] == endpoint for r in e["reaches"]]


def test_an_admin_deny_of_an_outside_network_removes_exposure(capsys: pytest.CaptureFixture[str]) -> None:
    reaches = egress(run(capsys, FIXTURE), "shop/web")
    https = next(r for r in reaches if r["connections"] == [{"protocol": "TCP", "ports": [[443, 443]]}])
    assert "198.51.100.0/24" not in https["addresses"] and "0.0.0.0/1" in https["addresses"]
    assert [r["tier"] for r in https["rules"]] == ["NetworkPolicy"]


def test_an_admin_accept_grants_exposure_above_networkpolicy(capsys: pytest.CaptureFixture[str]) -> None:
    (ssh,) = egress(run(capsys, FIXTURE), "ops/bastion")  # its NetworkPolicy denies every egress
    assert ssh["addresses"] == ["203.0.113.0/24"] and ssh["internet"] is True
    assert [(r["tier"], r["name"], r["action"]) for r in ssh["rules"]] == [("Admin", "ops-to-vendor", "Accept")]


def test_a_baseline_deny_applies_to_pods_no_networkpolicy_isolates(capsys: pytest.CaptureFixture[str]) -> None:
    reaches = egress(run(capsys, FIXTURE), "batch/job")
    outside_v4 = [a for r in reaches for a in r["addresses"] if ":" not in a and not a.startswith("10.")]
    assert outside_v4 == ["203.0.113.0/24"], "only what the admin tier accepts above the baseline"
    assert any(r["tier"] == "default" or r.get("default") for r in reaches[0]["rules"])


def test_admin_ingress_rules_never_decide_traffic_from_outside_and_the_text_says_why(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["exposure", str(FIXTURE), "--by", "pod"])
    out, _ = capsys.readouterr()
    assert code == 0
    line = next(ln for ln in out.splitlines() if "batch/job" in ln and "any address" in ln)
    assert "match pods only" in line
    assert "[Admin] ClusterNetworkPolicy/outside-guard egress[0] 'ops-to-vendor'" in out


def test_a_networkpolicy_only_inventory_keeps_its_explanations(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_json(capsys, str(ROOT / "fixtures" / "demo")))
    for e in data["ingress_direct"] + data["egress"]:
        for r in e["reaches"]:
            assert {rule["tier"] for rule in r["rules"]} <= {"NetworkPolicy"}


def _json(capsys: pytest.CaptureFixture[str], path: str) -> str:
    assert main(["exposure", path, "-f", "json"]) == 0
    return capsys.readouterr().out


def outside(address: str) -> dict[str, Any]:
    """An address outside the cluster as the oracle's pod dicts: no identity (hostNetwork), only an IP."""
    return {"kind": "Pod", "metadata": {"namespace": "", "name": address, "labels": {}},
            "spec": {"hostNetwork": True, "containers": []}, "status": {"podIP": address}}


def allowed_by(exposure: Exposure, address: str, protocol: str, port: int) -> bool:
    return any(r.addresses.contains_address(address) and r.connections.allows(protocol, port)
               for r in exposure.reaches)


@pytest.mark.parametrize("reading", list(NetworkPolicySelection), ids=lambda r: r.value)
@pytest.mark.parametrize("fixture", [FIXTURE, GUARDRAILS / "holds", GUARDRAILS / "fails"], ids=lambda p: p.name)
def test_every_answer_agrees_with_the_reference_oracle(fixture: Path, reading: NetworkPolicySelection) -> None:
    paths = [fixture] if fixture.is_file() else sorted(fixture.glob("*.yaml"))
    docs = [d for p in paths for d in yaml.safe_load_all(p.read_text()) if d]
    analysis = Analysis(load_paths([str(fixture)]).cluster, Semantics(np_selection=reading), "pod")
    reach = OutsideReach.of(analysis)
    pods = {f"{d['metadata']['namespace']}/{d['metadata']['name']}": d for d in docs if d["kind"] == "Pod"}
    checked = 0
    for ep in analysis.endpoints:
        if ep.external:
            continue
        pod = pods[ep.id]
        ingress, egress_ = reach.exposure(ep, Direction.INGRESS), reach.exposure(ep, Direction.EGRESS)
        for address in ADDRESSES:
            for protocol, port in PORTS:
                out = direction_verdict("egress", pod, outside(address), outside(address), docs, protocol, port,
                                        reading.value)
                into = direction_verdict("ingress", pod, outside(address), pod, docs, protocol, port, reading.value)
                assert allowed_by(egress_, address, protocol, port) is out, (ep.id, "egress", address, port)
                assert allowed_by(ingress, address, protocol, port) is into, (ep.id, "ingress", address, port)
                checked += 1
    assert checked >= 3 * len(ADDRESSES) * len(PORTS)
