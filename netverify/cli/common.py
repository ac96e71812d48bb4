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
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

import click

from netverify import report
from netverify.cli.terminal import COLOR_CHOICES, StopsProgressOnWrite, Terminal
from netverify.errors import NetverifyError
from netverify.loaders.credentials import Redactor
from netverify.loaders.kindmap import KindMap, KindMapError, load_kind_map
from netverify.loaders.manifests import DocumentCache, LoadResult, load_paths
from netverify.model import Diagnostic, Severity, SkippedObject, SourceRef
from netverify.queries.context import Analysis
from netverify.queries.outcome import Outcome
from netverify.queries.ports import PortError, PortQuery
from netverify.queries.unseen import HOW_TO_SEE_THEM, unseen_pod_notes
from netverify.runtime import kept_for_the_run, without_gc
from netverify.semantics.options import HostNetworkReading, NetworkPolicySelection, Semantics

if TYPE_CHECKING:  # imported where a live cluster is read: a manifests run does not load kubeconfig parsing (issue 19)
    from netverify.loaders.cluster import ClusterSource

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
    host_network: str = "node"  # --hostnetwork: hostNetwork pods as node traffic or as ordinary pods
    # --np-selection (commands that fold the admin tiers): when the NetworkPolicy tier is final
    np_selection: NetworkPolicySelection = NetworkPolicySelection.PER_DIRECTION
    # -n without --cluster: only these namespaces' objects are kept from the files (kubectl's habit)
    only_namespaces: tuple[str, ...] = ()
    # Parsed files by content, for commands that read two versions (diff, equiv, contains).
    documents: DocumentCache = field(default_factory=DocumentCache)
    kinds: KindMap | None = None  # --kinds FILE: how to read further custom resources
    terminal: Terminal = field(default_factory=Terminal)

    def semantics(self) -> Semantics:
        return Semantics(ipblock_matches_pods=self.ipblock_scope == "all",
                         host_network=HostNetworkReading(self.host_network), np_selection=self.np_selection)

    def load(self) -> Analysis:
        result = self.read()
        analysis = Analysis(result.cluster, self.semantics(), self.by)
        progress = self.terminal.progress
        if progress.enabled:  # compile now, under its own label (it would happen in the query anyway)
            progress.phase(f"compiling {result.cluster.policy_count:,} policies")
            _ = analysis.policies
            progress.phase(f"building endpoints of {len(result.cluster.pods):,} pods")
            _ = analysis.endpoints
            progress.phase("analysing")
        return analysis

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
            self.terminal.progress.phase("loading manifests")
            result = only_namespaces(read_paths(self.paths, self.namespace, kinds=self.kinds), self.only_namespaces)
        report_diagnostics(result, self.strict, self.verbose)
        return result

    @property
    def origin(self) -> str:
        if self.cluster is not None:
            return "a live cluster" + (f" (context {self.cluster.context})" if self.cluster.context else "")
        return ", ".join(self.paths)


def read_paths(paths: Sequence[str], namespace: str, cache: DocumentCache | None = None,
               kinds: KindMap | None = None) -> LoadResult:
    """load_paths with the cyclic garbage collector paused: the loaded objects all survive (see without_gc), and
    are kept out of its later walks (kept_for_the_run; the run ends with end_of_run)."""
    result = without_gc(load_paths)(paths, namespace, cache=cache, kinds=kinds)
    kept_for_the_run()
    return result


def only_namespaces(result: LoadResult, namespaces: Sequence[str]) -> LoadResult:
    """The objects of these namespaces only (all when none is given), as `kubectl get -n NS` shows them.
    Namespace objects stay: policies kept select other namespaces by their labels."""
    if not namespaces:
        return result
    keep = set(namespaces)
    c = result.cluster
    cluster = replace(
        c, pods=tuple(p for p in c.pods if p.namespace in keep),
        workloads=tuple(w for w in c.workloads if w.namespace in keep),
        services=tuple(s for s in c.services if s.namespace in keep),
        policies=tuple(p for p in c.policies if p.namespace in keep),
        endpoint_slices=tuple(e for e in c.endpoint_slices if e.namespace in keep),
        skipped=tuple(s for s in c.skipped if not s.namespace or s.namespace in keep))
    return LoadResult(cluster, result.diagnostics)


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
    """Print warnings (and, with -v, what was skipped); raise the errors. Under --strict warnings are errors,
    and so are skipped objects that change the answers: resources that may create pods netverify cannot see,
    and network policy of other APIs. Kinds irrelevant to traffic (RBAC, ConfigMaps, CRDs ...) never are."""
    errors = list(result.errors)
    warnings = list(result.warnings)
    if strict:
        errors += [Diagnostic(Severity.ERROR, w.source, w.message + " (--strict)", w.hint, w.obj) for w in warnings]
        errors += [_strict_error(s) for s in result.cluster.skipped if s.may_create_pods or s.policy_not_evaluated]
        warnings = []
    echo_diagnostics(warnings)
    if verbose:
        for info in result.diagnostics:
            if info.severity is Severity.INFO:
                click.echo(info.render(), err=True)
        for s in result.cluster.skipped:
            click.echo(f"{s.source}: skipped {s.ref}: {s.reason or 'not relevant to NetworkPolicy'}", err=True)
    if errors:
        raise InputProblem(errors)
    for note in unseen_pod_notes(result.cluster):
        click.echo(f"note: {note}", err=True)


