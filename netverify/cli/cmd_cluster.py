"""Commands about the inventory as a whole: snapshot (write what was read) and exposure."""

from __future__ import annotations

import sys
from typing import Any

import click

from netverify.cli.app import cli
from netverify.cli.common import (
    EXIT_OK,
    inventory_from,
    inventory_options,
    np_selection_option,
    usage_problem,
    write_result,
)


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

    inv = inventory_from(kw)
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
@np_selection_option
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
    private ranges) each pod may send to. Every tier decides: an admin Deny of outside
    networks removes exposure, an admin Accept grants it above NetworkPolicy, a
    Baseline rule applies to pods no NetworkPolicy isolates; the explanation names the
    tier. Exit 0 (a report, not a check).
    """
    from netverify.queries.exposure import exposure as exposure_query

    inv = inventory_from(kw)
    analysis = inv.load()
    progress = inv.terminal.progress
    write_result(exposure_query(analysis, lambda text, steps: progress.phase(text, steps)), fmt)
    return EXIT_OK


