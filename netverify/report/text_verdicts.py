"""Text lines that explain a verdict, shared by the text renderers of `can`, `check`, `equiv` and `contains`:
each direction of a pair (or the tier walk when admin tiers are folded), a pair's explanation, and how to
read a reachability answer. No renderer is registered here (text_format dispatches to the renderer modules)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netverify.queries.reach import ReachResult
from netverify.queries.services import ServiceReachResult
from netverify.report import tiers_format
from netverify.semantics.evaluate import DirectionVerdict
from netverify.sets import ConnectionSet

if TYPE_CHECKING:  # the solver's result types; `can` renders through this module without importing them
    from netverify.engines.smt_types import Connection


def direction_lines(v: DirectionVerdict, queried: ConnectionSet | None = None) -> list[str]:
    if v.tiered:  # admin tiers folded: the tier walk over what was asked
        return [tiers_format.walk_line(v, ConnectionSet.all() if queried is None else queried)]
    name = f"{v.direction.value} of {v.subject}"
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


HOST_NETWORK_READING_TEXT = {
    "node": "node traffic (--hostnetwork node, the default): never isolated, matched only by ipBlocks, "
            "traffic from its node always allowed",
    "pod": "ordinary pods (--hostnetwork pod): their policies isolate them and selectors match them",
}


def connection_verdict_lines(conn: Connection) -> list[str]:
    """A solver's connection explained as `can` explains one: its note, then each deciding direction's tier walk for
    that one port, indented under the line that states the connection."""
    lines = [f"  note: {conn.verdict.note}"] if conn.verdict.note else []
    one = ConnectionSet.of(conn.protocol, conn.port, conn.port)
    for v in conn.deciding():
        lines.extend("  " + line for line in direction_lines(v, one))
    return lines


def reach_context_lines(result: ReachResult | ServiceReachResult) -> list[str]:
    """How to read a `can` answer: the quantifier when there is more than one pair, what was left out."""
    lines = []
    if result.pairs_total > 1:
        lines.append(f"quantifier: {result.quantifier_text()}")
    if result.host_network_reading is not None:
        lines.append(f"hostNetwork reading: {HOST_NETWORK_READING_TEXT[result.host_network_reading]}")
    if result.pairs_not_applicable:
        lines.append(f"{result.pairs_not_applicable} pair(s) left out: the destination declares no port "
                     f"{result.query.describe()}")
    return lines


def pair_explanation(pair: Any) -> list[str]:
    """Both directions of a pair (the tier walk when admin tiers are folded), then any undefined order."""
    v = pair.verdict
    lines = direction_lines(v.egress, pair.queried) + direction_lines(v.ingress, pair.queried)
    return lines + [tiers_format.overlap_line(o, pair.queried) for o in pair.overlaps]