def _strict_error(s: SkippedObject) -> Diagnostic:
    if s.policy_not_evaluated:
        return Diagnostic(Severity.ERROR, s.source, f"{s.ref} is {s.reason}: the answers ignore it (--strict)",
                          "remove it from the input, or drop --strict to analyse without it")
    return Diagnostic(Severity.ERROR, s.source, f"{s.ref} is {s.reason} (--strict)",
                      f"{HOW_TO_SEE_THEM}; a kind that makes no pods is declared with createsPods: false")


def inventory_options(func: F) -> F:
    options = [
        click.argument("paths", nargs=-1, type=click.Path(allow_dash=True)),
        click.option("-N", "--namespace", "default_namespace", default="default", show_default=True,
                     help="Namespace for objects that do not name one."),
        click.option("--by", type=click.Choice(["workload", "pod", "service", "namespace"]), default="workload",
                     show_default=True,
                     help="Report workloads (pods grouped under their owner), every pod, or (matrix) "
                          "Services as destinations, in service ports, or (matrix) namespace pairs."),
        click.option("--ipblock-scope", type=click.Choice(["all", "external"]), default="all", show_default=True,
                     help="Whether ipBlocks match pod IPs too (all: e2e suite, Calico) or only external addresses."),
        click.option("--hostnetwork", "host_network", type=click.Choice(["node", "pod"]), default="node",
                     show_default=True,
                     help="How hostNetwork pods are read: node traffic, never isolated and matched only by ipBlocks "
                          "(most plugins), or ordinary pods that policies select and isolate (some plugins)."),
        click.option("--strict", is_flag=True,
                     help="Treat warnings as errors, and skipped objects that may create pods or are network "
                          "policy of another API (kinds irrelevant to traffic are never errors)."),
        click.option("-v", "--verbose", is_flag=True, help="List skipped objects."),
        click.option("--kinds", "kinds_file", type=click.Path(dir_okay=False), metavar="FILE",
                     help="How to read further custom resources that create pods (docs/custom-resources.md)."),
        click.option("--cluster", "live", is_flag=True,
                     help="Read a live cluster (kubeconfig, or in-cluster config in a pod) instead of PATHs."),
        click.option("--kubeconfig", type=click.Path(dir_okay=False), help="Kubeconfig file (with --cluster)."),
        click.option("--context", "kube_context", help="Kubeconfig context (with --cluster; default: current)."),
        click.option("-n", "--cluster-namespace", "cluster_namespaces", multiple=True, metavar="NS",
                     help="Only this namespace (repeatable; default: all): with --cluster only it is read; "
                          "from files only its objects are kept (matrix keeps them all and reports the pairs "
                          "inside it)."),
        click.option("--request-timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
                     show_default=True,
                     help="Seconds each API request may take in all, headers and body (with --cluster)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress display on standard error."),
        click.option("--color", "color_choice", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
                     help="Colour the report: auto = on a terminal, unless NO_COLOR is set (FORCE_COLOR forces it)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def np_selection_option(func: F) -> F:
    """--np-selection, for the commands that fold the admin tiers (Inventory.np_selection)."""
    return click.option(
        "--np-selection", type=click.Choice([s.value for s in NetworkPolicySelection]), default="direction",
        show_default=True,
        help="With admin policies: the NetworkPolicy tier is final for a pod isolated in that direction "
             "(direction), or for a pod any NetworkPolicy selects, in either direction (any).")(func)


def inventory_from(kw: dict[str, Any], by_service: bool = False) -> Inventory:
    """The shared options of a command; `by_service` when the command reports Services (--by service)."""
    ctx = click.get_current_context(silent=True)
    if kw.get("by") == "namespace" and (ctx is None or ctx.info_name != "matrix"):
        raise usage_problem("--by namespace applies to matrix only", "use --by workload or --by pod")
    terminal = terminal_from(kw)
    namespaces = tuple(kw.get("cluster_namespaces", ()))
    inv = Inventory(kw.pop("paths"), kw.pop("default_namespace"), kw.pop("by"), kw.pop("ipblock_scope"),
                    kw.pop("strict"), kw.pop("verbose"), _cluster_source(kw),
                    host_network=kw.pop("host_network", "node"),
                    np_selection=NetworkPolicySelection(kw.pop("np_selection", "direction")), terminal=terminal)
    if inv.cluster is None:
        inv.only_namespaces = namespaces
    if inv.by == "service" and not by_service:
        command = ctx.info_name if ctx is not None else "this command"
        raise usage_problem(f"--by service does not apply to {command}: only matrix reports Services "
                            "(as destinations, in service ports)", "use --by workload (the default) or --by pod")
    kinds_file = kw.pop("kinds_file", None)
    if kinds_file is not None:
        try:
            inv.kinds = load_kind_map(kinds_file)
        except KindMapError as exc:
            raise InputProblem(exc.diagnostics) from None
    return inv


def terminal_from(kw: dict[str, Any]) -> Terminal:
    """This invocation's output settings (--quiet, --color), kept in the click context for write_result."""
    terminal = Terminal.decide(kw.pop("color_choice", "auto"), kw.pop("quiet", False))
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.obj = {**(ctx.obj or {}), "terminal": terminal}
        ctx.call_on_close(terminal.progress.stop)
    return terminal


def current_terminal() -> Terminal:
    ctx = click.get_current_context(silent=True)
    found = (ctx.obj or {}).get("terminal") if ctx is not None else None
    return found if isinstance(found, Terminal) else Terminal()


def _cluster_source(kw: dict[str, Any]) -> ClusterSource | None:
    live, kubeconfig, context = kw.pop("live", False), kw.pop("kubeconfig", None), kw.pop("kube_context", None)
    namespaces, timeout = tuple(kw.pop("cluster_namespaces", ())), kw.pop("request_timeout", 30.0)
    if not live:
        given = [name for name, value in (("--kubeconfig", kubeconfig), ("--context", context)) if value]
        if given:
            raise usage_problem(f"{', '.join(given)} only apply with --cluster", "add --cluster to read a live cluster")
        return None
    from netverify.loaders.cluster import ClusterSource

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
    """Write a report on stdout: coloured and laid out for where it goes; the progress line goes first."""
    terminal = current_terminal()
    stream: Any = sys.stdout
    progress = terminal.progress
    if progress.enabled:
        if hasattr(result, "on_row"):  # a lazily computed matrix: its rows are the progress
            progress.phase(f"rows of {len(result.endpoints):,} endpoints", len(result.endpoints))
            result.on_row = progress.advance_to
        if stream.isatty():  # output on the same terminal: erase the progress line before the first byte
            stream = StopsProgressOnWrite(stream, progress)
    try:
        report.write(result, fmt, stream, color=terminal.color if color is None else color, width=terminal.width)
        stream.flush()
    except report.UnsupportedFormat as exc:
        raise usage_problem(str(exc)) from None
    except BrokenPipeError:
        # The reader went away (`| head`): stop writing, keep the command's own exit code.
        silence_stdout()
    finally:
        progress.stop()


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
                     help="Solver wall-clock limit per query, instead of the default resource budget (--rlimit); "
                          "running out is exit 3, never a pass."),
        click.option("--pod-cidr", "pod_cidrs", multiple=True, metavar="CIDR",
                     help="Addresses pods that could exist get their IPs from (repeatable; default: any address)."),
        RLIMIT_OPTION,
    ]
    for option in reversed(options):
        func = option(func)
    return func


