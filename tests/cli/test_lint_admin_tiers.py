"""`netverify lint` on admin policies: NV701-NV707, each found where the mistake is (file:line, a
witness from the inventory, the scope) and not found once the mistake is fixed; the NetworkPolicy
posture codes say what the admin tiers decide instead of something false.

fixtures/lint/admin holds one mistake per code; each negative test fixes exactly that mistake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ROOT / "fixtures" / "lint" / "admin"
GUARDED = ROOT / "fixtures" / "packs" / "admin-guardrails" / "holds"
NV7 = ("NV701", "NV702", "NV703", "NV704", "NV705", "NV706", "NV707")


def findings(capsys: pytest.CaptureFixture[str], *paths: Path | str, extra: tuple[str, ...] = ()
             ) -> tuple[int, list[dict[str, Any]]]:
    code = main(["lint", *map(str, paths), "--ignore", "NV6", "--format", "json", "--by", "pod", *extra])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, json.loads(out)["findings"]


def by_code(found: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [f for f in found if f["code"] == code]


def line_of(f: dict[str, Any]) -> str:
    return Path(f["file"]).read_text().splitlines()[f["line"] - 1].strip()  # relative to ROOT, the working directory


def patched(tmp_path: Path, old: str, new: str, file: str = "admin.yaml") -> Path:
    """A copy of fixtures/lint/admin with one text replaced in one file."""
    for source in ADMIN.glob("*.yaml"):
        text = source.read_text()
        if source.name == file:
            assert old in text, old
            text = text.replace(old, new)
        (tmp_path / source.name).write_text(text)
    return tmp_path


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_each_admin_mistake_has_its_code_at_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = findings(capsys, ADMIN.relative_to(ROOT))
    assert code == 1
    lines = {f["code"]: line_of(f) for f in found if f["code"].startswith("NV7")}
    assert set(lines) == set(NV7)
    assert lines["NV701"].startswith("- name: no-team-b")
    assert lines["NV702"].startswith("- name: team-b-on-http")
    assert lines["NV703"].startswith("- name: leave-to-namespaces")
    assert lines["NV704"].startswith("protocols: [{destinationNamedPort: http}]")
    assert lines["NV705"].startswith("to: [{domainNames: [tracker.example.com]}]")
    assert lines["NV706"].startswith('to: [{domainNames: ["*.payments.example.com"]}]')
    assert lines["NV707"].startswith("- from: [{namespaceSelector: {matchLabels: {team: b}}}]")
    for f in found:
        assert f["message"].endswith(f"(see docs/lint/{f['code']}.md)")


def test_nv701_names_both_policies_and_a_witness_connection(capsys: pytest.CaptureFixture[str]) -> None:
    _, found = findings(capsys, ADMIN)
    (f,) = by_code(found, "NV701")
    assert "ClusterNetworkPolicy/block-team-b and ClusterNetworkPolicy/monitoring-access" in f["message"]
    assert "same priority 5 in the Admin tier" in f["message"]
    assert "decide team-b/web -> team-a/api on TCP/8080 differently" in f["message"]
    assert f["related"] and f["related"][0]["line"] > 0  # the other policy's rule


def test_nv701_gone_when_the_priorities_differ(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fixed = patched(tmp_path, "metadata: {name: monitoring-access}\nspec:\n  tier: Admin\n  priority: 5",
                    "metadata: {name: monitoring-access}\nspec:\n  tier: Admin\n  priority: 6")
    _, found = findings(capsys, fixed)
    assert not by_code(found, "NV701")


def test_nv701_is_described_when_no_pod_is_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    _, found = findings(capsys, ADMIN / "admin.yaml")
    (f,) = by_code(found, "NV701")
    assert "no pod is loaded to show one" in f["message"]
    assert "ingress[0] 'no-team-b' (Deny) and ingress[0] 'from-everyone' (Accept)" in f["message"]


def test_nv702_names_the_rule_that_decides_first_and_the_scope(capsys: pytest.CaptureFixture[str]) -> None:
    _, found = findings(capsys, ADMIN)
    (f,) = by_code(found, "NV702")
    assert "'team-b-on-http' (Accept) never decides a connection over the loaded inventory" in f["message"]
    assert "decided before it by ClusterNetworkPolicy/block-team-b ingress[0] 'no-team-b' (" in f["message"]


def test_nv702_gone_when_the_narrow_rule_comes_first(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = (ADMIN / "admin.yaml").read_text()
    deny = text[text.index("  - name: no-team-b"):text.index("  # NV702")]
    accept = text[text.index("  - name: team-b-on-http"):text.index("---\napiVersion", text.index("team-b-on-http"))]
    fixed = patched(tmp_path, deny + "  # NV702: the Deny above already decides everything from team-b.\n" + accept,
                    accept + deny)
    _, found = findings(capsys, fixed)
    assert not by_code(found, "NV702")


def test_nv702_reports_a_baseline_rule_the_networkpolicy_tier_always_decides_first(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "baseline.yaml").write_text("""\
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: baseline}
spec:
  tier: Baseline
  priority: 1
  subject: {pods: {namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {app: api}}}}
  ingress:
  - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
