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
