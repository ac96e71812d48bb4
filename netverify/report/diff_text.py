"""The diff's terminal output: one block per change, cause first (the `--pairs` listing: one line per pair).

Registered on `text_format.render` when text_format is imported (it imports this module).
"""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from netverify.queries.diff import Change, DiffResult, EndpointChange, EndpointGroup, endpoint_groups
from netverify.report.diff_summary import MARKS, describe_ids, extent, outside_blocks
from netverify.report.text_common import console_for, render
from netverify.sets import ConnectionSet, IPSet

_DIFF_STYLES = {"added": "green", "removed": "red", "changed": "yellow"}


def _change_lines(console: Console, change: Change, outside: dict[str, IPSet]) -> None:
    """Cause first; then who (summarised) and what."""
    first, *others = change.causes
    console.print(Text.assemble((f"{MARKS[change.status]} ", _DIFF_STYLES[change.status]), str(first)))
    for cause in others:
        console.print(Text(f"    and {cause}"))
    console.print(Text(f"    {extent(change, outside)}: {change.describe()}"))
    if change.distinct:
        console.print(Text(f"    among: {describe_ids(change.sources, outside)}"))
    elif change.size > 1:
        console.print(Text(f"    from: {describe_ids(change.sources, outside)}"))
        console.print(Text(f"    to:   {describe_ids(change.destinations, outside)}"))


def _pair_listing(console: Console, result: DiffResult) -> None:
    """`--pairs`: every pair on its line, streamed; the causes after each run of pairs sharing them."""
    for status in ("added", "removed", "changed"):
        count = result.count(status)
        if not count:
            continue
        console.print(Text(f"\n{status.capitalize()} connections ({count:,})", style="bold"))
        pending: tuple[Any, ...] = ()
        for pair in result.pairs(status):
            if pending and pair.causes != pending:
                for cause in pending:
                    console.print(Text(f"      because {cause}"))
            pending = pair.causes
            console.print(Text.assemble((f"  {MARKS[status]} ", _DIFF_STYLES[status]),
                                        f"{pair.src} -> {pair.dst}  {pair.describe()}"))
        for cause in pending:
            console.print(Text(f"      because {cause}"))


def _endpoint_lines(e: EndpointGroup, outside: dict[str, IPSet]) -> list[str]:
    def listing(items: tuple[tuple[str, ConnectionSet], ...]) -> str:
        return "; ".join(f"{describe_ids(peers, outside)} {conns.describe()}"
                         for conns, peers in EndpointChange.grouped(items)) or "nothing"

    return [f"    sends to: {listing(e.egress)}", f"    receives from: {listing(e.ingress)}"]


def endpoint_heading(group: EndpointGroup, outside: dict[str, IPSet]) -> str:
    """A lone endpoint with where it is defined; several alike ones summarised."""
    if len(group.members) == 1:
        e = group.first
        return f"{e.id} ({e.endpoint.source})" if e.endpoint.source.file else e.id
    return f"{describe_ids(group.ids, outside)}, each with this connectivity"


def _assertion_mark(o: Any) -> tuple[str, str]:
    if o.violated_on_head:
        return "FAIL", "bold red"
    return ("UNKNOWN", "bold yellow") if o.unknown_on_head else ("ok", "green")


def _assertion_lines(console: Console, outcomes: tuple[Any, ...]) -> None:
    console.print(Text(f"\nAssertions ({len(outcomes)})", style="bold"))
    for o in outcomes:
        mark, style = _assertion_mark(o)
        where = f" ({o.source})" if o.source.file else ""
        console.print(Text.assemble((f"  {mark} ", style), f"{o.name}{where}: {o.describe()}"))
        if o.detail:
            console.print(Text(f"      {o.detail}"))


@render.register
def _(result: DiffResult, out: TextIO, color: bool | None = None, **_: Any) -> None:
    console = console_for(out, color)
    console.print(Text(f"netverify diff {result.base} -> {result.head}: {result.summary()}", style="bold"))
    outside = outside_blocks(result)
    if result.listing == "pairs":
        _pair_listing(console, result)
    elif result.changes:
        console.print(Text(f"\nChanges ({len(result.changes):,}), largest first", style="bold"))
        for change in result.changes:
            _change_lines(console, change, outside)
    for name, mark, style, eps in (("added", "+", "green", result.endpoints_added),
                                   ("removed", "-", "red", result.endpoints_removed)):
        if not eps:
            continue
        console.print(Text(f"\nEndpoints {name} ({len(eps)})", style="bold"))
        for group in endpoint_groups(eps):
            console.print(Text.assemble((f"  {mark} ", style), endpoint_heading(group, outside)))
            for line in _endpoint_lines(group, outside):
                console.print(Text(line))
    if result.assertions is not None:
        _assertion_lines(console, result.assertions.outcomes)
    if result.fail_on and result.fails():
        console.print(Text(f"\nFAIL: --fail-on {result.fail_on}", style="bold red"))
    checked = result.assertions
    if checked is not None and (checked.violated_on_head or checked.unknown_on_head):
        word, style = ("UNKNOWN", "bold yellow") if checked.unknown_on_head else ("FAIL", "bold red")
        console.print(Text(f"\n{word}: {checked.summary()}", style=style))
