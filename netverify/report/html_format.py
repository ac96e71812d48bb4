"""HTML: one self-contained page to attach to a review or open from CI (no external resources).

The matrix page carries its data as JSON and draws it with a small script of its own
(html_data, html_script): namespace blocks, a namespace overview above a size threshold with
drill-down, a legend, filters, the reason of each cell on hover or click, and addresses
outside the cluster as a row and a column. Other results are static tables. Every value is
escaped, since labels and names come from untrusted manifests.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any, TextIO

from netverify.queries.matrix import MatrixResult
from netverify.queries.reach import PairResult, ReachResult
from netverify.queries.services import ServiceMatrixResult, ServiceReachResult
from netverify.report import tiers_format
from netverify.report.escape import html_text as escape
from netverify.report.html_data import json_for_script, matrix_data, service_data
from netverify.report.html_script import SCRIPT, STYLE
from netverify.sets import ConnectionSet

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
td.allow { background: #d8f0d8; }
td.partial { background: #fff2c6; }
td.deny { background: #f6f6f6; color: #aaa; }
code { font-size: 0.95em; }
"""

_LEGEND = (("allow", "all: every port and protocol"), ("partial", "some ports (listed)"),
           ("deny", "-: nothing allowed"), ("self", "self: a pod to itself (always allowed)"))
_SERVICE_LEGEND = (("allow", "every backend admits these service ports"), ("partial", "some service ports"),
                   ("half", "only some backends admit (connections can fail)"), ("deny", "-: nothing allowed"))


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


def _app_page(out: TextIO, title: str, data: dict[str, object], legend: tuple[tuple[str, str], ...]) -> None:
    """The interactive page: the data as JSON, drawn by the page's own script (html_script)."""
    out.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    out.write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
    out.write(f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n")
    out.write(f"<h1>{escape(title)}</h1>\n<p id=\"nv-summary\"></p>\n<p id=\"nv-legend\">")
    out.write("".join(f"<span class=\"sw\" style=\"background: var(--{cls})\">{escape(text)}</span>"
                      for cls, text in legend))
    out.write("<br><span class=\"muted\">Hover a cell for the reason, click it to keep it in the panel.</span></p>\n")
    out.write("<noscript><p>This page draws the matrix with JavaScript; use netverify matrix --format json "
              "or --format md without it.</p></noscript>\n")
    out.write("<div id=\"nv-filters\"></div>\n<div id=\"nv-layout\"><div id=\"nv-view\"></div>"
              "<div id=\"nv-detail\"></div></div>\n<ul id=\"nv-notes\"></ul>\n")
    out.write(f"<script type=\"application/json\" id=\"nv-data\">{json_for_script(data)}</script>\n")
    out.write(f"<script>{SCRIPT}</script>\n</body>\n</html>\n")


@render.register
def _(result: MatrixResult, out: TextIO, **_: Any) -> None:
    title = "netverify connectivity matrix"
    _app_page(out, title, matrix_data(result, title), _LEGEND)


@render.register
def _(result: ServiceMatrixResult, out: TextIO, **_: Any) -> None:
    title = "netverify matrix: clients to Services"
    _app_page(out, title, service_data(result, title), _SERVICE_LEGEND)


@render.register
def _(result: ReachResult, out: TextIO, **_: Any) -> None:
    _reach_page(result, out)


@render.register
def _(result: ServiceReachResult, out: TextIO, **_: Any) -> None:
    """A Service destination: the title counts (client, Service) pairs; the rows are (client, backend)."""
    _reach_page(result, out)


def _reach_page(result: ReachResult | ServiceReachResult, out: TextIO) -> None:
    verdict = "allowed" if result.allowed else "denied"
    _page(out, f"{result.src.text} → {result.dst.text}: {verdict}, {result.count_text()}")
    out.write(f"<p>{escape(result.query.describe())}</p>\n")
    _pair_table(result.pairs, out)
    _end(out)


def _pair_table(pairs: tuple[PairResult, ...], out: TextIO) -> None:
    """One row per answered pair, with the rules (or the tier walk) of each direction."""
    out.write("<table>\n<tr><th>source</th><th>destination</th><th>allowed</th><th>egress</th><th>ingress</th></tr>\n")
    for p in pairs:
        v = p.verdict
        sides = []
        for d in (v.egress, v.ingress):
            if d.tiered:
                sides.append(tiers_format.walk_text(d, p.queried))
            elif not d.isolated:
                sides.append("not isolated")
            else:
                sides.append(", ".join(str(m.rule) for m in d.matches) or "denied: no rule admits it")
        out.write(f"<tr><td><code>{escape(v.src.id)}</code></td><td><code>{escape(v.dst.id)}</code></td>"
                  f"<td class=\"{_cell_class(p.allowed)}\">{escape(p.allowed.describe() if p.allowed else '-')}</td>"
                  f"<td>{escape(sides[0])}</td><td>{escape(sides[1])}</td></tr>\n")
    out.write("</table>\n")


# --- blast-radius and paths (issue 18; in report/paths_format.py) ---

from netverify.queries.paths import BlastRadiusResult, PathsResult  # noqa: E402
from netverify.report import paths_format  # noqa: E402

render.register(BlastRadiusResult, paths_format.blast_html)
render.register(PathsResult, paths_format.paths_html)
