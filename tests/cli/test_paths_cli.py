"""`netverify blast-radius`, `netverify paths` and path assertions in `check`, on fixtures/lateral.

Exit codes: blast-radius 0; paths 0 reachable, 1 not; check 0 / 1 as for every assertion; 2 for bad
input (located for assertion files). Golden outputs are in tests/golden/lateral
(NETVERIFY_UPDATE_GOLDEN=1 rewrites them).
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_diff_sarif_schema import SCHEMA as SARIF_SCHEMA

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
LATERAL = "fixtures/lateral"
GOLDEN = ROOT / "tests" / "golden" / "lateral"
HEADER = "apiVersion: netverify.dev/v1alpha1\nkind: Assertions\nassertions:\n"
POD = """apiVersion: v1
kind: Pod
metadata:
  name: {app}-{i}
  namespace: {ns}
  labels: {{app: {app}}}
spec:
  containers: [{{name: c, image: i, ports: [{{name: https, containerPort: 8443}}, {{name: http, containerPort: 8000}}]}}]
status: {{phase: Running, podIP: {ip}}}
"""


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments and outputs name files relative to the repository; monkeypatch restores the directory."""
    monkeypatch.chdir(ROOT)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def golden(name: str, out: str) -> None:
    path = GOLDEN / name
    if os.environ.get("NETVERIFY_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out)
    assert out == path.read_text()


GOLDEN_CASES = {
    "blast-internet.text": ["blast-radius", "--from", "internet", LATERAL],
    "blast-internet.json": ["blast-radius", "--from", "internet", LATERAL, "-f", "json"],
    "blast-frontend.md": ["blast-radius", "web/frontend", LATERAL, "-f", "md"],
    "blast-frontend.dot": ["blast-radius", "web/frontend", LATERAL, "-f", "dot"],
    "paths-internet-data.text": ["paths", "--from", "internet", "data/*", LATERAL],
    "paths-internet-data.json": ["paths", "--from", "internet", "data/*", LATERAL, "-f", "json"],
    "paths-internet-data.md": ["paths", "--from", "internet", "data/*", LATERAL, "-f", "md"],
    "paths-internet-data.dot": ["paths", "--from", "internet", "data/*", LATERAL, "-f", "dot"],
    "check.text": ["check", LATERAL, "-a", f"{LATERAL}/assertions.yaml"],
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_outputs(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = run(capsys, *GOLDEN_CASES[name])
    assert code in (0, 1), err
    golden(name, out)


class TestBlastRadius:
    def test_json_contract(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "blast-radius", "web/frontend", LATERAL, "-f", "json")
        data = json.loads(out)
        assert code == 0
        assert data["source"] == ["web/Deployment/frontend"]
        reached = {r["id"]: (r["hops"], r["via"]) for r in data["reached"]}
        assert reached == {"app/Deployment/api": (1, "web/Deployment/frontend"),
                           "kube-system/Deployment/coredns": (1, "web/Deployment/frontend"),
                           "data/StatefulSet/postgres": (2, "app/Deployment/api")}
        assert data["summary"] == {"endpoints": 3, "by_namespace": {"app": 1, "data": 1, "kube-system": 1},
                                   "by_hops": {"1": 2, "2": 1}}

    def test_max_hops_and_port(self, capsys: pytest.CaptureFixture[str]) -> None:
        _, out, _ = run(capsys, "blast-radius", "web/frontend", LATERAL, "--max-hops", "1", "-f", "json")
        assert {r["id"] for r in json.loads(out)["reached"]} == {"app/Deployment/api", "kube-system/Deployment/coredns"}
        _, out, _ = run(capsys, "blast-radius", "web/frontend", LATERAL, "--port", "53/UDP", "-f", "json")
        assert [r["id"] for r in json.loads(out)["reached"]] == ["kube-system/Deployment/coredns"]

    def test_by_pod_reports_pods(self, capsys: pytest.CaptureFixture[str]) -> None:
        _, out, _ = run(capsys, "blast-radius", "10.0.0.1", "fixtures/demo", "--by", "pod", "-f", "json")
        assert json.loads(out)["source"] == ["10.0.0.1"]  # an address outside the cluster: an origin

    def test_html_is_one_escaped_page(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "blast-radius", "--from", "internet", LATERAL, "-f", "html")
        assert code == 0 and out.startswith("<!DOCTYPE html>") and "<script" not in out
        assert "<code>data/StatefulSet/postgres</code>" in out and "&lt;" not in out.split("<body>")[0]

    @pytest.mark.parametrize("args, message", [
        (["blast-radius", LATERAL], "SRC 'fixtures/lateral' is a file or directory"),
        (["blast-radius"], "missing SRC"),
        (["blast-radius", "--from", "mars", LATERAL], "neither 'internet' nor a CIDR"),
        (["blast-radius", "web/nope", LATERAL], "unknown endpoint 'web/nope'"),
        (["blast-radius", "web/frontend", LATERAL, "--by", "service"], "--by service does not apply"),
        (["blast-radius", "web/frontend", LATERAL, "--max-hops", "0"], "--max-hops"),
    ])
    def test_bad_input_is_exit_2(self, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
        code, _, err = run(capsys, *args)
        assert code == 2 and message in err, err


class TestPaths:
    def test_reachable_is_exit_0_with_the_documented_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "paths", "--from", "internet", "data/*", LATERAL, "-f", "json")
        data = json.loads(out)
        assert code == 0 and data["reachable"] is True and data["hops"] == 3
        (path,) = data["paths"]
        assert [(h["src"], h["dst"]) for h in path] == [
            ("internet", "web/Deployment/frontend"), ("web/Deployment/frontend", "app/Deployment/api"),
            ("app/Deployment/api", "data/StatefulSet/postgres")]
        assert path[2]["allowed"] == [{"protocol": "TCP", "ports": [[5432, 5432]]}]
        assert {(r["policy"], r["direction"]) for r in path[2]["rules"]} == {("app/api", "egress"),
                                                                                ("data/postgres", "ingress")}

    def test_unreachable_is_exit_1(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "paths", "--from", "internet", "app/reports", LATERAL, "-f", "json")
        assert code == 1 and json.loads(out) | {"notes": []} == json.loads(out) | {
            "reachable": False, "hops": None, "paths": [], "notes": []}

    def test_max_hops_too_small_is_exit_1(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "paths", "--from", "internet", "data/*", LATERAL, "--max-hops", "2")
        assert code == 1 and out.startswith("UNREACHABLE")

    def test_avoid(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert run(capsys, "paths", "web/frontend", "data/postgres", LATERAL)[0] == 0
        assert run(capsys, "paths", "web/frontend", "data/postgres", LATERAL, "--avoid", "app/api")[0] == 1

    def test_all_shortest_lists_every_pod_path(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        # By pod: each of 3 bare frontend pods and 2 bare API pods gives paths of its own, as do the two
        # Deployments (their templates stand for pods that are not loaded): 4 x 3 shortest paths.
        pods = tmp_path / "pods.yaml"
        pods.write_text("---\n".join(POD.format(ns=ns, app=app, i=i, ip=f"10.1.{n}.{i}")
                                     for n, (ns, app, count) in enumerate([("web", "frontend", 3), ("app", "api", 2)])
                                     for i in range(count)))
        _, out, _ = run(capsys, "paths", "--from", "internet", "data/*", LATERAL, str(pods), "--by", "pod",
                        "--all-shortest", "-f", "json")
        data = json.loads(out)
        assert data["hops"] == 3 and len(data["paths"]) == 12 and not data["truncated"]
        assert len({tuple(h["dst"] for h in p) for p in data["paths"]}) == 12
        _, out, _ = run(capsys, "paths", "--from", "internet", "data/*", LATERAL, str(pods), "--by", "pod",
                        "--max-paths", "4", "-f", "json")
        data = json.loads(out)
        assert len(data["paths"]) == 4 and data["truncated"]

    def test_a_destination_outside_the_cluster_is_refused(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(capsys, "paths", "web/frontend", "8.8.8.8", LATERAL)
        assert code == 2 and "outside the cluster" in err


class TestPathAssertions:
    def write(self, tmp_path: Path, text: str) -> str:
        path = tmp_path / "a.yaml"
        path.write_text(HEADER + text)
        return str(path)

    def test_fixture_verdicts_and_exit_1(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "check", LATERAL, "-a", f"{LATERAL}/assertions.yaml", "-f", "json")
        data = json.loads(out)
        assert code == 1
        status = {a["name"]: a["status"] for a in data["assertions"]}
        assert status == {"internet-never-reaches-data": "fails", "internet-needs-three-hops-to-data": "holds",
                          "frontend-reaches-db-only-through-api": "holds",
                          "reports-not-reachable-from-internet": "holds"}
        first = data["assertions"][0]
        assert first["kind"] == "path" and first["result"]["hops"] == 3
        assert [h["dst"] for h in first["result"]["path"]] == [
            "web/Deployment/frontend", "app/Deployment/api", "data/StatefulSet/postgres"]

    def test_only_through_fails_with_a_path_that_avoids_it(self, capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
        path = self.write(tmp_path, """\
  - name: web-reaches-db-only-through-api
    kind: path
    from: shop/app=web
    to: data/app=postgres
    onlyThrough: shop/app=api
    expect: reachable
""")
        code, out, _ = run(capsys, "check", "fixtures/demo", "-a", path)
        assert code == 1
        assert "counterexample: a path of 3 hops avoiding shop/app=api" in out
        assert "kube-system/Deployment/coredns -> data/CronJob/backup" in out

    def test_scope_any_says_only_one_hop_is_proved(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        path = self.write(tmp_path, """\
  - name: no-direct-or-indirect-way
    kind: path
    from: internet
    to: app/app=reports
    scope: any
    expect: deny
""")
        code, out, _ = run(capsys, "check", LATERAL, "-a", path, "-f", "json")
        (a,) = json.loads(out)["assertions"]
        assert code == 0 and a["status"] == "holds"
        assert any("only one hop is proved" in n for n in a["result"]["notes"])
        assert a["result"]["one_hop"]["status"] == "proved"

    def test_scope_any_still_fails_on_a_loaded_path(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        # The loaded frontend is reached in one hop: the inventory part fails, with that path.
        path = self.write(tmp_path, """\
  - name: internet-to-frontend
    kind: path
    from: internet
    to: web/*
    scope: any
    expect: deny
""")
        code, out, _ = run(capsys, "check", LATERAL, "-a", path)
        assert code == 1 and "counterexample: a path of 1 hop" in out and "only one hop is proved" in out

    def test_junit_and_sarif_carry_the_path(self, capsys: pytest.CaptureFixture[str]) -> None:
        _, out, _ = run(capsys, "check", LATERAL, "-a", f"{LATERAL}/assertions.yaml", "-f", "junit")
        failures = [f.text or "" for f in ET.fromstring(out).iter("failure")]
        assert len(failures) == 1 and "app/Deployment/api -> data/StatefulSet/postgres" in failures[0]
        _, out, _ = run(capsys, "check", LATERAL, "-a", f"{LATERAL}/assertions.yaml", "-f", "sarif")
        log: dict[str, Any] = json.loads(out)
        jsonschema.validate(log, SARIF_SCHEMA)
        (result,) = log["runs"][0]["results"]
        assert "internet-never-reaches-data" in result["message"]["text"]
        related = {(r["physicalLocation"]["region"]["startLine"], r["message"]["text"].split()[0])
                   for r in result["relatedLocations"]}
        assert (159, "data/postgres") in related and (93, "web/frontend") in related

    @pytest.mark.parametrize("text, message", [
        ("  - {name: a, from: x/*, to: y/*, expect: deny, maxHops: 3}\n", "maxHops: applies to path assertions only"),
        ("  - {name: a, from: internet, to: y/*, expect: deny}\n", "'internet' is a path source"),
        ("  - {name: a, kind: path, from: x/*, to: y/*, expect: allow}\n", "expects deny or reachable"),
        ("  - {name: a, kind: path, from: x/*, to: y/*, expect: deny, relation: same-namespace}\n",
         "does not apply to path assertions"),
        ("  - {name: a, kind: path, from: x/*, to: y/*, expect: reachable, scope: any}\n", "scope any proves one hop"),
        ("  - {name: a, kind: path, from: x/*, to: 0.0.0.0/0, expect: deny}\n", "not addresses outside the cluster"),
        ("  - {name: a, kind: path, from: x/*, to: y/*, expect: deny, maxHops: 0}\n", "out of range"),
        ("  - {name: a, kind: route, from: x/*, to: y/*, expect: deny}\n", "'route' is not one of connection, path"),
    ])
    def test_bad_path_assertions_are_located_exit_2(self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    text: str, message: str) -> None:
        code, _, err = run(capsys, "check", LATERAL, "-a", self.write(tmp_path, text))
        assert code == 2 and "a.yaml:4" in err and message in err, err

    def test_scope_any_fails_on_a_pod_that_could_exist_with_no_loaded_path(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        # No loaded endpoint of kube-system is reachable from the internet in one hop, but a pod that
        # could exist there without k8s-app=kube-dns is isolated by no policy: the solver finds it.
        path = self.write(tmp_path, """\
  - name: internet-to-kube-system
    kind: path
    from: internet
    to: kube-system/*
    maxHops: 1
    scope: any
    expect: deny
""")
        code, out, _ = run(capsys, "check", LATERAL, "-a", path, "-f", "json")
        (a,) = json.loads(out)["assertions"]
        assert code == 1 and a["status"] == "fails"
        assert a["result"]["path"] is None and a["result"]["one_hop"]["status"] == "refuted"
        assert a["result"]["one_hop"]["counterexample"]["dst"]["synthesized"] is True
