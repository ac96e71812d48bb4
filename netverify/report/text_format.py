"""Human-readable terminal output (rich). Shared pieces are in text_common; the matrices in text_matrix."""

from __future__ import annotations

from itertools import groupby
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from netverify.model import Direction
from netverify.queries.reach import ReachResult
from netverify.queries.services import ServiceReachResult
from netverify.report import text_matrix, tiers_format  # noqa: F401 (text_matrix registers the matrix renderers)
from netverify.report.text_common import (  # noqa: F401 (console_for is used by other formats)
    UNBOUNDED,
    conn_text,
    console_for,
    plural,
    render,
    table_of,
)
from netverify.semantics.evaluate import DirectionVerdict
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


def _direction_lines(v: DirectionVerdict, queried: ConnectionSet | None = None) -> list[str]:
    if v.tiered:  # admin tiers folded: the tier walk over what was asked
        return [tiers_format.walk_line(v, ConnectionSet.all() if queried is None else queried)]
    name = f"{v.direction.value} of {v.subject}"
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


HOST_NETWORK_READING_TEXT = {
    "node": "node traffic (--hostnetwork node, the default): never isolated, matched only by ipBlocks, "
            "traffic from its node always allowed",
    "pod": "ordinary pods (--hostnetwork pod): their policies isolate them and selectors match them",
}


def reach_context_lines(result: ReachResult | ServiceReachResult) -> list[str]:
    """How to read a `can` answer: the quantifier when there is more than one pair, what was left out."""
    lines = []
    if result.pairs_total > 1:
        lines.append(f"quantifier: {result.quantifier_text()}")
    if result.host_network_reading is not None:
        lines.append(f"hostNetwork reading: {HOST_NETWORK_READING_TEXT[result.host_network_reading]}")
    if result.pairs_not_applicable:
        lines.append(f"{result.pairs_not_applicable} pair(s) left out: the destination declares no port "
                     f"{result.query.describe()}")
    return lines


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
        for line in _pair_explanation(pair):
            console.print("  " + line, markup=False)
        if not pair.allowed and v.allowed and pair.queried:
            console.print(f"  both sides allow only {v.allowed.describe()}", markup=False)


def _pair_explanation(pair: Any) -> list[str]:
    """Both directions of a pair (the tier walk when admin tiers are folded), then any undefined order."""
    v = pair.verdict
    lines = _direction_lines(v.egress, pair.queried) + _direction_lines(v.ingress, pair.queried)
    return lines + [tiers_format.overlap_line(o, pair.queried) for o in pair.overlaps]


# --- renderers: check, can --any (issue 3) ---

from netverify.engines.smt_types import Connection, Proof, Proved, Refuted, SmtResult, endpoint_text  # noqa: E402
from netverify.queries.path_check import PathVerdict  # noqa: E402
from netverify.queries.prove import AnyReachResult, AssertionOutcome, CheckResult  # noqa: E402
from netverify.report.paths_format import path_verdict_lines  # noqa: E402


def _connection_lines(conn: Connection) -> list[str]:
    state = "allowed" if conn.allowed else "denied"
    lines = [f"{endpoint_text(conn.src, conn.src_synthesized)} -> "
             f"{endpoint_text(conn.dst, conn.dst_synthesized)} on {conn.port}/{conn.protocol}: {state}"]
    if conn.verdict.note:
        lines.append(f"  note: {conn.verdict.note}")
    one = ConnectionSet.of(conn.protocol, conn.port, conn.port)
    for v in conn.deciding():
        lines.extend("  " + line for line in _direction_lines(v, one))
    return lines


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


# --- renderers: exposure (issue 5) ---

# Imported here, next to the renderers that use them (the anchors keep issues' code apart).
from netverify.queries.exposure import Exposure, ExposureResult, describe_addresses  # noqa: E402
from netverify.semantics.services import port_label  # noqa: E402


def _pair_lines(console: Console, pair: Any, role: str = "") -> None:
    v = pair.verdict
    mark = "allowed" if pair.allowed else "denied"
    console.print(f"\n{v.src.id} -> {v.dst.id}{role}: {mark}" + (f" ({pair.allowed.describe()})" if pair.allowed
                                                               else ""), markup=False)
    if v.note:
        console.print(f"  note: {v.note}", markup=False)
    for line in _pair_explanation(pair):
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



