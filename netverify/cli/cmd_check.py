"""The check command: connectivity assertions proved or refuted (SMT engine)."""

from __future__ import annotations

from typing import Any

import click

from netverify.cli.app import cli
from netverify.cli.common import (
    InputProblem,
    exit_code,
    inventory_from,
    inventory_options,
    np_selection_option,
    prove_options,
    smt_options,
    write_result,
)


@cli.command()
@inventory_options
@click.option("-a", "--assertions", "assertion_paths", multiple=True, required=True, metavar="FILE|DIR",
              help="Assertion files or directories (kind: Assertions; see docs/assertions.md). Repeatable.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "junit", "sarif"]), default="text",
              show_default=True)
@smt_options
@np_selection_option
def check(assertion_paths: tuple[str, ...], fmt: str, **kw: Any) -> int:
    """Prove or refute connectivity assertions, for loaded pods or any pod that could exist.

    Exit 0 when every assertion holds, 1 when one fails (with a counterexample),
    2 for bad input, 3 when the solver could not decide one (never read as a pass).
    """
    from netverify.model import InputError
    from netverify.queries.assertions import load_assertions
    from netverify.queries.prove import ProveOptions, check_assertions

    options = prove_options(kw) or ProveOptions()
    try:
        assertions = load_assertions(assertion_paths)
    except InputError as exc:
        raise InputProblem(exc.diagnostics) from None
    analysis = inventory_from(kw).load()
    try:
        result = check_assertions(analysis, assertions, options)
    except InputError as exc:
        raise InputProblem(exc.diagnostics) from None
    write_result(result, fmt)
    return exit_code(result.outcome)

