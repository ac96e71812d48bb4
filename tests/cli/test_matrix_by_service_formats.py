"""`matrix --by service` in every format: Services are the destinations, with the ports every backend
admits and those only some backends admit (issue 15: the Service matrix is a result type of its own,
so no format can print the pod matrix in its place).

The inventory: the demo plus Service shop/fronts, whose backends are web (allow-scrape admits
monitoring on port 9090) and a bare pod `legacy` that default-deny isolates: prometheus reaches
fronts:9090 on some backends only.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from netverify.cli import main
from netverify.queries.matrix import MatrixResult
from netverify.queries.services import ServiceMatrixResult
from netverify.report import UnsupportedFormat, write

DEMO = str(Path(__file__).resolve().parents[2] / "fixtures" / "demo")
FRONTS = ("apiVersion: v1\nkind: Service\nmetadata: {name: fronts, namespace: shop}\n"
          "spec: {selector: {tier: frontend}, ports: [{name: m, port: 9090}]}\n"
          "---\napiVersion: v1\nkind: Pod\nmetadata: {name: legacy, namespace: shop, labels: {tier: frontend}}\n"
          "spec: {containers: [{name: c}]}\n")
SERVICES = {"shop/Service/api", "shop/Service/fronts", "shop/Service/web", "data/Service/postgres",
            "kube-system/Service/kube-dns"}


@pytest.fixture
def inventory(tmp_path: Path) -> list[str]:
    extra = tmp_path / "fronts.yaml"
    extra.write_text(FRONTS)
    return [DEMO, str(extra)]


def by_service(capsys: pytest.CaptureFixture[str], inventory: list[str], fmt: str) -> str:
    code = main(["matrix", "--by", "service", *inventory, "-f", fmt])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def test_json_lists_services_as_the_only_destinations(capsys: pytest.CaptureFixture[str],
                                                      inventory: list[str]) -> None:
    data = json.loads(by_service(capsys, inventory, "json"))
    assert {c["dst"] for c in data["connections"]} <= SERVICES
    scrape = next(c for c in data["connections"]
                  if (c["src"], c["dst"]) == ("monitoring/Deployment/prometheus", "shop/Service/fronts"))
    assert scrape["allowed"] == [] and scrape["partial"] == [{"protocol": "TCP", "ports": [[9090, 9090]]}]


def test_text_has_a_partial_column(capsys: pytest.CaptureFixture[str], inventory: list[str]) -> None:
    out = by_service(capsys, inventory, "text")
    assert "to Service" in out and "partial (some backends)" in out
    row = next(line for line in out.splitlines() if "prometheus" in line and "shop/Service/fronts" in line)
    assert [c.strip() for c in row.split("│")[1:-1]] == [
        "monitoring/Deployment/prometheus", "shop/Service/fronts", "-", "TCP:9090"]


def test_markdown_has_a_row_per_client_and_service_with_partial_ports(capsys: pytest.CaptureFixture[str],
                                                                     inventory: list[str]) -> None:
    out = by_service(capsys, inventory, "md")
    assert out.startswith("**8 clients, 5 Services with backends")
    assert "| client | Service | allowed (every backend) | partial (some backends) |" in out
    assert "| `monitoring/Deployment/prometheus` | `shop/Service/fronts` | - | TCP:9090 |" in out
    assert "| `shop/Deployment/web` | `shop/Service/api` | TCP:80 | - |" in out
    destinations = {m for m in re.findall(r"^\| `[^`]+` \| `([^`]+)` \|", out, re.M)}
    assert destinations and destinations <= SERVICES


def test_csv_says_whether_every_backend_admits(capsys: pytest.CaptureFixture[str], inventory: list[str]) -> None:
    rows = list(csv.reader(io.StringIO(by_service(capsys, inventory, "csv"))))
    assert rows[0] == ["src", "service", "protocol", "ports", "backends"]
    assert ["monitoring/Deployment/prometheus", "shop/Service/fronts", "TCP", "9090", "some"] in rows
    assert ["shop/Deployment/web", "shop/Service/api", "TCP", "80", "all"] in rows
    assert {r[1] for r in rows[1:]} <= SERVICES


def test_dot_draws_services_and_partial_edges(capsys: pytest.CaptureFixture[str], inventory: list[str]) -> None:
    out = by_service(capsys, inventory, "dot")
    assert '"shop/Service/fronts" [label="Service/fronts", shape=ellipse' in out
    assert re.search(r'"monitoring/Deployment/prometheus" -> "shop/Service/fronts" \[label="some backends: '
                     r'TCP:9090".*style=dashed', out)
    assert '"shop/Deployment/web" -> "shop/Service/api" [label="TCP:80"' in out
    heads = set(re.findall(r'-> ("[^"]+")', out))
    assert heads and {json.loads(h) for h in heads} <= SERVICES  # no pod-level edge, no internet node


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (.ci/run installs it)")
def test_svg_is_the_service_graph(capsys: pytest.CaptureFixture[str], inventory: list[str]) -> None:
    out = by_service(capsys, inventory, "svg")
    assert out.lstrip().startswith("<?xml") and "<svg" in out
    assert "Service/fronts" in out and "some backends: TCP:9090" in out
    assert "(outside the cluster)" not in out


def test_html_page_carries_the_service_matrix(capsys: pytest.CaptureFixture[str], inventory: list[str]) -> None:
    out = by_service(capsys, inventory, "html")
    assert '"kind":"service"' in out and '"shop/Service/fronts"' in out
    assert "clients to Services" in out


@pytest.mark.parametrize("fmt", ["sarif", "junit"])
def test_a_format_that_does_not_know_the_service_matrix_refuses_it(fmt: str) -> None:
    # Not a pod matrix (no subclass): a renderer registered for pod pairs only cannot print it by accident.
    assert not issubclass(ServiceMatrixResult, MatrixResult)
    with pytest.raises(UnsupportedFormat, match=f"ServiceMatrixResult cannot be written as {fmt}"):
        write(ServiceMatrixResult.__new__(ServiceMatrixResult), fmt, io.StringIO())
