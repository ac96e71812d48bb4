"""Who may send to each class, for searches that visit every class (blast-radius, paths).

`ReachabilityGraph.column(b)` folds, for one class, every egress tier key's partition with b's
ingress parts: asked for every class that is classes x keys (and `row(a)` asked for every class
is classes x ingress parts: both grow with the square of the cluster). A search that visits every
class asks once for the senders of each class (`SenderIndex`): the graph's egress parts grouped
by what they send to which destinations (each distinct part once, with the union of the source
classes sending it), and its ingress parts, are spread over the destinations they hold, as
references to masks the graph already has. Nothing of classes x classes size is kept: a
column's parts are intersected on demand, restricted to the sources a search is asking about
(its frontier), which is a few big-integer operations per destination.

Invariant: `SenderIndex.column(b, within)` is `graph.column(b)` restricted to the source classes
of `within`, as a set of (source class, allowed) pairs (tests/unit/engines/test_graph_columns.py);
the order of its parts may differ.
"""

from __future__ import annotations

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import ReachabilityGraph, Row


class SenderIndex:
    """Per destination class: what each group of source classes may send to it (their egress), and
    which sources its ingress lets in with what. Built in one pass over the graph's parts."""

    def __init__(self, graph: ReachabilityGraph) -> None:
        self._conns = graph.conns
        ingress, self._open, egress = graph.parts()
        n = len(graph.reps)
        # (conns id, destinations) -> every source class whose egress sends exactly that there. Many
        # egress tier keys share a part (DNS to kube-system, the whole cluster): merged, each is spread once.
        merged: dict[tuple[int, int], int] = {}
        for sources, c, dsts in egress:
            merged[(c, dsts)] = merged.get((c, dsts), 0) | sources
        self._senders: list[dict[int, int]] = [{} for _ in range(n)]  # b -> {conns id: source classes}
        for (c, dsts), sources in merged.items():
            for b in bit_list(dsts):
                into = self._senders[b]
                into[c] = into.get(c, 0) | sources
        self._admits: list[list[tuple[int, int]]] = [[] for _ in range(n)]  # b -> [(sources, conns id)]
        for sources, c, dsts in ingress:
            for b in bit_list(dsts):
                self._admits[b].append((sources, c))
        self._everyone = [(graph.index.everyone, id(graph.conns.all))]

    def column(self, b: int, within: int) -> Row:
        """The source classes of `within` that may send to class `b`, with what: disjoint (source mask,
        allowed) pairs, nothing empty (as `ReachabilityGraph.column`, restricted to `within`)."""
        conns = self._conns
        by_id = conns.by_id
        admits = self._everyone if self._open >> b & 1 else self._admits[b]
        out: dict[int, int] = {}
        for ce, group in self._senders[b].items():
            mine = group & within
            if not mine:
                continue
            for sources, ci in admits:
                t = mine & sources
                if t:
                    both = conns.intersection(by_id[ce], by_id[ci])
                    if both:
                        out[id(both)] = out.get(id(both), 0) | t
        return tuple((m, by_id[c]) for c, m in out.items())
