"""`check`, `can --any`, `equiv` and `contains` fold the admin tiers (issue 16), through the CLI.

The fixture fixtures/admin-guardrails/ has two tenants and monitoring: an Admin tier that accepts
monitoring on the metrics port and denies tenant-to-tenant traffic (which voids tenant-a's own
NetworkPolicy admitting tenant-b), and a Baseline tier that denies the rest into tenants. tie.yaml
has two Admin policies of one priority that decide monitoring -> tenant-b differently: upstream
leaves their order undefined, so a claim holds only if it holds in both orders.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netverify.cli import main

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "admin-guardrails"
CLUSTER, GUARDRAILS, TIE = (str(FIXTURE / f) for f in ("cluster.yaml", "guardrails.yaml", "tie.yaml"))
ASSERTIONS = str(FIXTURE / "assertions.yaml")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write_assertions(tmp_path: Path, *items: str) -> str:
    path = tmp_path / "assertions.yaml"
    path.write_text("apiVersion: netverify.dev/v1alpha1\nkind: Assertions\nmetadata: {name: t}\nassertions:\n"
                    + "".join(items))
    return str(path)


def assertion(name: str, src: str, dst: str, expect: str, ports: str = "", scope: str = "inventory") -> str:
    port_line = f"    ports: [{ports}]\n" if ports else ""
    return (f"  - name: {name}\n    from: {src}\n    to: {dst}\n{port_line}    expect: {expect}\n"
            f"    scope: {scope}\n")


# --- check with guardrails ---------------------------------------------------------------------------


def test_the_guardrails_hold_for_every_pod_that_could_exist(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", CLUSTER, GUARDRAILS, "-a", ASSERTIONS, "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["summary"] == {"holds": 3, "fails": 0, "unknown": 0}
    by_name = {a["name"]: a for a in data["assertions"]}
    proof = by_name["tenants-cannot-reach-other-tenants"]["result"]["proof"]
    # the Deny of the Admin tier decides, whatever tenant-a's NetworkPolicy admits
    assert any(r["policy"] == "ClusterNetworkPolicy/tenant-isolation" and r["action"] == "Deny"
               for r in proof["admin_rules"])
    assert not proof["rules"], "tenant-a's NetworkPolicy is not needed: the Admin tier decides first"


def test_without_the_admin_deny_a_tenant_networkpolicy_reopens_the_door(capsys: pytest.CaptureFixture[str],
                                                                       tmp_path: Path) -> None:
    guardrails = (FIXTURE / "guardrails.yaml").read_text().split("---\n")
    without_isolation = tmp_path / "guardrails.yaml"
    without_isolation.write_text("---\n".join(g for g in guardrails if "tenant-isolation" not in g))
    code, out, _ = run(capsys, "check", CLUSTER, str(without_isolation), "-a", ASSERTIONS)
    assert code == 1
    assert "FAILS   tenants-cannot-reach-other-tenants" in out
    # the counterexample is admitted by tenant-a's own NetworkPolicy, which nothing above denies any more
    assert "-> tenant-a/" in out or "namespace tenant-a" in out


# --- equal priorities: every order ------------------------------------------------------------------


TIE_ASSERTIONS = (
    assertion("monitoring-reaches-tenant-b", "monitoring/app=prometheus", "tenant-b/app=api", "allow", "9090/TCP"),
    assertion("monitoring-may-reach-tenant-b", "monitoring/app=prometheus", "tenant-b/app=api", "reachable",
              "9090/TCP"),
    assertion("tenant-a-never-reaches-tenant-b", "tenant-a/*", "tenant-b/*", "deny"),
)


def test_a_claim_holds_only_if_it_holds_in_every_order_of_equal_priorities(capsys: pytest.CaptureFixture[str],
                                                                          tmp_path: Path) -> None:
    path = write_assertions(tmp_path, *TIE_ASSERTIONS)
    code, out, _ = run(capsys, "check", CLUSTER, TIE, "-a", path, "-f", "json")
    data = json.loads(out)
    assert code == 1
    by_name = {a["name"]: a for a in data["assertions"]}
    # allowed when Accept comes first, denied when Deny does: "allow" fails, with the order it needs
    failing = by_name["monitoring-reaches-tenant-b"]
    assert failing["status"] == "fails"
    counterexample = failing["result"]["counterexample"]
    assert counterexample["allowed"] is False
    assert counterexample["order"] == ["Admin tier, priority 10: ClusterNetworkPolicy/quarantine-tenant-b before "
                                       "ClusterNetworkPolicy/allow-monitoring-everywhere"]
    # "reachable" holds: some order allows it, and the witness names that order
    witness = by_name["monitoring-may-reach-tenant-b"]["result"]["witness"]
    assert witness["allowed"] is True and "allow-monitoring-everywhere before" in witness["order"][0]
    # a claim both orders agree on is proved, and says for which orders
    proved = by_name["tenant-a-never-reaches-tenant-b"]
    assert proved["status"] == "holds"
    assert proved["result"]["proof"]["every_order"] == [
        "Admin tier, priority 10: ClusterNetworkPolicy/allow-monitoring-everywhere, "
        "ClusterNetworkPolicy/quarantine-tenant-b"]
    assert any("proved for every order" in n for n in proved["notes"])


def test_the_text_report_says_which_order_a_counterexample_used(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    path = write_assertions(tmp_path, TIE_ASSERTIONS[0])
    code, out, _ = run(capsys, "check", CLUSTER, TIE, "-a", path)
    assert code == 1
    assert ("note: equal-priority admin policies have no defined order; this connection uses the order Admin "
            "tier, priority 10: ClusterNetworkPolicy/quarantine-tenant-b before "
            "ClusterNetworkPolicy/allow-monitoring-everywhere") in out


# --- can --any, equiv, contains ------------------------------------------------------------------------


def test_can_any_folds_the_admin_tiers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "tenant-b/*", "tenant-a/*", CLUSTER, GUARDRAILS, "--any", "-f", "json")
    data = json.loads(out)
    assert code == 1 and data["reachable"] is False
    assert any(r["policy"] == "ClusterNetworkPolicy/tenant-isolation" for r in data["proof"]["admin_rules"])
    code, out, _ = run(capsys, "can", "monitoring/*", "tenant-b/*", CLUSTER, GUARDRAILS, "--any", "--port",
                       "metrics/TCP", "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["reachable"] is True and data["witness"]["allowed"] is True


def test_equiv_sees_an_admin_change(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    guardrails = (FIXTURE / "guardrails.yaml").read_text().split("---\n")
    changed = tmp_path / "guardrails.yaml"
    changed.write_text("---\n".join(g for g in guardrails if "tenant-isolation" not in g))
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "g.yaml").write_text((FIXTURE / "guardrails.yaml").read_text())
    (b / "g.yaml").write_text(changed.read_text())
    for scope in ([], ["--any"]):
        code, out, _ = run(capsys, "equiv", str(a), str(b), "--inventory", CLUSTER, *scope, "-f", "json")
        data = json.loads(out)
        assert code == 1 and data["status"] == "fails" and data["engine"] == "smt"
        d = data["distinguishing"]
        assert d["allowed_by"] == "B" and d["A"]["allowed"] is False and d["B"]["allowed"] is True
    code, out, _ = run(capsys, "contains", str(b), str(a), "--inventory", CLUSTER, "-f", "json")
    assert code == 0 and json.loads(out)["holds"] is True  # B (no isolation) allows at least what A allows
    code, out, _ = run(capsys, "equiv", str(a), str(a), "--inventory", CLUSTER)
    said = " ".join(out.split())
    assert code == 0 and "admin policies are loaded (Admin, Baseline tiers): the loaded inventory is compared " \
        "with the SMT engine" in said


def test_equiv_of_a_set_with_equal_priorities_with_itself_holds(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    """Both sides order a policy they share the same way: a set is equivalent to itself in every order."""
    code, out, _ = run(capsys, "equiv", TIE, TIE, "--inventory", CLUSTER, "--any", "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["status"] == "holds"
    assert any("proved for every order" in n for n in data["notes"])


# --- which hostNetwork reading the answer used ---------------------------------------------------------


HOST_POD = """apiVersion: v1
kind: Pod
metadata: {name: node-exporter, namespace: monitoring, labels: {app: node-exporter}}
spec: {hostNetwork: true, nodeName: n1, containers: [{name: c, image: i}]}
status: {podIP: 192.168.0.1}
"""


@pytest.mark.parametrize("reading", ["node", "pod"])
def test_check_and_equiv_say_which_hostnetwork_reading_they_used(capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path, reading: str) -> None:
    host = tmp_path / "host.yaml"
    host.write_text(HOST_POD)
    path = write_assertions(tmp_path, assertion("a", "monitoring/*", "tenant-a/*", "reachable"))
    code, out, _ = run(capsys, "check", CLUSTER, GUARDRAILS, str(host), "-a", path, "--hostnetwork", reading,
                       "-f", "json")
    assert json.loads(out)["host_network_reading"] == reading
    code, out, _ = run(capsys, "check", CLUSTER, GUARDRAILS, str(host), "-a", path, "--hostnetwork", reading)
    assert f"hostNetwork reading: {'node traffic' if reading == 'node' else 'ordinary pods'}" in out
    code, out, _ = run(capsys, "equiv", GUARDRAILS, GUARDRAILS, "--inventory", CLUSTER, "--inventory", str(host),
                       "--hostnetwork", reading, "-f", "json")
    assert code == 0 and json.loads(out)["host_network_reading"] == reading
    code, out, _ = run(capsys, "equiv", GUARDRAILS, GUARDRAILS, "--inventory", CLUSTER, "--inventory", str(host),
                       "--hostnetwork", reading)
    assert "hostNetwork reading: " in out


def test_without_hostnetwork_pods_no_reading_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_assertions(tmp_path, assertion("a", "monitoring/*", "tenant-a/*", "reachable"))
    code, out, _ = run(capsys, "check", CLUSTER, GUARDRAILS, "-a", path, "-f", "json")
    assert "host_network_reading" not in json.loads(out)


# --- equiv --any: a pod that could exist takes its IP from the inferred pod CIDR ------------------------


def test_equiv_any_witness_takes_the_inferred_pod_cidr_and_says_so(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path) -> None:
    """Only a pod that could exist (labelled app=newcomer, which no loaded pod is) tells the two sets apart."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "none.yaml").write_text("")
    (b / "deny-newcomers.yaml").write_text(
        "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\n"
        "metadata: {name: deny-newcomers}\nspec:\n  tier: Admin\n  priority: 1\n"
        "  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: newcomer}}}}\n"
        "  egress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]\n")
    code, out, _ = run(capsys, "equiv", str(a), str(b), "--inventory", CLUSTER, "--any", "-f", "json")
    data = json.loads(out)
    assert code == 1
    src = data["distinguishing"]["src"]
    assert src["synthesized"] is True and src["labels"]["app"] == "newcomer"
    assert src["ips"][0].startswith("10.0.")  # inside 10.0.0.0/22, inferred from the loaded pods
    assert any("no --pod-cidr: pod IPs in this witness are taken from 10.0.0.0/22" in n for n in data["notes"])
