"""`can` answers that cannot be misread (issue 14): the quantifier, empty sets, the hostNetwork reading."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from helpers_k8s import ns, pod, policy

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    os.chdir(ROOT)
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- the quantifier -----------------------------------------------------------------------------

def test_a_set_with_one_pair_of_three_allowed_is_denied_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "shop/*", "data/postgres", DEMO, "--port", "5432")
    assert code == 1
    assert out.splitlines()[0] == "DENIED  shop/* -> data/postgres on TCP 5432: 1 of 3 pairs allowed"
    assert "every one must be allowed" in out


def test_some_passes_with_one_pair_and_still_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "shop/*", "data/postgres", DEMO, "--port", "5432", "--some")
    assert code == 0
    assert out.splitlines()[0] == "ALLOWED  shop/* -> data/postgres on TCP 5432: 1 of 3 pairs allowed"
    code, _, _ = run(capsys, "can", "shop/app=web", "data/postgres", DEMO, "--port", "5432", "--some")
    assert code == 1


def test_json_carries_both_counts_and_the_quantifier(capsys: pytest.CaptureFixture[str]) -> None:
    for extra, quantifier, allowed, code_wanted in (([], "all", False, 1), (["--some"], "some", True, 0)):
        code, out, _ = run(capsys, "can", "shop/*", "data/postgres", DEMO, "--port", "5432", "-f", "json", *extra)
        data = json.loads(out)
        assert code == code_wanted
        assert (data["allowed"], data["quantifier"], data["pairs_allowed"], data["pairs_total"]) == \
            (allowed, quantifier, 1, 3)


def test_a_single_pair_is_counted_too(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "shop/web", "shop/api", DEMO, "--port", "http")
    assert code == 0 and out.splitlines()[0].endswith(": 1 of 1 pairs allowed")


def test_a_service_is_reached_only_when_every_backend_admits_the_client(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "shop/*", "svc/shop/api", DEMO)
    first = out.splitlines()[0]
    assert code == 1 and first.startswith("DENIED") and "of 3 pairs (client -> Service) allowed" in first
    code, out, _ = run(capsys, "can", "shop/*", "svc/shop/api", DEMO, "--some")
    assert code == 0


def test_markdown_and_html_state_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("md", "html"):
        _, out, _ = run(capsys, "can", "shop/*", "data/postgres", DEMO, "--port", "5432", "-f", fmt)
        assert "1 of 3 pairs allowed" in out


# --- an empty set ---------------------------------------------------------------------------------

def test_an_empty_source_set_is_its_own_error_not_a_port_one(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    cluster = tmp_path / "c.yaml"
    cluster.write_text(yaml.safe_dump_all([ns("a"), ns("b"), pod("a", "p1", "10.0.0.1",
                                                                 [{"name": "http", "containerPort": 80}])]))
    code, _, err = run(capsys, "can", "b/*", "a/p1", str(cluster), "--port", "http")
    assert code == 2
    assert "SRC 'b/*' matches no endpoint: namespace 'b' has no endpoints" in err
    assert "port" not in err.split("matches no endpoint")[1]


# --- hostNetwork readings ---------------------------------------------------------------------------

def _host_cluster(tmp_path: Path) -> str:
    path = tmp_path / "host.yaml"
    path.write_text(yaml.safe_dump_all([
        ns("x"), pod("x", "agent", "192.168.0.5", host_network=True, node="n1", app="agent"),
        pod("x", "api", "10.0.0.2", node="n2", app="api"),
        policy("x", "deny-agent", {"podSelector": {"matchLabels": {"app": "agent"}},
                                   "policyTypes": ["Ingress", "Egress"]})]))
    return str(path)


def test_host_network_pods_are_node_traffic_by_default_and_the_answer_says_so(capsys: pytest.CaptureFixture[str],
                                                                              tmp_path: Path) -> None:
    path = _host_cluster(tmp_path)
    code, out, _ = run(capsys, "can", "x/api", "x/agent", path)
    assert code == 0  # never isolated: deny-agent does not govern node traffic
    assert "hostNetwork reading: node traffic (--hostnetwork node, the default)" in out
    code, out, _ = run(capsys, "can", "x/api", "x/agent", path, "-f", "json")
    assert json.loads(out)["host_network"] == "node"


def test_hostnetwork_pod_reads_them_as_ordinary_pods(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _host_cluster(tmp_path)
    code, out, _ = run(capsys, "can", "x/api", "x/agent", path, "--hostnetwork", "pod")
    assert code == 1  # deny-agent isolates it like any pod
    assert "hostNetwork reading: ordinary pods (--hostnetwork pod)" in out
    code, _, _ = run(capsys, "can", "x/agent", "x/api", path, "--hostnetwork", "pod")
    assert code == 1  # its own egress is isolated too
    code, out, _ = run(capsys, "matrix", path, "--hostnetwork", "pod", "-f", "json")
    notes = {e["id"]: e.get("notes", []) for e in json.loads(out)["endpoints"]}
    assert any("--hostnetwork pod" in n for n in notes["x/agent"])


def test_answers_without_host_network_pods_do_not_mention_the_reading(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "can", "shop/web", "shop/api", DEMO)
    assert "hostNetwork" not in out
