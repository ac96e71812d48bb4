"""Errors that name the fix: argument order, close endpoint names, a destination's port names, --any for a
CIDR; -n filters files as kubectl does; overlapping paths are read once; --by service only where it applies;
a loader warning lint reports with a code is printed once; the docs give an install that works."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers_robustness import run_cli

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")


def test_can_with_the_paths_first_says_the_order() -> None:
    result = run_cli(["can", DEMO, "shop/web", "shop/api"])
    assert result.code == 2
    assert "the order is `netverify can SRC DST PATH...`" in result.err
    assert f"netverify can shop/web shop/api {DEMO}" in result.err


def test_can_with_the_paths_in_the_middle_says_the_order_too() -> None:
    result = run_cli(["can", "shop/web", DEMO, "shop/api"])
    assert result.code == 2 and f"DST {DEMO!r} is a file or directory" in result.err


@pytest.mark.parametrize(("typed", "meant"), [("web", "shop/web"), ("postgres", "data/postgres"),
                                              ("shop/wbe", "shop/web"), ("data/postgress", "data/postgres")])
def test_an_unknown_endpoint_suggests_the_close_one(typed: str, meant: str) -> None:
    result = run_cli(["can", typed, "shop/api", DEMO])
    assert result.code == 2
    assert f"did you mean {meant}" in result.err, result.err
    assert run_cli(["can", meant, "shop/api", DEMO]).code in (0, 1)  # the suggestion resolves


def test_a_misspelled_port_name_lists_the_names_the_destination_has() -> None:
    result = run_cli(["can", "shop/web", "shop/api", DEMO, "--port", "htp"])
    assert result.code == 2
    assert "did you mean 'http'?" in result.err and "port names http, metrics" in result.err


def test_a_cidr_without_any_says_to_add_any() -> None:
    result = run_cli(["can", "0.0.0.0/0", "shop/web", DEMO])
    assert result.code == 2 and "only with --any" in result.err
    assert run_cli(["can", "0.0.0.0/0", "shop/web", DEMO, "--any"]).code in (0, 1)


def test_n_without_cluster_keeps_only_that_namespace_of_the_files() -> None:
    result = run_cli(["matrix", DEMO, "-n", "shop", "--format", "json"])
    assert result.code == 0, result.err
    namespaces = {e["namespace"] for e in json.loads(result.out)["endpoints"]}
    assert namespaces == {"shop"}
    both = run_cli(["matrix", DEMO, "-n", "shop", "-n", "data", "--format", "json"])
    assert {e["namespace"] for e in json.loads(both.out)["endpoints"]} == {"shop", "data"}
    assert run_cli(["matrix", DEMO, "--context", "x"]).code == 2  # kubeconfig options still need --cluster


@pytest.mark.parametrize("command", [["lint"], ["exposure"], ["snapshot"], ["can", "shop/web", "shop/api"]])
def test_by_service_where_it_does_not_apply_is_an_error(command: list[str]) -> None:
    result = run_cli([*command, DEMO, "--by", "service"])
    assert result.code == 2 and f"--by service does not apply to {command[0]}" in result.err


def test_by_service_still_works_for_matrix() -> None:
    assert run_cli(["matrix", DEMO, "--by", "service"]).code == 0


def test_overlapping_paths_are_read_once() -> None:
    policies = str(Path(DEMO) / "policies.yaml")
    once = run_cli(["matrix", DEMO, "--format", "json"])
    twice = run_cli(["matrix", DEMO, policies, DEMO, "--format", "json", "--strict"])
    assert twice.code == 0, twice.err
    assert "duplicate" not in twice.err
    assert json.loads(twice.out) == json.loads(once.out)


def test_lint_prints_a_loader_warning_it_reports_with_a_code_once() -> None:
    result = run_cli(["lint", str(ROOT / "fixtures" / "lint" / "mistakes"), "--select", "NV2"])
    everything = result.out + result.err
    assert sum("'postgresql'" in line for line in everything.splitlines()) == 1, everything
    assert "NV201" in result.out


def test_no_doc_tells_users_to_install_netverify_from_a_package_index() -> None:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    from_index = re.compile(r"pip install (?:-\S+ )*['\"]?netverify(?:[=<>~\[\s'\"]|$)", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for p in docs if from_index.search(p.read_text())]
    assert offenders == []
