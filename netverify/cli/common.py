"""What every command shares: reading the inventory, the options that say how, writing a result, and the
one exception commands raise for bad input (InputProblem, turned into located messages and exit 2 by app.main).

Exit codes: 0 pass/allowed, 1 violation/denied, 2 input or usage error,
3 solver unknown/timeout, 4 internal error (a bug: please report it).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from netverify import report
from netverify.errors import NetverifyError
from netverify.loaders.cluster import ClusterSource
from netverify.loaders.credentials import Redactor
from netverify.loaders.manifests import DocumentCache, LoadResult, load_paths
from netverify.model import Diagnostic, Severity, SourceRef
from netverify.queries.context import Analysis
from netverify.queries.outcome import Outcome
from netverify.queries.ports import PortError, PortQuery
from netverify.runtime import without_gc
from netverify.semantics.options import Semantics

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_UNKNOWN, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_CODES = {Outcome.PASS: EXIT_OK, Outcome.FAIL: EXIT_FAIL, Outcome.UNKNOWN: EXIT_UNKNOWN}


def exit_code(outcome: Outcome) -> int:
    """The one mapping from an answer's outcome to the process's exit code."""
    return EXIT_CODES[outcome]

F = TypeVar("F", bound=Callable[..., Any])


class InputProblem(NetverifyError):
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
    cluster: ClusterSource | None = None  # --cluster: read a live cluster instead of PATHs
    # Parsed files by content, for commands that read two versions (diff, equiv, contains).
    documents: DocumentCache = field(default_factory=DocumentCache)

    def semantics(self) -> Semantics:
        return Semantics(ipblock_matches_pods=self.ipblock_scope == "all")

    def load(self) -> Analysis:
        result = self.read()
        return Analysis(result.cluster, self.semantics(), self.by)

    def read(self) -> LoadResult:
        """The loaded inventory (PATHs or --cluster), its warnings printed and its errors raised."""
        if self.cluster is not None:
            if self.paths:
                raise usage_problem("give PATHs or --cluster, not both",
                                    "use netverify snapshot --cluster -o FILE to combine a cluster with files")
            result = load_live(self.cluster, self.namespace)
        else:
            if not self.paths:
                raise usage_problem("no manifests given", "pass files or directories, or - for standard input")
            result = read_paths(self.paths, self.namespace)
        report_diagnostics(result, self.strict, self.verbose)
        return result

    @property
    def origin(self) -> str:
        if self.cluster is not None:
            return "a live cluster" + (f" (context {self.cluster.context})" if self.cluster.context else "")
        return ", ".join(self.paths)


def read_paths(paths: Sequence[str], namespace: str, cache: DocumentCache | None = None) -> LoadResult:
    """load_paths with the cyclic garbage collector paused: the loaded objects all survive (see without_gc)."""
    return without_gc(load_paths)(paths, namespace, cache=cache)


def load_live(source: ClusterSource, default_namespace: str) -> LoadResult:
    from netverify.loaders.cluster import ClusterError, load_cluster  # imports kubernetes: only when needed

    try:
        return load_cluster(source, _progress_printer(), default_namespace)
    except ClusterError as exc:
        raise usage_problem(exc.message, exc.hint) from None


def _progress_printer() -> Callable[[Any], None]:
    """Progress of a cluster read on stderr: a live line on a terminal, nothing otherwise."""
    if not sys.stderr.isatty():
        return lambda _: None

    def show(event: Any) -> None:
        end = "\n" if event.done else ""
        click.echo(f"\r\033[Kreading {event.kind}: {event.read:,}", err=True, nl=False)
        click.echo(end, err=True, nl=False)

    return show


def report_diagnostics(result: LoadResult, strict: bool, verbose: bool) -> None:
    errors = list(result.errors)
    warnings = list(result.warnings)
    if strict:
        skipped = [Diagnostic(Severity.ERROR, where, f"kind {kind} is not analysed (--strict)",
                              "remove it from the input or drop --strict") for kind, where in result.cluster.skipped]
        errors += [Diagnostic(Severity.ERROR, w.source, w.message + " (--strict)", w.hint, w.obj) for w in warnings]
        errors += skipped
        warnings = []
    echo_diagnostics(warnings)
    if verbose:
        for info in result.diagnostics:
            if info.severity is Severity.INFO:
                click.echo(info.render(), err=True)
        for kind, where in result.cluster.skipped:
            click.echo(f"{where}: skipped kind {kind} (not relevant to NetworkPolicy)", err=True)
    if errors:
        raise InputProblem(errors)


def inventory_options(func: F) -> F:
    options = [
        click.argument("paths", nargs=-1, type=click.Path(allow_dash=True)),
        click.option("-N", "--namespace", "default_namespace", default="default", show_default=True,
                     help="Namespace for objects that do not name one."),
        click.option("--by", type=click.Choice(["workload", "pod", "service"]), default="workload",
                     show_default=True,
                     help="Report workloads (pods grouped under their owner), every pod, or (matrix) "
                          "Services as destinations, in service ports."),
        click.option("--ipblock-scope", type=click.Choice(["all", "external"]), default="all", show_default=True,
                     help="Whether ipBlocks match pod IPs too (all: e2e suite, Calico) or only external addresses."),
        click.option("--strict", is_flag=True, help="Treat warnings and skipped kinds as errors."),
        click.option("-v", "--verbose", is_flag=True, help="List skipped objects."),
        click.option("--cluster", "live", is_flag=True,
                     help="Read a live cluster (kubeconfig, or in-cluster config in a pod) instead of PATHs."),
        click.option("--kubeconfig", type=click.Path(dir_okay=False), help="Kubeconfig file (with --cluster)."),
        click.option("--context", "kube_context", help="Kubeconfig context (with --cluster; default: current)."),
        click.option("-n", "--cluster-namespace", "cluster_namespaces", multiple=True, metavar="NS",
                     help="Read only this namespace (with --cluster; repeatable; default: all namespaces)."),
        click.option("--request-timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
                     show_default=True, help="Seconds to wait for each API request (with --cluster)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def inventory_from(kw: dict[str, Any]) -> Inventory:
    return Inventory(kw.pop("paths"), kw.pop("default_namespace"), kw.pop("by"), kw.pop("ipblock_scope"),
                     kw.pop("strict"), kw.pop("verbose"), _cluster_source(kw))


def _cluster_source(kw: dict[str, Any]) -> ClusterSource | None:
    live, kubeconfig, context = kw.pop("live", False), kw.pop("kubeconfig", None), kw.pop("kube_context", None)
    namespaces, timeout = tuple(kw.pop("cluster_namespaces", ())), kw.pop("request_timeout", 30.0)
    if not live:
        given = [name for name, value in (("--kubeconfig", kubeconfig), ("--context", context),
                                          ("-n/--cluster-namespace", namespaces)) if value]
        if given:
            raise usage_problem(f"{', '.join(given)} only apply with --cluster", "add --cluster to read a live cluster")
        return None
    return ClusterSource(kubeconfig, context, namespaces, timeout, redactor=current_redactor())


def current_redactor() -> Redactor:
    """The run's redactor (main() writes stdout and stderr through it): credentials the cluster reader
    registers there are never printed."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    found = obj.get("redactor") if isinstance(obj, dict) else None
    return found if isinstance(found, Redactor) else Redactor()


