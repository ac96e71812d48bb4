"""Commands over the loaded inventory's pairs: matrix and can (can --any hands over to the SMT engine)."""

from __future__ import annotations

from typing import Any

import click

from netverify.cli.app import cli
from netverify.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    exit_code,
    inventory_from,
    inventory_options,
    port_query,
    prove_options,
    usage_problem,
    write_result,
)
from netverify.queries.answers import can_answer, matrix_answer
from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointError, EndpointSet, resolve
from netverify.queries.ports import PortError, PortQuery


@cli.command()
@inventory_options
@click.option("--port", help="Only pairs allowed on this port (number, range or name).")
@click.option("--protocol", type=click.Choice(["TCP", "UDP", "SCTP"], case_sensitive=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "csv", "md", "dot", "html"]),
              default="text", show_default=True)
def matrix(port: str | None, protocol: str | None, fmt: str, **kw: Any) -> int:
    """Every ordered pair of endpoints and what traffic is allowed between them."""
    analysis = inventory_from(kw).load()
    write_result(matrix_answer(analysis, port_query(port, protocol)), fmt)
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
@click.option("--np-selection", type=click.Choice(["direction", "any"]), default="direction", show_default=True,
              help="With admin policies: the NetworkPolicy tier is final for a pod isolated in that direction "
                   "(direction), or for a pod any NetworkPolicy selects (any).")
@click.option("--any", "any_pod", is_flag=True,
              help="Ask about any pod that could exist in the selector sets, not only loaded ones (SMT engine; "
                   "exit 3 when the solver cannot decide).")
def can(src: str, dst: str, port: str | None, protocol: str | None, fmt: str, any_pod: bool, np_selection: str,
        **kw: Any) -> int:
    """Can SRC reach DST? Exit 0 when allowed, 1 when denied.

    \b
    Endpoints: ns/pod, ns/Kind/name, ns/name, an IP address, or a set
    NS/SELECTOR (NS a namespace or *, SELECTOR kubectl syntax or *), e.g.
    web/app=frontend, '*/tier in (db,cache)', shop/*. With --any, a CIDR
    (0.0.0.0/0) stands for addresses outside the cluster.
    """
    options = prove_options(kw)
    if any_pod:
        return _can_any(src, dst, port_query(port, protocol), fmt, options, kw)
    if options is not None:
        raise usage_problem("--hypothetical-namespaces, --timeout and --pod-cidr need --any")
    analysis = inventory_from(kw).load()
    try:
        src_set, dst_set = resolve(analysis, src), resolve(analysis, dst)
        if analysis.cluster.admin_policies:
            return _can_tiered(analysis, src_set, dst_set, port_query(port, protocol), fmt, np_selection)
        result = can_answer(analysis, src_set, dst_set, port_query(port, protocol))
    except (EndpointError, PortError) as exc:
        raise usage_problem(str(exc)) from None
    write_result(result, fmt)
    return exit_code(result.outcome)



def _can_tiered(analysis: Analysis, src: EndpointSet, dst: EndpointSet, query: PortQuery, fmt: str,
                np_selection: str) -> int:
    """Admin policies loaded: every pair through the tier walk (queries.tiered_reach)."""
    from netverify.queries.tiered_reach import can_reach_tiered
    from netverify.semantics.admin_tiers import NetworkPolicySelection

    if dst.service is not None:
        raise usage_problem(f"{dst.text} is a Service: with admin policies loaded, `can` answers for pods and "
                            "workloads only so far; ask about its backends (e.g. ns/app=name)")
    result = can_reach_tiered(analysis, src, dst, query, NetworkPolicySelection(np_selection))
    write_result(result, fmt)
    return EXIT_OK if result.allowed else EXIT_FAIL


def _can_any(src: str, dst: str, query: PortQuery, fmt: str, options: Any, kw: dict[str, Any]) -> int:
    from netverify.queries.prove import ProveOptions, can_reach_any

    analysis = inventory_from(kw).load()
    if analysis.cluster.admin_policies:
        raise usage_problem("--any does not fold the Admin and Baseline tiers in yet (admin policies are loaded); "
                            "drop --any to ask about the loaded pods")
    try:
        result = can_reach_any(analysis, src, dst, query, options or ProveOptions())
    except EndpointError as exc:
        raise usage_problem(str(exc)) from None
    write_result(result, fmt)
    return exit_code(result.outcome)

