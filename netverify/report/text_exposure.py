"""Text renderer of `exposure`: ingress from outside the cluster (to pod IPs and through Services) and egress
to the internet, each with the rules that allow it."""

from __future__ import annotations

from itertools import groupby
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from netverify.model import Direction
from netverify.queries.exposure import Exposure, ExposureResult, describe_addresses
from netverify.report.text_common import console_for, render, table_of
from netverify.semantics.services import port_label


def _exposuretable_of(console: Console, title: str, items: tuple[Exposure, ...], peer: str) -> None:
    table = table_of(title, "endpoint", "ports", peer, "why")
    for e in items:
        for r in e.reaches:
            if e.direction is Direction.EGRESS and not r.internet:
                continue
            why = e.note or ", ".join(str(x) for x in r.because)
            table.add_row(e.endpoint.id, r.connections.describe(), describe_addresses(r.addresses), why)
    console.print(table)


@render.register
def _(result: ExposureResult, out: TextIO, color: bool | None = None, width: int | None = None,
      **_: Any) -> None:
    console = console_for(out, color, width)
    console.print(Text("Ingress from outside the cluster, directly to pod IPs", style="bold"))
    console.print("(reachable where pod IPs are routable from outside the cluster; this is what policy allows)")
    if result.direct:
        _exposuretable_of(console, "", result.direct, "from")
    else:
        console.print("  none: no pod admits addresses outside the cluster")
    console.print(Text("\nIngress through NodePort, LoadBalancer and externalIPs Services", style="bold"))
    if result.services:
        for (service, port, backend, target, policy), paths in groupby(
                result.services, key=lambda p: (p.service, p.port, p.backend, p.target, p.external_traffic_policy)):
            console.print(f"{service} port {port_label(port)} -> {backend} {target.describe()} "
                          f"(externalTrafficPolicy: {policy})", markup=False)
            for p in paths:
                style = {"open": "bold red", "blocked": "green"}.get(p.status, "yellow")
                console.print(Text.assemble(f"  {p.via}, clients {describe_addresses(p.clients)}: ",
                                            Text(p.status, style=style), f": {p.detail}"))
    else:
        console.print("  none: no NodePort, LoadBalancer or externalIPs Service with backends")
    for w in result.warnings:
        console.print(Text.assemble(Text("warning: ", style="bold yellow"), w))
    console.print(Text("\nEgress to the internet", style="bold"))
    if result.egress:
        _exposuretable_of(console, "", result.egress, "to")
    else:
        console.print("  none: no pod may send to addresses on the internet")
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
