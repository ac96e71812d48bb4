"""HTML: one self-contained page (no scripts, no external resources) to attach to a review.

The matrix is drawn as a grid when it is small enough to read, as a list grouped by source
otherwise; every value is escaped, since labels and names come from untrusted manifests.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any, TextIO

from netverify.queries.matrix import MatrixResult
from netverify.queries.reach import ReachResult
from netverify.report.escape import html_text as escape
from netverify.sets import ConnectionSet

GRID_LIMIT = 80  # endpoints; beyond this a grid is wider than any screen

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th.dst { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
td.allow { background: #d8f0d8; }
td.partial { background: #fff2c6; }
td.deny { background: #f6f6f6; color: #aaa; }
td.self { background: #e8e8e8; }
code { font-size: 0.95em; }
"""


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


def _page(out: TextIO, title: str) -> None:
    out.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    out.write(f"<title>{escape(title)}</title>\n")
    out.write(f"<style>{_STYLE}</style>\n</head>\n<body>\n<h1>{escape(title)}</h1>\n")


def _end(out: TextIO) -> None:
    out.write("</body>\n</html>\n")


def _cell_class(allowed: ConnectionSet | None) -> str:
    if allowed is None or not allowed:
        return "deny"
    return "allow" if allowed.is_all() else "partial"


@render.register
def _(result: MatrixResult, out: TextIO, **_: Any) -> None:
    _page(out, "netverify connectivity matrix")
    endpoints = result.endpoints
    rows = list(result.by_source())
    count = sum(len(targets) for _, targets in rows)
    out.write(f"<p>{len(endpoints)} endpoints, {count} allowed pairs ({escape(result.query.describe())}).</p>\n")
    if len(endpoints) <= GRID_LIMIT:
        _grid(out, endpoints, rows)
    else:
        _list(out, rows)
    _end(out)


def _grid(out: TextIO, endpoints: list[Any], rows: list[tuple[Any, list[tuple[Any, ConnectionSet]]]]) -> None:
    allowed = {src.id: {dst.id: conns for dst, conns in targets} for src, targets in rows}
    out.write("<table>\n<tr><th>source \\ destination</th>")
    out.write("".join(f"<th class=\"dst\"><code>{escape(d.id)}</code></th>" for d in endpoints))
    out.write("</tr>\n")
    for src in endpoints:
        out.write(f"<tr><th><code>{escape(src.id)}</code></th>")
        row = allowed.get(src.id, {})
        for dst in endpoints:
            if src.id == dst.id and src.single_pod:
                out.write("<td class=\"self\" title=\"a pod to itself is always allowed\">self</td>")
                continue
            conns = row.get(dst.id)
            text = conns.describe() if conns else "-"
            out.write(f"<td class=\"{_cell_class(conns)}\">{escape(text)}</td>")
        out.write("</tr>\n")
    out.write("</table>\n")


def _list(out: TextIO, rows: list[tuple[Any, list[tuple[Any, ConnectionSet]]]]) -> None:
    out.write("<table>\n<tr><th>source</th><th>destination</th><th>allowed</th></tr>\n")
    for src, targets in rows:
        for dst, conns in targets:
            out.write(f"<tr><td><code>{escape(src.id)}</code></td><td><code>{escape(dst.id)}</code></td>"
                      f"<td class=\"{_cell_class(conns)}\">{escape(conns.describe())}</td></tr>\n")
    out.write("</table>\n")


@render.register
def _(result: ReachResult, out: TextIO, **_: Any) -> None:
    verdict = "allowed" if result.allowed else "denied"
    _page(out, f"{result.src.text} → {result.dst.text}: {verdict}")
    out.write(f"<p>{escape(result.query.describe())}</p>\n")
    out.write("<table>\n<tr><th>source</th><th>destination</th><th>allowed</th><th>egress</th><th>ingress</th></tr>\n")
    for p in result.pairs:
        v = p.verdict
        sides = []
        for d in (v.egress, v.ingress):
            if not d.isolated:
                sides.append("not isolated")
            else:
                sides.append(", ".join(str(m.rule) for m in d.matches) or "denied: no rule admits it")
        out.write(f"<tr><td><code>{escape(v.src.id)}</code></td><td><code>{escape(v.dst.id)}</code></td>"
                  f"<td class=\"{_cell_class(p.allowed)}\">{escape(p.allowed.describe() if p.allowed else '-')}</td>"
                  f"<td>{escape(sides[0])}</td><td>{escape(sides[1])}</td></tr>\n")
    out.write("</table>\n")
    _end(out)


# --- blast-radius and paths (issue 18; in report/paths_format.py) ---

from netverify.queries.paths import BlastRadiusResult, PathsResult  # noqa: E402
from netverify.report import paths_format  # noqa: E402

render.register(BlastRadiusResult, paths_format.blast_html)
render.register(PathsResult, paths_format.paths_html)
