"""CSV: one row per (src, dst, protocol) with inclusive port ranges.

`matrix --by service`: one row per (client, Service, protocol) and whether every backend admits
those service ports (`all`) or only some of them (`some`)."""

from __future__ import annotations

import csv
from functools import singledispatch
from typing import Any, TextIO

from netverify.queries.matrix import MatrixResult
from netverify.queries.services import ServiceMatrixResult
from netverify.sets import ConnectionSet


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


@render.register
def _(result: MatrixResult, out: TextIO, **_: Any) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["src", "dst", "protocol", "ports"])
    for conn in result.connections():
        for proto, ports in conn.allowed.items():
            writer.writerow([conn.src.id, conn.dst.id, proto, _ports(ports)])


def _ports(ports: Any) -> str:
    return " ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports)


@render.register
def _(result: ServiceMatrixResult, out: TextIO, **_: Any) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["src", "service", "protocol", "ports", "backends"])
    for conn in result.connections():
        rows: list[tuple[str, ConnectionSet]] = [("all", conn.allowed), ("some", conn.partial)]
        for backends, conns in rows:
            for proto, ports in conns.items():
                writer.writerow([conn.src.id, conn.dst.id, proto, _ports(ports), backends])
