"""Reports of `blast-radius`, `paths` and path assertions: text, md, dot and html (json is each result's to_json).

Kept apart from the matrix's formatters (the HTML page here is its own small page); each format
module registers these renderers for the result types. Everything from manifests is escaped
for the format it goes into (DOT strings through json.dumps, HTML through html.escape,
Markdown table cells with their pipes escaped).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from netverify.engines.smt_types import SmtResult
from netverify.queries.path_check import PathVerdict
from netverify.queries.paths import BlastRadiusResult, Hop, PathsResult
from netverify.report.escape import html_text as escape
from netverify.report.escape import md_code, md_text
from netverify.report.tiers_format import walk_line

# --- shared words


def _within(max_hops: int | None) -> str:
    return "any number of hops" if max_hops is None else f"at most {max_hops} hop{'s' if max_hops != 1 else ''}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def blast_title(result: BlastRadiusResult) -> str:
    namespaces = len(result.by_namespace())
    return (f"blast radius of {result.source.text} ({result.query.describe()}, {_within(result.max_hops)}): "
            f"{_count(len(result.reached), 'endpoint')} reached in {_count(namespaces, 'namespace')}")


def paths_title(result: PathsResult) -> str:
    head = f"{result.source.text} -> {result.target_text}"
    avoiding = f", avoiding {result.avoiding}" if result.avoiding else ""
    where = f"({result.query.describe()}, {_within(result.max_hops)}{avoiding})"
    if not result.reachable:
        return f"UNREACHABLE  {head} {where}: no path"
    more = " (more exist: raise --max-paths)" if result.truncated else ""
    return (f"REACHABLE  {head} {where}: {_count(result.hops or 0, 'hop')}, "
            f"{_count(len(result.paths), 'shortest path')} shown{more}")


def walk_lines(hop: Hop) -> list[str]:
    """With admin tiers: each direction's tier walk over what the hop allows."""
    return [walk_line(w, hop.allowed) for w in hop.walks]


def hop_lines(number: int, hop: Hop) -> list[str]:
    lines = [f"{number}. {hop.src_name} -> {hop.dst.id}  {hop.allowed.describe()}"]
    lines += [f"     admitted by {r}" for r in hop.rules]
    lines += [f"     {note}" for note in hop.notes]
    lines += [f"     {walk}" for walk in walk_lines(hop)]
    return lines


def path_lines(path: Iterable[Hop]) -> list[str]:
    out: list[str] = []
    for i, hop in enumerate(path, 1):
        out += hop_lines(i, hop)
    return out or ["(no hop: a source is a destination)"]


# --- text


def _tree(result: BlastRadiusResult) -> list[str]:
    children: dict[str, list[Any]] = {}
    for r in result.reached:
        children.setdefault(result.via_name(r) or "", []).append(r)
    lines: list[str] = []

    def walk(name: str, prefix: str) -> None:
        kids = children.get(name, [])
        for i, r in enumerate(kids):
            last = i == len(kids) - 1
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{r.endpoint.id}  hop {r.hops}  {r.allowed.describe()}")
            walk(r.endpoint.id, prefix + ("   " if last else "│  "))

    for root in result.source.ids:
        lines.append(root)
        walk(root, "")
    return lines


def summary_lines(result: BlastRadiusResult) -> list[str]:
    if not result.reached:
        return []
    hops = ", ".join(f"{h}: {n}" for h, n in result.by_hops().items())
    namespaces = ", ".join(f"{ns} {n}" for ns, n in result.by_namespace().items())
    return [f"by hop count: {hops}", f"by namespace: {namespaces}"]


def blast_text(result: BlastRadiusResult, out: TextIO, **_: Any) -> None:
    lines = [blast_title(result), ""] + _tree(result)
    if result.entries:
        lines += ["", "entry points:"]
        for e in result.entries:
            lines += [f"  {e.endpoint.id}  {e.allowed.describe()}"]
            for r in e.routes:
                condition = " (conditional)" if r.conditional else ""
                lines.append(f"    via {r.via}{condition}" + (f": {r.detail}" if r.detail else ""))
    lines += [""] + summary_lines(result) + [f"note: {n}" for n in result.notes]
    out.write("\n".join(lines).rstrip("\n") + "\n")


