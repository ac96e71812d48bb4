"""`can` to a Service in every format `can` writes: a result type of its own (issue 15: results as
composition, not subclassing), rendered on purpose by each format, and refused by the formats that do
not know it instead of being printed as pod pairs.

The golden outputs were captured before ServiceReachResult stopped subclassing the pod-level
ReachResult, and the refactor kept them byte for byte.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from netverify.cli import main
from netverify.queries.reach import ReachResult
from netverify.queries.services import ServiceReachResult
from netverify.report import UnsupportedFormat, write

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "demo"
SUFFIX = {"text": "text", "json": "json", "md": "md", "html": "html"}
# (golden name, arguments): a ClusterIP Service whose one backend admits one client of three, and a
# headless Service whose port numbers are used as-is on its backend.
CASES = {"can-service": ("shop/*", "svc/shop/api"), "can-headless": ("shop/*", "svc/data/postgres")}


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments and outputs name files relative to the repository; monkeypatch restores the directory."""
    monkeypatch.chdir(ROOT)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
@pytest.mark.parametrize("case", sorted(CASES))
def test_can_to_a_service_matches_golden_output(capsys: pytest.CaptureFixture[str], case: str, fmt: str) -> None:
    code, out, err = run(capsys, "can", *CASES[case], "fixtures/demo", "--format", fmt)
    assert code == 1, err  # one client of three reaches the Service: denied under "every pair"
    golden = GOLDEN / f"{case}.{SUFFIX[fmt]}"
    if os.environ.get("NETVERIFY_UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text()


def test_json_counts_clients_and_carries_the_service(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "can", "shop/*", "svc/shop/api", "fixtures/demo", "--format", "json")
    data = json.loads(out)
    assert (data["pairs_allowed"], data["pairs_total"], data["allowed"]) == (1, 3, False)
    assert data["backends_served"] == ["shop/Deployment/api"]
    assert data["service_ports"] == ["80/TCP (http)"]
    assert all(p["dst"] == "shop/Deployment/api" for p in data["pairs"])  # rows are (client, backend)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_headline_counts_client_service_pairs(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    _, out, _ = run(capsys, "can", "shop/*", "svc/shop/api", "fixtures/demo", "--format", fmt)
    assert "1 of 3 pairs (client -&gt; Service) allowed" in out if fmt == "html" else \
        "1 of 3 pairs (client -> Service) allowed" in out


@pytest.mark.parametrize("fmt", ["csv", "dot", "sarif", "junit"])
def test_a_format_that_does_not_know_can_to_a_service_refuses_it(fmt: str) -> None:
    # Not a pod-level result (no subclass): a renderer registered for pod pairs cannot print it by accident.
    assert not issubclass(ServiceReachResult, ReachResult)
    with pytest.raises(UnsupportedFormat, match=f"ServiceReachResult cannot be written as {fmt}"):
        write(ServiceReachResult.__new__(ServiceReachResult), fmt, io.StringIO())
