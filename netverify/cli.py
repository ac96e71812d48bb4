"""Command-line interface: the only module that prints or exits.

Exit codes: 0 pass/allowed, 1 violation/denied, 2 input or usage error,
3 solver unknown/timeout, 4 internal error (a bug: please report it).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from netverify import report
from netverify.loaders.manifests import LoadResult, load_paths
from netverify.model import Diagnostic, Severity, SourceRef
from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointError, resolve
from netverify.queries.matrix import matrix as matrix_query
from netverify.queries.ports import PortError, PortQuery
from netverify.queries.reach import can_reach
from netverify.semantics.options import Semantics

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_UNKNOWN, EXIT_INTERNAL = 0, 1, 2, 3, 4

F = TypeVar("F", bound=Callable[..., Any])


class InputProblem(Exception):
    """Raised inside commands for bad input; becomes located messages and exit 2."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("input error")
        self.diagnostics = diagnostics


def usage_problem(message: str, hint: str = "") -> InputProblem:
    return InputProblem([Diagnostic(Severity.ERROR, SourceRef(""), message, hint)])


@dataclass
class Inventory:
    """Options shared by every command that reads manifests."""

    paths: tuple[str, ...]
    namespace: str
    by: str
    ipblock_scope: str
    strict: bool
    verbose: bool

    def semantics(self) -> Semantics:
        return Semantics(ipblock_matches_pods=self.ipblock_scope == "all")

    def load(self) -> Analysis:
        if not self.paths:
            raise usage_problem("no manifests given", "pass files or directories, or - for standard input")
        result = load_paths(self.paths, self.namespace)
        _report_diagnostics(result, self.strict, self.verbose)
        return Analysis(result.cluster, self.semantics(), self.by)


def _report_diagnostics(result: LoadResult, strict: bool, verbose: bool) -> None:
    errors = list(result.errors)
    warnings = list(result.warnings)
    if strict:
        skipped = [Diagnostic(Severity.ERROR, where, f"kind {kind} is not analysed (--strict)",
                              "remove it from the input or drop --strict") for kind, where in result.cluster.skipped]
        errors += [Diagnostic(Severity.ERROR, w.source, w.message + " (--strict)", w.hint, w.obj) for w in warnings]
        errors += skipped
        warnings = []
    for w in warnings:
        click.echo(w.render(), err=True)
    if verbose:
        for kind, where in result.cluster.skipped:
            click.echo(f"{where}: skipped kind {kind} (not relevant to NetworkPolicy)", err=True)
    if errors:
        raise InputProblem(errors)


def inventory_options(func: F) -> F:
    options = [
        click.argument("paths", nargs=-1, type=click.Path(allow_dash=True)),
        click.option("-N", "--namespace", "default_namespace", default="default", show_default=True,
                     help="Namespace for objects that do not name one."),
        click.option("--by", type=click.Choice(["workload", "pod"]), default="workload", show_default=True,
                     help="Report workloads (pods grouped under their owner) or every pod."),
        click.option("--ipblock-scope", type=click.Choice(["all", "external"]), default="all", show_default=True,
                     help="Whether ipBlocks match pod IPs too (all: e2e suite, Calico) or only external addresses."),
        click.option("--strict", is_flag=True, help="Treat warnings and skipped kinds as errors."),
        click.option("-v", "--verbose", is_flag=True, help="List skipped objects."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _inventory(kw: dict[str, Any]) -> Inventory:
    return Inventory(kw.pop("paths"), kw.pop("default_namespace"), kw.pop("by"), kw.pop("ipblock_scope"),
                     kw.pop("strict"), kw.pop("verbose"))


def _port_query(port: str | None, protocol: str | None) -> PortQuery:
    try:
        return PortQuery.parse(port, protocol)
    except PortError as exc:
        raise usage_problem(str(exc)) from None


def _write(result: Any, fmt: str, color: bool | None = None) -> None:
    stream = sys.stdout
    try:
        report.write(result, fmt, stream, color=color)
    except report.UnsupportedFormat as exc:
        raise usage_problem(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="netverify")
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Verify and explain Kubernetes NetworkPolicies.

    Exit codes: 0 pass/allowed, 1 violation/denied, 2 input or usage error,
    3 solver unknown or timeout, 4 internal error.
    """
    ctx.obj = {"debug": debug}


@cli.command()
@inventory_options
@click.option("--port", help="Only pairs allowed on this port (number, range or name).")
@click.option("--protocol", type=click.Choice(["TCP", "UDP", "SCTP"], case_sensitive=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "csv", "md", "dot"]), default="text",
              show_default=True)
def matrix(port: str | None, protocol: str | None, fmt: str, **kw: Any) -> int:
    """Every ordered pair of endpoints and what traffic is allowed between them."""
    analysis = _inventory(kw).load()
    _write(matrix_query(analysis, _port_query(port, protocol)), fmt)
    return EXIT_OK


@cli.command()
@click.argument("src")
@click.argument("dst")
@inventory_options
@click.option("--port", help="Port number, range (8000-8080), name (resolved on the destination) or 53/UDP.")
@click.option("--protocol", type=click.Choice(["TCP", "UDP", "SCTP"], case_sensitive=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
def can(src: str, dst: str, port: str | None, protocol: str | None, fmt: str, **kw: Any) -> int:
    """Can SRC reach DST? Exit 0 when allowed, 1 when denied.

    \b
    Endpoints: ns/pod, ns/Kind/name, ns/name, an IP address, or a set
    NS/SELECTOR (NS a namespace or *, SELECTOR kubectl syntax or *), e.g.
    web/app=frontend, '*/tier in (db,cache)', shop/*.
    """
    analysis = _inventory(kw).load()
    try:
        src_set, dst_set = resolve(analysis, src), resolve(analysis, dst)
        result = can_reach(analysis, src_set, dst_set, _port_query(port, protocol))
    except (EndpointError, PortError) as exc:
        raise usage_problem(str(exc)) from None
    _write(result, fmt)
    return EXIT_OK if result.allowed else EXIT_FAIL


# --- commands: check, can --any (SMT engine; issue 3) ---


# --- commands: diff (CI gate; issue 4) ---


# --- commands: snapshot, exposure (live clusters, services; issue 5) ---


# --- commands: lint, equiv, contains (issue 6) ---


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (tests call this directly)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name="netverify", standalone_mode=False)
    except InputProblem as exc:
        for d in exc.diagnostics:
            click.echo(d.render(), err=True)
        return EXIT_INPUT
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_INPUT
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so plainly, never a raw traceback unless asked
        if debug:
            traceback.print_exc()
        click.echo(f"netverify: internal error: {type(exc).__name__}: {exc}\n"
                   "  This is a bug in netverify; rerun with --debug and report the traceback.", err=True)
        return EXIT_INTERNAL
    return int(result or 0)


def run() -> None:
    sys.exit(main())
