"""Text renderers of the matrices: endpoint pairs (grouped by source namespace), clients to Services,
and namespace pairs (--by namespace). Every table line names source, destination and what is allowed:
a blank cell would read as "nothing", not "same as above"."""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from netverify.queries.matrix import MatrixResult
from netverify.queries.namespace_matrix import NamespaceMatrixResult
from netverify.queries.services import ServiceMatrixResult
from netverify.report.plain_table import plain_table
from netverify.report.text_common import conn_text, console_for, plural, render, table_of
from netverify.semantics.endpoints import Endpoint
from netverify.sets import ConnectionSet

LIST_LIMIT = 6  # beyond this many names a group is summarised with a count


def _short(ep: Endpoint) -> str:
    return ep.id[len(ep.namespace) + 1:] if ep.namespace else ep.id


def _names(eps: list[Endpoint]) -> str:
    shown = [_short(e) for e in eps[:LIST_LIMIT]]
    more = f", … +{len(eps) - LIST_LIMIT}" if len(eps) > LIST_LIMIT else ""
    return ", ".join(shown) + more


class Targets:
    """The destinations a matrix reports, by namespace: what `summarise_destinations` compares each list with."""

    def __init__(self, targets: list[Endpoint]) -> None:
        self.all = targets
        self.by_ns: dict[str, list[Endpoint]] = defaultdict(list)
        for e in targets:
            self.by_ns[e.namespace].append(e)


def summarise_destinations(dsts: list[Endpoint], targets: Targets) -> list[str]:
    """Summarise a destination list (sorted by id, a subset of the targets) so that it stays readable with
    hundreds of endpoints.

    `*` = every endpoint; `ns/*` = every endpoint of a namespace; `except` lists the
    few that are missing; long partial lists are shortened to a count. What is missing is
    listed only where it is named: counted otherwise (a matrix has a list per source and
    connection set, each compared with thousands of endpoints).
    """
    all_eps = targets.all
    if len(dsts) == len(all_eps):
        return [f"* (every endpoint, {len(all_eps)})"] if len(dsts) > 1 else [dsts[0].id]
    missing_count = len(all_eps) - len(dsts)
    if missing_count <= LIST_LIMIT and len(dsts) > missing_count:
        wanted = {e.id for e in dsts}
        return [f"* except {', '.join(e.id for e in all_eps if e.id not in wanted)}"]
    out: list[str] = []
    for ns, group in groupby(dsts, key=lambda e: e.namespace):
        members = list(group)
        everyone = targets.by_ns[ns]
        absent_count = len(everyone) - len(members)
        label = ns or "(external)"
        if not absent_count and len(members) > 1:
            out.append(f"{label}/* ({len(members)})")
        elif len(members) == 1:
            out.append(members[0].id)
        elif absent_count <= LIST_LIMIT and len(members) > absent_count:
            wanted = {e.id for e in members}
            out.append(f"{label}/* except {_names([e for e in everyone if e.id not in wanted])}")
        else:
            out.append(f"{label}/{{{_names(members)}}} ({len(members)} of {len(everyone)})")
    return out


@render.register
def _(result: MatrixResult, out: TextIO, color: bool | None = None, width: int | None = None,
      **_: Any) -> None:
    console = console_for(out, color, width)
    eps = result.endpoints
    by_src: dict[str, list[tuple[Endpoint, ConnectionSet]]] = defaultdict(list)
    count = 0
    for conn in result.connections():
        by_src[conn.src.id].append((conn.dst, conn.allowed))
        count += 1
    console.print(Text(f"{plural(len(eps), 'endpoint')}, {plural(count, 'allowed pair')} ({result.query.describe()})",
                       style="bold"))
    targets = [e for e in eps if result.is_destination(e)]
    reaches_all = [e.id for e in eps if len(by_src.get(e.id, ())) >= len(targets) - 1 and len(targets) > 1]
    if reaches_all:
        console.print(f"can send anything to every other endpoint: {len(reaches_all)} endpoints", markup=False)
    summary = Targets(targets)
    described: dict[ConnectionSet, str] = {}
    for ns, all_group in groupby(eps, key=lambda e: e.namespace or "(outside the cluster)"):
        group = [e for e in all_group if result.is_source(e)]
        if not group:
            continue
        rows: list[tuple[str, str, str, str]] = []  # from, to, allowed, and the allowed cell's style
        for src in group:
            pairs = by_src.get(src.id, [])
            if not pairs:
                rows.append((src.id, "nothing", "-", "red"))
                continue
            by_conns: dict[ConnectionSet, list[Endpoint]] = defaultdict(list)
            for dst, conns in pairs:
                by_conns[conns].append(dst)
            # Every line says all three things: a blank cell would read as "nothing", not "same as above".
            for conns, dsts in sorted(by_conns.items(), key=lambda kv: (-len(kv[1]), _describe(kv[0], described))):
                text, style = _describe(conns, described), "green" if conns.is_all() else "yellow"
                rows.extend((src.id, line, text, style) for line in summarise_destinations(dsts, summary))
        _print_table(console, f"namespace {ns}", rows)
    notes = [(e.id, n) for e in eps for n in e.notes]
    for eid, note in notes:
        console.print(f"note: {eid}: {note}")


