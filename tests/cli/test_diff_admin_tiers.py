"""`netverify diff` on a pull request that changes cluster-wide admin policies (fixtures/diff-admin).

The change flips `ClusterNetworkPolicy/tenant-guard`'s rule `shop-decides` from Pass to Deny (the
shop loses the ledger, which its NetworkPolicy admitted) and adds two Admin-tier policies that let
Prometheus scrape the shop's metrics port above the shop's NetworkPolicies. Each is a cause named
with its tier, action and priority at its file:line, in every format.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netverify.cli import main
from netverify.queries.diff_sets import members

ROOT = Path(__file__).resolve().parents[2]
BASE, HEAD = "fixtures/diff-admin/base", "fixtures/diff-admin/head"
ADMIN_HEAD = "fixtures/diff-admin/head/admin.yaml"


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments and outputs name files relative to the repository; monkeypatch restores the directory."""
    monkeypatch.chdir(ROOT)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_action_flipped_from_pass_to_deny_is_the_cause_of_the_lost_connections(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, BASE, HEAD, "--fail-on", "removed")
    assert code == 1
    assert (f"- ClusterNetworkPolicy/tenant-guard ingress[1] 'shop-decides' (Deny, priority 10) now denies TCP:5432 "
            f"(was Pass) (policy modified) ({ADMIN_HEAD}:19)") in out
    assert "    from: shop/Deployment/api, shop/Deployment/web\n    to:   payments/StatefulSet/ledger\n" in out


def test_diff_folds_the_tiers_so_it_neither_warns_nor_refuses_under_strict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, BASE, HEAD, "--strict")
    assert code == 0 and "2 connections added, 2 removed" in out
    assert "does not fold" not in err


def test_an_added_admin_policy_is_a_cause_in_each_direction_it_decides(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, BASE, HEAD, "-f", "json")
    data = json.loads(out)
    assert code == 0
    [added] = [c for c in data["changes"] if c["status"] == "added"]
    assert members(data, added["sources"]) == ["monitoring/Deployment/prometheus"]
    assert members(data, added["destinations"]) == ["shop/Deployment/api", "shop/Deployment/web"]
    causes = {(c["policy"], c["direction"], c["rule"], c["change"], c["tier"], c["priority"], c["line"])
              for c in added["cause"]}
    assert causes == {("ClusterNetworkPolicy/monitoring-egress", "egress", 0, "allows", "Admin", 5, 58),
                      ("ClusterNetworkPolicy/scrape-metrics", "ingress", 0, "allows", "Admin", 5, 36)}


def test_a_removed_admin_policy_is_located_where_it_was(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, HEAD, BASE)
    assert code == 0
    assert ("- ClusterNetworkPolicy/monitoring-egress egress[0] 'scrape' (Accept, priority 5) no longer allows TCP:9090 "
            f"(policy removed) ({ADMIN_HEAD}:58)") in out
    # a Pass says where the connections land on that side: the ledger's NetworkPolicy admits the shop
    assert ("+ ClusterNetworkPolicy/tenant-guard ingress[1] 'shop-decides' (Pass, priority 10) now passes TCP:5432 to "
            "the next tier ([NetworkPolicy] allows TCP:5432) (was Deny) (policy modified)") in out


def test_sarif_has_one_result_per_cause_at_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, BASE, HEAD, "-f", "sarif", "--fail-on", "any")
    assert code == 1
    results = json.loads(out)["runs"][0]["results"]
    located = sorted((r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                      r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results)
    assert located == [(ADMIN_HEAD, 19), (ADMIN_HEAD, 36), (ADMIN_HEAD, 58)]
    assert all(r["level"] == "error" for r in results)


def test_markdown_and_junit_name_the_admin_rules(capsys: pytest.CaptureFixture[str]) -> None:
    _, md, _ = run(capsys, BASE, HEAD, "-f", "md")
    assert "| - | ClusterNetworkPolicy/tenant-guard ingress[1] 'shop-decides' (Deny, priority 10) now denies" in md
    _, xml, _ = run(capsys, BASE, HEAD, "-f", "junit")
    assert 'name="ClusterNetworkPolicy/tenant-guard ingress[1] now denies: ' in xml
    assert f'file="{ADMIN_HEAD}" line="19"' in xml


def test_baseline_tier_causes_say_their_tier(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = tmp_path / "head"
    head.mkdir()
    for f in Path(ROOT, BASE).iterdir():
        text = f.read_text()
        if f.name == "admin.yaml":  # the baseline stops denying monitoring's egress to the shop
            text = text.replace("    - action: Deny\n      to:", "    - action: Accept\n      to:")
        (head / f.name).write_text(text)
    code, out, _ = run(capsys, BASE, str(head))
    assert code == 0
    # only the port the web's NetworkPolicy admits opens: the egress baseline no longer denies it
    assert ("+ ClusterNetworkPolicy/baseline-no-monitoring-egress egress[0] (Baseline, Accept, priority 50) now allows "
            "TCP:8080 (was Deny) (policy modified)") in out
    assert "monitoring/Deployment/prometheus -> shop/Deployment/web: TCP:8080" in out
