"""The lint command: findings with stable codes; input errors reported with their codes too."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from netverify import report
from netverify.cli.app import cli
from netverify.cli.common import (
    EXIT_INPUT,
    InputProblem,
    Inventory,
    exit_code,
    inventory_from,
    inventory_options,
    load_live,
    np_selection_option,
    only_namespaces,
    read_paths,
    report_diagnostics,
    usage_problem,
    write_result,
)
from netverify.cli.hints import endpoint_hint
from netverify.loaders.manifests import LoadResult
from netverify.model import Diagnostic
from netverify.queries.context import Analysis
from netverify.queries.lint.ports import reported_by_lint
from netverify.queries.outcome import Outcome
from netverify.runtime import survivors_frozen

LINT_FORMATS = ["text", "json", "sarif", "md"]


def _codes(option: str, text: str | None) -> tuple[str, ...]:
    from netverify.queries.lint.codes import is_code_pattern

    codes = tuple(c.strip().upper() for c in (text or "").split(",") if c.strip())
    bad = [c for c in codes if not is_code_pattern(c)]
    if bad:
        raise usage_problem(f"{option} {', '.join(bad)}: not a lint code or code prefix",
                            "give codes or prefixes separated by commas, e.g. NV101,NV4 (see docs/lint/README.md)")
    return codes


def endpoint_ids(analysis: Analysis, texts: tuple[str, ...]) -> frozenset[str] | None:
    """The endpoints --src/--dst name (None: not given); a bad expression is a usage error with a hint."""
    from netverify.queries.endpoints import EndpointError, resolve_ids

    try:
        return resolve_ids(analysis, texts)
    except EndpointError as exc:
        bad = next((t for t in texts if t in str(exc)), texts[0])
        raise usage_problem(str(exc), endpoint_hint(analysis, bad)) from None


def _read_for_lint(inv: Inventory) -> LoadResult:
    """Like Inventory.read, but errors are returned (lint still checks what loaded) rather than raised."""
    if inv.cluster is not None:
        if inv.paths:
            raise usage_problem("give PATHs or --cluster, not both")
        result = load_live(inv.cluster, inv.namespace)
    else:
        if not inv.paths:
            raise usage_problem("no manifests given", "pass files or directories, or - for standard input")
        inv.terminal.progress.phase("loading manifests")
        result = only_namespaces(read_paths(_distinct_paths(inv.paths), inv.namespace, kinds=inv.kinds),
                                 inv.only_namespaces)
    # A loader warning that a lint check reports with its code (NV201: a named port no container declares)
    # is shown once, as the finding; under --strict it still counts as an input error.
    warnings = result.warnings if inv.strict else [w for w in result.warnings if not reported_by_lint(w)]
    try:
        report_diagnostics(LoadResult(result.cluster, warnings), inv.strict, inv.verbose)
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
@np_selection_option
@click.option("-f", "--format", "fmt", type=click.Choice(LINT_FORMATS), default="text", show_default=True)
@click.option("--select", metavar="CODES", help="Report only these codes or prefixes, comma-separated (NV101,NV4).")
@click.option("--ignore", metavar="CODES", help="Do not report these codes or prefixes, comma-separated.")
@click.option("--any", "any_pod", is_flag=True,
              help="Redundancy (NV6xx): prove it for any pod that could exist, not only the loaded ones.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              metavar="SECONDS", help="Redundancy (NV6xx): solver time limit per query.")
@click.option("--profile", type=click.Choice(["default", "strict"]), default="default", show_default=True,
              help="default: posture findings (NV402 unisolated pods, NV403 no default-deny) are info, one summary "
                   "line each; strict: NV402 is a warning and every finding is listed.")
@click.option("--src", "src_sets", multiple=True, metavar="ENDPOINTS",
              help="Only findings about traffic from these endpoints (endpoint grammar as for can: shop/*, "
                   "'*/app=web', ns/Kind/name; repeatable).")
@click.option("--dst", "dst_sets", multiple=True, metavar="ENDPOINTS",
              help="Only findings about traffic to these endpoints (same grammar; repeatable).")
def lint(fmt: str, select: str | None, ignore: str | None, any_pod: bool, timeout: float, profile: str,
         src_sets: tuple[str, ...], dst_sets: tuple[str, ...], **kw: Any) -> int:
    """Find NetworkPolicy mistakes: selectors that select nothing, named ports that resolve
    nowhere, invalid objects, blocked DNS, unisolated pods, overly broad rules, ipBlocks over
    pod IPs, hostNetwork pods, the two-peers YAML trap, redundant rules.

    \b
    Every finding has a code (docs/lint/<CODE>.md explains it, with a fixed example).
    Posture findings (pods no policy isolates, namespaces without a default-deny)
    are info under the default profile; --profile strict makes NV402 a warning.
    With admin policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
    ClusterNetworkPolicy), NV7xx report what their tiers really decide.
    --src/--dst keep the findings about traffic from/to endpoint sets, and with
    files -n NS those about namespace NS (everything is still checked: policies
    in other namespaces decide traffic too); docs/lint/README.md says how.
    Exit 0 when no finding is an error or warning (info does not fail), 1 when one is,
    2 when some input cannot be read or the API server would reject an object: then, as
    for every command, nothing is written on stdout, and stderr lists every such error
    with its code (NV3xx), then the findings of the objects that did load.
    """
    from netverify.queries.lint import LintFilter, LintOptions
    from netverify.queries.lint import lint as lint_query

    # -n NS with files (the kubectl habit): everything is loaded and checked, the findings about NS are
    # reported. With --cluster it limits what is read.
    only_ns = () if kw.get("live") else tuple(kw.get("cluster_namespaces", ()))
    if only_ns:
        kw["cluster_namespaces"] = ()
    # The inventory, its engines and the findings live until the process ends: built with the collector
    # paused, then frozen (runtime.survivors_frozen), so no collection walks them again.
    with survivors_frozen():
        inv = inventory_from(kw)
        progress = inv.terminal.progress
        loaded = _read_for_lint(inv)
        analysis = Analysis(loaded.cluster, inv.semantics(), inv.by)
        progress.phase(f"compiling {loaded.cluster.policy_count:,} policies")
        _ = analysis.policies
        progress.phase(f"building endpoints of {len(loaded.cluster.pods):,} pods")
        only = LintFilter(endpoint_ids(analysis, src_sets), endpoint_ids(analysis, dst_sets), only_ns)
        options = LintOptions(_codes("--select", select), _codes("--ignore", ignore),
                              "any" if any_pod else "inventory", timeout, profile, only)
        from netverify.queries.lint.redundancy import RedundancyUnknown

        try:
            result = lint_query(analysis, loaded.errors, options, lambda text, steps: progress.phase(text, steps))
        except RedundancyUnknown as exc:  # the solver could not decide: exit 3, never a pass
            click.echo(f"error: {exc}", err=True)
            return exit_code(Outcome.UNKNOWN)
    if result.input_errors:
        _lint_input_errors(loaded.errors, result)
        return EXIT_INPUT
    write_result(result, fmt)
    return exit_code(result.outcome)


