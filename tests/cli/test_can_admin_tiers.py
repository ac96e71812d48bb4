"""`netverify can` with admin policies loaded: the answer folds the tiers, the explanation walks them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
NPA = ROOT / "fixtures" / "conformance" / "network-policy-api" / "v1alpha2"
TOPOLOGY = str(NPA / "topology.yaml")
INTEGRATION = str(NPA / "api_integration" / "standard-anp-np-banp.yaml")
NODES = str(NPA / "admin_tier" / "experimental-egress-selector-rules.yaml")
HARRY = "network-policy-conformance-gryffindor/harry-potter-0"
DRACO = "network-policy-conformance-slytherin/draco-malfoy-0"
CENTAUR = "network-policy-conformance-forbidden-forrest/centaur-1"


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments and outputs name files relative to the repository; monkeypatch restores the directory."""
    monkeypatch.chdir(ROOT)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_admin_deny_overrides_the_networkpolicy_and_the_walk_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "can", DRACO, HARRY, TOPOLOGY, INTEGRATION, "--port", "80", "--by", "pod")
    assert code == 1
    assert f"ingress of {HARRY}: [Admin] deny (pass-example deny-all-ingress-from-slytherin)" in out
    assert "does not fold" not in err  # can folds every tier: nothing to warn about


def test_a_pass_then_an_allow_reads_as_the_walk_of_one_connection(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    text = Path(INTEGRATION).read_text().replace('action: "Deny" # test will update to pass', 'action: "Pass"', 1)
    patched = tmp_path / "pass.yaml"
    patched.write_text(text)
    code, out, _ = run(capsys, "can", DRACO, HARRY, TOPOLOGY, str(patched), "--port", "80", "--by", "pod")
    assert code == 0
    assert (f"ingress of {HARRY}: [Admin] pass (pass-example deny-all-ingress-from-slytherin) -> "
            f"[NetworkPolicy] allow (network-policy-conformance-gryffindor/allow-gress-from-to-slytherin-to-gryffindor "
            f"ingress[0]") in out


def test_a_query_over_many_ports_summarises_each_tier(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "network-policy-conformance-gryffindor/harry-potter-1", CENTAUR, TOPOLOGY,
                       NODES, "--by", "pod")
    assert code == 0
    assert "[Admin] allow TCP:34345 (node-and-cidr-as-peers-example allow-egress-to-34345-on-nodes)" in out
    assert "pass UDP:34347 (node-and-cidr-as-peers-example pass-egress-to-34347-on-nodes)" in out
    assert "default allow UDP:34347" in out


def test_json_carries_every_tier_of_both_directions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", DRACO, HARRY, TOPOLOGY, INTEGRATION, "--port", "80", "--by", "pod",
                       "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["allowed"] is False
    (pair,) = data["pairs"]
    assert [t["tier"] for t in pair["ingress"]["tiers"]] == ["Admin", "NetworkPolicy", "Baseline"]
    admin = pair["ingress"]["tiers"][0]
    assert admin["steps"][0]["action"] == "Deny" and admin["steps"][0]["rule"].startswith("pass-example")


def test_every_command_folds_the_tiers_and_strict_accepts_admin_policies(capsys: pytest.CaptureFixture[str]) -> None:
    """No command answers for the NetworkPolicies alone: --strict has nothing to refuse (can --any: the SMT engine)."""
    code, _, err = run(capsys, "can", DRACO, HARRY, TOPOLOGY, INTEGRATION, "--any", "--port", "80", "--strict")
    assert code in (0, 1) and "does not fold" not in err, err
    code, _, err = run(capsys, "check", TOPOLOGY, INTEGRATION, "--assertions", "policies/admin-guardrails.yaml",
                       "--strict")
    assert code in (0, 1) and "does not fold" not in err, err


@pytest.mark.parametrize("command", [["matrix"], ["blast-radius", DRACO], ["paths", DRACO, HARRY], ["exposure"],
                                     ["lint", "--select", "NV7"]])
def test_the_graph_commands_fold_the_tiers_and_warn_of_nothing(capsys: pytest.CaptureFixture[str],
                                                               command: list[str]) -> None:
    code, _, err = run(capsys, *command, TOPOLOGY, INTEGRATION, "--strict")
    assert code in (0, 1) and "does not fold" not in err, err


@pytest.mark.parametrize("command", ["diff", "equiv", "contains"])
def test_the_commands_that_load_two_sides_fold_the_tiers_and_warn_of_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        for path in (TOPOLOGY, INTEGRATION):
            (tmp_path / side / Path(path).name).write_text(Path(path).read_text())
    code, _, err = run(capsys, command, str(tmp_path / "a"), str(tmp_path / "b"), "--strict")
    assert code == 0 and "does not fold" not in err, err


def test_without_admin_policies_nothing_warns(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "matrix", TOPOLOGY, "--strict")
    assert code == 0 and "does not fold" not in err


def test_a_service_destination_is_answered_per_backend_through_the_tiers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    service = tmp_path / "service.yaml"
    service.write_text("""\
apiVersion: v1
kind: Service
metadata: {name: hogwarts, namespace: network-policy-conformance-gryffindor}
spec:
  selector: {conformance-house: gryffindor}
  ports: [{name: http, port: 8080, targetPort: web}]
""")
    svc = "network-policy-conformance-gryffindor/Service/hogwarts"
    code, out, _ = run(capsys, "can", DRACO, svc, TOPOLOGY, INTEGRATION, str(service), "--port", "8080", "--by", "pod")
    assert code == 1  # the admin Deny from slytherin holds for every backend, after 8080 -> web (TCP 80)
    assert f"ingress of {HARRY}: [Admin] deny (pass-example deny-all-ingress-from-slytherin)" in out
    code, out, _ = run(capsys, "can", "network-policy-conformance-hufflepuff/cedric-diggory-0", svc, TOPOLOGY,
                       INTEGRATION, str(service), "--port", "8080", "--by", "pod", "--format", "json")
    data = json.loads(out)
    assert [t["tier"] for t in data["pairs"][0]["ingress"]["tiers"]] == ["Admin", "NetworkPolicy", "Baseline"]
    assert data["translations"] and data["pairs"][0]["dst"] == HARRY


def test_np_selection_any_makes_an_ingress_only_networkpolicy_final_for_egress_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "tiers.yaml"
    manifest.write_text("""\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ingress-only, namespace: network-policy-conformance-gryffindor}
spec: {podSelector: {}, policyTypes: [Ingress], ingress: [{}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: baseline}
spec:
  tier: Baseline
  priority: 1
  subject: {namespaces: {}}
  egress:
  - {name: no-egress, action: Deny, to: [{networks: [0.0.0.0/0]}]}
""")
    args = ["can", HARRY, DRACO, TOPOLOGY, str(manifest), "--port", "80", "--by", "pod"]
    code, out, _ = run(capsys, *args)
    assert code == 1 and "[Baseline] deny (baseline no-egress)" in out
    code, out, _ = run(capsys, *args, "--np-selection", "any")
    assert code == 0 and f"egress of {HARRY}: [Admin] no match -> [NetworkPolicy] allow" in out
