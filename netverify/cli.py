"""Command-line interface: the only module that prints or exits.

Exit codes: 0 pass/allowed, 1 violation/denied, 2 input or usage error,
3 solver unknown/timeout, 4 internal error (a bug: please report it).
"""

from __future__ import annotations

import errno
import io
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from netverify import report
from netverify.engines.graph import without_gc
from netverify.loaders.cluster import ClusterSource
from netverify.loaders.manifests import DocumentCache, LoadResult, load_paths
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
            result = _load_live(self.cluster, self.namespace)
        else:
            if not self.paths:
                raise usage_problem("no manifests given", "pass files or directories, or - for standard input")
            result = _read_paths(self.paths, self.namespace)
        _report_diagnostics(result, self.strict, self.verbose)
        return result

    @property
    def origin(self) -> str:
        if self.cluster is not None:
            return "a live cluster" + (f" (context {self.cluster.context})" if self.cluster.context else "")
        return ", ".join(self.paths)


def _read_paths(paths: Sequence[str], namespace: str, cache: DocumentCache | None = None) -> LoadResult:
    """load_paths with the cyclic garbage collector paused: the loaded objects all survive (see without_gc)."""
    return without_gc(load_paths)(paths, namespace, cache=cache)


def _load_live(source: ClusterSource, default_namespace: str) -> LoadResult:
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


def _inventory(kw: dict[str, Any]) -> Inventory:
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
    return ClusterSource(kubeconfig, context, namespaces, timeout)


def _port_query(port: str | None, protocol: str | None) -> PortQuery:
    try:
        return PortQuery.parse(port, protocol)
    except PortError as exc:
        raise usage_problem(str(exc)) from None


def _write(result: Any, fmt: str, color: bool | None = None) -> None:
    stream = sys.stdout
    try:
        report.write(result, fmt, stream, color=color)
        stream.flush()
    except report.UnsupportedFormat as exc:
        raise usage_problem(str(exc)) from None
    except BrokenPipeError:
        # The reader went away (`| head`): stop writing, keep the command's own exit code.
        _silence_stdout()


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file descriptor (e.g. captured by tests)


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
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "csv", "md", "dot", "html"]),
              default="text", show_default=True)
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
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "md", "html"]), default="text",
              show_default=True)
