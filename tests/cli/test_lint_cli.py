"""`netverify lint`: exit codes, the JSON contract, SARIF, Markdown and text, --select/--ignore."""

from __future__ import annotations

import copy
import io
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_diff_sarif_schema import SCHEMA

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
LINT = "fixtures/lint"
NOT_NV6 = ["--ignore", "NV6"]  # redundancy (another module) is tested on its own


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["lint", *args])
    out, err = capsys.readouterr()
    return code, out, err


def findings(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code, out, _ = lint(capsys, *args, "--format", "json")
    data = json.loads(out)
    assert list(data) == ["findings", "notes"]  # notes: what the run skipped or assumed (docs/lint/README.md)
    return code, data["findings"]


def test_a_clean_inventory_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = lint(capsys, f"{LINT}/clean")
    assert (code, out, err) == (0, "no findings\n", "")


def test_the_json_contract_and_every_location_points_at_the_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = findings(capsys, f"{LINT}/mistakes", *NOT_NV6)
    assert code == 1
    for f in found:
        assert {"code", "severity", "message", "file", "line", "object"} <= set(f)
        assert f["severity"] in ("error", "warning", "info") and f["line"] >= 1
        kind, name = f["object"].split(" ")
        assert kind in ("NetworkPolicy", "Pod", "Namespace") and "/" in name or kind == "Namespace"
        line = (ROOT / f["file"]).read_text().splitlines()[f["line"] - 1]
        assert line.strip().startswith(("apiVersion:", "- ", "ports:", "-")), (f["code"], line)
    assert {f["code"] for f in found} == {"NV101", "NV102", "NV201", "NV202", "NV401", "NV402", "NV403",
                                          "NV501", "NV502", "NV503", "NV504", "NV505", "NV506"}


def test_info_findings_do_not_fail(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = findings(capsys, "fixtures/demo", "--select", "NV403")
    assert code == 0 and found and {f["severity"] for f in found} == {"info"}


def test_the_demo_reports_its_unisolated_workloads(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = findings(capsys, "fixtures/demo", *NOT_NV6, "--profile", "strict")
    assert code == 1
    assert sorted(f["object"] for f in found if f["code"] == "NV402") == [
        "CronJob data/backup", "Deployment kube-system/coredns", "Deployment monitoring/prometheus"]


def test_posture_findings_are_info_by_default_so_a_well_written_repository_passes(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, found = findings(capsys, "fixtures/demo", *NOT_NV6)
    assert code == 0
    posture = [f for f in found if f["code"] in ("NV402", "NV403")]
    assert len(posture) == 6 and {f["severity"] for f in posture} == {"info"}, "still reported, as info"


def test_text_gives_each_posture_code_one_summary_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, "fixtures/demo", *NOT_NV6)
    assert code == 0
    assert out.splitlines() == [
        "info NV403 3 namespaces without a default-deny ingress policy: Namespace data, Namespace kube-system, "
        "Namespace monitoring (each one: --profile strict)",
        "info NV402 3 endpoints not isolated for ingress (every source may connect): CronJob data/backup, "
        "Deployment kube-system/coredns, Deployment monitoring/prometheus (each one: --profile strict)",
        "6 findings: 0 errors, 0 warnings, 6 info"]


def test_mistakes_still_fail_under_the_default_profile(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = findings(capsys, f"{LINT}/mistakes", *NOT_NV6)
    assert code == 1
    assert {f["severity"] for f in found if f["code"] == "NV401"} == {"warning"}


def test_select_and_ignore_filter_by_code_and_family(capsys: pytest.CaptureFixture[str]) -> None:
    _, found = findings(capsys, f"{LINT}/mistakes", "--select", "NV1,nv201")
    assert {f["code"] for f in found} == {"NV101", "NV102", "NV201"}
    _, found = findings(capsys, f"{LINT}/mistakes", "--ignore", "NV1,NV2,NV4,NV5,NV6")
    assert found == []


def test_a_bad_code_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = lint(capsys, f"{LINT}/clean", "--select", "NV1,E501")
    assert code == 2 and out == ""
    assert "--select E501: not a lint code or code prefix" in err and "hint:" in err


def test_invalid_policies_are_listed_with_their_codes_and_the_rest_is_still_linted(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Bad input is exit 2 with nothing on stdout (as for every command), but lint lists everything on stderr."""
    code, out, err = lint(capsys, f"{LINT}/invalid", "--format", "json", *NOT_NV6)
    assert code == 2 and out == ""
    path = "fixtures/lint/invalid/policies.yaml"
    for code_, line in [("NV301", 9), ("NV302", 20), ("NV303", 29), ("NV303", 38), ("NV304", 46), ("NV305", 54),
                        ("NV306", 61)]:
        [head] = [x for x in err.splitlines() if x.startswith(f"{path}:{line}: error: ")]
        assert head.endswith(f"[{code_}]")
    assert "(see docs/lint/NV301.md)" in err
    assert "lint of the objects that loaded (fix the 7 input errors above" in err
    assert f"{path}:64: warning NV101 NetworkPolicy shop/legacy: policy shop/legacy selects no pod" in err


def test_unreadable_yaml_is_nv300_and_skips_the_inventory_checks(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text("kind: Pod\nmetadata: {name: [\n")
    (tmp_path / "policy.yaml").write_text((ROOT / LINT / "mistakes" / "policies.yaml").read_text())
    code, out, err = lint(capsys, str(tmp_path))
    assert code == 2 and out == ""
    assert f"{tmp_path}/pods.yaml:" in err and "[NV300]" in err
    assert "note: inventory checks skipped: some manifests could not be read" in err
    assert "NV101" not in err


def test_sarif_is_valid_and_every_code_is_a_rule_with_its_page(capsys: pytest.CaptureFixture[str]) -> None:
    schema = copy.deepcopy(SCHEMA)
    descriptor = schema["properties"]["runs"]["items"]["properties"]["tool"]["properties"]["driver"]["properties"][
        "rules"]["items"]
    descriptor["properties"]["helpUri"] = {"type": "string", "format": "uri"}  # in SARIF 2.1.0, not in the subset
    code, out, _ = lint(capsys, f"{LINT}/mistakes", "--format", "sarif", *NOT_NV6)
    assert code == 1
    log = json.loads(out)
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["NV101"]["helpUri"].endswith("/docs/lint/NV101.md")
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["NV403"] == "note" and levels["NV401"] == "warning"
    for r in run["results"]:
        assert r["ruleId"] in rules and r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_markdown_is_a_table_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, "fixtures/demo", "--format", "md", *NOT_NV6, "--profile", "strict")
    assert code == 1
    assert out.startswith("**netverify lint: 6 findings: 0 errors, 3 warnings, 3 info**")
    link = "https://github.com/netverify/netverify/blob/main/docs/lint/NV402.md"
    row = f"| 🟡 warning | [NV402]({link}) | `fixtures/demo/workloads.yaml:61` | CronJob data/backup |"
    assert row in out


def test_text_is_one_line_per_finding_then_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, "fixtures/demo", *NOT_NV6, "--profile", "strict")
    lines = out.splitlines()
    assert code == 1 and lines[-1] == "6 findings: 0 errors, 3 warnings, 3 info"
    assert ("fixtures/demo/workloads.yaml:61: warning NV402 CronJob data/backup: data/CronJob/backup is not isolated "
            "for ingress") in out
    assert all(line.startswith("fixtures/demo/") for line in lines[:-1])


def test_policies_alone_lint_their_validity_and_say_why_the_rest_is_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, f"{LINT}/mistakes/policies.yaml")
    assert code == 0
    assert "note: inventory checks skipped: no pods or workloads were loaded" in out


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = (ROOT / LINT / "clean" / "cluster.yaml").read_bytes() + b"\n---\n" + (
        ROOT / LINT / "clean" / "policies.yaml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert lint(capsys, "-")[0] == 0


def test_a_missing_path_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = lint(capsys, "no/such/dir")
    assert code == 2 and "no/such/dir: error: no such file or directory" in err


def test_files_inside_a_given_directory_are_read_once(capsys: pytest.CaptureFixture[str]) -> None:
    """The pre-commit hook passes the changed files after the directories in its args."""
    code, out, err = lint(capsys, "fixtures/demo/policies.yaml", "fixtures/demo", "fixtures/demo/", *NOT_NV6)
    assert code == 0 and "duplicate" not in err
    assert out == lint(capsys, "fixtures/demo", *NOT_NV6)[1]


def test_findings_do_not_depend_on_how_fields_are_laid_out(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    """Same objects, keys in another order and flow style: the same findings in the same order."""
    import yaml

    docs = list(yaml.safe_load_all((ROOT / LINT / "mistakes" / "policies.yaml").read_text()))
    (tmp_path / "policies.yaml").write_text("".join(f"---\n{json.dumps(d, sort_keys=True)}\n" for d in docs if d))
    (tmp_path / "cluster.yaml").write_text((ROOT / LINT / "mistakes" / "cluster.yaml").read_text())
    _, reordered = findings(capsys, str(tmp_path), *NOT_NV6)
    _, original = findings(capsys, f"{LINT}/mistakes", *NOT_NV6)
    assert [(f["code"], f["object"], f["message"]) for f in reordered] == [
        (f["code"], f["object"], f["message"]) for f in original]


def test_a_live_cluster_gets_the_same_findings_as_its_manifests(capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """--cluster: the real kubernetes client over HTTP to the test API server (tests/integration)."""
    pytest.importorskip("kubernetes")
    monkeypatch.syspath_prepend(str(ROOT / "tests" / "integration"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    from kubeapi_server import KubeAPIServer, read_manifests

    with KubeAPIServer(read_manifests(ROOT / "fixtures" / "demo"), token="t0ken") as api:
        config = str(api.write_kubeconfig(tmp_path / "kubeconfig", context="demo"))
        code, live = findings(capsys, "--cluster", "--kubeconfig", config, *NOT_NV6)
    _, files = findings(capsys, "fixtures/demo", *NOT_NV6)
    assert code == 0
    assert sorted((f["code"], f["object"]) for f in live) == sorted((f["code"], f["object"]) for f in files)


def test_any_asks_the_redundancy_module_about_any_pod(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from netverify.queries.lint import redundancy

    calls: list[tuple[str, float]] = []

    def fake(analysis: Any, scope: str = "inventory", timeout_s: float = 30.0, notes: Any = None) -> list[Any]:
        calls.append((scope, timeout_s))
        return []

    monkeypatch.setattr(redundancy, "redundancy_findings", fake)
    lint(capsys, f"{LINT}/clean", "--any", "--timeout", "7")
    lint(capsys, f"{LINT}/clean")
    lint(capsys, f"{LINT}/clean", "--ignore", "NV6")
    assert calls == [("any", 7.0), ("inventory", 30.0)]


def test_an_undecided_redundancy_proof_is_exit_3_never_a_pass(capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from netverify.queries.lint import redundancy

    def undecided(*_: object, **__: object) -> list[object]:
        raise redundancy.RedundancyUnknown("rule shop/web ingress[0]", "timeout")

    monkeypatch.setattr(redundancy, "redundancy_findings", undecided)
    code, out, err = lint(capsys, "fixtures/demo", "--any")
    assert code == 3
    assert out == ""
    assert "could not decide whether rule shop/web ingress[0] is redundant (timeout)" in err
