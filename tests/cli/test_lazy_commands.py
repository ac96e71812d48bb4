"""Commands are loaded lazily (issue 19): a run imports the module of the command it runs, and the heavy
libraries only where the command needs them. Behaviour, not timing: each case runs in a fresh interpreter
and reads sys.modules after the command has finished."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from netverify.cli import app, common
from netverify.cli.app import COMMANDS, cli

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo")
PACKS = ROOT / "policies"

# Runs `main(argv)` with stdout discarded, then prints the exit code and which of the watched modules were imported.
_PROBE = """
import io, json, sys, contextlib
from netverify.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

HEAVY = ("z3", "kubernetes", "networkx", "urllib3")
# Queries, renderers and readers of other commands and options (the solver, --cluster), which `can` and
# `matrix` on manifests do not use.
OTHER_COMMANDS_MODULES = ("netverify.queries.lint", "netverify.queries.prove", "netverify.queries.exposure",
                          "netverify.queries.equivalence", "netverify.report.text_check", "netverify.report.text_lint",
                          "netverify.report.diff_text", "netverify.engines.smt", "netverify.loaders.kubeconfig")


def _imported_after(*argv: str) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, timeout=120,
                          check=True)
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return answer["code"], set(answer["modules"])


def _loaded(modules: set[str], name: str) -> bool:
    return name in modules or any(m.startswith(name + ".") for m in modules)


def test_help_imports_no_command_module_and_no_heavy_library() -> None:
    code, modules = _imported_after("--help")
    assert code == 0
    assert not any(m.startswith("netverify.cli.cmd_") for m in modules)
    for name in (*HEAVY, "rich", "netverify.cli.common", "netverify.loaders.manifests", "netverify.engines"):
        assert not _loaded(modules, name), name


@pytest.mark.parametrize("argv", [
    ("matrix", DEMO),
    ("can", "shop/web", "shop/api", DEMO, "--port", "http"),
    ("matrix", DEMO, "--format", "json"),
])
def test_reachability_commands_import_neither_solver_nor_cluster_client(argv: tuple[str, ...]) -> None:
    code, modules = _imported_after(*argv)
    assert code == 0
    for name in HEAVY:
        assert not _loaded(modules, name), name
    assert not _loaded(modules, "netverify.cli.cmd_lint")
    assert not _loaded(modules, "netverify.cli.cmd_diff")
    for name in OTHER_COMMANDS_MODULES:  # the text format imports the renderer of the result it writes
        assert not _loaded(modules, name), name


def test_a_command_that_needs_the_solver_still_loads_it() -> None:
    """The probe is not blind: `check` imports z3 (the module list is read after a real run)."""
    _, modules = _imported_after("check", DEMO, "-a", str(PACKS / "dns-egress.yaml"))
    assert _loaded(modules, "z3")


def test_the_table_names_every_command_with_its_own_short_help() -> None:
    commands = cli.all_commands()
    assert set(commands) == set(COMMANDS)
    for name, command in commands.items():
        assert command.callback is not None
        assert command.callback.__module__ == COMMANDS[name].module, name
        for limit in (30, 45, 80, 104, 1000):
            assert COMMANDS[name].short_help(limit) == command.get_short_help_str(limit), name


def test_help_lists_every_command_as_the_commands_themselves_would() -> None:
    """The listing read from the table equals click's own listing of the imported commands."""
    def listing(group: click.Group) -> str:
        formatter = click.HelpFormatter(width=100)
        group.format_commands(click.Context(group, info_name="netverify"), formatter)
        return formatter.getvalue()

    lazy = listing(cli)
    assert lazy == listing(click.Group("netverify", commands=cli.all_commands()))
    for name in COMMANDS:
        assert f"  {name} " in lazy


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["lnit", DEMO]) == common.EXIT_INPUT
    assert "lnit" in capsys.readouterr().err


def test_the_entry_points_exit_codes_are_the_commands_exit_codes() -> None:
    assert (app.EXIT_OK, app.EXIT_INPUT, app.EXIT_INTERNAL) == (common.EXIT_OK, common.EXIT_INPUT,
                                                                common.EXIT_INTERNAL)
