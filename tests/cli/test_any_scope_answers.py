"""Answers about pods that could exist that used to be wrong (issue 14), one regression test each.

(a) `--port NAME` without `--protocol` is that named port, never any port; (b) a pod that could
exist never takes a loaded pod's address, and two never share one (IPv6 pod CIDRs too); (c) two
addresses outside the cluster are no connection; witnesses prefer the pod CIDR inferred from the
loaded pods and say so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers_k8s import ns, pod, policy

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
HEADER = "apiVersion: netverify.dev/v1alpha1\nkind: Assertions\nassertions:\n"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    os.chdir(ROOT)
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def cluster(tmp_path: Path, *objects: dict[str, Any]) -> str:
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump_all([ns("x"), ns("y"), *objects]))
    return str(path)


def from_block(cidr: str) -> dict[str, Any]:
    return {"from": [{"ipBlock": {"cidr": cidr}}]}


# --- (a) a named port --------------------------------------------------------------------------

def test_a_named_port_without_protocol_is_that_port_not_any(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    path = cluster(tmp_path, pod("x", "web", "10.0.0.2", [{"name": "http", "containerPort": 8080}], app="web"),
                   policy("x", "web", {"podSelector": {"matchLabels": {"app": "web"}},
                                       "ingress": [{"ports": [{"port": 80}]}]}))
    code, out, _ = run(capsys, "can", "y/*", "x/web", path, "--any", "--port", "http", "-f", "json")
    assert code == 1, out  # http is 8080 on web; only 80 is admitted
    code, out, _ = run(capsys, "can", "y/*", "x/web", path, "--any", "--port", "80")
    assert code == 0


def test_a_named_port_never_reaches_an_address_outside_the_cluster(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path) -> None:
    path = cluster(tmp_path, pod("x", "web", "10.0.0.2"))
    code, _, _ = run(capsys, "can", "x/*", "203.0.113.9", path, "--any", "--port", "http")
    assert code == 1


def test_a_named_port_takes_the_protocol_the_destination_declares(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    path = cluster(tmp_path, pod("x", "dns", "10.0.0.3", [{"name": "dns", "containerPort": 53, "protocol": "UDP"}]))
    code, out, _ = run(capsys, "can", "y/*", "x/dns", path, "--any", "--port", "dns", "-f", "json")
    data = json.loads(out)
    assert code == 0 and (data["witness"]["protocol"], data["witness"]["port"]) == ("UDP", 53)


# --- (b) addresses of pods that could exist --------------------------------------------------------

def test_a_pod_that_could_exist_cannot_take_a_loaded_pods_address(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    path = cluster(tmp_path, pod("x", "db", "10.0.0.5", app="db"), pod("x", "client", "10.0.0.7"),
                   policy("x", "db", {"podSelector": {"matchLabels": {"app": "db"}},
                                      "ingress": [from_block("10.0.0.7/32")]}))
    code, out, _ = run(capsys, "can", "y/*", "x/db", path, "--any")
    assert code == 1, out  # only the loaded client has 10.0.0.7
    assert run(capsys, "can", "x/client", "x/db", path)[0] == 0


@pytest.mark.parametrize(("address", "pod_cidr"), [("10.0.0.9", "10.0.0.0/24"), ("fd00::9", "fd00::/120")])
def test_two_pods_that_could_exist_never_share_an_address(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                          address: str, pod_cidr: str) -> None:
    prefix = "128" if ":" in address else "32"
    block = {"ipBlock": {"cidr": f"{address}/{prefix}"}}
    path = cluster(tmp_path, pod("y", "seed", "10.1.0.1"), policy("y", "only-one-address", {
        "podSelector": {}, "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [block]}], "egress": [{"to": [block]}]}))
    # Both ends would need the one address: no two pods can have it.
    code, out, _ = run(capsys, "can", "y/*", "y/*", path, "--any", "--pod-cidr", pod_cidr)
    assert code == 1, out
    assert run(capsys, "check", path, "-a", _assertion(tmp_path, "y/*", "y/*", "reachable"), "--pod-cidr",
               pod_cidr)[0] == 1


def _assertion(tmp_path: Path, src: str, dst: str, expect: str, extra: str = "") -> str:
    path = tmp_path / "a.yaml"
    path.write_text(HEADER + f"  - name: q\n    from: {src!r}\n    to: {dst!r}\n    expect: {expect}\n"
                             f"    scope: any\n{extra}")
    return str(path)


# --- (c) two outside addresses ----------------------------------------------------------------------

def test_an_allow_between_two_outside_addresses_covers_nothing(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    path = cluster(tmp_path, pod("x", "web", "10.0.0.2"))
    assertions = tmp_path / "ext.yaml"
    assertions.write_text(HEADER + "  - name: outside\n    from: {cidr: 0.0.0.0/0}\n    to: {cidr: 8.8.8.8/32}\n"
                                   "    scope: any\n    expect: allow\n")
    code, out, _ = run(capsys, "check", path, "-a", str(assertions))
    assert code == 1 and "covers nothing" in out
    code, out, _ = run(capsys, "can", "0.0.0.0/0", "8.8.8.8/32", path, "--any")
    assert code == 1
    code, _, err = run(capsys, "can", "1.1.1.1", "8.8.8.8", path)
    assert code == 2 and "both addresses outside the cluster" in err


# --- witness addresses ------------------------------------------------------------------------------

def test_witnesses_take_the_pod_cidr_inferred_from_loaded_pods_and_say_so(capsys: pytest.CaptureFixture[str],
                                                                         tmp_path: Path) -> None:
    path = cluster(tmp_path, pod("x", "web", "10.0.1.10", app="web"), pod("x", "api", "10.0.1.20"))
    code, out, _ = run(capsys, "can", "y/*", "x/web", path, "--any", "-f", "json")
    data = json.loads(out)
    assert code == 0
    assert data["witness"]["src"]["ips"][0].startswith("10.0.1.")
    assert data["witness"]["src"]["ips"][0] not in ("10.0.1.10", "10.0.1.20")
    assert any("inferred from the loaded pods' IPs" in n and "10.0.1.0/24" in n for n in data["notes"])


def test_a_witness_outside_the_inferred_cidr_says_it_holds_only_because_pods_may_take_any_address(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = cluster(tmp_path, pod("x", "web", "10.0.1.10", app="web"),
                   policy("x", "web", {"podSelector": {}, "ingress": [from_block("192.168.0.0/16")]}))
    code, out, _ = run(capsys, "can", "y/*", "x/web", path, "--any")
    assert code == 0
    assert "outside 10.0.1.0/24: this holds only because pods may take any address; give --pod-cidr" in out
    code, _, _ = run(capsys, "can", "y/*", "x/web", path, "--any", "--pod-cidr", "10.0.0.0/16")
    assert code == 1
