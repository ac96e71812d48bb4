"""CSV: one row per (src, dst, protocol) with inclusive port ranges."""

from __future__ import annotations

import csv
from functools import singledispatch
from typing import Any, TextIO

from netverify.queries.matrix import MatrixResult


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


@render.register
def _(result: MatrixResult, out: TextIO, **_: Any) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["src", "dst", "protocol", "ports"])
    for conn in result.connections():
        for proto, ports in conn.allowed.items():
            text = " ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports)
            writer.writerow([conn.src.id, conn.dst.id, proto, text])