def paths_text(result: PathsResult, out: TextIO, **_: Any) -> None:
    lines = [paths_title(result)]
    for i, path in enumerate(result.paths, 1):
        lines += ["", f"path {i}:"] + ["  " + x for x in path_lines(path)]
    lines += [f"note: {n}" for n in result.notes]
    out.write("\n".join(lines) + "\n")


def path_verdict_lines(verdict: PathVerdict, smt_lines: Callable[[SmtResult], list[str]]) -> list[str]:
    """The body of a path assertion in `check` (text, junit and sarif): the path, or what the search covered."""
    search = verdict.paths
    within = _within(search.max_hops)
    lines: list[str] = []
    shown = verdict.path
    if shown is not None and shown.paths:
        kind = "witness" if verdict.status == "holds" else "counterexample"
        avoiding = f" avoiding {shown.avoiding}" if shown.avoiding else ""
        lines.append(f"{kind}: a path of {_count(shown.hops or 0, 'hop')}{avoiding} ({shown.query.describe()}):")
        lines += ["  " + x for x in path_lines(shown.paths[0])]
    else:
        avoiding = f" that avoids {search.avoiding}" if search.avoiding else ""
        loaded = "on the loaded endpoints, " if verdict.one_hop is not None else ""
        lines.append(f"{loaded}no path{avoiding} within {within} ({search.query.describe()}): "
                     f"{search.source.text} reaches {_count(verdict.reached, 'endpoint')}, none in "
                     f"{search.target_text}" + (" by such a path" if search.avoiding else ""))
    if verdict.one_hop is not None:
        lines.append("one hop, for every pod that could exist (solver):")
        lines += ["  " + x for x in smt_lines(verdict.one_hop)]
    return lines


# --- markdown


def _cell(text: str) -> str:
    return md_text(text)


def blast_md(result: BlastRadiusResult, out: TextIO, **_: Any) -> None:
    out.write(f"**{_cell(blast_title(result))}**\n\n")
    if result.reached:
        out.write("| endpoint | hops | via | allowed |\n|---|---:|---|---|\n")
        for r in result.reached:
            out.write(f"| {md_code(r.endpoint.id)} | {r.hops} | {md_code(result.via_name(r) or '')} | "
                      f"{_cell(r.allowed.describe())} |\n")
        out.write("\n| namespace | endpoints |\n|---|---:|\n")
        out.writelines(f"| {md_code(ns)} | {n} |\n" for ns, n in result.by_namespace().items())
        out.write("\n| hops | endpoints |\n|---:|---:|\n")
        out.writelines(f"| {h} | {n} |\n" for h, n in result.by_hops().items())
    for note in result.notes:
        out.write(f"\n> {_cell(note)}\n")


def paths_md(result: PathsResult, out: TextIO, **_: Any) -> None:
    out.write(f"**{_cell(paths_title(result))}**\n")
    for i, path in enumerate(result.paths, 1):
        out.write(f"\n### path {i}\n\n| # | from | to | allowed | admitted by |\n|---:|---|---|---|---|\n")
        for j, hop in enumerate(path, 1):
            why = "; ".join([str(r) for r in hop.rules] + list(hop.notes) + walk_lines(hop))
            out.write(f"| {j} | {md_code(hop.src_name)} | {md_code(hop.dst.id)} | {_cell(hop.allowed.describe())} | "
                      f"{_cell(why)} |\n")
    for note in result.notes:
        out.write(f"\n> {_cell(note)}\n")


# --- dot: the subgraph of the paths (or the blast radius tree), highlighted


def _dot(out: TextIO, title: str, nodes: dict[str, str], edges: list[tuple[str, str, str]],
         highlighted: set[str]) -> None:
    q = json.dumps
    out.write(f"digraph netverify {{\n  label={q(title)};\n  labelloc=t;\n  rankdir=LR;\n"
              "  node [shape=box, fontsize=10];\n")
    groups: dict[str, list[str]] = {}
    for node, namespace in nodes.items():
        groups.setdefault(namespace, []).append(node)
    for i, (namespace, members) in enumerate(sorted(groups.items())):
        inner = namespace != ""
        if inner:
            out.write(f"  subgraph cluster_{i} {{\n    label={q(namespace)};\n")
        for node in sorted(members):
            style = ", style=filled, fillcolor=\"#ffd7d7\"" if node in highlighted else ""
            shape = ", shape=ellipse" if not inner else ""
            out.write(f"{'    ' if inner else '  '}{q(node)} [label={q(node)}{shape}{style}];\n")
        if inner:
            out.write("  }\n")
    for src, dst, label in edges:
        out.write(f"  {q(src)} -> {q(dst)} [label={q(label)}, color=\"#c00000\", penwidth=2];\n")
    out.write("}\n")


