"""Markdown: tables ready to paste into a pull request or an issue."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import singledispatch
from io import StringIO
from typing import Any, TextIO

from netverify.queries.matrix import MatrixResult
from netverify.queries.reach import PairResult, ReachResult
from netverify.queries.services import ServiceMatrixResult, ServiceReachResult
from netverify.report import tiers_format
from netverify.report.encode_once import encoded_once, write_batched
from netverify.report.escape import md_code, md_text
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import DirectionVerdict
from netverify.sets import ConnectionSet


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


def _cell(text: str) -> str:
    return md_text(text)


# The headline counts the pairs before the first row. Up to this many pairs the sources' target lists are held
# (the graph shares one list between the members of a class) and written after; beyond, they are counted and
# dropped, and the pairs computed a second time while writing, so that the table streams at any size.
HOLD_PAIRS = 2_000_000


@render.register
def _(result: MatrixResult, out: TextIO, **_: Any) -> None:
    count, rows = _counted(result)
    out.write(f"**{len(result.endpoints)} endpoints, {count} allowed pairs** ({result.query.describe()})\n\n")
    out.write("| source | destination | allowed |\n|---|---|---|\n")
    write_batched(_matrix_lines(rows, by_identity=result.query.is_all), out)


_Rows = Iterable[tuple[Endpoint, list[tuple[Endpoint, ConnectionSet]]]]


def _counted(result: MatrixResult) -> tuple[int, _Rows]:
    """How many pairs the matrix has, and its rows: held, or (over HOLD_PAIRS) to be computed again."""
    held: list[tuple[Endpoint, list[tuple[Endpoint, ConnectionSet]]]] | None = []
    count = 0
    for row in result.by_source():
        count += len(row[1])
        if held is not None:
            held.append(row)
            if count > HOLD_PAIRS:
                held = None
    return count, result.by_source() if held is None else held


def _matrix_lines(rows: _Rows, by_identity: bool) -> Iterator[str]:
    """The table's lines, a source at a time. `by_identity`: connection sets are looked up by object (the
    graph's sets are shared; each is kept so its id stays its own), else by value (port-filtered sets are new)."""
    code: Callable[[str], str] = encoded_once(md_code)
    cell: Callable[[ConnectionSet], str] = encoded_once(lambda c: f" | {_cell(c.describe())} |\n", by_identity)
    for src, targets in rows:
        head = f"| {md_code(src.id)} | "
        lines = [head + code(dst.id) + cell(conns) for dst, conns in targets]
        yield "".join(lines)


def _side(v: DirectionVerdict, queried: ConnectionSet) -> str:
    """One direction of a `can` pair in a cell: the tier walk when admin tiers are folded."""
    if v.tiered:
        return tiers_format.walk_text(v, queried)
    return "open" if not v.isolated else ", ".join(str(m.rule) for m in v.matches) or "denied"


@render.register
def _(result: ServiceMatrixResult, out: TextIO, **_: Any) -> None:
    conns = list(result.connections())
    out.write(f"**{_plural(len(result.endpoints), 'client')}, {_plural(len(result.services), 'Service')} with "
              f"backends, {_plural(len(conns), 'client-service pair')} with something allowed** "
              f"({result.query.describe()}; ports are service ports)\n\n")
    out.write("| client | Service | allowed (every backend) | partial (some backends) |\n|---|---|---|---|\n")
    for c in conns:
        allowed = _cell(c.allowed.describe()) if c.allowed else "-"
        partial = _cell(c.partial.describe()) if c.partial else "-"
        out.write(f"| {md_code(c.src.id)} | {md_code(c.dst.id)} | {allowed} | {partial} |\n")
    for note in result.notes():
        out.write(f"\n> **Note:** {_cell(note)}\n")


@render.register
def _(result: ReachResult, out: TextIO, **_: Any) -> None:
    _reach_md(result, out)


@render.register
def _(result: ServiceReachResult, out: TextIO, **_: Any) -> None:
    """A Service destination: the headline counts (client, Service) pairs; the rows are (client, backend)."""
    _reach_md(result, out)