def _describe(conns: ConnectionSet, described: dict[ConnectionSet, str]) -> str:
    text = described.get(conns)
    if text is None:
        text = described[conns] = conns.describe()
    return text


def _print_table(console: Console, title: str, rows: list[tuple[str, str, str, str]]) -> None:
    """One namespace's table: as plain text where rich would draw no style (plain_table), else with rich
    (a source that may send nothing in red, the connection sets green when everything, else yellow)."""
    plain = plain_table(console, title, ("from", "to", "allowed"), [row[:3] for row in rows])
    if plain is not None:
        console.file.write(plain)
        return
    table = table_of(title, "from", "to", "allowed")
    for src, dst, allowed, style in rows:
        table.add_row(src, Text(dst, style="red") if dst == "nothing" and style == "red" else dst,
                      Text(allowed, style=style))
    console.print(table)


@render.register
def _(result: ServiceMatrixResult, out: TextIO, color: bool | None = None, width: int | None = None,
      **_: Any) -> None:
    console = console_for(out, color, width)
    rows = list(result.connections())
    console.print(Text(f"{plural(len(result.endpoints), 'client')}, {plural(len(result.services), 'Service')} "
                       f"with backends, {plural(len(rows), 'client-service pair')} with something allowed "
                       f"({result.query.describe()}; "
                       "ports are service ports)", style="bold"))
    table = table_of("", "from", "to Service", "allowed", "partial (some backends)")
    for conn in rows:
        partial = getattr(conn, "partial", None)
        table.add_row(conn.src.id, conn.dst.id, conn_text(conn.allowed) if conn.allowed else Text("-"),
                      Text(partial.describe(), style="yellow") if partial else Text("-"))
    console.print(table)
    for note in result.notes():
        console.print(f"note: {note}", markup=False)


# --- matrix --by namespace

_STATUS_STYLE_NS = {"all": "green", "some": "yellow", "none": "dim"}


def namespace_cell_text(cell: Any) -> str:
    """`all 12`, `5 of 12 (3 on every port)`, `none of 12`."""
    if cell.status == "none":
        return f"none of {cell.pairs}"
    head = f"all {cell.pairs}" if cell.status == "all" else f"{cell.allowed} of {cell.pairs}"
    if cell.every_port == cell.allowed:
        return head + " (every port)"
    return head + (f" ({cell.every_port} on every port)" if cell.every_port else " (some ports)")


@render.register
def _(result: NamespaceMatrixResult, out: TextIO, color: bool | None = None, width: int | None = None,
      **_: Any) -> None:
    """One line per ordered namespace pair with endpoint pairs: how many of them may send something."""
    console = console_for(out, color, width)
    cells = [c for c in result.cells.values() if c.pairs]
    allowed = sum(c.allowed for c in cells)
    console.print(Text(f"{plural(len(result.namespaces), 'namespace')}, {plural(allowed, 'allowed pair')} of "
                       f"{sum(c.pairs for c in cells)} ({result.query.describe()})", style="bold"))
    table = table_of("", "from namespace", "to namespace", "allowed", "pairs")
    for c in cells:
        table.add_row(c.src, c.dst, Text(c.status, style=_STATUS_STYLE_NS[c.status]), namespace_cell_text(c))
    console.print(table)
