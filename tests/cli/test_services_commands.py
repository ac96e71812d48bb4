"""`can` to a Service and `matrix --by service`, as a user runs them on the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netverify.cli import main

DEMO = str(Path(__file__).resolve().parents[2] / "fixtures" / "demo")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_can_translates_the_service_port_and_answers_on_the_backend(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "shop/web", "svc/shop/api", DEMO, "--port", "80")
    assert code == 0
    assert out.startswith("ALLOWED  shop/web -> Service shop/api (ClusterIP) on TCP 80")
    assert "service port 80/TCP (http) -> targetPort http = TCP 8000 on shop/Deployment/api" in out
    assert "admitted by shop/api ingress[0]" in out


def test_a_client_the_backend_refuses_is_denied_with_the_rule_that_refuses(capsys: pytest.CaptureFixture[str]
                                                                          ) -> None:
    code, out, _ = run(capsys, "can", "shop/debug", "shop/Service/api", DEMO, "--port", "http")
    assert code == 1
    assert out.startswith("DENIED")
    assert "not by shop/api ingress[0]" in out and "podSelector: app=web fails" in out


def test_a_port_the_service_lacks_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "can", "shop/web", "svc/shop/api", DEMO, "--port", "8000")
    assert code == 2 and "Service shop/api has no port TCP 8000; its ports: 80/TCP (http)" in err


def test_external_name_is_explained_with_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ext = tmp_path / "ext.yaml"
    ext.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: pay, namespace: shop}\n"
                   "spec: {type: ExternalName, externalName: pay.example.com}\n")
    code, _, err = run(capsys, "can", "shop/web", "svc/shop/pay", DEMO, str(ext))
    assert code == 2 and "ExternalName" in err and "pay.example.com" in err and "<the address" in err


def test_json_shows_the_translation_per_backend(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "can", "shop/web", "svc/shop/api", DEMO, "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["allowed"] is True
    assert data["service"]["backends"] == ["shop/Deployment/api"]
    assert data["translations"][0]["target"] == [{"protocol": "TCP", "ports": [[8000, 8000]]}]


def test_matrix_by_service_reports_service_ports(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "matrix", "--by", "service", DEMO, "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["by"] == "service"
    pairs = {(c["src"], c["dst"]): c["allowed"] for c in data["connections"]}
    assert pairs[("shop/Deployment/web", "shop/Service/api")] == [{"protocol": "TCP", "ports": [[80, 80]]}]
    assert ("shop/debug", "shop/Service/api") not in pairs
    assert pairs[("shop/debug", "kube-system/Service/kube-dns")] == [
        {"protocol": "TCP", "ports": [[53, 53]]}, {"protocol": "UDP", "ports": [[53, 53]]}]
    assert {s["service"] for s in data["services"]} >= {"shop/Service/api", "data/Service/postgres"}


def test_matrix_by_service_marks_ports_only_some_backends_admit(capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    # fronts selects web (allow-scrape admits monitoring on its named port metrics = 9090) and a bare pod
    # `legacy` (isolated by default-deny; allow-scrape's named port resolves to nothing on it): 9090 is partial.
    extra = tmp_path / "fronts.yaml"
    extra.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: fronts, namespace: shop}\n"
                     "spec: {selector: {tier: frontend}, ports: [{name: m, port: 9090}]}\n"
                     "---\napiVersion: v1\nkind: Pod\nmetadata: {name: legacy, namespace: shop, "
                     "labels: {tier: frontend}}\nspec: {containers: [{name: c}]}\n"
                     "---\napiVersion: v1\nkind: Service\nmetadata: {name: manual, namespace: shop}\n"
                     "spec: {selector: {}, ports: [{port: 9090}]}\n")
    code, out, _ = run(capsys, "matrix", "--by", "service", DEMO, str(extra), "-f", "json")
    pairs = {(c["src"], c["dst"]): c for c in json.loads(out)["connections"]}
    scrape = pairs[("monitoring/Deployment/prometheus", "shop/Service/fronts")]
    assert scrape["allowed"] == [] and scrape["partial"] == [{"protocol": "TCP", "ports": [[9090, 9090]]}]
    text_code, text, _ = run(capsys, "matrix", "--by", "service", DEMO, str(extra))
    assert text_code == 0 and "partial (some backends)" in text
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if "shop/Service/fronts" in line]
    assert ["shop/Service/fronts", "-", "TCP:9090"] in [c[1:] for c in cells]  # to, allowed (none), partial
    assert "note: shop/Service/manual has no selector and no EndpointSlices" in text