def _reach_md(result: ReachResult | ServiceReachResult, out: TextIO) -> None:
    verdict = "allowed" if result.allowed else "denied"
    out.write(f"**{result.src.text} → {result.dst.text} ({result.query.describe()}): {verdict}, "
              f"{result.count_text()}**\n\n")
    _pair_rows(result.pairs, out)


def _pair_rows(pairs: tuple[PairResult, ...], out: TextIO) -> None:
    """One row per answered pair, with the rules (or the tier walk) of each direction."""
    out.write("| source | destination | allowed | egress | ingress |\n|---|---|---|---|---|\n")
    for p in pairs:
        v = p.verdict
        eg, ing = (_side(d, p.queried) for d in (v.egress, v.ingress))
        out.write(f"| {md_code(v.src.id)} | {md_code(v.dst.id)} | {_cell(p.allowed.describe())} | {_cell(eg)} "
                  f"| {_cell(ing)} |\n")


# --- diff (issues 4, 17): a pull-request comment: summary line, causes, changes, within a size budget ---

from netverify.queries.diff import Change, DiffResult, EndpointChange, EndpointGroup, endpoint_groups  # noqa: E402
from netverify.queries.diff_cause import Cause  # noqa: E402
from netverify.report.diff_summary import MARKS, brief_ids, describe_ids, outside_blocks  # noqa: E402
from netverify.sets import IPSet  # noqa: E402

MAX_ROWS = 100  # per table of other commands; a PR comment is limited in size, the JSON and SARIF reports are not
# GitHub refuses comments over 65,536 characters: the diff's comment stays under this many, with room
# for what a workflow adds around it. Sections fill it in order and say how many rows they left out.
COMMENT_BUDGET = 60_000


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _where(file: str, line: int) -> str:
    return md_code(f"{file}:{line}") if line else (md_code(file) if file else "")


class _Budget:
    """Rows are written while the comment stays under its budget; the rest are counted."""

    def __init__(self, room: int) -> None:
        self.room = room

    def table(self, out: TextIO, title: str, header: str, rows: list[str], left_out: str) -> None:
        """`left_out` names what was not shown, with `{n}` for how many rows."""
        note_room = len(left_out) + 40
        text = f"\n#### {title}\n\n{header}"
        if not rows or len(text) + len(rows[0]) + note_room > self.room:  # not even one row: just say so
            note = f"\n#### {title}\n\n" + left_out.format(n=f"{len(rows):,}") + "\n"
            out.write(note)
            self.room -= len(note)
            return
        shown = 0
        for row in rows:
            if len(text) + len(row) + note_room > self.room:
                break
            text += row
            shown += 1
        if shown < len(rows):
            text += "\n" + left_out.format(n=f"{len(rows) - shown:,}") + "\n"
        out.write(text)
        self.room -= len(text)


def _marks(changes: list[Change]) -> str:
    return "".join(m for status, m in MARKS.items() if any(c.status == status for c in changes))


def _cause_rows(result: DiffResult, outside: dict[str, IPSet]) -> list[str]:
    """One row per cause, the causes explaining most pairs first."""
    found = sorted(result.causes.values(), key=lambda item: -sum(c.size for c in item[1]))
    rows = []
    for cause, changes in found:
        sources = sorted({s for c in changes for s in c.sources})
        destinations = sorted({d for c in changes for d in c.destinations})
        who = f"{brief_ids(sources, outside)} → {brief_ids(destinations, outside)}"
        rows.append(f"| {_marks(changes)} | {_cell(cause.message)} | {_where(cause.source.file, cause.source.line)} "
                    f"| {sum(c.size for c in changes):,} | {_cell(who)} |\n")
    return rows


def _short_causes(causes: tuple[Cause, ...]) -> str:
    return "<br>".join(_cell(f"{c.short} ") + _where(c.source.file, c.source.line) for c in causes)


def _change_rows(result: DiffResult, outside: dict[str, IPSet]) -> list[str]:
    return [f"| {MARKS[c.status]} | {_short_causes(c.causes)} | {c.size:,} "
            f"| {_cell(describe_ids(c.sources, outside, 2, 2))} | {_cell(describe_ids(c.destinations, outside, 2, 2))} "
            f"| {_cell(c.describe())} |\n" for c in result.changes]


