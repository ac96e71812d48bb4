"""Text of `can` with admin tiers: per pair, the tier walk of each direction (queries.tiered_reach)."""

from __future__ import annotations

from typing import Any, TextIO

from netverify.queries.tiered_reach import TieredReachResult

_GREEN, _RED, _RESET = "\033[1;32m", "\033[1;31m", "\033[0m"


def tiered_reach_text(result: TieredReachResult, out: TextIO, color: bool | None = None, **_: Any) -> None:
    word = "ALLOWED" if result.allowed else "DENIED"
    if color:
        word = f"{_GREEN if result.allowed else _RED}{word}{_RESET}"
    lines = [f"{word}  {result.src.text} -> {result.dst.text} on {result.query.describe()}"]
    if len(result.pairs) > 1:
        allowed = sum(1 for p in result.pairs if p.allowed)
        need = "at least one must be (--some)" if result.quantifier == "some" else "every pair must be"
        lines.append(f"  {allowed} of {len(result.pairs)} pairs allowed; {need}")
    if not result.pairs:
        lines.append("  no endpoint matches one of the two sides")
    for pair in result.pairs:
        mark = "allowed" if pair.allowed else "denied"
        lines.append(f"\n{pair.pair.src.id} -> {pair.pair.dst.id}: {mark}"
                     + (f" ({pair.allowed.describe()})" if pair.allowed else ""))
        lines.extend("  " + line for line in pair.lines())
    out.write("\n".join(lines) + "\n")