def blast_dot(result: BlastRadiusResult, out: TextIO, **_: Any) -> None:
    nodes = dict.fromkeys(result.source.ids, "")
    for ep in result.source.members:
        nodes[ep.id] = ep.namespace
    edges = []
    for r in result.reached:
        nodes[r.endpoint.id] = r.endpoint.namespace
        edges.append((result.via_name(r) or "", r.endpoint.id, f"hop {r.hops}: {r.allowed.describe()}"))
    _dot(out, blast_title(result), nodes, edges, set(result.source.ids))


def paths_dot(result: PathsResult, out: TextIO, **_: Any) -> None:
    nodes: dict[str, str] = {}
    edges: dict[tuple[str, str], str] = {}
    for path in result.paths:
        for hop in path:
            nodes.setdefault(hop.src_name, hop.src.namespace if hop.src is not None else "")
            nodes[hop.dst.id] = hop.dst.namespace
            edges[(hop.src_name, hop.dst.id)] = hop.allowed.describe()
    ends = {p[0].src_name for p in result.paths if p} | {p[-1].dst.id for p in result.paths if p}
    _dot(out, paths_title(result), nodes, [(s, d, label) for (s, d), label in edges.items()], ends)


# --- html: one small self-contained page (no scripts, no external resources)

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; margin-bottom: 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
td.num { text-align: right; }
ol.path li { margin-bottom: 0.4em; }
.why { color: #555; font-size: 0.9em; }
"""


def _page(out: TextIO, title: str) -> None:
    out.write(f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{escape(title)}</title>\n"
              f"<style>{_STYLE}</style>\n</head>\n<body>\n<h1>{escape(title)}</h1>\n")


def _notes(out: TextIO, notes: Iterable[str]) -> None:
    out.writelines(f"<p class=\"why\">note: {escape(n)}</p>\n" for n in notes)


def blast_html(result: BlastRadiusResult, out: TextIO, **_: Any) -> None:
    _page(out, blast_title(result))
    if result.reached:
        out.write("<table>\n<tr><th>endpoint</th><th>hops</th><th>via</th><th>allowed</th></tr>\n")
        for r in result.reached:
            out.write(f"<tr><td><code>{escape(r.endpoint.id)}</code></td><td class=\"num\">{r.hops}</td>"
                      f"<td><code>{escape(result.via_name(r) or '')}</code></td>"
                      f"<td>{escape(r.allowed.describe())}</td></tr>\n")
        out.write("</table>\n<table>\n<tr><th>namespace</th><th>endpoints</th></tr>\n")
        out.writelines(f"<tr><td><code>{escape(ns)}</code></td><td class=\"num\">{n}</td></tr>\n"
                       for ns, n in result.by_namespace().items())
        out.write("</table>\n<table>\n<tr><th>hops</th><th>endpoints</th></tr>\n")
        out.writelines(f"<tr><td class=\"num\">{h}</td><td class=\"num\">{n}</td></tr>\n"
                       for h, n in result.by_hops().items())
        out.write("</table>\n")
    _notes(out, result.notes)
    out.write("</body>\n</html>\n")


def paths_html(result: PathsResult, out: TextIO, **_: Any) -> None:
    _page(out, paths_title(result))
    for i, path in enumerate(result.paths, 1):
        out.write(f"<h2>path {i}</h2>\n<ol class=\"path\">\n")
        for hop in path:
            why = [f"admitted by {r}" for r in hop.rules] + list(hop.notes) + walk_lines(hop)
            out.write(f"<li><code>{escape(hop.src_name)}</code> → <code>{escape(hop.dst.id)}</code> "
                      f"{escape(hop.allowed.describe())}"
                      + "".join(f"<div class=\"why\">{escape(w)}</div>" for w in why) + "</li>\n")
        out.write("</ol>\n")
    _notes(out, result.notes)
    out.write("</body>\n</html>\n")