@click.option("--hypothetical-namespaces", is_flag=True,
              help="With --any: pods may also be in namespaces that do not exist yet, with any labels.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="With --any: solver time limit (default 30); running out is exit 3.")
@click.option("--pod-cidr", "pod_cidrs", multiple=True, metavar="CIDR",
              help="With --any: addresses pods that could exist get their IPs from (default: any address).")
@click.option("--any", "any_pod", is_flag=True,
              help="Ask about any pod that could exist in the selector sets, not only loaded ones (SMT engine; "
                   "exit 3 when the solver cannot decide).")
def can(src: str, dst: str, port: str | None, protocol: str | None, fmt: str, any_pod: bool, **kw: Any) -> int:
    """Can SRC reach DST? Exit 0 when allowed, 1 when denied.

    \b
    Endpoints: ns/pod, ns/Kind/name, ns/name, an IP address, or a set
    NS/SELECTOR (NS a namespace or *, SELECTOR kubectl syntax or *), e.g.
    web/app=frontend, '*/tier in (db,cache)', shop/*. With --any, a CIDR
    (0.0.0.0/0) stands for addresses outside the cluster.
    """
    options = _prove_options(kw)
    if any_pod:
        return _can_any(src, dst, _port_query(port, protocol), fmt, options, kw)
    if options is not None:
        raise usage_problem("--hypothetical-namespaces, --timeout and --pod-cidr need --any")
    analysis = _inventory(kw).load()
    try:
        src_set, dst_set = resolve(analysis, src), resolve(analysis, dst)
        result = can_reach(analysis, src_set, dst_set, _port_query(port, protocol))
    except (EndpointError, PortError) as exc:
        raise usage_problem(str(exc)) from None
    _write(result, fmt)
    return EXIT_OK if result.allowed else EXIT_FAIL


# --- commands: check, can --any (SMT engine; issue 3) ---


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


def _prove_options(kw: dict[str, Any]) -> Any:
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


def _can_any(src: str, dst: str, query: PortQuery, fmt: str, options: Any, kw: dict[str, Any]) -> int:
    from netverify.queries.prove import ProveOptions, can_reach_any

    analysis = _inventory(kw).load()
    try:
        result = can_reach_any(analysis, src, dst, query, options or ProveOptions())
    except EndpointError as exc:
        raise usage_problem(str(exc)) from None
    _write(result, fmt)
    if result.reachable is None:
        return EXIT_UNKNOWN
    return EXIT_OK if result.reachable else EXIT_FAIL


@cli.command()
@inventory_options
@click.option("-a", "--assertions", "assertion_paths", multiple=True, required=True, metavar="FILE|DIR",
              help="Assertion files or directories (kind: Assertions; see docs/assertions.md). Repeatable.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "junit", "sarif"]), default="text",
              show_default=True)
@smt_options
def check(assertion_paths: tuple[str, ...], fmt: str, **kw: Any) -> int:
    """Prove or refute connectivity assertions, for loaded pods or any pod that could exist.

    Exit 0 when every assertion holds, 1 when one fails (with a counterexample),
    2 for bad input, 3 when the solver could not decide one (never read as a pass).
    """
    from netverify.model import InputError
    from netverify.queries.assertions import load_assertions
    from netverify.queries.prove import ProveOptions, check_assertions

    options = _prove_options(kw) or ProveOptions()
    try:
        assertions = load_assertions(assertion_paths)
    except InputError as exc:
        raise InputProblem(exc.diagnostics) from None
    analysis = _inventory(kw).load()
    try:
        result = check_assertions(analysis, assertions, options)
    except InputError as exc:
        raise InputProblem(exc.diagnostics) from None
    _write(result, fmt)
    if result.count("unknown"):
        return EXIT_UNKNOWN
    return EXIT_FAIL if result.count("fails") else EXIT_OK


# --- commands: diff (CI gate; issue 4) ---

DIFF_FORMATS = ["text", "json", "md", "sarif", "junit"]


def _load_side(inv: Inventory, paths: Sequence[str], git_ref: str | None = None) -> Analysis:
    from netverify.loaders.git import GitProblem, load_git

    cache = inv.documents  # the two versions of a comparison share their identical files' parse
    try:
        result = (load_git(git_ref, paths, inv.namespace, cache=cache) if git_ref
                  else _read_paths(paths, inv.namespace, cache))
    except GitProblem as exc:
        raise usage_problem(exc.message, exc.hint) from None
    _report_diagnostics(result, inv.strict, inv.verbose)
    return Analysis(result.cluster, inv.semantics(), inv.by)


def _extra_reports(specs: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for spec in specs:
        fmt, sep, path = spec.partition("=")
        if not sep or fmt not in DIFF_FORMATS or not path:
            raise usage_problem(f"--report {spec!r}: expected FORMAT=FILE with FORMAT one of {', '.join(DIFF_FORMATS)}",
                                "e.g. --report sarif=netverify.sarif --report md=summary.md")
        out.append((fmt, path))
    return out


def _write_report_file(result: Any, fmt: str, path: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            report.write(result, fmt, handle)
    except OSError as exc:
        raise usage_problem(f"cannot write {path}: {exc.strerror}",
                            "check that the directory exists and is writable") from None


@cli.command()
@inventory_options
@click.option("--git-base", metavar="REF",
              help="Compare the manifests under PATHS at git revision REF (read with git, no checkout) "
                   "against the working tree.")
@click.option("--fail-on", type=click.Choice(["added", "removed", "any"]),
              help="Exit 1 when connections were added, removed, or anything changed (default: never on the diff).")
@click.option("-a", "--assertions", "assertion_paths", multiple=True, metavar="FILE|DIR",
              help="Assertion files or directories (as for check; repeatable): exit 1 when HEAD violates one, "
                   "saying whether BASE did too; exit 3 when the solver cannot decide one on HEAD.")
@click.option("-f", "--format", "fmt", type=click.Choice(DIFF_FORMATS), default="text", show_default=True)
@click.option("--report", "reports", multiple=True, metavar="FORMAT=FILE",
              help="Also write the result as FORMAT to FILE (repeatable), e.g. --report sarif=netverify.sarif.")
@smt_options
def diff(git_base: str | None, fail_on: str | None, assertion_paths: tuple[str, ...], fmt: str,
         reports: tuple[str, ...], **kw: Any) -> int:
    """Semantic connectivity diff: BASE HEAD (files or directories), or --git-base REF [PATH...].

    \b
    Lists connections added, removed and changed between endpoints present on
    both sides, and endpoints added or removed with their connectivity; each
    change names the rule, policy or object responsible. Cosmetic edits
    (reordering, renaming or splitting a policy with the same effect) give an
    empty diff. With --assertions, each assertion is proved on HEAD and on
    BASE: a violation on HEAD is introduced by the change or pre-existing.
    Exit 0 unless --fail-on or --assertions say otherwise (1), 3 when the
    solver cannot decide an assertion on HEAD.
    """
    from netverify.queries.diff import diff as diff_query

    options = _prove_options(kw)
    if options is not None and not assertion_paths:
        raise usage_problem("--hypothetical-namespaces, --timeout and --pod-cidr need --assertions")
    assertions = _load_assertion_files(assertion_paths) if assertion_paths else None
    inv = _inventory(kw)
    if inv.cluster is not None:
        raise usage_problem("diff compares manifests, not a live cluster",
                            "save the cluster first: netverify snapshot --cluster -o live.yaml; "
                            "then netverify diff live.yaml PATH")
    if inv.by == "service":
        raise usage_problem("diff reports workloads or pods; --by service is not supported by diff",
                            "use --by workload (the default) or --by pod")
    extra = _extra_reports(reports)
    if git_base:
        paths = inv.paths or (".",)
        base, head = _load_side(inv, paths, git_base), _load_side(inv, paths)
        labels = (git_base, "working tree")
    elif len(inv.paths) == 2:
        base, head = _load_side(inv, inv.paths[:1]), _load_side(inv, inv.paths[1:])
        labels = (inv.paths[0], inv.paths[1])
    else:
        raise usage_problem("diff compares two versions: give BASE and HEAD (files or directories), "
                            "or --git-base REF [PATH...]", "e.g. netverify diff old/ new/ or netverify diff "
                            "--git-base origin/main manifests/")
    inv.documents.clear()
    result = diff_query(base, head, *labels, fail_on=fail_on)
    if assertions is not None:
        result = _with_assertions(result, assertions, base, head, options)
    for extra_fmt, path in extra:
        _write_report_file(result, extra_fmt, path)
    _write(result, fmt)
    return _diff_exit_code(result)


def _diff_exit_code(result: Any) -> int:
    """As for check, an undecided assertion is exit 3 even when something else fails: it is never a pass."""
    checked = result.assertions
    if checked is not None and checked.unknown_on_head:
        return EXIT_UNKNOWN
    violated = checked is not None and checked.violated_on_head
    return EXIT_FAIL if result.fails() or violated else EXIT_OK


def _load_assertion_files(paths: tuple[str, ...]) -> Any:
    from netverify.model import InputError
    from netverify.queries.assertions import load_assertions

    try:
        return load_assertions(paths)
    except InputError as exc:
        raise InputProblem(exc.diagnostics) from None


def _with_assertions(result: Any, assertions: Any, base: Analysis, head: Analysis, options: Any) -> Any:
    from netverify.model import InputError
    from netverify.queries.diff_assertions import compare_assertions
    from netverify.queries.prove import ProveOptions

    try:
        return compare_assertions(result, assertions, base, head, options or ProveOptions())
    except InputError as exc:  # an endpoint of an assertion that HEAD does not have
        raise InputProblem(exc.diagnostics) from None


# --- commands: snapshot, exposure (live clusters, services; issue 5) ---

@cli.command()
@inventory_options
@click.option("-o", "--output", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write; - for standard output.")
def snapshot(output: str, **kw: Any) -> int:
    """Write what was read as manifests, to analyse a cluster offline or attach to a bug report.

    \b
    The manifests keep what NetworkPolicy analysis reads (names, labels, owners,
    container ports, pod IPs, nodes, Services, EndpointSlices, NetworkPolicies) and
    nothing else (no images, environment or annotations). Loading the snapshot gives
    the same answers as the source:
      netverify snapshot --cluster --context prod -o prod.yaml
      netverify matrix prod.yaml
    """
    from netverify.loaders.snapshot import write_snapshot

    inv = _inventory(kw)
    result = inv.read()
    if output == "-":
        write_snapshot(result.cluster, sys.stdout, inv.origin)
        return EXIT_OK
    try:
        with open(output, "w", encoding="utf-8") as handle:
            count = write_snapshot(result.cluster, handle, inv.origin)
    except OSError as exc:
        raise usage_problem(f"cannot write {output}: {exc.strerror}",
                            "check that the directory exists and is writable") from None
    click.echo(f"wrote {count} objects to {output}", err=True)
    return EXIT_OK


@cli.command()
@inventory_options
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
def exposure(fmt: str, **kw: Any) -> int:
    """What can be reached from outside the cluster, how, and what can reach the internet.

    \b
    Ingress: pods whose policies admit addresses outside the cluster (ipBlocks, rules
    without `from`, or no isolating policy), and NodePort, LoadBalancer and externalIPs
    Services per backend after targetPort translation, with loadBalancerSourceRanges.
    With externalTrafficPolicy: Cluster the client address becomes a node address, so
    ipBlock rules on client addresses do not do what they appear to: reported.
    Egress: the ports and external addresses (the internet: 0.0.0.0/0, ::/0 outside
    private ranges) each pod may send to. Exit 0 (a report, not a check).
    """
    from netverify.queries.exposure import exposure as exposure_query

    analysis = _inventory(kw).load()
    _write(exposure_query(analysis), fmt)
    return EXIT_OK



# --- commands: lint (issue 6) ---

LINT_FORMATS = ["text", "json", "sarif", "md"]


def _codes(option: str, text: str | None) -> tuple[str, ...]:
    from netverify.queries.lint.codes import is_code_pattern

    codes = tuple(c.strip().upper() for c in (text or "").split(",") if c.strip())
    bad = [c for c in codes if not is_code_pattern(c)]
    if bad:
        raise usage_problem(f"{option} {', '.join(bad)}: not a lint code or code prefix",
                            "give codes or prefixes separated by commas, e.g. NV101,NV4 (see docs/lint/README.md)")
    return codes


def _read_for_lint(inv: Inventory) -> LoadResult:
    """Like Inventory.read, but errors are returned (lint still checks what loaded) rather than raised."""
    if inv.cluster is not None:
        if inv.paths:
            raise usage_problem("give PATHs or --cluster, not both")
        result = _load_live(inv.cluster, inv.namespace)
    else:
        if not inv.paths:
            raise usage_problem("no manifests given", "pass files or directories, or - for standard input")
        result = _read_paths(_distinct_paths(inv.paths), inv.namespace)
    try:
        _report_diagnostics(LoadResult(result.cluster, result.warnings), inv.strict, inv.verbose)
    except InputProblem as exc:  # --strict: warnings and skipped kinds are errors too
        result = LoadResult(result.cluster, result.errors + exc.diagnostics)
    return result


def _distinct_paths(paths: Sequence[str]) -> list[str]:
    """The paths without those another one already reads: the pre-commit hook passes the changed files
    after the directories given in `args`, and reading a file twice would report every object as a duplicate."""
    real = {p: os.path.realpath(p) for p in paths if p != "-"}
    dirs = [r for r in real.values() if os.path.isdir(r)]
    out: list[str] = []
    seen: set[str] = set()
    for p in paths:
        r = real.get(p)
        if r is not None and (r in seen or any(_read_by_walk(r, d) for d in dirs)):
            continue
        if r is not None:
            seen.add(r)
        out.append(p)
    return out


def _read_by_walk(path: str, directory: str) -> bool:
    """Whether reading `directory` reads the file `path` (manifest suffix, no hidden component on the way)."""
    from netverify.loaders.manifests import MANIFEST_SUFFIXES

    rel = os.path.relpath(path, directory)
    if rel == os.curdir or rel.startswith(os.pardir) or os.path.isdir(path):
        return False
    return path.endswith(MANIFEST_SUFFIXES) and not any(part.startswith(".") for part in rel.split(os.sep))


def _lint_input_errors(errors: Sequence[Diagnostic], result: Any) -> None:
    """Bad input is exit 2 with nothing on stdout, as for every command; but lint does not stop at it:
    every error is on stderr with its lint code, then the findings of the objects that did load."""
    from netverify.queries.lint.findings import DOCS_BASE
    from netverify.queries.lint.validity import code_of

    for d in errors:
        code = code_of(d)
        hint = f"{d.hint} (see {DOCS_BASE}/{code}.md)" if d.hint else f"see {DOCS_BASE}/{code}.md"
        click.echo(Diagnostic(d.severity, d.source, f"{d.message} [{code}]", hint, d.obj).render(), err=True)
    rest = [f for f in result.findings if not f.code.startswith("NV3")]
    if rest or result.notes:
        click.echo(f"lint of the objects that loaded (fix the {len(errors)} input error"
                   f"{'' if len(errors) == 1 else 's'} above for a report on standard output):", err=True)
        report.write(type(result)(rest, result.notes), "text", sys.stderr)


@cli.command()
@inventory_options
@click.option("-f", "--format", "fmt", type=click.Choice(LINT_FORMATS), default="text", show_default=True)
@click.option("--select", metavar="CODES", help="Report only these codes or prefixes, comma-separated (NV101,NV4).")
@click.option("--ignore", metavar="CODES", help="Do not report these codes or prefixes, comma-separated.")
@click.option("--any", "any_pod", is_flag=True,
              help="Redundancy (NV6xx): prove it for any pod that could exist, not only the loaded ones.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              metavar="SECONDS", help="Redundancy (NV6xx): solver time limit per query.")
def lint(fmt: str, select: str | None, ignore: str | None, any_pod: bool, timeout: float, **kw: Any) -> int:
    """Find NetworkPolicy mistakes: selectors that select nothing, named ports that resolve
    nowhere, invalid objects, blocked DNS, unisolated pods, overly broad rules, ipBlocks over
    pod IPs, hostNetwork pods, the two-peers YAML trap, redundant rules.

    \b
    Every finding has a code (docs/lint/<CODE>.md explains it, with a fixed example).
    Exit 0 when no finding is an error or warning (info does not fail), 1 when one is,
    2 when some input cannot be read or the API server would reject an object: then, as
    for every command, nothing is written on stdout, and stderr lists every such error
    with its code (NV3xx), then the findings of the objects that did load.
    """
    from netverify.queries.lint import LintOptions
    from netverify.queries.lint import lint as lint_query

    options = LintOptions(_codes("--select", select), _codes("--ignore", ignore),
                          "any" if any_pod else "inventory", timeout)
    inv = _inventory(kw)
    loaded = _read_for_lint(inv)
    from netverify.queries.lint.redundancy import RedundancyUnknown

    try:
        result = lint_query(Analysis(loaded.cluster, inv.semantics(), inv.by), loaded.errors, options)
    except RedundancyUnknown as exc:  # the solver could not decide: exit 3, never a pass
        click.echo(f"error: {exc}", err=True)
        return EXIT_UNKNOWN
    if result.input_errors:
        _lint_input_errors(loaded.errors, result)
        return EXIT_INPUT
    _write(result, fmt)
    return EXIT_FAIL if result.fails else EXIT_OK



# --- commands: equiv, contains (issue 6, equivalence) ---


def _compare_sides(inv: Inventory, git_base: str | None, command: str,
                   shared: tuple[str, ...] = ()) -> tuple[Any, Any, tuple[str, str]]:
    """The two clusters to compare (A, B) and how they were given; usage errors as exit 2.

    `shared` (--inventory) is loaded with each side, so the loader checks each side's policies
    against the workloads they will run with."""
    if inv.cluster is not None:
        raise usage_problem(f"{command} compares manifests, not a live cluster",
                            "save the cluster first: netverify snapshot --cluster -o live.yaml")
    if inv.by == "service":
        raise usage_problem(f"{command} reports workloads or pods; --by service is not supported",
                            "use --by workload (the default) or --by pod")
    if git_base:
        from netverify.queries.equivalence import with_shared

        paths = inv.paths or (".",)
        base = _load_side(inv, paths, git_base).cluster
        if shared:
            base = with_shared(_load_side(inv, shared).cluster, base)
        head = _load_side(inv, (*shared, *paths)).cluster
        inv.documents.clear()
        return base, head, (git_base, "working tree")
    if len(inv.paths) != 2:
        raise usage_problem(f"{command} compares two policy sets: give A and B (files or directories), "
                            "or --git-base REF [PATH...]",
                            f"e.g. netverify {command} before/ after/ or netverify {command} --git-base origin/main "
                            "manifests/")
    a, b = _load_side(inv, (*shared, inv.paths[0])), _load_side(inv, (*shared, inv.paths[1]))
    inv.documents.clear()
    return a.cluster, b.cluster, (inv.paths[0], inv.paths[1])


def _run_compare(relation: str, git_base: str | None, any_pod: bool, engine: str | None, fmt: str,
                 inventory_paths: tuple[str, ...], kw: dict[str, Any]) -> int:
    from netverify.queries.equivalence import SmtScope, compare

    options = _prove_options(kw)
    if options is not None and not any_pod and engine != "smt":
        raise usage_problem("--hypothetical-namespaces, --timeout and --pod-cidr need --any or --engine smt")
    if any_pod and engine == "graph":
        raise usage_problem("--any is proved with the SMT engine; --engine graph covers only the loaded inventory",
                            "drop --engine graph")
    inv = _inventory(kw)
    left, right, labels = _compare_sides(inv, git_base, relation, inventory_paths)
    scope = SmtScope() if options is None else SmtScope(options.hypothetical_namespaces, options.timeout_s,
                                                       options.pod_cidr)
    result = compare(left, right, labels, relation, "any" if any_pod else "inventory",
                     "smt" if any_pod else (engine or "graph"), inv.semantics(), inv.by, scope)
    _write(result, fmt)
    if result.holds is None:
        return EXIT_UNKNOWN
    return EXIT_OK if result.holds else EXIT_FAIL


def compare_options(func: F) -> F:
    options = [
        click.option("--git-base", metavar="REF",
                     help="A is the manifests under PATHS at git revision REF (read with git, no checkout); "
                          "B is the working tree."),
        click.option("--any", "any_pod", is_flag=True,
                     help="Also for any pod that could exist (SMT engine; exit 3 when the solver cannot decide)."),
        click.option("--inventory", "inventory_paths", multiple=True, metavar="PATH", type=click.Path(exists=True),
                     help="Manifests both sides share (workloads, and policies common to both), when A and B hold "
                          "only policies. Repeatable."),
        click.option("--engine", type=click.Choice(["graph", "smt"]),
                     help="Engine for the loaded inventory (default graph; --any always uses smt)."),
        click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text",
                     show_default=True),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command()
@inventory_options
@compare_options
@smt_options
def equiv(git_base: str | None, any_pod: bool, inventory_paths: tuple[str, ...], engine: str | None, fmt: str,
          **kw: Any) -> int:
    """Do policy sets A and B allow exactly the same connections? A B, or --git-base REF [PATH...].

    \b
    Both sets are evaluated over one inventory: the namespaces, pods and workloads
    of both sides (B's version of an object wins). The loaded endpoints and every
    address outside the cluster are compared; with --any also any pod that could
    exist. Exit 0 equivalent, 1 with a distinguishing connection (the rules on each
    side), 2 input error, 3 solver unknown or timeout (never read as equivalent).
    """
    return _run_compare("equiv", git_base, any_pod, engine, fmt, inventory_paths, kw)


@cli.command()
@inventory_options
@compare_options
@smt_options
def contains(git_base: str | None, any_pod: bool, inventory_paths: tuple[str, ...], engine: str | None,
             fmt: str, **kw: Any) -> int:
    """Does A allow at least every connection B allows? A B, or --git-base REF [PATH...].

    \b
    Exit 0 when A contains B, 1 with a connection B allows and A denies, 2 input
    error, 3 solver unknown or timeout. Same inventory and scopes as equiv.
    """
    return _run_compare("contains", git_base, any_pod, engine, fmt, inventory_paths, kw)


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
    except OSError as exc:
        if exc.errno not in _CANNOT_WRITE:
            return _internal_error(exc, debug)
        # A full disk or a failing device is not a bug: say what happened. What is still buffered
        # cannot be written either: drop it, or Python fails again (with a traceback) at exit.
        _silence_stdout()
        click.echo(f"error: cannot write the output: {exc.strerror}\n"
                   "  hint: free space on the device, or write the output elsewhere", err=True)
        return EXIT_INPUT
    except Exception as exc:  # a bug: say so plainly, never a raw traceback unless asked
        return _internal_error(exc, debug)
    return int(result or 0)


_CANNOT_WRITE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _internal_error(exc: Exception, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    # Only the exception's type and where: its message may quote input (a kubeconfig, a Secret).
    click.echo(f"netverify: internal error: {type(exc).__name__}{_bug_location(exc)}\n"
               "  This is a bug in netverify; rerun with --debug and report the traceback "
               "(check it for credentials or other data first).", err=True)
    return EXIT_INTERNAL


def _bug_location(exc: BaseException) -> str:
    """` at netverify/x.py:N` for the innermost netverify frame of the traceback, if any."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        _, sep, rest = frame.filename.replace("\\", "/").rpartition("/netverify/")
        if sep:
            return f" at netverify/{rest}:{frame.lineno}"
    return ""


def run() -> None:
    sys.exit(main())
