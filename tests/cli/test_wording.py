"""Headlines and counts say what is true, in words a newcomer reads correctly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    os.chdir(ROOT)
    code = main(list(args))
    return code, capsys.readouterr().out


def test_an_allowed_headline_names_the_ports_when_only_some_are_allowed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "can", "shop/web", "shop/api", "fixtures/demo")
    assert code == 0
    assert out.splitlines()[0] == "ALLOWED  shop/web -> shop/api on some port (TCP:8000): 1 of 1 pairs allowed"


def test_every_port_is_said_only_when_every_port_is_allowed(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(capsys, "can", "data/backup", "kube-system/coredns", "fixtures/demo")
    assert out.splitlines()[0] == "ALLOWED  data/backup -> kube-system/coredns on every port: 1 of 1 pairs allowed"


def test_a_service_no_backend_admits_says_connections_fail(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "can", "shop/debug", "svc/shop/api", "fixtures/demo")
    assert code == 1
    assert "shop/debug: no backend admits it (0 of 1), so its connections fail" in out
    assert "can fail" not in out


def test_counts_agree_in_number(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\n"
        "spec: {containers: [{name: c, image: i, ports: [{containerPort: 80}]}]}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: x}\n"
        "spec: {selector: {app: a}, ports: [{port: 80}]}\n")
    _, out = run(capsys, "matrix", str(tmp_path), "--by", "service")
    assert out.startswith("1 client, 1 Service with backends, 1 client-service pair with something allowed")
    _, out = run(capsys, "matrix", str(tmp_path))
    assert out.startswith("1 endpoint, 0 allowed pairs")