# --- renderers: lint (issue 6) ---

from netverify.model import Severity  # noqa: E402
from netverify.queries.lint import LintResult  # noqa: E402

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def lint_summary(result: LintResult) -> str:
    """`3 findings: 1 error, 2 warnings, 0 info` (or `no findings`)."""
    if not result.findings:
        return "no findings"
    counts = [(result.count(Severity.ERROR), "error"), (result.count(Severity.WARNING), "warning")]
    parts = [f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts]
    total = len(result.findings)
    return f"{total} finding{'' if total == 1 else 's'}: {', '.join(parts)}, {result.count(Severity.INFO)} info"


@render.register
def _(result: LintResult, out: TextIO, color: bool | None = None, width: int | None = None,
      **_: Any) -> None:
    """One line per finding, `file:line: severity CODE object: message`, then a summary."""
    console = console_for(out, color, width)
    grouped: dict[str, list[Any]] = {}
    for f in result.findings:
        if f.code in result.summarised and f.severity is Severity.INFO:
            grouped.setdefault(f.code, []).append(f)
            continue
        where = f"{f.source}: " if f.source.file else ""
        what = f" {f.obj}:" if f.obj else ""
        console.print(Text.assemble(where, Text(f.severity.value, style=_SEVERITY_STYLE[f.severity]),
                                    f" {f.code}{what} {f.message}"))
    for code, found in grouped.items():
        console.print(Text.assemble(Text("info", style=_SEVERITY_STYLE[Severity.INFO]),
                                    f" {code} {_posture_line(code, found)} (each one: --profile strict)"))
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    console.print(lint_summary(result), markup=False)


_POSTURE_WORDS = {"NV402": "not isolated for ingress (every source may connect)",
                  "NV403": "without a default-deny ingress policy"}


def _posture_line(code: str, found: list[Any]) -> str:
    """`5 objects not isolated for ingress ...: a, b, c and 2 more`: one line for a posture code."""
    objs = [f.obj for f in found]
    shown = ", ".join(objs[:3]) + (f" and {len(objs) - 3} more" if len(objs) > 3 else "")
    what = "namespace" if code == "NV403" else "endpoint"
    count = f"{len(objs)} {what}{'' if len(objs) == 1 else 's'}"
    words = _POSTURE_WORDS.get(code, "")
    if any("admin tiers" in f.message or "Baseline tier" in f.message for f in found):  # not "every source"
        words = _POSTURE_WORDS_WITH_ADMIN.get(code, words)
    return f"{count} {words}: {shown}"


_POSTURE_WORDS_WITH_ADMIN = {
    "NV402": "not isolated for ingress by a NetworkPolicy (where admin policies apply, they decide ingress from pods)",
    "NV403": "without a default-deny ingress NetworkPolicy (a Baseline deny may cover pods)"}



# --- renderers: equiv, contains (issue 6, equivalence) ---

from netverify.queries.equivalence import EquivalenceResult  # noqa: E402


def _side_lines(name: str, source: str, conn: Connection) -> list[str]:
    lines = [f"{name} ({source}) {'allows' if conn.allowed else 'denies'} it:"]
    if conn.verdict.note:
        lines.append(f"  note: {conn.verdict.note}")
    one = ConnectionSet.of(conn.protocol, conn.port, conn.port)
    for v in conn.deciding():
        lines.extend("  " + line for line in _direction_lines(v, one))
    return lines


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


# --- renderers: blast-radius and paths (issue 18; in report/paths_format.py) ---

from netverify.queries.paths import BlastRadiusResult, PathsResult  # noqa: E402
from netverify.report import paths_format  # noqa: E402

render.register(BlastRadiusResult, paths_format.blast_text)
render.register(PathsResult, paths_format.paths_text)


# --- renderers: diff (issues 4, 17): in their own module, which registers them on `render` ---

from netverify.report import diff_text  # noqa: E402,F401
