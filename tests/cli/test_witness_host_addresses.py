"""Pods that could exist, and addresses outside the cluster, in witnesses read as hosts' addresses.

A pod's IP comes from its node's podCIDR (host-local IPAM: a /24 or /64 by default, never its network
address, nor for IPv4 its broadcast address) or from a CNI's pool (Calico may hand out any address of a
pool, `.0` and `.255` included). So witnesses prefer host addresses (not `.0`/`.255` of a /24, not the
first address of a /64, not an edge of the pod CIDR), but a connection that only such an address can make
is still found: the preference never narrows what a pod that could exist may be.
"""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers_k8s import dump_manifests, ns, pod, policy

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    os.chdir(ROOT)
    code = main([*args, "-f", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, json.loads(out)


def cluster(tmp_path: Path, *objects: dict[str, Any]) -> str:
    path = tmp_path / "cluster.yaml"
    path.write_text(dump_manifests([ns("x"), ns("y"), *objects]))
    return str(path)


def reads_as_host(address: str, network: str) -> bool:
    """In `network`, and neither its first address nor (IPv4) its last, nor `.0`/`.255` (the first of a /64)."""
    ip, net = ipaddress.ip_address(address), ipaddress.ip_network(network)
    if ip not in net or ip == net.network_address:
        return False
    if ip.version == 4:
        return ip != net.broadcast_address and int(ip) & 0xFF not in (0, 255)
    return int(ip) & (2**64 - 1) != 0


def test_a_pod_in_the_inferred_pod_cidr_takes_neither_its_network_nor_its_broadcast_address(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = cluster(tmp_path, pod("x", "web", "10.0.1.10", app="web"))
    code, data = run_json(capsys, "can", "y/*", "x/web", path, "--any")
    assert code == 0
    assert reads_as_host(data["witness"]["src"]["ips"][0], "10.0.1.0/24")


@pytest.mark.parametrize("pod_cidr", ["10.64.0.0/16", "10.64.3.128/25", "fd00:10::/64", "fd00:10::/56"])
def test_a_pod_in_a_given_pod_cidr_takes_a_host_address(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        pod_cidr: str) -> None:
    path = cluster(tmp_path, pod("x", "web", "10.0.1.10", app="web"))
    code, data = run_json(capsys, "can", "y/*", "x/web", path, "--any", "--pod-cidr", pod_cidr)
    assert code == 0
    assert reads_as_host(data["witness"]["src"]["ips"][0], pod_cidr)


def test_a_check_counterexample_pod_takes_a_host_address(capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    path = cluster(tmp_path, pod("x", "web", "10.0.1.10", app="web"))
    assertions = tmp_path / "a.yaml"
    assertions.write_text("apiVersion: netverify.dev/v1alpha1\nkind: Assertions\nassertions:\n"
                          "  - name: isolated\n    from: 'y/*'\n    to: 'x/web'\n    expect: deny\n    scope: any\n")
    code, data = run_json(capsys, "check", path, "-a", str(assertions))
    assert code == 1
    [assertion] = data["assertions"]
    assert reads_as_host(assertion["result"]["counterexample"]["src"]["ips"][0], "10.0.1.0/24")


@pytest.mark.parametrize(("block", "needed"), [("10.0.1.0/32", "10.0.1.0"), ("10.0.1.255/32", "10.0.1.255"),
                                               ("fd00:10::/128", "fd00:10::")])
def test_a_connection_only_a_network_or_broadcast_address_can_make_is_still_found(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, block: str, needed: str) -> None:
    """Calico may give a pod any address of its pool: the preference is never a constraint."""
    path = cluster(tmp_path, pod("x", "web", "10.0.1.10", app="web"),
                   policy("x", "web", {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": block}}]}]}))
    code, data = run_json(capsys, "can", "y/*", "x/web", path, "--any")
    assert code == 0
    assert data["witness"]["src"]["ips"] == [needed]


def test_a_pod_cidr_of_two_addresses_gives_either(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A /31 has no network or broadcast address (RFC 3021)."""
    path = cluster(tmp_path, pod("x", "web", "10.0.1.10", app="web"))
    code, data = run_json(capsys, "can", "y/*", "x/web", path, "--any", "--pod-cidr", "10.0.2.0/31")
    assert code == 0
    assert data["witness"]["src"]["ips"][0] in ("10.0.2.0", "10.0.2.1")


def test_an_address_outside_the_cluster_reads_as_a_hosts(capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    path = cluster(tmp_path, pod("x", "web", "10.0.1.10", app="web"))
    code, data = run_json(capsys, "can", "x/web", "0.0.0.0/0", path, "--any")
    assert code == 0
    assert reads_as_host(data["witness"]["dst"]["ips"][0], "0.0.0.0/0")


def test_a_witness_that_needs_such_an_address_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = cluster(tmp_path, pod("x", "web", "10.0.1.10", app="web"),
                   policy("x", "web", {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.1.0/32"}}]}]}))
    for args in (["can", "y/*", "x/web", path, "--any"], ["can", "y/*", "x/web", path, "--any", "--pod-cidr",
                                                          "10.0.0.0/16"]):
        code, data = run_json(capsys, *args)
        assert code == 0
        assert any("needs IP 10.0.1.0, the network address of 10.0.1.0/24" in n and "Calico" in n
                   for n in data["notes"])
    path = cluster(tmp_path, pod("x", "web", "10.0.1.10", app="web"))
    code, data = run_json(capsys, "can", "y/*", "x/web", path, "--any")
    assert not any("network address" in n for n in data["notes"])


def test_an_equivalence_witness_prefers_a_host_address_and_notes_a_needed_edge(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    web = pod("x", "web", "10.0.1.10", app="web")
    sides = {}
    for side, peers in (("a", []), ("b", [{"ipBlock": {"cidr": "10.0.1.0/32"}}]), ("c", [{"namespaceSelector": {}}])):
        (tmp_path / side).mkdir()
        (tmp_path / side / "all.yaml").write_text(dump_manifests([ns("x"), ns("y"), web, policy(
            "x", "web", {"podSelector": {}, "ingress": [{"from": peers}] if peers else []})]))
        sides[side] = str(tmp_path / side)
    code, data = run_json(capsys, "equiv", sides["a"], sides["b"], "--any")
    assert code == 1
    assert data["distinguishing"]["src"]["ips"] == ["10.0.1.0"]
    assert any("needs IP 10.0.1.0, the network address of 10.0.1.0/24" in n for n in data["notes"])
    code, data = run_json(capsys, "equiv", sides["a"], sides["c"], "--any")
    assert code == 1
    assert reads_as_host(data["distinguishing"]["src"]["ips"][0], "10.0.1.0/24")
