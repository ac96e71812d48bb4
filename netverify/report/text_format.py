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


class _Console(Console):
    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Without colour, a Text is its plain string: written directly, not rendered (rendering
        costs ~40 µs a line, seconds for a diff or lint of tens of thousands of lines)."""
        if len(objects) == 1 and not kwargs and isinstance(objects[0], Text) and self.no_color \
                and not self.is_terminal and "\n" not in objects[0].plain:
            try:
                self.file.write(objects[0].plain + "\n")
            except BrokenPipeError:
                self.on_broken_pipe()
            return
        super().print(*objects, **kwargs)

    def on_broken_pipe(self) -> None:
        # rich would exit(1) here, which reads as "denied"; let the caller decide.
        raise BrokenPipeError


def console_for(out: TextIO, color: bool | None = None) -> Console:
    # markup=False: names from the input are text, never rich markup (`[img]` would vanish, `[red]` recolour).
    return _Console(file=out, width=120, no_color=not color, highlight=False, soft_wrap=True, markup=False,
                    force_terminal=bool(color), emoji=False)


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


LIST_LIMIT = 6  # beyond this many names a group is summarised with a count


def _short(ep: Endpoint) -> str:
    return ep.id[len(ep.namespace) + 1:] if ep.namespace else ep.id


def _names(eps: list[Endpoint]) -> str:
    shown = [_short(e) for e in eps[:LIST_LIMIT]]
    more = f", … +{len(eps) - LIST_LIMIT}" if len(eps) > LIST_LIMIT else ""
    return ", ".join(shown) + more


def _destinations(dsts: list[Endpoint], all_eps: list[Endpoint]) -> list[str]:
    """Summarise a destination list so that it stays readable with hundreds of endpoints.

    `*` = every endpoint; `ns/*` = every endpoint of a namespace; `except` lists the
    few that are missing; long partial lists are shortened to a count.
    """
    if len(dsts) == len(all_eps) and len(all_eps) > 1:
        return [f"* (every endpoint, {len(all_eps)})"]
    wanted = {e.id for e in dsts}
    missing = [e for e in all_eps if e.id not in wanted]
    if len(missing) <= LIST_LIMIT and len(dsts) > len(missing):
        return [f"* except {', '.join(e.id for e in missing)}"]
    by_ns: dict[str, list[Endpoint]] = defaultdict(list)
    for e in all_eps:
        by_ns[e.namespace].append(e)
    out: list[str] = []
    for ns, group in groupby(dsts, key=lambda e: e.namespace):
        members = list(group)
        everyone = by_ns[ns]
        absent = [e for e in everyone if e.id not in wanted]
        label = ns or "(external)"
        if not absent and len(members) > 1:
            out.append(f"{label}/* ({len(members)})")
        elif len(members) == 1:
            out.append(members[0].id)
        elif len(absent) <= LIST_LIMIT and len(members) > len(absent):
            out.append(f"{label}/* except {_names(absent)}")
        else:
            out.append(f"{label}/{{{_names(members)}}} ({len(members)} of {len(everyone)})")
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
    reaches_all = [e.id for e in eps if len(by_src.get(e.id, ())) >= len(eps) - 1 and len(eps) > 1]
    if reaches_all:
        console.print(f"can send anything to every other endpoint: {len(reaches_all)} endpoints", markup=False)
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
    for v in conn.deciding():
        lines.extend("  " + line for line in _direction_lines(v))
    return lines


def _proof_lines(proof: Proof, admitting: bool) -> list[str]:
    if not proof.rules and not proof.policies:
        return ["  the proof needs no rule: the endpoints and ports alone decide it"]
    verb = "admits the traffic" if admitting else "does not admit the traffic"
    lines = [f"  rule {r} {verb}" for r in proof.rules]
    lines += [f"  policy {p} selects the {'source' if direction == 'egress' else 'destination'} ({direction})"
              for p, direction in proof.policies]
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
    ports = ", ".join(p.describe() for p in a.ports) or "any port"
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
def _(result: CheckResult, out: TextIO, color: bool | None = None, **_: Any) -> None:
    console = console_for(out, color)
    for o in result.outcomes:
        _outcome(console, o)
        console.print("")
    total = len(result.outcomes)
    console.print(Text(f"{total} assertion{'s' if total != 1 else ''}: {result.count('holds')} hold, "
                       f"{result.count('fails')} fail, {result.count('unknown')} unknown", style="bold"))


@render.register
def _(result: AnyReachResult, out: TextIO, color: bool | None = None, **_: Any) -> None:
    console = console_for(out, color)
    reachable = result.reachable
    word, style = (("UNKNOWN", "bold yellow") if reachable is None else
                   ("REACHABLE", "bold green") if reachable else ("UNREACHABLE", "bold red"))
    console.print(Text.assemble((word, style), f"  {result.src} -> {result.dst} on {result.ports} "
                                               "(any pod that could exist)"))
    for note in (*result.notes, *result.result.notes):
        console.print(f"  note: {note}", markup=False)
    for line in smt_result_lines(result.result):
        console.print("  " + line, markup=False)


# --- renderers: exposure (issue 5) ---

# Imported here, next to the renderers that use them (the anchors keep issues' code apart).
from netverify.queries.exposure import Exposure, ExposureResult, describe_addresses  # noqa: E402
from netverify.queries.services import ServiceMatrixResult, ServiceReachResult  # noqa: E402
from netverify.semantics.services import port_label  # noqa: E402


def _pair_lines(console: Console, pair: Any, role: str = "") -> None:
    v = pair.verdict
    mark = "allowed" if pair.allowed else "denied"
    console.print(f"\n{v.src.id} -> {v.dst.id}{role}: {mark}" + (f" ({pair.allowed.describe()})" if pair.allowed
                                                               else ""), markup=False)
    if v.note:
        console.print(f"  note: {v.note}", markup=False)
    for line in _direction_lines(v.egress) + _direction_lines(v.ingress):
        console.print("  " + line, markup=False)
    if not pair.allowed and v.allowed and pair.queried:
        console.print(f"  both sides allow only {v.allowed.describe()}, not {pair.queried.describe()}", markup=False)


@render.register
def _(result: ServiceReachResult, out: TextIO, color: bool | None = None, **_: Any) -> None:
    console = console_for(out, color)
    view = result.view
    assert view is not None
    served = result.backends_served
    verdict = Text("ALLOWED" if result.allowed else "DENIED", style="bold green" if result.allowed else "bold red")
    console.print(Text.assemble(verdict, f"  {result.src.text} -> Service {view.service.namespace}/"
                                         f"{view.service.name} ({view.kind}) on {result.query.describe()}"))
    origin = {"selector": "its selector", "EndpointSlices": "its EndpointSlices"}.get(view.origin, "nothing")
    console.print(f"  backends (from {origin}): " + (", ".join(b.endpoint.id for b in view.backends) or "none"),
                  markup=False)
    for t in result.translations:
        console.print(f"  {t.how}", markup=False)
    for note in view.notes:
        console.print(f"  note: {note}", markup=False)
    for client, admitted in result.admitted_backends().items():
        if served and len(admitted) < len(served):
            missing = [b for b in served if b not in admitted]
            console.print(f"  {client}: {len(admitted)} of {len(served)} backends admit it; not "
                          f"{', '.join(missing)} (kube-proxy may pick any backend, so connections can fail)",
                          markup=False)
    for pair in result.pairs:
        _pair_lines(console, pair, " (backend)")


@render.register
def _(result: ServiceMatrixResult, out: TextIO, color: bool | None = None, **_: Any) -> None:
    console = console_for(out, color)
    rows = list(result.connections())
    console.print(Text(f"{len(result.endpoints)} clients, {len(result.services)} Services with backends, "
                       f"{len(rows)} client-service pairs with something allowed ({result.query.describe()}; "
                       "ports are service ports)", style="bold"))
    table = Table(show_lines=False, expand=False)
    for name in ("from", "to Service", "allowed", "partial (some backends)"):
        table.add_column(name)
    previous = None
    for conn in rows:
        partial = getattr(conn, "partial", None)
        table.add_row(conn.src.id if conn.src.id != previous else "", conn.dst.id,
                      conn.allowed.describe() if conn.allowed else "", partial.describe() if partial else "")
        previous = conn.src.id
    console.print(table)
    for note in result.notes():
        console.print(f"note: {note}", markup=False)


def _exposure_table(console: Console, title: str, items: tuple[Exposure, ...], peer: str) -> None:
    table = Table(title=title, title_justify="left", expand=False)
    for name in ("endpoint", "ports", peer, "why"):
        table.add_column(name)
    for e in items:
        first = True
        for r in e.reaches:
            if e.direction == "egress" and not r.internet:
                continue
            why = e.note or ", ".join(str(x) for x in r.rules)
            table.add_row(e.endpoint.id if first else "", r.connections.describe(), describe_addresses(r.addresses),
                          why)
            first = False
    console.print(table)


@render.register
def _(result: ExposureResult, out: TextIO, color: bool | None = None, **_: Any) -> None:
    console = console_for(out, color)
    console.print(Text("Ingress from outside the cluster, directly to pod IPs", style="bold"))
    console.print("(reachable where pod IPs are routable from outside the cluster; this is what policy allows)")
    if result.direct:
        _exposure_table(console, "", result.direct, "from")
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
        _exposure_table(console, "", result.egress, "to")
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
def _(result: LintResult, out: TextIO, color: bool | None = None, **_: Any) -> None:
    """One line per finding, `file:line: severity CODE object: message`, then a summary."""
    console = console_for(out, color)
    for f in result.findings:
        where = f"{f.source}: " if f.source.file else ""
        what = f" {f.obj}:" if f.obj else ""
        console.print(Text.assemble(where, Text(f.severity.value, style=_SEVERITY_STYLE[f.severity]),
                                    f" {f.code}{what} {f.message}"))
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    console.print(lint_summary(result), markup=False)



# --- renderers: equiv, contains (issue 6, equivalence) ---

from netverify.queries.equivalence import EquivalenceResult  # noqa: E402


def _side_lines(name: str, source: str, conn: Connection) -> list[str]:
    lines = [f"{name} ({source}) {'allows' if conn.allowed else 'denies'} it:"]
    if conn.verdict.note:
        lines.append(f"  note: {conn.verdict.note}")
    for v in conn.deciding():
        lines.extend("  " + line for line in _direction_lines(v))
    return lines


def equivalence_lines(result: EquivalenceResult) -> list[str]:
    """Everything under the headline: the scope, then the distinguishing connection or why unknown."""
    engine = "SMT engine" if result.engine == "smt" else "graph engine"
    lines = [f"for {result.scope_text()} ({engine})"]
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
def _(result: EquivalenceResult, out: TextIO, color: bool | None = None, **_: Any) -> None:
    console = console_for(out, color)
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
# --- renderer: can with admin tiers (issue 16; in report/tiers_format.py) ---

from netverify.queries.tiered_reach import TieredReachResult  # noqa: E402
from netverify.report import diff_text, tiers_format  # noqa: E402,F401

render.register(TieredReachResult, tiers_format.tiered_reach_text)
