"""The matrix by Service, cell by cell: what each client may do on each Service's ports.

A cell (client, Service) holds, per service port, `allowed` when every backend serving the port admits the
client's connection to the translated target, and `partial` when only some do (queries/services.py). A cell
depends only on the client's class (what the class may send to each backend's class), except where the client
is itself one of the backends: a pod reaching itself through its own Service, which policies do not decide
(`verdict.is_self_traffic`); those cells are computed for that client alone.

So the cells of a Service are computed once per part of the partition of client classes by what they may send
to its backend classes, read from the graph's columns (the classes that may send to a class, with what), never
once per (client class, Service): clients that reach no backend are never enumerated, and the work follows the
Services' backends and the cells that hold something (at 10,000 pods: 12,000 classes x 3,000 Services).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import ReachabilityGraph
from netverify.model import ServicePort
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.services import Backend, ServiceView, direct, translate
from netverify.sets import ConnectionSet

# Per service port: the port as a connection set, and each serving backend with its translated target.
Plan = list[tuple[ServicePort, ConnectionSet, list[tuple[Backend, ConnectionSet]]]]
Cell = tuple[ConnectionSet, ConnectionSet]  # (allowed, partial)
_COLUMNS_AT_ONCE = 256  # the graph computes columns a few hundred at a time (engines/graph.columns_of)


def port_plan(view: ServiceView) -> Plan:
    """For each service port, each backend's translated target (backends that do not serve it left out)."""
    plan: Plan = []
    for port in view.service.ports:
        targets = []
        for b in view.backends:
            t = direct(port, b) if view.kind == "headless" else translate(view, port, b)
            if t.target:
                targets.append((b, t.target))
        plan.append((port, ConnectionSet.of(port.protocol, port.port, port.port), targets))
    return plan


def cell(sent: Callable[[Backend], ConnectionSet], plan: Plan) -> Cell:
    """The service ports every serving backend admits (allowed) and those only some admit (partial), given what
    the client may send to each backend."""
    allowed, partial = ConnectionSet.none(), ConnectionSet.none()
    for _, conns, targets in plan:
        if not targets:
            continue
        full = some = 0
        for b, target in targets:
            got = sent(b) & target
            if got == target:
                full += 1
            if got:
                some += 1
        if full == len(targets):
            allowed = allowed | conns
        elif some:
            partial = partial | conns
    return allowed, partial


Decide = Callable[[Endpoint, Endpoint], ConnectionSet]  # what a client may send to a backend: every tier folded


def own_cell(decide: Decide, client: Endpoint, plan: Plan) -> Cell:
    """The cell of one client, each backend decided for it (a client among the backends reaches itself)."""
    return cell(partial(_decided, decide, client), plan)


def cells_by_class(graph: ReachabilityGraph, decide: Decide,
                   plans: Sequence[Plan]) -> dict[int, list[tuple[int, Cell]]]:
    """For each client class, its non-empty cells as (Service index in `plans`, cell), in index order.

    `decide` answers for backends the graph does not class (addresses outside the cluster that an EndpointSlice
    lists), asked of each class's representative: what a class may send there is the same for all its members."""
    out: dict[int, list[tuple[int, Cell]]] = {}
    class_of, reps, everyone = graph.class_of, graph.reps, (1 << len(graph.reps)) - 1
    for start in range(0, len(plans), _COLUMNS_AT_ONCE):
        chunk = plans[start:start + _COLUMNS_AT_ONCE]
        backends = [[b.endpoint.id for _, _, targets in plan for b, _ in targets] for plan in chunk]
        needed = sorted({class_of[e] for ids in backends for e in ids if e in class_of})
        columns = dict(zip(needed, graph.columns_of(needed), strict=True))
        for i, (plan, ids) in enumerate(zip(chunk, backends, strict=True), start):
            if not all(e in class_of for e in ids):  # a backend outside the classes: each client class asked
                computed = [(1 << a, cell(partial(_decided, decide, rep), plan))
                            for a, rep in enumerate(reps)]
            else:
                computed = _part_cells(plan, [class_of[e] for e in dict.fromkeys(ids)], columns, class_of, everyone)
            for mask, found in computed:
                if found[0] or found[1]:
                    for a in bit_list(mask):
                        out.setdefault(a, []).append((i, found))
    return out


def _part_cells(plan: Plan, backend_classes: list[int], columns: dict[int, tuple[tuple[int, ConnectionSet], ...]],
                class_of: dict[str, int], everyone: int) -> list[tuple[int, Cell]]:
    """The client classes cut by what they may send to each backend class, and each part's cell."""
    parts: list[tuple[int, dict[int, ConnectionSet]]] = [(everyone, {})]
    for c in backend_classes:
        refined: list[tuple[int, dict[int, ConnectionSet]]] = []
        for mask, sent in parts:
            rest = mask
            for senders, conns in columns[c]:
                both = mask & senders
                if both:
                    refined.append((both, {**sent, c: conns}))
                    rest &= ~senders
            if rest:
                refined.append((rest, sent))
        parts = refined
    return [(mask, cell(partial(_looked_up, sent, class_of), plan)) for mask, sent in parts if sent]


def _decided(decide: Decide, client: Endpoint, backend: Backend) -> ConnectionSet:
    return decide(client, backend.endpoint)


def _looked_up(sent: dict[int, ConnectionSet], class_of: dict[str, int], backend: Backend) -> ConnectionSet:
    return sent.get(class_of[backend.endpoint.id]) or ConnectionSet.none()