""")
    (tmp_path / "cluster.yaml").write_text((ADMIN / "cluster.yaml").read_text().replace(
        "  - from: [{namespaceSelector: {matchLabels: {team: b}}}]", "  - from: [{podSelector: {}}]"))
    _, found = findings(capsys, tmp_path)
    (f,) = by_code(found, "NV702")
    assert "ClusterNetworkPolicy/baseline ingress[0] 'deny-all' (Deny) never decides" in f["message"]
    assert "the NetworkPolicy tier" in f["message"]


def test_nv703_says_the_pass_equals_accept(capsys: pytest.CaptureFixture[str]) -> None:
    _, found = findings(capsys, ADMIN)
    (f,) = by_code(found, "NV703")
    assert "'leave-to-namespaces' passes connections (e.g. team-b/web -> team-a/api" in f["message"]
    assert "this Pass equals Accept" in f["message"]


def test_nv703_gone_when_a_networkpolicy_decides_what_is_passed(capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    fixed = patched(tmp_path, "spec:\n  podSelector: {matchLabels: {app: api}}",
                    "spec:\n  podSelector: {matchLabels: {app: api}}", "cluster.yaml")
    (fixed / "egress.yaml").write_text("""\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: team-b}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {}}], ports: [{port: 8080}]}]
""")
    _, found = findings(capsys, fixed)
    assert not by_code(found, "NV703")


def test_nv704_gone_with_a_port_number(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fixed = patched(tmp_path, "protocols: [{destinationNamedPort: http}]",
                    "protocols: [{tcp: {destinationPort: {number: 8080}}}]")
    _, found = findings(capsys, fixed)
    assert not by_code(found, "NV704")


def test_nv705_and_nv706_follow_the_action(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, found = findings(capsys, ADMIN)
    assert [f["severity"] for f in by_code(found, "NV705")] == ["warning"]
    assert [f["severity"] for f in by_code(found, "NV706")] == ["info"]
    fixed = patched(tmp_path, "    action: Deny\n    to: [{domainNames: [tracker.example.com]}]",
                    "    action: Deny\n    to: [{networks: [192.0.2.0/24]}]")
    _, found = findings(capsys, fixed)
    assert not by_code(found, "NV705") and len(by_code(found, "NV706")) == 1


def test_nv707_names_the_admin_deny_that_voids_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    _, found = findings(capsys, ADMIN)
    (f,) = by_code(found, "NV707")
    assert f["object"] == "NetworkPolicy team-a/api-from-team-b"
    assert "denied by block-team-b no-team-b" in f["message"] and f["related"]


def test_a_rule_the_admin_tier_voids_is_redundant_and_reported_once_as_nv707(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Removing a rule the Admin tier voids changes no tiered connection: lint redundancy (which folds
    the tiers) finds it, and reports it as NV707, which names the admin Deny; NV601 only when NV707 is
    not asked for."""
    main(["lint", str(ADMIN.relative_to(ROOT)), "--format", "json", "--by", "pod"])
    found = json.loads(capsys.readouterr()[0])["findings"]
    (voided,) = by_code(found, "NV707")
    assert (voided["file"], voided["line"]) not in {(f["file"], f["line"]) for f in by_code(found, "NV601")}
    main(["lint", str(ADMIN.relative_to(ROOT)), "--format", "json", "--by", "pod", "--ignore", "NV707"])
    found = json.loads(capsys.readouterr()[0])["findings"]
    assert (voided["file"], voided["line"]) in {(f["file"], f["line"]) for f in by_code(found, "NV601")}


def test_nv707_gone_when_the_admin_tier_passes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fixed = patched(tmp_path, "  - name: no-team-b\n    action: Deny", "  - name: no-team-b\n    action: Pass")
    _, found = findings(capsys, fixed)
    assert not by_code(found, "NV707")


def test_a_guarded_cluster_has_no_admin_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = findings(capsys, GUARDED)
    assert code == 0 and not [f for f in found if f["code"].startswith("NV7")]


def test_posture_codes_do_not_claim_every_source_may_connect_under_a_baseline_deny(
        capsys: pytest.CaptureFixture[str]) -> None:
    _, found = findings(capsys, GUARDED, extra=("--profile", "strict"))
    nv402 = by_code(found, "NV402")
    assert nv402 and all("every pod and address may connect" not in f["message"] for f in nv402)
    assert all("left to the admin tiers" in f["message"] and f["severity"] == "info" for f in nv402)
    nv403 = by_code(found, "NV403")
    assert nv403 and all("ClusterNetworkPolicy/default-deny ingress[0]" in f["message"] for f in nv403)
    assert all("pods added later accept traffic from everywhere" not in f["message"] for f in nv403)


