"""`netverify lint --src/--dst` and `-n` with files: every check runs on the whole inventory, and the
findings about the given endpoints or namespace are reported (as matrix reports their pairs);
progress phases for lint and exposure on a terminal's stderr only."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_terminal_output import ANSI, netverify

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "fixtures/lint/admin"


def findings(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    os.chdir(ROOT)
    code = main(["lint", *args, "--ignore", "NV6", "--profile", "strict", "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return json.loads(out)["findings"]  # type: ignore[no-any-return]


def objects(found: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(f["code"], f["object"]) for f in found}


def test_namespace_keeps_the_findings_about_its_objects_and_checks_everything(
        capsys: pytest.CaptureFixture[str]) -> None:
    everything = findings(capsys, "fixtures/demo")
    data = findings(capsys, "fixtures/demo", "-n", "data")
    assert objects(data) == {o for o in objects(everything) if " data/" in o[1] or o[1] == "Namespace data"}
    assert objects(data) == {("NV402", "CronJob data/backup"), ("NV403", "Namespace data")}
    # kube-system's DNS is still loaded: shop's egress isolation is judged against it, not a typical CoreDNS
    shop = findings(capsys, "fixtures/demo", "-n", "shop")
    assert not [f for f in shop if f["code"] == "NV401"]


def test_dst_keeps_ingress_findings_of_the_destinations(capsys: pytest.CaptureFixture[str]) -> None:
    found = findings(capsys, "fixtures/demo", "--dst", "monitoring/*")
    assert objects(found) == {("NV402", "Deployment monitoring/prometheus"), ("NV403", "Namespace monitoring")}


def test_src_keeps_ingress_findings_that_admit_any_source_and_drops_egress_of_others(
        capsys: pytest.CaptureFixture[str]) -> None:
    found = findings(capsys, "fixtures/demo", "--src", "data/*")
    codes = {f["code"] for f in found}
    assert "NV402" in codes, "every source may connect: data's pods too"
    assert all(f["object"] != "Namespace shop" for f in found)


def test_admin_findings_follow_their_witnesses(capsys: pytest.CaptureFixture[str]) -> None:
    into_a = findings(capsys, ADMIN, "--dst", "team-a/*", "--select", "NV70")
    # ingress of team-a (NV701, NV702, NV707), and team-b's egress Pass, which passes team-b -> team-a
    assert {f["code"] for f in into_a} == {"NV701", "NV702", "NV703", "NV707"}
    from_b = findings(capsys, ADMIN, "--src", "team-b/*", "--select", "NV70")
    # and team-b's own egress rules (NV704-NV706 concern addresses, not team-a: gone with --dst team-a)
    assert {f["code"] for f in from_b} == {"NV701", "NV702", "NV703", "NV704", "NV705", "NV706", "NV707"}
    from_a = findings(capsys, ADMIN, "--src", "team-a/*", "--select", "NV7")
    assert not from_a, "nothing about traffic leaving team-a"


def test_the_cluster_scoped_admin_findings_under_namespace(capsys: pytest.CaptureFixture[str]) -> None:
    found = findings(capsys, ADMIN, "-n", "team-b", "--select", "NV7")
    assert {f["code"] for f in found} == {"NV703", "NV704", "NV705", "NV706"}


def test_an_unknown_endpoint_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    os.chdir(ROOT)
    code = main(["lint", "fixtures/demo", "--src", "nowhere/x"])
    _, err = capsys.readouterr()
    assert code == 2 and "unknown endpoint 'nowhere/x'" in err


@pytest.mark.parametrize(("command", "phases"), [
    (["lint", "fixtures/demo", "--ignore", "NV6"], ["loading manifests", "endpoint classes of", "NV401"]),
    (["exposure", "fixtures/admin-tiers/exposure.yaml"], ["ingress from outside of", "egress to the internet of"]),
])
def test_phases_on_a_terminal_and_silence_elsewhere(command: list[str], phases: list[str]) -> None:
    code, out, err = netverify(*command, stderr_on_terminal=True)
    assert code in (0, 1)
    text = ANSI.sub("", err)
    assert all(p in text for p in phases), text
    quiet = ANSI.sub("", netverify(*command, "-q", stderr_on_terminal=True)[2])
    assert not any(p in quiet for p in phases)
    piped = netverify(*command)
    assert piped[1] == out and not any(p in piped[2] for p in phases)
