"""The equiv and contains commands: two policy sets compared over one inventory."""

from __future__ import annotations

from typing import Any

import click

from netverify.cli.app import cli
from netverify.cli.common import (
    F,
    Inventory,
    exit_code,
    inventory_from,
    inventory_options,
    load_side,
    np_selection_option,
    prove_options,
    smt_options,
    usage_problem,
    write_result,
)


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
        base = load_side(inv, paths, git_base).cluster
        if shared:
            base = with_shared(load_side(inv, shared).cluster, base)
        head = load_side(inv, (*shared, *paths)).cluster
        inv.documents.clear()
        return base, head, (git_base, "working tree")
    if len(inv.paths) != 2:
        raise usage_problem(f"{command} compares two policy sets: give A and B (files or directories), "
                            "or --git-base REF [PATH...]",
                            f"e.g. netverify {command} before/ after/ or netverify {command} --git-base origin/main "
                            "manifests/")
    a, b = load_side(inv, (*shared, inv.paths[0])), load_side(inv, (*shared, inv.paths[1]))
    inv.documents.clear()
    return a.cluster, b.cluster, (inv.paths[0], inv.paths[1])


def _run_compare(relation: str, git_base: str | None, any_pod: bool, engine: str | None, fmt: str,
                 inventory_paths: tuple[str, ...], kw: dict[str, Any]) -> int:
    from netverify.queries.equivalence import compare

    options = prove_options(kw)
    if options is not None and not any_pod and engine != "smt":
        raise usage_problem("--hypothetical-namespaces, --timeout, --rlimit and --pod-cidr need --any or --engine smt")
    if any_pod and engine == "graph":
        raise usage_problem("--any is proved with the SMT engine; --engine graph covers only the loaded inventory",
                            "drop --engine graph")
    inv = inventory_from(kw, by_service=True)  # rejects --by service itself
    left, right, labels = _compare_sides(inv, git_base, relation, inventory_paths)
    result = compare(left, right, labels, relation, "any" if any_pod else "inventory",
                     "smt" if any_pod else (engine or "graph"), inv.semantics(), inv.by, options)
    write_result(result, fmt)
    return exit_code(result.outcome)


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
@np_selection_option
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
@np_selection_option
def contains(git_base: str | None, any_pod: bool, inventory_paths: tuple[str, ...], engine: str | None,
             fmt: str, **kw: Any) -> int:
    """Does A allow at least every connection B allows? A B, or --git-base REF [PATH...].

    \b
    Exit 0 when A contains B, 1 with a connection B allows and A denies, 2 input
    error, 3 solver unknown or timeout. Same inventory and scopes as equiv.
    """
    return _run_compare("contains", git_base, any_pod, engine, fmt, inventory_paths, kw)

