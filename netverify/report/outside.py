"""Traffic between each endpoint and addresses outside the cluster, per graph class, for the pictures.

The HTML page shows it as a row and a column, the DOT graph as an "internet" node. Endpoints of one
class are indistinguishable to every policy (ipBlocks included), so one representative answers for
all of them. The port query of the matrix restricts it as it restricts the pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model import Direction
from netverify.queries.exposure import describe_addresses, outside_exposure
from netverify.queries.matrix import MatrixResult
from netverify.semantics.endpoints import external_endpoint
from netverify.sets import ConnectionSet

_SOMEWHERE_OUTSIDE = external_endpoint("192.0.2.1")  # no named port resolves on an address outside


@dataclass(frozen=True)
class OutsideTraffic:
    """What one class may send outside (egress) or admit from outside (ingress), with one line per reach."""

    allowed: ConnectionSet
    lines: tuple[str, ...]


def outside_by_class(result: MatrixResult, direction: Direction) -> list[OutsideTraffic | None]:
    """Per class of the matrix's graph: the traffic with outside addresses in `direction`, None when nothing."""
    policies = result.analysis.policies
    query = result.query
    graph = result.analysis.graph
    # The graph knows which policies select each class: only those are handed over (same answer, no
    # selector evaluation of every policy for every class).
    selecting = graph.selecting(direction)
    out: list[OutsideTraffic | None] = []
    for c, rep in enumerate(graph.reps):
        if rep.external:
            out.append(None)
            continue
        exposure = outside_exposure(tuple(policies[i] for i in selecting[c]), rep, direction)
        wanted = query.connections(rep if direction is Direction.INGRESS else _SOMEWHERE_OUTSIDE)
        lines, total = [], ConnectionSet.none()
        for reach in exposure.reaches:
            allowed = reach.connections & wanted
            if not allowed:
                continue
            total = total | allowed
            rules = ", ".join(str(r) for r in reach.rules) or exposure.note
            word = "to" if direction is Direction.EGRESS else "from"
            lines.append(f"{allowed.describe()} {word} {describe_addresses(reach.addresses)}"
                         + (f" ({rules})" if rules else ""))
        out.append(OutsideTraffic(total, tuple(lines)) if total else None)
    return out
