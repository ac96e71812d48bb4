"""The diff command: what a change to the manifests opens and closes (the CI gate)."""

from __future__ import annotations

from typing import Any

import click

from netverify import report
from netverify.cli.app import cli
from netverify.cli.common import (
    InputProblem,
    exit_code,
    inventory_from,
    inventory_options,
    load_side,
    prove_options,
    smt_options,
    usage_problem,
    write_result,
)
from netverify.queries.context import Analysis
from netverify.queries.outcome import Outcome

DIFF_FORMATS = ["text", "json", "md", "sarif", "junit"]


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
@click.option("--pairs", is_flag=True,
              help="List every changed pair on its own (json and text; streamed) instead of grouped changes.")
@smt_options
def diff(git_base: str | None, fail_on: str | None, assertion_paths: tuple[str, ...], fmt: str,
         reports: tuple[str, ...], pairs: bool, **kw: Any) -> int:
    """Semantic connectivity diff: BASE HEAD (files or directories), or --git-base REF [PATH...].

    \b
    Lists connections added, removed and changed between endpoints present on
    both sides and with addresses outside the cluster, grouped into changes
    (sources x destinations that changed the same way for the same causes;
    --pairs lists each pair), and endpoints added or removed with their
    connectivity; each change names the rule, policy or object responsible. Cosmetic edits
    (reordering, renaming or splitting a policy with the same effect) give an
    empty diff. With --assertions, each assertion is proved on HEAD and on
    BASE: a violation on HEAD is introduced by the change or pre-existing.
    Exit 0 unless --fail-on or --assertions say otherwise (1), 3 when the
    solver cannot decide an assertion on HEAD.
    """
    from netverify.queries.diff import diff as diff_query

    options = prove_options(kw)
    if options is not None and not assertion_paths:
        raise usage_problem("--hypothetical-namespaces, --timeout and --pod-cidr need --assertions")
    assertions = _load_assertion_files(assertion_paths) if assertion_paths else None
    inv = inventory_from(kw, by_service=True)  # rejects --by service itself
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
        base, head = load_side(inv, paths, git_base), load_side(inv, paths)
        labels = (git_base, "working tree")
    elif len(inv.paths) == 2:
        base, head = load_side(inv, inv.paths[:1]), load_side(inv, inv.paths[1:])
        labels = (inv.paths[0], inv.paths[1])
    else:
        raise usage_problem("diff compares two versions: give BASE and HEAD (files or directories), "
                            "or --git-base REF [PATH...]", "e.g. netverify diff old/ new/ or netverify diff "
                            "--git-base origin/main manifests/")
    inv.documents.clear()
    result = diff_query(base, head, *labels, fail_on=fail_on, listing="pairs" if pairs else "changes")
    if assertions is not None:
        result = _with_assertions(result, assertions, base, head, options)
    for extra_fmt, path in extra:
        _write_report_file(result, extra_fmt, path)
    write_result(result, fmt)
    return _diff_exit_code(result)


def _diff_exit_code(result: Any) -> int:
    """As for check, an undecided assertion is exit 3 even when something else fails: it is never a pass."""
    checked = result.assertions
    if checked is not None and checked.unknown_on_head:
        return exit_code(Outcome.UNKNOWN)
    violated = checked is not None and checked.violated_on_head
    return exit_code(Outcome.of(not (result.fails() or violated)))


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

