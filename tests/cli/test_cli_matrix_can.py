"""The `matrix` and `can` commands: exit codes, formats and golden outputs on the demo."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")
GOLDEN = ROOT / "tests" / "golden" / "demo"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    os.chdir(ROOT)  # golden outputs name files relative to the repository
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "md", "dot"])
def test_demo_matrix_matches_golden_output(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = run(capsys, "matrix", "fixtures/demo", "--format", fmt)
    assert code == 0, err
    golden = GOLDEN / f"matrix.{fmt}"
    if os.environ.get("NETVERIFY_UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text()


def test_demo_matrix_json_is_the_documented_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "matrix", DEMO, "--format", "json")
    data = json.loads(out)
    assert code == 0
    ids = {e["id"] for e in data["endpoints"]}
    assert {"shop/Deployment/web", "shop/Deployment/api", "data/StatefulSet/postgres", "shop/debug"} <= ids
    for e in data["endpoints"]:
        assert {"id", "kind", "namespace", "name", "ips"} <= set(e)
    web_api = [c for c in data["connections"] if (c["src"], c["dst"]) == ("shop/Deployment/web", "shop/Deployment/api")]
    assert web_api == [{"src": "shop/Deployment/web", "dst": "shop/Deployment/api",
                        "allowed": [{"protocol": "TCP", "ports": [[8000, 8000]]}]}]
    assert all(c["src"] != c["dst"] or c["src"].count("/") != 1 for c in data["connections"])


def test_matrix_port_filter_keeps_only_pairs_allowed_on_that_port(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "matrix", DEMO, "--format", "json", "--port", "53", "--protocol", "UDP")
    pairs = json.loads(out)["connections"]
    assert code == 0 and pairs
    assert all(c["allowed"] == [{"protocol": "UDP", "ports": [[53, 53]]}] for c in pairs)
    assert ("shop/debug", "kube-system/Deployment/coredns") in {(c["src"], c["dst"]) for c in pairs}


def test_matrix_by_pod_reports_every_pod(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "matrix", DEMO, "--format", "json", "--by", "pod")
    ids = {e["id"] for e in json.loads(out)["endpoints"]}
    assert {"shop/web-7d9f8b6c5-abcde", "shop/web-7d9f8b6c5-fghij"} <= ids
    assert "shop/Deployment/web" not in ids


def test_can_allowed_exits_0_and_names_the_admitting_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "shop/web", "shop/api", DEMO, "--port", "http")
    assert code == 0
    assert out.startswith("ALLOWED")
    assert "admitted by shop/web egress[0]" in out and "admitted by shop/api ingress[0]" in out


def test_can_denied_exits_1_and_says_why_each_rule_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "shop/debug", "data/postgres", DEMO, "--port", "5432")
    assert code == 1
    assert "DENIED" in out
    assert "podSelector alone selects pods in the policy's namespace 'data' only" in out


def test_can_json_explains_both_directions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "monitoring/prometheus", "shop/*", DEMO, "--port", "metrics", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["allowed"] is True
    pair = next(p for p in data["pairs"] if p["dst"] == "shop/Deployment/api")
    assert pair["allowed"] is True
    assert pair["ingress"]["isolated"] is True
    assert [m["policy"] for m in pair["ingress"]["admitted_by"]] == ["shop/allow-scrape"]
    assert pair["egress"]["isolated"] is False
    debug = next(p for p in data["pairs"] if p["dst"] == "shop/debug")
    assert debug["allowed"] is False  # debug has no metrics port: the named port resolves nowhere


def test_can_with_an_external_address(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "shop/api", "203.0.113.7", DEMO, "--port", "443")
    assert code == 0
    code, _, _ = run(capsys, "can", "shop/api", "198.51.100.1", DEMO, "--port", "443")
    assert code == 1


def test_can_from_the_internet_to_the_storefront(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "can", "8.8.8.8", "shop/Deployment/web", DEMO, "--port", "8080")[0] == 0
    assert run(capsys, "can", "10.9.9.9", "shop/Deployment/web", DEMO, "--port", "8080")[0] == 1  # excepted


@pytest.mark.parametrize("args, message", [
    (["can", "shop/nope", "shop/api", DEMO], "unknown endpoint 'shop/nope'"),
    (["can", "shop/web", "shop/api", DEMO, "--port", "nosuch"], "container port named 'nosuch'"),
    (["can", "shop/web", "shop/api", DEMO, "--port", "70000"], "out of range"),
    (["matrix", DEMO, "--format", "yaml"], "Invalid value"),
    (["matrix", "no/such/dir"], "no such file or directory"),
    (["matrix"], "no manifests given"),
    (["can", "shop/web", "shop/(", DEMO], "endpoint"),
])
def test_bad_usage_is_exit_2_with_a_message(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_stdin_is_read_with_dash(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys
    text = (ROOT / "fixtures/demo/policies.yaml").read_bytes() + b"\n---\n" + (ROOT / "fixtures/demo/workloads.yaml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    code, out, _ = run(capsys, "can", "shop/web", "shop/api", "-", "--port", "8000")
    assert code == 0 and "<stdin>:" in out


def test_python_dash_m_entry_point() -> None:
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "netverify", "can", "shop/web", "shop/api", DEMO, "--port", "http"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_a_port_name_without_protocol_takes_the_destinations_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "shop/web", "kube-system/coredns", DEMO, "--port", "dns", "--format", "json")
    assert code == 0
    assert json.loads(out)["pairs"][0]["connections"] == [{"protocol": "UDP", "ports": [[53, 53]]}]
    code, _, err = run(capsys, "can", "shop/web", "kube-system/coredns", DEMO, "--port", "dns/TCP")
    assert code == 2 and "no destination in 'kube-system/coredns' has a TCP container port named 'dns'" in err


@pytest.mark.parametrize("args, code", [
    (["matrix", DEMO], 0),
    (["matrix", DEMO, "--format", "json"], 0),
    (["can", "shop/web", "shop/api", DEMO, "--port", "http"], 0),
    (["can", "shop/debug", "data/postgres", DEMO], 1),
])
def test_a_reader_closing_the_pipe_keeps_the_exit_code(args: list[str], code: int) -> None:
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "netverify", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(5)
    proc.stdout.close()  # like `| head -c 5`
    assert proc.wait() == code
    assert proc.stderr.read() == b""
