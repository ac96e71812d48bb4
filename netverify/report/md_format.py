"""Markdown: tables ready to paste into a pull request or an issue."""

from __future__ import annotations

from functools import singledispatch
from typing import Any, TextIO

from netverify.queries.matrix import MatrixResult
from netverify.queries.reach import ReachResult


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


@render.register
def _(result: MatrixResult, out: TextIO, **_: Any) -> None:
    conns = list(result.connections())
    out.write(f"**{len(result.endpoints)} endpoints, {len(conns)} allowed pairs** ({result.query.describe()})\n\n")
    out.write("| source | destination | allowed |\n|---|---|---|\n")
    for c in conns:
        out.write(f"| `{_cell(c.src.id)}` | `{_cell(c.dst.id)}` | {_cell(c.allowed.describe())} |\n")


@render.register
def _(result: ReachResult, out: TextIO, **_: Any) -> None:
    verdict = "allowed" if result.allowed else "denied"
    out.write(f"**{result.src.text} → {result.dst.text} ({result.query.describe()}): {verdict}**\n\n")
    out.write("| source | destination | allowed | egress | ingress |\n|---|---|---|---|---|\n")
    for p in result.pairs:
        v = p.verdict
        eg = "open" if not v.egress.isolated else ", ".join(str(m.rule) for m in v.egress.matches) or "denied"
        ing = "open" if not v.ingress.isolated else ", ".join(str(m.rule) for m in v.ingress.matches) or "denied"
        out.write(f"| `{v.src.id}` | `{v.dst.id}` | {_cell(p.allowed.describe())} | {_cell(eg)} | {_cell(ing)} |\n")


# --- diff (issue 4): a pull-request comment: summary line, tables, collapsible details ---

from netverify.queries.diff import DiffResult, EndpointChange, PairChange  # noqa: E402
from netverify.queries.diff_causes import Cause  # noqa: E402

MAX_ROWS = 100  # per table; a PR comment is limited in size, the JSON and SARIF reports are not
_SECTION_TITLES = (("added", "Added connections"), ("removed", "Removed connections"),
                   ("changed", "Changed connections"))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _where(file: str, line: int) -> str:
    return f"`{_cell(file)}:{line}`" if line else (f"`{_cell(file)}`" if file else "")


def _short_causes(change: PairChange) -> str:
    return "<br>".join(_cell(f"{c.short} ") + _where(c.source.file, c.source.line) for c in change.causes)


def _pair_table(changes: tuple[PairChange, ...], out: TextIO) -> None:
    out.write("| source | destination | allowed | cause |\n|---|---|---|---|\n")
    for c in changes[:MAX_ROWS]:
        out.write(f"| `{_cell(c.src)}` | `{_cell(c.dst)}` | {_cell(c.describe())} | {_short_causes(c)} |\n")
    if len(changes) > MAX_ROWS:
        out.write(f"\n…and {len(changes) - MAX_ROWS} more (the JSON and SARIF reports list every one).\n")


def _cause_details(changes: tuple[PairChange, ...], out: TextIO) -> None:
    groups: dict[tuple[Cause, ...], list[PairChange]] = {}
    for c in changes:
        groups.setdefault(c.causes, []).append(c)
    out.write(f"\n<details><summary>Why ({_plural(len(groups), 'explanation')})</summary>\n\n")
    for causes, group in groups.items():
        pairs = ", ".join(f"`{_cell(c.src)}` → `{_cell(c.dst)}`" for c in group[:10])
        more = f" and {len(group) - 10} more" if len(group) > 10 else ""
        out.write(f"- {pairs}{more}\n")
        for cause in causes:
            out.write(f"  - {_cell(cause.message)} {_where(cause.source.file, cause.source.line)}\n")
    out.write("\n</details>\n")


def _endpoint_section(title: str, eps: tuple[EndpointChange, ...], out: TextIO) -> None:
    out.write(f"\n#### {title} ({len(eps)})\n\n")
    out.write("| endpoint | defined at | sends to | receives from |\n|---|---|---|---|\n")
    for e in eps[:MAX_ROWS]:
        src = e.endpoint.source
        out.write(f"| `{_cell(e.id)}` | {_where(src.file, src.line)} | {_plural(len(e.egress), 'endpoint')} | "
                  f"{_plural(len(e.ingress), 'endpoint')} |\n")
    out.write("\n<details><summary>Connectivity</summary>\n\n")
    for e in eps[:MAX_ROWS]:
        out.write(f"- `{_cell(e.id)}`\n")
        for label, items in (("sends to", e.egress), ("receives from", e.ingress)):
            listing = ", ".join(f"`{_cell(peer)}` {_cell(conns.describe())}" for peer, conns in items[:MAX_ROWS])
            out.write(f"  - {label}: {listing or 'nothing'}\n")
    out.write("\n</details>\n")


@render.register
def _(result: DiffResult, out: TextIO, **_: Any) -> None:
    checked = result.assertions
    failed = result.fails() or (checked is not None and checked.violated_on_head)
    verdict = " — **undecided**" if checked is not None and checked.unknown_on_head else \
        " — **failed**" if failed else ""
    assertions = f"; {checked.summary()}" if checked is not None else ""
    out.write(f"### netverify: {result.summary()}{assertions}{verdict}\n\n")
    out.write(f"Comparing `{_cell(result.base)}` → `{_cell(result.head)}`.\n")
    for name, title in _SECTION_TITLES:
        changes: tuple[PairChange, ...] = getattr(result, name)
        if changes:
            out.write(f"\n#### {title} ({len(changes)})\n\n")
            _pair_table(changes, out)
            _cause_details(changes, out)
    if result.endpoints_added:
        _endpoint_section("Endpoints added", result.endpoints_added, out)
    if result.endpoints_removed:
        _endpoint_section("Endpoints removed", result.endpoints_removed, out)
    if result.assertions is not None:
        _assertion_table(result.assertions.outcomes, out)


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
            why = e.note or ", ".join(str(x) for x in r.rules)
            internet = "yes" if r.internet else "no"
            rows.append(f"| `{_cell(e.endpoint.id)}` | {_cell(r.connections.describe())} | "
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
            out.write(f"| `{_cell(p.service)}` | {_cell(port_label(p.port))} | {_cell(p.via)} | `{_cell(p.backend)}` | "
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
    from netverify.report.text_format import equivalence_lines

    out.write(f"**{result.headline()}**: A = `{_cell(result.left)}` ({result.counts[0]} policies), "
              f"B = `{_cell(result.right)}` ({result.counts[1]} policies)\n\n")
    lines = equivalence_lines(result)
    out.write(f"{_cell(lines[0])}\n")
    if len(lines) > 1:
        out.write("\n```\n" + "\n".join(lines[1:]) + "\n```\n")


# --- lint (issue 6): a table for a pull-request comment ---

from netverify.queries.lint import LintResult  # noqa: E402
from netverify.report.text_format import lint_summary  # noqa: E402

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


# --- blast-radius and paths (issue 18; in report/paths_format.py) ---

from netverify.queries.paths import BlastRadiusResult, PathsResult  # noqa: E402
from netverify.report import paths_format  # noqa: E402

render.register(BlastRadiusResult, paths_format.blast_md)
render.register(PathsResult, paths_format.paths_md)
