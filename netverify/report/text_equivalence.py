"""Text renderer of `equiv` and `contains` (EquivalenceResult): the headline, the scope, and the connection
that tells the two policy sets apart with what each side decides; `equivalence_lines` is shared with Markdown."""

from __future__ import annotations

from typing import Any, TextIO

from rich.text import Text

from netverify.engines.smt_types import Connection, endpoint_text
from netverify.queries.equivalence import EquivalenceResult
from netverify.report.text_common import console_for, render
from netverify.report.text_verdicts import HOST_NETWORK_READING_TEXT, connection_verdict_lines


def _side_lines(name: str, source: str, conn: Connection) -> list[str]:
    lines = [f"{name} ({source}) {'allows' if conn.allowed else 'denies'} it:"]
    return lines + connection_verdict_lines(conn)


def equivalence_lines(result: EquivalenceResult) -> list[str]:
    """Everything under the headline: the scope, then the distinguishing connection or why unknown."""
    engine = "SMT engine" if result.engine == "smt" else "graph engine"
    lines = [f"for {result.scope_text()} ({engine})"]
    if result.host_network_reading is not None:
        lines.append(f"hostNetwork reading: {HOST_NETWORK_READING_TEXT[result.host_network_reading]}")
    lines += [f"note: {n}" for n in result.notes]
    if result.status == "unknown":
        lines.append(f"the solver could not decide ({result.reason or 'unknown'}): this is not a proof")
    d = result.distinction
    if d is not None:
        c = d.left
        lines.append(f"distinguishing connection: {endpoint_text(c.src, c.src_synthesized)} -> "
                     f"{endpoint_text(c.dst, c.dst_synthesized)} on {c.port}/{c.protocol}")
        lines += ["  " + x for x in _side_lines("A", result.left, d.left)]
        lines += ["  " + x for x in _side_lines("B", result.right, d.right)]
    return lines


@render.register
def _(result: EquivalenceResult, out: TextIO, color: bool | None = None, width: int | None = None,
      **_: Any) -> None:
    console = console_for(out, color, width)
    style = {"holds": "bold green", "fails": "bold red"}.get(result.status, "bold yellow")
    a, b = result.counts[0], result.counts[1]
    console.print(Text.assemble((result.headline(), style),
                                f"  A = {result.left} ({a} polic{'y' if a == 1 else 'ies'}), "
                                f"B = {result.right} ({b} polic{'y' if b == 1 else 'ies'})"))
    for line in equivalence_lines(result):
        console.print("  " + line, markup=False)
