"""Lateral movement: blast-radius (everything a source reaches, hop by hop) and paths (the shortest ways in).

Both take the source as the first argument, or `--from internet` / `--from CIDR` (addresses outside the
cluster, entering where `exposure` finds a way in); then every other argument is a PATH.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

import click

from netverify.cli.app import cli
from netverify.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    inventory_from,
    inventory_options,
    np_selection_option,
    port_query,
    usage_problem,
    write_result,
)
from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointError, EndpointSet, resolve
from netverify.queries.entry_points import INTERNET_ORIGIN, Origin
from netverify.queries.paths import DEFAULT_MAX_PATHS, Source, blast_radius, find_paths
from netverify.queries.ports import PortError
from netverify.sets import IPSet

FORMATS = ["text", "json", "md", "dot", "html"]
_ENDPOINTS_HELP = """
    \b
    SRC is an endpoint or a set (ns/name, ns/Kind/name, NS/SELECTOR, an IP), or
    with --from internet (every public address) or --from CIDR the attacker starts
    outside the cluster and enters where `exposure` finds a way in (ipBlocks,
    pods no ingress policy isolates, NodePort/LoadBalancer/externalIPs Services):
    then every argument is a PATH. Hops are connections; from outside, the
    exposed endpoint is hop 1. --port/--protocol restrict the connections an
    attacker may use on every hop.
"""


def _origin(text: str) -> Origin:
    if text.strip().lower() == INTERNET_ORIGIN:
        return Origin.internet()
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise usage_problem(f"--from {text!r} is neither 'internet' nor a CIDR",
                            "e.g. --from internet, --from 203.0.113.0/24") from None
    return Origin(str(network), IPSet.from_cidr(str(network)))


def _resolve(analysis: Analysis, text: str) -> EndpointSet:
    try:
        return resolve(analysis, text)
    except EndpointError as exc:
        raise usage_problem(str(exc)) from None


def _source(analysis: Analysis, text: str | None, origin: Origin | None) -> Source:
    if origin is not None:
        return Source(origin.name, origin=origin)
    assert text is not None
    found = _resolve(analysis, text)
    if len(found.members) == 1 and found.members[0].external:  # an address outside the cluster
        address = found.members[0].ips[0]
        return Source(text, origin=Origin(address, IPSet.from_cidr(address)))
    return Source(text, found.members)


def _shift(from_: str | None, names: list[str | None], kw: dict[str, Any], what: str) -> list[str]:
    """The positional endpoints, given how many the command takes; with --from, the first one moves
    to the PATHs (click cannot know that the source was given as an option)."""
    given = [n for n in names if n is not None]
    if from_ is None and not kw["paths"] and given and os.path.exists(given[0]):
        command = "blast-radius SRC" if len(names) == 1 else "paths SRC DST"
        raise usage_problem(f"SRC {given[0]!r} is a file or directory: usage is netverify {command} PATH...",
                            "or --from internet to start outside the cluster")
    if from_ is not None:
        kw["paths"] = tuple(given[len(names) - 1:]) + tuple(kw["paths"])
        given = given[: len(names) - 1]
    if len(given) < len(names) - (1 if from_ is not None else 0):
        raise usage_problem(f"missing {what}", "e.g. netverify blast-radius shop/web manifests/ or "
                            "netverify paths --from internet 'data/*' manifests/")
    return given


def _check_granularity(kw: dict[str, Any]) -> None:
    if kw.get("by") == "service":
        raise usage_problem("--by service does not apply here: paths go through workloads or pods",
                            "use --by workload (the default) or --by pod")


_BLAST_HELP = """Everything SRC reaches in any number of hops: each endpoint with its minimal hop count
    and one predecessor, summarised by namespace and hop count. Exit 0.
""" + _ENDPOINTS_HELP
_PATHS_HELP = """The shortest paths from SRC to DST, each hop with what it allows and the rules that admit it.
    Exit 0 when DST is reachable, 1 when not.
""" + _ENDPOINTS_HELP


@cli.command("blast-radius", help=_BLAST_HELP)
@click.argument("src", required=False)
@inventory_options
@click.option("--from", "from_", metavar="internet|CIDR",
              help="Start outside the cluster: every public address (internet) or the addresses of a CIDR.")
@click.option("--max-hops", type=click.IntRange(min=1), metavar="K", help="Stop after K hops (default: any number).")
@click.option("--port", help="Only connections on this port (number, range, name resolved on each destination, "
                             "or 53/UDP).")
@click.option("--protocol", type=click.Choice(["TCP", "UDP", "SCTP"], case_sensitive=False))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@np_selection_option
def blast_radius_command(src: str | None, from_: str | None, max_hops: int | None, port: str | None,
                         protocol: str | None, fmt: str, **kw: Any) -> int:
    _check_granularity(kw)
    origin = _origin(from_) if from_ is not None else None
    names = _shift(from_, [src], kw, "SRC (or --from internet)")
    query = port_query(port, protocol)
    analysis = inventory_from(kw).load()
    try:
        result = blast_radius(analysis, _source(analysis, names[0] if names else None, origin), query, max_hops)
    except PortError as exc:
        raise usage_problem(str(exc)) from None
    write_result(result, fmt)
    return EXIT_OK



@cli.command("paths", help=_PATHS_HELP)
@click.argument("src", required=False)
@click.argument("dst", required=False)
@inventory_options
@click.option("--from", "from_", metavar="internet|CIDR",
              help="Start outside the cluster: every public address (internet) or the addresses of a CIDR.")
@click.option("--max-hops", type=click.IntRange(min=1), metavar="K", help="Only paths of at most K hops.")
@click.option("--port", help="Only connections on this port (number, range, name resolved on each destination, "
                             "or 53/UDP).")
@click.option("--protocol", type=click.Choice(["TCP", "UDP", "SCTP"], case_sensitive=False))
@click.option("--all-shortest", is_flag=True, help=f"List every shortest path (up to --max-paths, default "
                                                     f"{DEFAULT_MAX_PATHS}), not one.")
@click.option("--max-paths", type=click.IntRange(min=1), metavar="N", help="List up to N shortest paths.")
@click.option("--avoid", metavar="SET", help="Only paths that avoid these endpoints (ends included).")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@np_selection_option
def paths_command(src: str | None, dst: str | None, from_: str | None, max_hops: int | None, port: str | None,
                  protocol: str | None, all_shortest: bool, max_paths: int | None, avoid: str | None, fmt: str,
                  **kw: Any) -> int:
    _check_granularity(kw)
    origin = _origin(from_) if from_ is not None else None
    names = _shift(from_, [src, dst], kw, "SRC and DST (or --from internet and DST)")
    query = port_query(port, protocol)
    analysis = inventory_from(kw).load()
    source = _source(analysis, names[0] if origin is None else None, origin)
    target_text = names[-1]
    targets = _resolve(analysis, target_text)
    if any(e.external for e in targets.members):
        raise usage_problem(f"DST {target_text!r} is an address outside the cluster: paths end at loaded endpoints",
                            "to see what may reach the internet, run netverify exposure")
    avoiding = _resolve(analysis, avoid).members if avoid else ()
    limit = max_paths or (DEFAULT_MAX_PATHS if all_shortest else 1)
    try:
        result = find_paths(analysis, source, targets.members, target_text, query, max_hops, limit, avoiding, avoid)
    except PortError as exc:
        raise usage_problem(str(exc)) from None
    write_result(result, fmt)
    return EXIT_OK if result.reachable else EXIT_FAIL

