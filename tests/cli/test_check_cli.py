"""`netverify check` and `netverify can --any`: exit codes, formats and the JSON contracts.

Exit codes: 0 every assertion holds / reachable, 1 one fails / proved unreachable, 2 bad input
(located: file:line, what is wrong, a hint), 3 the solver could not decide (never a pass).
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers_k8s import dump_manifests
from helpers_smt import hard_objects
from test_diff_sarif_schema import SCHEMA as SARIF_SCHEMA

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = "fixtures/demo"
HEADER = "apiVersion: netverify.dev/v1alpha1\nkind: Assertions\nassertions:\n"

HOLDS = HEADER + """\
  - name: debug-is-isolated
    from: "*/*"
    to: shop/debug
    expect: deny
  - name: web-takes-http-from-the-internet
    from: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}
    to: shop/app=web
    ports: [http/TCP]
    scope: any
    expect: allow
  - name: api-reaches-postgres
    from: shop/app=api
    to: data/StatefulSet/postgres
    ports: ["5432/TCP"]
    expect: reachable
"""
FAILS = HEADER + """\
  - name: postgres-closed-to-shop
    description: only the backup job may talk to the database
    from: shop/*
    to: data/postgres
    expect: deny
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    os.chdir(ROOT)  # outputs name files relative to the repository
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.fixture
def hard(tmp_path: Path) -> tuple[str, str]:
    """A cluster whose assertion takes the solver well over a millisecond."""
    cluster = tmp_path / "hard.yaml"
    cluster.write_text(dump_manifests(hard_objects()))
    assertion = HEADER + """\
  - name: every-tcp-port-open-to-all
    from: {cidr: 0.0.0.0/0}
    to: {namespace: x}
    ports: ["1-65535/TCP"]
    scope: any
    expect: allow
"""
    return str(cluster), write(tmp_path, "hard-assertions.yaml", assertion)


class TestCheckExitCodes:
    def test_all_hold_is_exit_0(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        code, out, err = run(capsys, "check", DEMO, "--assertions", write(tmp_path, "a.yaml", HOLDS))
        assert code == 0, err
        assert "3 assertions: 3 hold, 0 fail, 0 unknown" in out
        assert "rule shop/web ingress[0] (fixtures/demo/policies.yaml:38) admits the traffic" in out

    def test_one_failure_is_exit_1_with_its_counterexample(self, capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
        code, out, _ = run(capsys, "check", DEMO, "-a", write(tmp_path, "a.yaml", HOLDS),
                           "-a", write(tmp_path, "b.yaml", FAILS))
        assert code == 1
        assert "FAILS   postgres-closed-to-shop" in out
        assert "shop/Deployment/api -> data/StatefulSet/postgres on 5432/TCP: allowed" in out
        assert "admitted by data/postgres ingress[0] (fixtures/demo/policies.yaml:106)" in out
        assert "4 assertions: 3 hold, 1 fail, 0 unknown" in out

    def test_a_directory_of_assertion_files(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        write(tmp_path, "a.yaml", HOLDS)
        write(tmp_path, "b.yml", FAILS)
        code, out, _ = run(capsys, "check", DEMO, "--assertions", str(tmp_path))
        assert code == 1 and "4 assertions" in out

    def test_a_bad_assertion_file_is_a_located_error_exit_2(self, capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
        path = write(tmp_path, "bad.yaml", HEADER + "  - name: typo\n    from: shop/*\n    to: data/postgres\n"
                                                    "    expect: forbid\n    prots: ['80']\n")
        code, out, err = run(capsys, "check", DEMO, "--assertions", path)
        assert code == 2 and out == ""
        assert f"{path}:7: error: assertion typo: assertions[0].expect: 'forbid' is not one of deny, allow, " \
               "reachable" in err
        assert f"{path}:8: error: assertion typo: assertions[0].prots: unknown field" in err
        assert "hint: did you mean 'ports'?" in err
        assert "Traceback" not in err

    @pytest.mark.parametrize(("text", "line", "message"), [
        ("  - name: p\n    from: shop/*\n    to: data/*\n    ports: [eighty-thousand-and-one/TCP]\n    expect: deny\n",
         7, "ports[0]"),
        ("  - name: p\n    from: shop/*\n    to: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}\n    expect: deny\n",
         6, "is not inside cidr 10.0.0.0/8"),
        ("  - name: p\n    from: shop/*\n    to: data/postgres\n    expect: deny\n    scope: everywhere\n",
         8, "'everywhere' is not one of inventory, any"),
        ("  - name: p\n    from: shop/nothing-here\n    to: data/postgres\n    expect: deny\n", 5, "from:"),
        ("  - name: p\n    from: shop/*\n    to: data/postgres\n", 4, "expect"),
        ("  - name: p\n    from: shop/web\n    to: svc/shop/api\n    expect: deny\n", 6, "is a Service"),
        ("  - name: p\n    from: [unclosed\n", 6, "invalid YAML"),
        ("  - {name: p, from: shop/*, to: data/*, expect: deny}\n" * 2, 5, "duplicate assertion name 'p' (first at"),
    ])
    def test_every_bad_field_is_located(self, capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str,
                                        line: int, message: str) -> None:
        path = write(tmp_path, "bad.yaml", HEADER + text)
        code, _, err = run(capsys, "check", DEMO, "--assertions", path)
        assert code == 2
        assert any(x.startswith(f"{path}:{line}: error:") and message in x for x in err.splitlines()), err

    def test_a_wrong_kind_or_version_is_exit_2(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        path = write(tmp_path, "bad.yaml", HOLDS.replace("v1alpha1", "v9"))
        code, _, err = run(capsys, "check", DEMO, "--assertions", path)
        assert code == 2 and f"{path}:1: error:" in err and "use apiVersion: netverify.dev/v1alpha1" in err

    def test_a_solver_out_of_budget_is_exit_3_never_a_pass(self, capsys: pytest.CaptureFixture[str],
                                                     hard: tuple[str, str]) -> None:
        cluster, assertions = hard
        code, out, _ = run(capsys, "check", cluster, "--assertions", assertions, "--rlimit", "1")
        assert code == 3
        assert "UNKNOWN every-tcp-port-open-to-all" in out and "this is not a pass" in out
        assert "1 assertion: 0 hold, 0 fail, 1 unknown" in out
        code, _, _ = run(capsys, "check", cluster, "--assertions", assertions)
        assert code in (0, 1)  # within the default budget, the solver decides

    def test_a_wall_clock_timeout_still_bounds_each_assertion(self, capsys: pytest.CaptureFixture[str],
                                                              hard: tuple[str, str]) -> None:
        cluster, assertions = hard
        code, out, _ = run(capsys, "check", cluster, "--assertions", assertions, "--timeout", "0.001")
        assert code == 3 and "UNKNOWN every-tcp-port-open-to-all" in out


class TestSolverBudget:
    """The default budget is z3's deterministic resource limit; --timeout replaces it with the wall clock."""

    @staticmethod
    def options(timeout: float | None = None, rlimit: int | None = None, hypothetical: bool = False) -> Any:
        from netverify.cli.common import prove_options
        from netverify.queries.solver_options import ProveOptions

        kw = {"hypothetical_namespaces": hypothetical, "timeout": timeout, "pod_cidrs": (), "rlimit": rlimit}
        return prove_options(kw) or ProveOptions()

    def test_by_default_a_resource_budget_and_no_clock(self) -> None:
        from netverify.engines.smt import DEFAULT_RLIMIT

        for given in (self.options(), self.options(hypothetical=True)):
            assert (given.timeout_s, given.rlimit) == (None, DEFAULT_RLIMIT)

    def test_timeout_replaces_the_default_budget_and_both_may_be_given(self) -> None:
        assert (self.options(timeout=5.0).timeout_s, self.options(timeout=5.0).rlimit) == (5.0, None)
        assert (self.options(rlimit=7).timeout_s, self.options(rlimit=7).rlimit) == (None, 7)
        both = self.options(timeout=5.0, rlimit=7)
        assert (both.timeout_s, both.rlimit) == (5.0, 7)


class TestCheckFormats:
    def test_json(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        code, out, _ = run(capsys, "check", DEMO, "-a", write(tmp_path, "a.yaml", HOLDS + FAILS[len(HEADER):]),
                           "--format", "json")
        data = json.loads(out)
        assert code == 1
        assert data["summary"] == {"holds": 3, "fails": 1, "unknown": 0}
        by_name = {a["name"]: a for a in data["assertions"]}
        failed = by_name["postgres-closed-to-shop"]
        assert failed["status"] == "fails" and failed["expect"] == "deny" and failed["scope"] == "inventory"
        assert failed["line"] == 19 and failed["file"].endswith("a.yaml")
        cx = failed["result"]["counterexample"]
        assert cx["src"]["id"] == "shop/Deployment/api" and cx["dst"]["id"] == "data/StatefulSet/postgres"
        assert (cx["protocol"], cx["port"], cx["allowed"]) == ("TCP", 5432, True)
        assert {(r["policy"], r["direction"], r["rule"]) for r in cx["rules"]} == {
            ("shop/api", "egress", 0), ("data/postgres", "ingress", 0)}
        proof = by_name["debug-is-isolated"]["result"]["proof"]
        assert proof["policies"] == [{"policy": "shop/default-deny", "file": "fixtures/demo/policies.yaml",
                                      "line": 2, "direction": "ingress"}]

    def test_junit(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        code, out, _ = run(capsys, "check", DEMO, "-a", write(tmp_path, "a.yaml", HOLDS + FAILS[len(HEADER):]),
                           "--format", "junit")
        assert code == 1
        root = ET.fromstring(out)
        cases = {c.get("name"): c for c in root.iter("testcase")}
        assert set(cases) == {"debug-is-isolated", "web-takes-http-from-the-internet", "api-reaches-postgres",
                              "postgres-closed-to-shop"}
        failures = [name for name, c in cases.items() if c.find("failure") is not None]
        assert failures == ["postgres-closed-to-shop"]
        assert "counterexample" in (cases["postgres-closed-to-shop"].find("failure").get("message") or "")  # type: ignore[union-attr]

    def test_sarif(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        path = write(tmp_path, "a.yaml", HOLDS + FAILS[len(HEADER):])
        code, out, _ = run(capsys, "check", DEMO, "-a", path, "--format", "sarif")
        log = json.loads(out)
        jsonschema.validate(log, SARIF_SCHEMA)
        assert code == 1
        (result,) = log["runs"][0]["results"]  # only what fails is an alert
        assert result["ruleId"] == "assertion-fails" and result["level"] == "error"
        region = result["locations"][0]["physicalLocation"]
        assert region["artifactLocation"]["uri"].endswith("a.yaml") and region["region"]["startLine"] == 19
        related = {loc["physicalLocation"]["region"]["startLine"] for loc in result["relatedLocations"]}
        assert {67, 106} <= related  # the rules that admit the counterexample

    def test_unknown_in_machine_formats(self, capsys: pytest.CaptureFixture[str], hard: tuple[str, str]) -> None:
        cluster, assertions = hard
        code, out, _ = run(capsys, "check", cluster, "-a", assertions, "--rlimit", "1", "-f", "json")
        data = json.loads(out)
        assert code == 3 and data["summary"]["unknown"] == 1
        assert data["assertions"][0]["result"]["status"] == "unknown"
        code, out, _ = run(capsys, "check", cluster, "-a", assertions, "--rlimit", "1", "-f", "junit")
        assert code == 3 and "not a pass" in out
        code, out, _ = run(capsys, "check", cluster, "-a", assertions, "--rlimit", "1", "-f", "sarif")
        assert code == 3 and json.loads(out)["runs"][0]["results"][0]["ruleId"] == "assertion-unknown"


# --- can --any ---------------------------------------------------------------------------------


def can_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run(capsys, "can", *args, "--any", "--format", "json")
    assert code in (0, 1, 3), err
    return code, json.loads(out)


def assert_contract(data: dict[str, Any]) -> None:
    """{"reachable", "scope": "any", "witness": {src, dst, port, protocol, rules} | null, "proof": {rules} | null}"""
    assert data["scope"] == "any"
    assert {"reachable", "witness", "proof"} <= set(data)
    if data["reachable"]:
        w = data["witness"]
        assert data["proof"] is None
        for side in (w["src"], w["dst"]):
            assert isinstance(side["labels"], dict) and "namespace" in side
        assert isinstance(w["port"], int) and w["protocol"] in ("TCP", "UDP", "SCTP")
        assert w["rules"] and all({"policy", "direction", "rule", "file", "line"} <= set(r) for r in w["rules"])
    else:
        assert data["witness"] is None
        assert isinstance(data["proof"]["rules"], list)


class TestCanAny:
    def test_reachable_is_exit_0_with_a_witness(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, data = can_json(capsys, "shop/*", "data/*", DEMO)
        assert code == 0 and data["reachable"] is True
        assert_contract(data)
        w = data["witness"]
        assert (w["src"]["namespace"], w["dst"]["namespace"], w["port"], w["protocol"]) == ("shop", "data", 5432, "TCP")
        assert {(r["policy"], r["direction"], r["rule"]) for r in w["rules"]} == {
            ("shop/api", "egress", 0), ("data/postgres", "ingress", 0)}

    def test_proved_unreachable_is_exit_1_with_the_rules(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, data = can_json(capsys, "shop/*", "data/*", DEMO, "--port", "22")
        assert code == 1 and data["reachable"] is False
        assert_contract(data)
        assert {r["policy"] for r in data["proof"]["rules"]} == {"shop/allow-dns", "shop/api", "shop/web"}
        # every shop pod is egress-isolated by both of these; a proof needs one of them
        (isolating,) = data["proof"]["policies"]
        assert isolating["policy"] in ("shop/default-deny", "shop/allow-dns") and isolating["direction"] == "egress"

    def test_a_pod_that_could_exist_is_synthesized(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, data = can_json(capsys, "monitoring/*", "shop/*", DEMO, "--port", "9090")
        assert code == 0
        assert_contract(data)
        dst = data["witness"]["dst"]
        # prometheus may scrape the named metrics port: of web/api, or of any tier=frontend|backend pod
        assert dst["namespace"] == "shop" and dst["labels"].get("tier") in ("frontend", "backend")

    def test_text_output(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "can", "shop/*", "data/*", DEMO, "--any", "--port", "22")
        assert code == 1
        assert out.startswith("UNREACHABLE  shop/* -> data/* on TCP 22 (some pod that could exist)")
        assert "rule shop/api egress[0] (fixtures/demo/policies.yaml:67) does not admit the traffic" in out
        assert "selects the source (egress)" in out

    def test_hypothetical_namespaces(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, data = can_json(capsys, "new/*", "shop/app=web", DEMO, "--port", "8080")
        assert code == 1 and "namespace new is not in the inventory: nothing there matches" in data["notes"]
        code, data = can_json(capsys, "new/*", "shop/app=web", DEMO, "--port", "8080", "--hypothetical-namespaces")
        assert code == 0 and data["witness"]["src"]["namespace"] == "new"  # any IP outside 10/8 gets in

    def test_pod_cidr_bounds_the_addresses_of_pods_that_could_exist(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, data = can_json(capsys, "data/*", "shop/app=web", DEMO, "--port", "8080")
        assert code == 0 and data["witness"]["rules"] == [{
            "policy": "shop/web", "direction": "ingress", "rule": 0, "file": "fixtures/demo/policies.yaml",
            "line": 38, "admits": True}]  # from an address outside 10.0.0.0/8
        code, data = can_json(capsys, "data/*", "shop/app=web", DEMO, "--port", "8080", "--pod-cidr", "10.0.0.0/8")
        assert code == 1 and {"policy": "shop/web", "direction": "ingress", "rule": 0,
                              "file": "fixtures/demo/policies.yaml", "line": 38} in data["proof"]["rules"]

    def test_unknown_is_exit_3(self, capsys: pytest.CaptureFixture[str], hard: tuple[str, str]) -> None:
        cluster, _ = hard
        code, out, _ = run(capsys, "can", "0.0.0.0/0", "x/*", cluster, "--any", "--port", "1-65535",
                           "--rlimit", "1", "-f", "json")
        data = json.loads(out)
        assert code == 3 and data["reachable"] is None and data["witness"] is None and data["proof"] is None
        assert data["unknown"]

    @pytest.mark.parametrize("args", [["--timeout", "5"], ["--hypothetical-namespaces"], ["--pod-cidr", "10.0.0.0/8"]])
    def test_solver_options_need_any(self, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
        code, _, err = run(capsys, "can", "shop/*", "data/*", DEMO, *args)
        assert code == 2 and "need --any" in err

    def test_bad_endpoint_or_cidr_is_exit_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(capsys, "can", "shop/nothing-here", "data/*", DEMO, "--any")
        assert code == 2 and "nothing-here" in err
        code, _, err = run(capsys, "can", "shop/*", "data/*", DEMO, "--any", "--pod-cidr", "10.0.0.0/99")
        assert code == 2 and "--pod-cidr" in err
