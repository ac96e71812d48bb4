"""`can --port 80-80` asks about the port 80 and says so: "TCP 80", in the headline and in JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netverify.cli import main

DEMO = str(Path(__file__).resolve().parents[2] / "fixtures" / "demo")


@pytest.mark.parametrize("port", ["8000-8000", "8000"])
def test_a_one_port_range_reads_as_that_port(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["can", "shop/web", "shop/api", DEMO, "--port", port]) == 0
    headline = capsys.readouterr().out.splitlines()[0]
    assert "on TCP 8000:" in headline
    assert main(["can", "shop/web", "shop/api", DEMO, "--port", port, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["port"] == "TCP 8000"


def test_a_wider_range_keeps_both_ends(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["can", "shop/web", "shop/api", DEMO, "--port", "8000-8001"]) == 0
    assert "on TCP 8000-8001:" in capsys.readouterr().out.splitlines()[0]
