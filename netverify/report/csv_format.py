"""CSV: one row per (src, dst, protocol) with inclusive port ranges.

`matrix --by service`: one row per (client, Service, protocol) and whether every backend admits
those service ports (`all`) or only some of them (`some`).

The text is byte for byte what `csv.writer(out, lineterminator="\\n")` writes row by row (QUOTE_MINIMAL),
but a matrix repeats the same endpoint ids and connection sets on every line: each id is quoted once
and each distinct connection set turned into its `protocol,ports` cells once (`CsvCells`), and the lines
are written a source at a time in large writes (the CLI's stdout redacts every write)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from functools import singledispatch
from typing import Any, TextIO

from netverify.queries.matrix import MatrixResult
from netverify.queries.services import ServiceMatrixResult
from netverify.report.encode_once import encoded_once, write_batched
from netverify.sets import ConnectionSet


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


class CsvCells:
    """CSV text encoded once: fields (endpoint ids, quoted by the csv module's own rules) and the
    `protocol,ports` cells of a connection set, one per protocol. `by_identity`: sets are looked up by
    object (the graph's sets are shared; the set is kept so its id stays its own), else by value."""

    def __init__(self, by_identity: bool) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")
        # Never alone on a line: csv.writer writes a lone empty field as `""`, but not among others.
        self.field: Callable[[str], str] = encoded_once(lambda value: self.row(value, "")[:-1])
        """One field: quoted only where csv.writer would quote it (a comma, a quote, a line break)."""
        self.protocols: Callable[[ConnectionSet], list[str]] = encoded_once(
            lambda conns: [self.row(proto, _ports(ports)) for proto, ports in conns.items()], by_identity)
        """`TCP,80 443-445`, one per protocol in the set's order."""

    def row(self, *fields: str) -> str:
        """`fields` as one CSV line, as csv.writer writes it (without the line end)."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(fields)
        return self._buffer.getvalue()[:-1]


@render.register
def _(result: MatrixResult, out: TextIO, **_: Any) -> None:
    out.write("src,dst,protocol,ports\n")
    write_batched(_matrix_lines(result, CsvCells(by_identity=result.query.is_all)), out)


def _matrix_lines(result: MatrixResult, cells: CsvCells) -> Iterator[str]:
    """The lines of one source at a time."""
    for src, targets in result.by_source():
        head = cells.field(src.id) + ","
        lines: list[str] = []
        for dst, conns in targets:
            lead = f"{head}{cells.field(dst.id)},"
            lines.extend(f"{lead}{tail}\n" for tail in cells.protocols(conns))
        yield "".join(lines)


def _ports(ports: Any) -> str:
    return " ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports)


@render.register
def _(result: ServiceMatrixResult, out: TextIO, **_: Any) -> None:
    out.write("src,service,protocol,ports,backends\n")
    write_batched(_service_lines(result, CsvCells(by_identity=False)), out)


def _service_lines(result: ServiceMatrixResult, cells: CsvCells) -> Iterator[str]:
    """Per connection: its `all` rows (every backend), then its `some` rows."""
    for conn in result.connections():
        head = f"{cells.field(conn.src.id)},{cells.field(conn.dst.id)},"
        for conns, backends in ((conn.allowed, ",all\n"), (conn.partial, ",some\n")):
            for tail in cells.protocols(conns):
                yield head + tail + backends