MAX_DIAGNOSTICS_SHOWN = 200


def echo_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    """Diagnostics on stderr, at most MAX_DIAGNOSTICS_SHOWN of them (then how many more): a file can hold
    thousands of copies of one mistake, and the first ones are what to fix."""
    for d in diagnostics[:MAX_DIAGNOSTICS_SHOWN]:
        click.echo(d.render(), err=True)
    hidden = len(diagnostics) - MAX_DIAGNOSTICS_SHOWN
    if hidden > 0:
        errors = sum(1 for d in diagnostics[MAX_DIAGNOSTICS_SHOWN:] if d.severity is Severity.ERROR)
        click.echo(f"... and {hidden:,} more diagnostics not shown ({errors:,} of them errors): fix the ones above "
                   "first", err=True)


def port_query(port: str | None, protocol: str | None) -> PortQuery:
    try:
        return PortQuery.parse(port, protocol)
    except PortError as exc:
        raise usage_problem(str(exc)) from None


def write_result(result: Any, fmt: str, color: bool | None = None) -> None:
    stream = sys.stdout
    try:
        report.write(result, fmt, stream, color=color)
        stream.flush()
    except report.UnsupportedFormat as exc:
        raise usage_problem(str(exc)) from None
    except BrokenPipeError:
        # The reader went away (`| head`): stop writing, keep the command's own exit code.
        silence_stdout()


def silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file descriptor (e.g. captured by tests)


def smt_options(func: F) -> F:
    options = [
        click.option("--hypothetical-namespaces", is_flag=True,
                     help="Pods that could exist may also be in namespaces that do not exist yet, with any labels."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
                     help="Solver time limit per query (default 30); running out is exit 3, never a pass."),
        click.option("--pod-cidr", "pod_cidrs", multiple=True, metavar="CIDR",
                     help="Addresses pods that could exist get their IPs from (repeatable; default: any address)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def prove_options(kw: dict[str, Any]) -> Any:
    """ProveOptions from the SMT options, or None when none was given (they are popped from kw)."""
    from netverify.queries.prove import ProveOptions
    from netverify.sets import IPSet

    hypothetical, timeout, cidrs = kw.pop("hypothetical_namespaces"), kw.pop("timeout"), kw.pop("pod_cidrs")
    if not hypothetical and timeout is None and not cidrs:
        return None
    pod_cidr = None
    for cidr in cidrs:
        try:
            block = IPSet.from_cidr(cidr)
        except ValueError:
            raise usage_problem(f"--pod-cidr {cidr!r} is not a valid CIDR", "e.g. --pod-cidr 10.0.0.0/8") from None
        pod_cidr = block if pod_cidr is None else pod_cidr | block
    return ProveOptions(hypothetical, 30.0 if timeout is None else timeout, pod_cidr)



def load_side(inv: Inventory, paths: Sequence[str], git_ref: str | None = None) -> Analysis:
    from netverify.loaders.git import GitProblem, load_git

    cache = inv.documents  # the two versions of a comparison share their identical files' parse
    try:
        result = (load_git(git_ref, paths, inv.namespace, cache=cache) if git_ref
                  else read_paths(paths, inv.namespace, cache))
    except GitProblem as exc:
        raise usage_problem(exc.message, exc.hint) from None
    report_diagnostics(result, inv.strict, inv.verbose)
    return Analysis(result.cluster, inv.semantics(), inv.by)

