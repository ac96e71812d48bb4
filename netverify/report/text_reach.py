"""Text renderers of `can` answers: a pair of endpoints (ReachResult) and a client against a Service's
backends (ServiceReachResult), each pair with the rules that decided it."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from netverify.queries.reach import ReachResult
from netverify.queries.services import ServiceReachResult
from netverify.report.text_common import console_for, plural, render
from netverify.report.text_verdicts import pair_explanation, reach_context_lines
from netverify.sets import ConnectionSet


def _ports_asked(result: ReachResult) -> str:
    """What the headline says about ports: for "any port", which ports were found, so that an allowed
    headline never reads as "every port" when only some are allowed."""
    if not result.query.is_all:
        return result.query.describe()
    found = ConnectionSet.union_all(p.allowed for p in result.pairs)
    if not found:
        return "any port"
    return "every port" if found.is_all() else f"some port ({found.describe()})"


@render.register
def _(result: ReachResult, out: TextIO, color: bool | None = None, width: int | None = None,
      **_: Any) -> None:
    console = console_for(out, color, width)
    verdict = Text("ALLOWED" if result.allowed else "DENIED", style="bold green" if result.allowed else "bold red")
    header = Text.assemble(verdict, f"  {result.src.text} -> {result.dst.text} on {_ports_asked(result)}: "
                                    f"{result.count_text()}")
    console.print(header)
    for line in reach_context_lines(result):
        console.print("  " + line, markup=False)
    for pair in result.pairs:
        v = pair.verdict
        mark = "allowed" if pair.allowed else "denied"
        console.print(f"\n{v.src.id} -> {v.dst.id}: {mark}" + (f" ({pair.allowed.describe()})" if pair.allowed else ""))
        if v.note:
            console.print(f"  note: {v.note}")
        for line in pair_explanation(pair):
            console.print("  " + line, markup=False)
        if not pair.allowed and v.allowed and pair.queried:
            console.print(f"  both sides allow only {v.allowed.describe()}", markup=False)


def _pair_lines(console: Console, pair: Any, role: str = "") -> None:
    v = pair.verdict
    mark = "allowed" if pair.allowed else "denied"
    console.print(f"\n{v.src.id} -> {v.dst.id}{role}: {mark}" + (f" ({pair.allowed.describe()})" if pair.allowed
                                                               else ""), markup=False)
    if v.note:
        console.print(f"  note: {v.note}", markup=False)
    for line in pair_explanation(pair):
        console.print("  " + line, markup=False)
    if not pair.allowed and v.allowed and pair.queried:
        console.print(f"  both sides allow only {v.allowed.describe()}, not {pair.queried.describe()}", markup=False)


@render.register
def _(result: ServiceReachResult, out: TextIO, color: bool | None = None, width: int | None = None,
      **_: Any) -> None:
    console = console_for(out, color, width)
    view = result.view
    served = result.backends_served
    verdict = Text("ALLOWED" if result.allowed else "DENIED", style="bold green" if result.allowed else "bold red")
    console.print(Text.assemble(verdict, f"  {result.src.text} -> Service {view.service.namespace}/"
                                         f"{view.service.name} ({view.kind}) on {result.query.describe()}: "
                                         f"{result.count_text()}"))
    for line in reach_context_lines(result):
        console.print("  " + line, markup=False)
    origin = {"selector": "its selector", "EndpointSlices": "its EndpointSlices"}.get(view.origin, "nothing")
    console.print(f"  backends (from {origin}): " + (", ".join(b.endpoint.id for b in view.backends) or "none"),
                  markup=False)
    for t in result.translations:
        console.print(f"  {t.how}", markup=False)
    for note in view.notes:
        console.print(f"  note: {note}", markup=False)
    for client, admitted in result.admitted_backends().items():
        if served and not admitted:
            console.print(f"  {client}: no backend admits it (0 of {len(served)}), so its connections fail",
                          markup=False)
        elif served and len(admitted) < len(served):
            missing = [b for b in served if b not in admitted]
            console.print(f"  {client}: {len(admitted)} of {plural(len(served), 'backend')} admit"
                          f"{'s' if len(admitted) == 1 else ''} it; not {', '.join(missing)} (kube-proxy may pick "
                          "any backend, so connections can fail)", markup=False)
    for pair in result.pairs:
        _pair_lines(console, pair, " (backend)")