def _endpoint_rows(eps: tuple[EndpointChange, ...], outside: dict[str, IPSet]) -> list[str]:
    """One row per endpoint, or per group of endpoints with the same connectivity."""
    def listing(items: tuple[tuple[str, Any], ...]) -> str:
        return "<br>".join(_cell(f"{describe_ids(peers, outside)}: {conns.describe()}")
                           for conns, peers in EndpointChange.grouped(items)) or "nothing"

    def who(g: EndpointGroup) -> str:
        e = g.first
        if len(g.members) == 1:
            return f"{md_code(e.id)} | {_where(e.endpoint.source.file, e.endpoint.source.line)}"
        return (f"{_cell(describe_ids(g.ids, outside))} (each) "
                f"| {_where(e.endpoint.source.file, e.endpoint.source.line)}")

    return [f"| {who(g)} | {listing(g.egress)} | {listing(g.ingress)} |\n" for g in endpoint_groups(eps)]


@render.register
def _(result: DiffResult, out: TextIO, **_: Any) -> None:
    checked = result.assertions
    failed = result.fails() or (checked is not None and checked.violated_on_head)
    verdict = " — **undecided**" if checked is not None and checked.unknown_on_head else \
        " — **failed**" if failed else ""
    assertions = f"; {checked.summary()}" if checked is not None else ""
    head = (f"### netverify: {result.summary()}{assertions}{verdict}\n\n"
            f"Comparing `{_cell(result.base)}` → `{_cell(result.head)}`.\n")
    tail = StringIO()
    if checked is not None:
        _assertion_table(checked.outcomes, tail)
    out.write(head)
    budget = _Budget(COMMENT_BUDGET - len(head) - len(tail.getvalue()))
    outside = outside_blocks(result)
    everything = "the JSON report (`-f json`) lists every one"
    if result.changes:
        budget.table(out, f"Causes ({len(result.causes):,})",
                     "| | cause | at | pairs | sources → destinations |\n|---|---|---|---:|---|\n",
                     _cause_rows(result, outside), f"…and {{n}} more causes: {everything}.")
        budget.table(out, f"Changes ({len(result.changes):,}), largest first",
                     "| | cause | pairs | sources | destinations | allowed |\n|---|---|---:|---|---|---|\n",
                     _change_rows(result, outside), f"…and {{n}} more changes: {everything}.")
    for title, eps in (("Endpoints added", result.endpoints_added), ("Endpoints removed", result.endpoints_removed)):
        if eps:
            budget.table(out, f"{title} ({len(eps):,})",
                         "| endpoint | defined at | sends to | receives from |\n|---|---|---|---|\n",
                         _endpoint_rows(eps, outside), f"…and {{n}} more endpoints: {everything}.")
    out.write(tail.getvalue())


def _assertion_table(outcomes: tuple[Any, ...], out: TextIO) -> None:
    out.write(f"\n#### Assertions ({len(outcomes)})\n\n| | assertion | defined at | result |\n|---|---|---|---|\n")
    for o in outcomes:
        mark = "**FAIL**" if o.violated_on_head else "**UNKNOWN**" if o.unknown_on_head else "ok"
        detail = f"<br>{_cell(o.detail)}" if o.detail else ""
        out.write(f"| {mark} | {_cell(o.name)} | {_where(o.source.file, o.source.line)} | "
                  f"{_cell(o.describe())}{detail} |\n")


# --- exposure (issue 5) ---------------------------------------------------------------------

from netverify.queries.exposure import Exposure, ExposureResult, describe_addresses  # noqa: E402
from netverify.semantics.services import port_label  # noqa: E402


def _exposure_rows(items: tuple[Exposure, ...], internet_only: bool) -> list[str]:
    rows = []
    for e in items:
        for r in e.reaches:
            if internet_only and not r.internet:
                continue
            why = e.note or ", ".join(str(x) for x in r.because)
            internet = "yes" if r.internet else "no"
            rows.append(f"| {md_code(e.endpoint.id)} | {_cell(r.connections.describe())} | "
                        f"{_cell(describe_addresses(r.addresses))} | {internet} | {_cell(why)} |\n")
    return rows