def test_select_nv7_keeps_only_the_admin_codes(capsys: pytest.CaptureFixture[str]) -> None:
    _, found = findings(capsys, ADMIN, extra=("--select", "NV7"))
    assert {f["code"] for f in found} == set(NV7)


DNS_TIERS = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c}]}
status: {podIP: 10.5.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: batch, namespace: shop, labels: {app: batch}}
spec: {containers: [{name: c}]}
status: {podIP: 10.5.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: c, ports: [{containerPort: 53, protocol: UDP}, {containerPort: 53}]}]}
status: {podIP: 10.5.9.1}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-no-egress, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: dns}
spec:
  tier: Admin
  priority: 1
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}
  egress:
  - name: dns
    action: Accept
    to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
    protocols: [{udp: {destinationPort: {number: 53}}}, {tcp: {destinationPort: {number: 53}}}]
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: batch-offline}
spec:
  tier: Admin
  priority: 2
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: batch}}}}
  egress:
  - {name: nothing, action: Deny, to: [{namespaces: {}}]}
"""


def test_nv401_folds_the_tiers_an_admin_accept_of_dns_clears_it_an_admin_deny_raises_it(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "dns.yaml").write_text(DNS_TIERS)
    _, found = findings(capsys, tmp_path, extra=("--select", "NV401"))
    assert [f["object"] for f in found] == ["Pod shop/batch"], "web's NetworkPolicy denies egress; the admin accepts DNS"
    assert "has its egress decided by the admin tiers (ClusterNetworkPolicy/batch-offline)" in found[0]["message"]


def test_redundancy_folds_the_tiers_a_baseline_deny_below_makes_an_allow_all_policy_matter(
        capsys: pytest.CaptureFixture[str]) -> None:
    """acme/open-to-all admits everything its pods could receive: on NetworkPolicies alone removing it
    changes nothing (NV602), but with a Baseline default-deny below it, it is what lets platform in."""
    code = main(["lint", str(GUARDED), "--select", "NV6", "--format", "json"])
    tiered = json.loads(capsys.readouterr()[0])["findings"]
    assert code == 0 and "NetworkPolicy acme/open-to-all" not in [f["object"] for f in tiered if f["code"] == "NV602"]
    code = main(["lint", str(GUARDED), "--select", "NV6"])
    assert "note: NV601/NV602" not in capsys.readouterr()[0], "the inventory scope folds the tiers: nothing skipped"
    code = main(["lint", str(GUARDED / "inventory.yaml"), "--select", "NV6", "--format", "json"])
    nv_only = json.loads(capsys.readouterr()[0])["findings"]
    assert [f["object"] for f in nv_only if f["code"] == "NV602"] == ["NetworkPolicy acme/open-to-all"], \
        "without the admin policies the finding is true, and reported"


BASELINE_UNDER_ANY = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
status: {podIP: 10.5.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec: {containers: [{name: c}]}
status: {podIP: 10.5.0.2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-out, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: baseline-deny}
spec:
  tier: Baseline
  priority: 1
  subject: {namespaces: {}}
  ingress:
  - {name: all, action: Deny, from: [{namespaces: {}}]}
"""


@pytest.mark.parametrize(("reading", "decided_by_baseline"), [("direction", True), ("any", False)])
def test_nv402_names_the_baseline_tier_only_where_it_is_reached(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, reading: str, decided_by_baseline: bool) -> None:
    """web is selected by an egress-only NetworkPolicy. Per direction, its ingress is left to the Baseline
    deny (NV402 info, naming it); under `--np-selection any` the NetworkPolicy tier is final for web and
    allows all its ingress, so the Baseline tier never sees it and NV402 is the plain warning. `can`
    agrees in both readings."""
    (tmp_path / "cluster.yaml").write_text(BASELINE_UNDER_ANY)
    _, found = findings(capsys, tmp_path, extra=("--select", "NV402", "--np-selection", reading, "--profile", "strict"))
    web = [f for f in found if f["object"] == "Pod shop/web"]
    assert len(web) == 1
    if decided_by_baseline:
        assert web[0]["severity"] == "info" and "left to the admin tiers (ClusterNetworkPolicy/baseline-deny)" in \
            web[0]["message"]
    else:
        assert web[0]["severity"] == "warning" and "every pod and address may connect" in web[0]["message"]
    code = main(["can", "shop/client", "shop/web", str(tmp_path), "--port", "8080", "--np-selection", reading])
    capsys.readouterr()
    assert code == (1 if decided_by_baseline else 0)