RLIMIT_OPTION = click.option(
    "--rlimit", type=click.IntRange(min=1), metavar="UNITS",
    help="Solver resource budget per query (z3 rlimit units; default 100000000 unless --timeout is given): unlike "
         "--timeout it runs out at the same point on every machine and under any load; running out is exit 3, "
         "never a pass.")


def prove_options(kw: dict[str, Any]) -> Any:
    """ProveOptions from the SMT options, or None when none was given (they are popped from kw)."""
    hypothetical, timeout, cidrs = kw.pop("hypothetical_namespaces"), kw.pop("timeout"), kw.pop("pod_cidrs")
    rlimit = kw.pop("rlimit", None)
    if not hypothetical and timeout is None and not cidrs and rlimit is None:
        return None
    # Imported only when an option was given: ProveOptions' module imports the SMT engine (issue 19: `can`).
    from netverify.queries.solver_options import ProveOptions
    from netverify.sets import IPSet

    pod_cidr = None
    for cidr in cidrs:
        try:
            block = IPSet.from_cidr(cidr)
        except ValueError:
            raise usage_problem(f"--pod-cidr {cidr!r} is not a valid CIDR", "e.g. --pod-cidr 10.0.0.0/8") from None
        pod_cidr = block if pod_cidr is None else pod_cidr | block
    # The default budget is the deterministic one; --timeout replaces it (both given: either limit applies).
    if rlimit is None and timeout is None:
        rlimit = ProveOptions.rlimit
    return ProveOptions(hypothetical, timeout, pod_cidr, rlimit)



def load_side(inv: Inventory, paths: Sequence[str], git_ref: str | None = None) -> Analysis:
    from netverify.loaders.git import GitProblem, load_git

    cache = inv.documents  # the two versions of a comparison share their identical files' parse
    try:
        result = (load_git(git_ref, paths, inv.namespace, cache=cache, kinds=inv.kinds) if git_ref
                  else read_paths(paths, inv.namespace, cache, inv.kinds))
        result = only_namespaces(result, inv.only_namespaces)
    except GitProblem as exc:
        raise usage_problem(exc.message, exc.hint) from None
    report_diagnostics(result, inv.strict, inv.verbose)
    return Analysis(result.cluster, inv.semantics(), inv.by)

