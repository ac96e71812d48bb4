"""Text renderer of `lint`: one line per finding (`file:line: severity CODE object: message`), posture codes
summarised in one line each, then the counts; `lint_summary` is shared with the Markdown format."""

from __future__ import annotations

from typing import Any, TextIO

from rich.text import Text

from netverify.model import Severity
from netverify.queries.lint import LintResult
from netverify.report.text_common import console_for, render

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
    elif code in _OTHER_TIERS_DECIDE and any(_OTHER_TIERS_DECIDE[code] in f.message for f in found):
        words = _POSTURE_WORDS_WITH_TIERS[code]  # another kind's tier decides: not "every source" either
    return f"{count} {words}: {shown}"


_POSTURE_WORDS_WITH_ADMIN = {
    "NV402": "not isolated for ingress by a NetworkPolicy (where admin policies apply, they decide ingress from pods)",
    "NV403": "without a default-deny ingress NetworkPolicy (a Baseline deny may cover pods)"}
# What NV402/NV403 say when a tier beyond NetworkPolicy decides (queries/lint/isolation.py), whatever its kind.
_OTHER_TIERS_DECIDE = {"NV402": "its ingress from pods is left to the ",
                       "NV403": "denies ingress from every namespace by default ("}
_POSTURE_WORDS_WITH_TIERS = {
    "NV402": "not isolated for ingress by a NetworkPolicy (where other tiers' policies apply, they decide ingress "
             "from pods)",
    "NV403": "without a default-deny ingress NetworkPolicy (a deny of a tier below NetworkPolicy may cover pods)"}
