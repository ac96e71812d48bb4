"""`netverify exposure`: what the outside world reaches, through which path, and what reaches the internet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netverify.cli import main

DEMO = str(Path(__file__).resolve().parents[2] / "fixtures" / "demo")

APP = """
apiVersion: v1
kind: Namespace
metadata: {name: edge}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shopfront, namespace: edge}
spec:
  selector: {matchLabels: {app: shopfront}}
  template:
    metadata: {labels: {app: shopfront}}
    spec: {containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: partners-only, namespace: edge}
spec:
  podSelector: {matchLabels: {app: shopfront}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{ipBlock: {cidr: 203.0.113.0/24}}]
      ports: [{port: http}]
  egress:
    - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
      ports: [{port: 443}]
    - to: [{ipBlock: {cidr: 10.0.0.0/8}}]
---
apiVersion: v1
kind: Service
metadata: {name: shopfront, namespace: edge}
spec:
  type: LoadBalancer
  selector: {app: shopfront}
  ports: [{name: web, port: 80, targetPort: http, nodePort: 30080}]
"""


def exposure(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, *extra: str) -> tuple[int, str]:
    path = tmp_path / "app.yaml"
    path.write_text(text)
    code = main(["exposure", str(path), *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return code, out


def as_json(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str) -> dict[str, Any]:
    return json.loads(exposure(capsys, tmp_path, text, "-f", "json")[1])  # type: ignore[no-any-return]


def paths(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["via"].split(" ")[0]: p for p in data["ingress_services"]}


def test_an_ip_block_admitting_outside_addresses_exposes_the_pod_directly(capsys: pytest.CaptureFixture[str],
                                                                          tmp_path: Path) -> None:
    (direct,) = as_json(capsys, tmp_path, APP)["ingress_direct"]
    assert direct["endpoint"] == "edge/Deployment/shopfront" and direct["isolated"] is True
    (reach,) = direct["reaches"]
    assert reach["addresses"] == ["203.0.113.0/24"] and reach["internet"] is True
    assert reach["connections"] == [{"protocol": "TCP", "ports": [[8080, 8080]]}]
    assert reach["rules"][0]["policy"] == "edge/partners-only"


def test_external_traffic_policy_cluster_makes_client_ip_blocks_filter_node_addresses(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = as_json(capsys, tmp_path, APP)
    by_path = paths(data)
    assert set(by_path) == {"NodePort", "LoadBalancer"}
    node_port = by_path["NodePort"]
    assert node_port["via"] == "NodePort 30080 on every node"
    assert node_port["target"] == [{"protocol": "TCP", "ports": [[8080, 8080]]}]
    assert node_port["status"] == "node-addresses"
    assert "filters node addresses, not clients" in node_port["warning"]
    assert data["warnings"] == [node_port["warning"]]


def test_external_traffic_policy_local_keeps_clients_and_source_ranges_restrict_the_load_balancer(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    local = APP.replace("type: LoadBalancer", "type: LoadBalancer\n  externalTrafficPolicy: Local\n"
                                              "  loadBalancerSourceRanges: [203.0.113.128/25, 198.51.100.0/24]")
    data = as_json(capsys, tmp_path, local)
    by_path = paths(data)
    assert data["warnings"] == []
    assert by_path["NodePort"]["status"] == "restricted"  # source ranges do not apply to the NodePort
    assert by_path["NodePort"]["admitted"] == ["203.0.113.0/24"]
    lb = by_path["LoadBalancer"]
    assert lb["clients"] == ["198.51.100.0/24", "203.0.113.128/25"]
    assert lb["status"] == "restricted" and lb["admitted"] == ["203.0.113.128/25"]


def test_a_path_no_rule_admits_is_blocked_and_an_open_backend_is_open(capsys: pytest.CaptureFixture[str],
                                                                       tmp_path: Path) -> None:
    closed = APP.replace("- from: [{ipBlock: {cidr: 203.0.113.0/24}}]", "- from: [{podSelector: {}}]")
    assert {p["status"] for p in as_json(capsys, tmp_path, closed)["ingress_services"]} == {"blocked"}
    no_policy = APP.split("---\napiVersion: networking.k8s.io/v1")[0] + "---" + APP.split("---")[-1]
    data = as_json(capsys, tmp_path, no_policy)
    assert {p["status"] for p in data["ingress_services"]} == {"open"}
    assert data["ingress_direct"][0]["isolated"] is False


def test_egress_to_the_internet_lists_ports_and_leaves_out_private_only_rules(capsys: pytest.CaptureFixture[str],
                                                                              tmp_path: Path) -> None:
    (egress,) = as_json(capsys, tmp_path, APP)["egress"]
    internet = [r for r in egress["reaches"] if r["internet"]]
    assert [r["connections"] for r in internet] == [[{"protocol": "TCP", "ports": [[443, 443]]}]]
    # On 443 both rules add up to all of IPv4 (0.0.0.0/0 except 10/8, plus 10/8); IPv6 is not admitted.
    assert internet[0]["addresses"] == ["0.0.0.0/0"] and internet[0]["whole_internet"] is False
    assert [r["rule"] for r in internet[0]["rules"]] == [0, 1]
    private = [r for r in egress["reaches"] if not r["internet"]]
    assert [r["addresses"] for r in private] == [["10.0.0.0/8"]]  # every other port: the private range only


def test_text_report_on_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exposure", DEMO]) == 0
    out = capsys.readouterr().out
    assert "Ingress from outside the cluster, directly to pod IPs" in out
    assert "shop/Service/web port 80/TCP (http) -> shop/Deployment/web TCP:8080" in out
    assert "warning: shop/Service/web (externalTrafficPolicy: Cluster)" in out
    assert "0.0.0.0/0 except 10.0.0.0/8" in out
    assert "Egress to the internet" in out and "203.0.113.0/24" in out


def test_markdown_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exposure", DEMO, "-f", "md"]) == 0
    out = capsys.readouterr().out
    assert "## Ingress through Services" in out and "| `shop/Service/web` | 80/TCP (http) |" in out
    assert "> **Warning:**" in out and "## Egress to the internet" in out


def test_host_network_pods_are_exposed_whatever_the_policies(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    host = ("apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: edge}\n"
            "spec: {hostNetwork: true, containers: [{name: c}]}\n---\n"
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: edge}\n"
            "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n")
    data = as_json(capsys, tmp_path, host)
    assert "hostNetwork" in data["ingress_direct"][0]["note"] and "hostNetwork" in data["egress"][0]["note"]
