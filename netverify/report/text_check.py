"""Text renderers of `check` (CheckResult) and `can --any` (AnyReachResult): each assertion's outcome with its
witness, counterexample or proof; `smt_result_lines` is shared with the JUnit and SARIF formats."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from netverify.engines.smt_types import Connection, Proof, Proved, Refuted, SmtResult, endpoint_text
from netverify.model import Direction
from netverify.queries.path_check import PathVerdict
from netverify.queries.prove import AnyReachResult, AssertionOutcome, CheckResult
from netverify.report.paths_format import path_verdict_lines
from netverify.report.text_common import console_for, render
from netverify.report.text_verdicts import HOST_NETWORK_READING_TEXT, connection_verdict_lines


def _connection_lines(conn: Connection) -> list[str]:
    state = "allowed" if conn.allowed else "denied"
    lines = [f"{endpoint_text(conn.src, conn.src_synthesized)} -> "
             f"{endpoint_text(conn.dst, conn.dst_synthesized)} on {conn.port}/{conn.protocol}: {state}"]
    return lines + connection_verdict_lines(conn)


def _proof_lines(proof: Proof, admitting: bool) -> list[str]:
    if not proof.rules and not proof.policies and not proof.admin_rules:
        return ["  the proof needs no rule: the endpoints and ports alone decide it"]
    verb = "admits the traffic" if admitting else "does not admit the traffic"
    lines = [f"  rule {r} {verb}" for r in proof.rules]
    lines += [f"  policy {p} selects the {'source' if direction is Direction.EGRESS else 'destination'} ({direction})"
              for p, direction in proof.policies]
    lines += [f"  {r.tier_name} rule {r} ({r.action.value}"
              + (f", priority {r.priority}" if r.priority is not None else "") + "): what it matches decides"
              for r in proof.admin_rules]
    lines += [f"  in every order of the equal-priority policies ({group})" for group in proof.every_order]
    return lines


def smt_result_lines(result: SmtResult | PathVerdict) -> list[str]:
    if isinstance(result, PathVerdict):  # a path assertion (issue 18)
        return path_verdict_lines(result, smt_result_lines)
    lines: list[str] = []
    if isinstance(result, Proved):
        if result.witness is not None:
            lines += ["witness:"] + ["  " + x for x in _connection_lines(result.witness)]
        else:
            lines += ["proved by:"] + _proof_lines(result.proof, result.query.expect == "allow")
    elif isinstance(result, Refuted):
        if result.counterexample is not None:
            lines += ["counterexample:"] + ["  " + x for x in _connection_lines(result.counterexample)]
        elif result.proof is not None:
            lines += ["no connection is possible; proved by:"] + _proof_lines(result.proof, False)
    else:
        lines.append(f"the solver could not decide ({result.reason or 'unknown'}): this is not a pass")
    return lines


_STATUS_STYLE = {"holds": ("HOLDS", "bold green"), "fails": ("FAILS", "bold red"),
                 "unknown": ("UNKNOWN", "bold yellow")}


def _outcome(console: Console, o: AssertionOutcome) -> None:
    word, style = _STATUS_STYLE[o.status]
    a = o.assertion
    ports = ", ".join(p.describe_port_protocol() for p in a.ports) or "any port"
    console.print(Text.assemble((f"{word:<8}", style), (a.name, "bold"), f"  ({a.source}; scope {a.scope})"))
    console.print(f"  expect {a.expect}: {a.src.describe()} -> {a.dst.describe()} on {ports}"
                  + (f" ({a.relation})" if a.relation else ""), markup=False)
    if a.description:
        console.print(f"  {a.description}", markup=False)
    for note in (*o.notes, *o.result.notes):
        console.print(f"  note: {note}", markup=False)
    for line in smt_result_lines(o.result):
        console.print("  " + line, markup=False)


@render.register
def _(result: CheckResult, out: TextIO, color: bool | None = None, width: int | None = None,
      **_: Any) -> None:
    console = console_for(out, color, width)
    for o in result.outcomes:
        _outcome(console, o)
        console.print("")
    if result.host_network_reading is not None:
        console.print(f"hostNetwork reading: {HOST_NETWORK_READING_TEXT[result.host_network_reading]}", markup=False)
    total = len(result.outcomes)
    console.print(Text(f"{total} assertion{'s' if total != 1 else ''}: {result.count('holds')} hold, "
                       f"{result.count('fails')} fail, {result.count('unknown')} unknown", style="bold"))


@render.register
def _(result: AnyReachResult, out: TextIO, color: bool | None = None, width: int | None = None,
      **_: Any) -> None:
    console = console_for(out, color, width)
    reachable = result.reachable
    word, style = (("UNKNOWN", "bold yellow") if reachable is None else
                   ("REACHABLE", "bold green") if reachable else ("UNREACHABLE", "bold red"))
    console.print(Text.assemble((word, style), f"  {result.src} -> {result.dst} on {result.ports} "
                                               "(some pod that could exist)"))
    for note in (*result.notes, *result.result.notes):
        console.print(f"  note: {note}", markup=False)
    for line in smt_result_lines(result.result):
        console.print("  " + line, markup=False)