@render.register
def _(result: ExposureResult, out: TextIO, **_: Any) -> None:
    out.write("## Ingress from outside the cluster, directly to pod IPs\n\n")
    rows = _exposure_rows(result.direct, internet_only=False)
    if rows:
        out.write("| endpoint | ports | from | internet | why |\n|---|---|---|---|---|\n" + "".join(rows))
    else:
        out.write("None: no pod admits addresses outside the cluster.\n")
    out.write("\n## Ingress through Services\n\n")
    if result.services:
        out.write("| service | port | path | backend | target | clients | status | detail |\n"
                  "|---|---|---|---|---|---|---|---|\n")
        for p in result.services:
            out.write(f"| {md_code(p.service)} | {_cell(port_label(p.port))} | {_cell(p.via)} | {md_code(p.backend)} | "
                      f"{_cell(p.target.describe())} | {_cell(describe_addresses(p.clients))} | **{p.status}** | "
                      f"{_cell(p.detail)} |\n")
    else:
        out.write("None: no NodePort, LoadBalancer or externalIPs Service with backends.\n")
    for w in result.warnings:
        out.write(f"\n> **Warning:** {w}\n")
    out.write("\n## Egress to the internet\n\n")
    rows = _exposure_rows(result.egress, internet_only=True)
    if rows:
        out.write("| endpoint | ports | to | internet | why |\n|---|---|---|---|---|\n" + "".join(rows))
    else:
        out.write("None: no pod may send to addresses on the internet.\n")
    for note in result.notes:
        out.write(f"\n- {note}\n")


# --- equiv, contains (issue 6, equivalence) ----------------------------------------------------

from netverify.queries.equivalence import EquivalenceResult  # noqa: E402


@render.register
def _(result: EquivalenceResult, out: TextIO, **_: Any) -> None:
    from netverify.report.text_equivalence import equivalence_lines

    out.write(f"**{result.headline()}**: A = {md_code(result.left)} ({result.counts[0]} policies), "
              f"B = {md_code(result.right)} ({result.counts[1]} policies)\n\n")
    lines = equivalence_lines(result)
    out.write(f"{_cell(lines[0])}\n")
    if len(lines) > 1:
        out.write("\n```\n" + "\n".join(lines[1:]) + "\n```\n")


# --- lint (issue 6): a table for a pull-request comment ---

from netverify.queries.lint import LintResult  # noqa: E402
from netverify.report.text_lint import lint_summary  # noqa: E402

_LINT_ICON = {"error": "🔴", "warning": "🟡", "info": "🔵"}


@render.register
def _(result: LintResult, out: TextIO, **_: Any) -> None:
    out.write(f"**netverify lint: {lint_summary(result)}**\n\n")
    if result.findings:
        out.write("| | code | where | object | message |\n|---|---|---|---|---|\n")
    for f in result.findings[:MAX_ROWS]:
        level = f"{_LINT_ICON[f.severity.value]} {f.severity.value}"
        out.write(f"| {level} | [{f.code}]({f.docs_url}) | {_where(f.source.file, f.source.line)} "
                  f"| {_cell(f.obj)} | {_cell(f.message)} |\n")
    if len(result.findings) > MAX_ROWS:
        out.write(f"\n… and {len(result.findings) - MAX_ROWS} more (see the JSON or SARIF report)\n")
    for note in result.notes:
        out.write(f"\n> {_cell(note)}\n")


# --- renderers: matrix --by namespace (issue 20) ---

from netverify.queries.namespace_matrix import NamespaceMatrixResult  # noqa: E402


@render.register
def _(result: NamespaceMatrixResult, out: TextIO, **_: Any) -> None:
    from netverify.report.text_matrix import namespace_cell_text

    out.write(f"**netverify matrix by namespace ({result.query.describe()})**\n\n"
              "| from namespace | to namespace | allowed | pairs |\n|---|---|---|---|\n")
    for c in result.cells.values():
        if c.pairs:
            out.write(f"| `{c.src}` | `{c.dst}` | {c.status} | {namespace_cell_text(c)} |\n")


# --- blast-radius and paths (issue 18; in report/paths_format.py) ---

from netverify.queries.paths import BlastRadiusResult, PathsResult  # noqa: E402
from netverify.report import paths_format  # noqa: E402

render.register(BlastRadiusResult, paths_format.blast_md)
render.register(PathsResult, paths_format.paths_md)
