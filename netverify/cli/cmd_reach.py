"""Commands over the loaded inventory's pairs: matrix and can (can --any hands over to the SMT engine)."""

from __future__ import annotations

from typing import Any

import click

from netverify.cli.app import cli
from netverify.cli.common import (
    EXIT_OK,
    RLIMIT_OPTION,
    exit_code,
    inventory_from,
    inventory_options,
    np_selection_option,
    port_query,
    prove_options,
    usage_problem,
    write_result,
)
from netverify.cli.hints import endpoint_hint, misplaced_paths, port_name_hint
from netverify.queries.answers import can_answer, matrix_answer
from netverify.queries.endpoints import EndpointError, resolve
from netverify.queries.ports import PortError, PortQuery


@cli.command()
@inventory_options
@click.option("--port", help="Only pairs allowed on this port (number, range or name).")
@click.option("--protocol", type=click.Choice(["TCP", "UDP", "SCTP"], case_sensitive=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "csv", "md", "dot", "svg", "html"]),
              default="text", show_default=True,
              help="dot and svg draw a graph (svg needs Graphviz's dot); html is one interactive page.")
@click.option("--src", "src_sets", multiple=True, metavar="ENDPOINTS",
              help="Only pairs from these endpoints (endpoint grammar as for can: shop/*, '*/app=web', "
                   "ns/Kind/name; repeatable).")
@click.option("--dst", "dst_sets", multiple=True, metavar="ENDPOINTS",
              help="Only pairs to these endpoints (same grammar; repeatable).")
@np_selection_option
def matrix(port: str | None, protocol: str | None, fmt: str, src_sets: tuple[str, ...], dst_sets: tuple[str, ...],
           **kw: Any) -> int:
    """Every ordered pair of endpoints and what traffic is allowed between them.

    \b
    --src and --dst keep the pairs between two endpoint sets, e.g.
      netverify matrix manifests/ --src 'shop/*' --dst 'data/*'
    With files, -n NS keeps the pairs inside namespace NS (repeatable; policies
    everywhere still count); with --cluster it reads only NS.
    """
    by_namespace = kw.get("by") == "namespace"
    # -n NS with files (the kubectl habit): report the namespace's pairs; everything is still loaded,
    # since policies in other namespaces decide traffic too. With --cluster it limits what is read.
    only_ns = () if kw.get("live") else tuple(kw.get("cluster_namespaces", ()))
    if only_ns:
        kw["cluster_namespaces"] = ()
    inv = inventory_from(kw, by_service=True)
    if by_namespace:
        inv.by = "workload"  # counted from the workload matrix
    analysis = inv.load()
    result = matrix_answer(analysis, port_query(port, protocol))
    if src_sets or dst_sets or only_ns:
        if analysis.by == "service" and dst_sets:
            raise usage_problem("--dst does not apply with --by service (the destinations are Services)",
                                "filter the clients with --src, or use --by workload")
        sources, destinations = _ids(analysis, src_sets), _ids(analysis, dst_sets)
        if only_ns:
            inside = _ids(analysis, tuple(f"{ns}/*" for ns in only_ns)) or frozenset()
            sources = inside if sources is None else sources & inside
            if analysis.by != "service":
                destinations = inside if destinations is None else destinations & inside
        result.restrict(sources, destinations)
    if by_namespace:
        if fmt not in ("text", "json", "md"):
            raise usage_problem(f"--by namespace is written as text, json or md, not {fmt}",
                                "the html page (--format html) has a namespace overview of its own")
        from netverify.queries.matrix import MatrixResult
        from netverify.queries.namespace_matrix import NamespaceMatrixResult

        assert isinstance(result, MatrixResult)  # counted from the workload matrix (inv.by above)
        write_result(NamespaceMatrixResult(result), fmt)
        return EXIT_OK
    write_result(result, fmt)
    return EXIT_OK


def _ids(analysis: Any, texts: tuple[str, ...]) -> frozenset[str] | None:
    """The endpoint ids the expressions name (None: no expression, every endpoint)."""
    if not texts:
        return None
    found: set[str] = set()
    for text in texts:
        try:
            found.update(m.id for m in resolve(analysis, text).members)
        except EndpointError as exc:
            raise usage_problem(str(exc)) from None
    return frozenset(found)


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
@RLIMIT_OPTION
@np_selection_option
@click.option("--any", "any_pod", is_flag=True,
              help="Ask whether SOME pod that could exist in SRC reaches some in DST, not only loaded ones (SMT "
                   "engine; exit 3 when the solver cannot decide).")
@click.option("--some", "some_pair", is_flag=True,
              help="With sets: allowed when at least one pair is (default: every pair must be).")
def can(src: str, dst: str, port: str | None, protocol: str | None, fmt: str, any_pod: bool, some_pair: bool,
        **kw: Any) -> int:
    """Can SRC reach DST? Exit 0 when allowed, 1 when denied.

    \b
    Endpoints: ns/pod, ns/Kind/name, ns/name, an IP address, or a set
    NS/SELECTOR (NS a namespace or *, SELECTOR kubectl syntax or *), e.g.
    web/app=frontend, '*/tier in (db,cache)', shop/*,
    'monitoring/app.kubernetes.io/name=prometheus'. NS/SELECTOR wins
    whenever the part after the first / reads as a selector. With --any, a
    CIDR (0.0.0.0/0) stands for addresses outside the cluster.

    \b
    Sets: the answer counts pairs ("k of n pairs allowed"); exit 0 only
    when EVERY pair is allowed, or with --some when at least one is. A
    Service is reached by a client only when every backend admits it.
    With --any the question is whether some pod that could exist reaches.
    """
    misplaced = misplaced_paths(src, dst, kw["paths"])
    if misplaced:
        raise usage_problem(misplaced)
    options = prove_options(kw)
    if any_pod:
        return _can_any(src, dst, port_query(port, protocol), fmt, options, kw)
    if options is not None:
        raise usage_problem("--hypothetical-namespaces, --timeout, --rlimit and --pod-cidr need --any")
    analysis = inventory_from(kw).load()
    query = port_query(port, protocol)
    sets = []
    for text in (src, dst):
        try:
            sets.append(resolve(analysis, text))
        except EndpointError as exc:
            raise usage_problem(str(exc), endpoint_hint(analysis, text)) from None
    try:
        result = can_answer(analysis, sets[0], sets[1], query, "some" if some_pair else "all")
    except EndpointError as exc:  # e.g. an ExternalName Service: the message says what to ask instead
        raise usage_problem(str(exc)) from None
    except PortError as exc:
        hint = port_name_hint(sets[1], query.port) if isinstance(query.port, str) else ""
        raise usage_problem(str(exc), hint) from None
    write_result(result, fmt)
    return exit_code(result.outcome)


def _can_any(src: str, dst: str, query: PortQuery, fmt: str, options: Any, kw: dict[str, Any]) -> int:
    from netverify.queries.prove import ProveOptions, can_reach_any

    analysis = inventory_from(kw).load()  # admin tiers are folded by the SMT engine (queries/prove.py)
    try:
        result = can_reach_any(analysis, src, dst, query, options or ProveOptions())
    except EndpointError as exc:
        raise usage_problem(str(exc), _any_hint(analysis, src, dst)) from None
    write_result(result, fmt)
    return exit_code(result.outcome)



def _any_hint(analysis: Any, src: str, dst: str) -> str:
    """The hint for whichever of SRC and DST does not resolve as a loaded endpoint (sets and CIDRs do)."""
    for text in (src, dst):
        try:
            resolve(analysis, text)
        except EndpointError:
            return endpoint_hint(analysis, text, any_pod=True)
    return ""
