"""Human-readable terminal output (rich)."""

from __future__ import annotations

from collections import defaultdict
from functools import singledispatch
from itertools import groupby
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from netverify.queries.matrix import MatrixResult
from netverify.queries.reach import ReachResult
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import DirectionVerdict
from netverify.sets import ConnectionSet


def console_for(out: TextIO, color: bool | None = None) -> Console:
    return Console(file=out, width=120, no_color=not color, highlight=False, soft_wrap=True,
                   force_terminal=bool(color), emoji=False)


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


def _destinations(dsts: list[Endpoint], all_eps: list[Endpoint]) -> list[str]:
    """Compress a destination list: whole namespaces become `ns/*`, everything becomes `*`."""
    if len(dsts) == len(all_eps) and len(all_eps) > 1:
        return [f"* (every endpoint, {len(all_eps)})"]
    by_ns: dict[str, int] = defaultdict(int)
    for e in all_eps:
        by_ns[e.namespace] += 1
    out: list[str] = []
    for ns, group in groupby(dsts, key=lambda e: e.namespace):
        members = list(group)
        if len(members) == by_ns[ns] and len(members) > 1:
            out.append(f"{ns}/* ({len(members)})")
        else:
            out.extend(e.id for e in members)
    return out


@render.register
def _(result: MatrixResult, out: TextIO, color: bool | None = None, **_: Any) -> None:
    console = console_for(out, color)
    eps = result.endpoints
    by_src: dict[str, list[tuple[Endpoint, ConnectionSet]]] = defaultdict(list)
    count = 0
    for conn in result.connections():
        by_src[conn.src.id].append((conn.dst, conn.allowed))
        count += 1
    console.print(Text(f"{len(eps)} endpoints, {count} allowed pairs ({result.query.describe()})", style="bold"))
    for ns, group in groupby(eps, key=lambda e: e.namespace or "(outside the cluster)"):
        table = Table(title=f"namespace {ns}", title_justify="left", show_lines=False, expand=False)
        table.add_column("from")
        table.add_column("to")
        table.add_column("allowed")
        for src in group:
            rows = by_src.get(src.id, [])
            if not rows:
                table.add_row(src.id, Text("nothing", style="red"), "")
                continue
            by_conns: dict[ConnectionSet, list[Endpoint]] = defaultdict(list)
            for dst, conns in rows:
                by_conns[conns].append(dst)
            first = True
            for conns, dsts in sorted(by_conns.items(), key=lambda kv: (-len(kv[1]), kv[0].describe())):
                table.add_row(src.id if first else "", "\n".join(_destinations(dsts, eps)), conns.describe())
                first = False
        console.print(table)
    notes = [(e.id, n) for e in eps for n in e.notes]
    for eid, note in notes:
        console.print(f"note: {eid}: {note}")


def _direction_lines(v: DirectionVerdict) -> list[str]:
    name = f"{v.direction} of {v.subject}"
    if not v.isolated:
        return [f"{name}: not isolated: {v.note}" if v.note else f"{name}: not isolated (all allowed)"]
    lines = [f"{name}: isolated by " + ", ".join(str(p) for p in v.policies)]
    for m in v.matches:
        lines.append(f"  admitted by {m.rule}: {m.allowed.describe()}")
    for miss in v.misses:
        lines.append(f"  not by {miss.rule}: {miss.reason}")
    if v.note:
        lines.append(f"  {v.note}")
    return lines


@render.register
def _(result: ReachResult, out: TextIO, color: bool | None = None, **_: Any) -> None:
    console = console_for(out, color)
    verdict = Text("ALLOWED" if result.allowed else "DENIED", style="bold green" if result.allowed else "bold red")
    header = Text.assemble(verdict, f"  {result.src.text} -> {result.dst.text} on {result.query.describe()}")
    console.print(header)
    if not result.pairs:
        console.print("  no endpoint matches one of the two sides")
    for pair in result.pairs:
        v = pair.verdict
        mark = "allowed" if pair.allowed else "denied"
        console.print(f"\n{v.src.id} -> {v.dst.id}: {mark}" + (f" ({pair.allowed.describe()})" if pair.allowed else ""))
        if v.note:
            console.print(f"  note: {v.note}")
        for line in _direction_lines(v.egress) + _direction_lines(v.ingress):
            console.print("  " + line, markup=False)
        if not pair.allowed and v.allowed and pair.queried:
            console.print(f"  both sides allow only {v.allowed.describe()}", markup=False)


# --- renderers: check, can --any (issue 3) ---


# --- renderers: diff (issue 4) ---


# --- renderers: exposure (issue 5) ---


# --- renderers: lint, equiv (issue 6) ---
