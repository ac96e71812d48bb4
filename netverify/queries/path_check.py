"""Path assertions (`kind: path` in `check`): claims about chains of connections, proved on the inventory.

    deny                  no path from `from` to `to` (within maxHops)
    deny + onlyThrough    no path that avoids `onlyThrough` (every path passes through it)
    reachable             some path
    reachable + onlyThrough  some path, and none avoids `onlyThrough`

A path avoids a set when none of its endpoints, ends included, is in it. The search is exact
on the loaded endpoints (the class search of `queries.lateral`, checked against a breadth-first
search over the matrix), so a holding claim is a proof for the inventory and a failing one comes
with a shortest path as its counterexample, each hop with the rules that admit it.

`scope: any` (deny only) adds the solver's proof for the one hop that pods that could exist can
make: the direct connection from `from` to `to`, for every pod that could exist in those sets.
Longer paths through pods that could exist are not proved: the verdict says so in a note.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.engines.smt_types import Proved, Side, SmtResult, Unknown
from netverify.queries.assertions import Assertion
from netverify.queries.context import Analysis
from netverify.queries.entry_points import INTERNET_ORIGIN, Origin
from netverify.queries.lateral import PortFilter, PortUnion
from netverify.queries.paths import PathsResult, Source, blast_radius, find_paths
from netverify.queries.ports import PortQuery

ONE_HOP_NOTE = ("scope any: only one hop is proved for pods that could exist (the direct connection from `from` "
                "to `to`); paths of two or more hops are proved on the loaded endpoints only")


@dataclass(frozen=True)
class PathVerdict:
    """The outcome of one path assertion: `status` holds | fails | unknown, with the path that decided it."""

    status: str
    expect: str
    paths: PathsResult  # the search: its path is the counterexample (deny) or the witness (reachable)
    reached: int  # endpoints the source reaches within maxHops (what a "no path" proof covered)
    avoiding: PathsResult | None = None  # reachable + onlyThrough: the search for a path avoiding the set
    one_hop: SmtResult | None = None  # scope any: the solver's verdict on the direct connection
    notes: tuple[str, ...] = ()

    @property
    def path(self) -> PathsResult | None:
        """The path shown: the counterexample or witness (None when there is none)."""
        if self.avoiding is not None and self.avoiding.reachable:
            return self.avoiding
        return self.paths if self.paths.reachable else None

    def to_json(self) -> dict[str, object]:
        shown = self.path
        return {"status": {"holds": "proved", "fails": "refuted"}.get(self.status, "unknown"),
                "hops": shown.hops if shown else None,
                "path": [h.to_json() for h in shown.paths[0]] if shown and shown.paths else None,
                "reached": self.reached,
                "one_hop": self.one_hop.to_json() if self.one_hop is not None else None,
                "notes": list(self.notes)}


def source_of(side: Side) -> Source:
    if side.addresses is not None and not side.members:
        name = INTERNET_ORIGIN if side.text == INTERNET_ORIGIN else side.text
        return Source(side.text, origin=Origin(name, side.addresses))
    return Source(side.text, side.members)


def port_query(assertion: Assertion) -> list[PortQuery]:
    """The assertion's port selections as path queries (one search per selection: a hop may use any of
    them), each as `can --port` would spell it (`1-65535/TCP` is every TCP port, `80-80/TCP` port 80)."""
    out = []
    for term in assertion.ports:
        if term.protocol is None:
            return [PortQuery()]
        if term.name is not None:
            out.append(PortQuery(term.protocol, term.name))
        elif (term.lo, term.hi) == (1, 65535):
            out.append(PortQuery(term.protocol))
        else:
            out.append(PortQuery(term.protocol, term.lo, term.hi if term.hi != term.lo else None))
    return out or [PortQuery()]


def check_path(analysis: Analysis, assertion: Assertion, src: Side, dst: Side, through: Side | None,
               one_hop: SmtResult | None = None) -> PathVerdict:
    """Decide a path assertion on the inventory (and, for scope any, combine the solver's one-hop verdict)."""
    source = source_of(src)
    queries = port_query(assertion)
    # Several port terms: an attacker may use any of them on each hop.
    query: PortFilter = queries[0] if len(queries) == 1 else PortUnion(tuple(queries))
    targets, hops = list(dst.members), assertion.max_hops
    avoid = list(through.members) if through is not None else []
    direct = find_paths(analysis, source, targets, dst.text, query, hops, avoiding=avoid,
                        avoiding_text=through.text if through is not None else None)
    reached = len(blast_radius(analysis, source, query, hops).reached)
    notes = [ONE_HOP_NOTE] if assertion.scope == "any" else []
    if through is not None and not through.members:
        notes.append(f"onlyThrough {through.text} matches no endpoint: every path avoids it")
    if assertion.expect == "deny":
        status = "fails" if direct.reachable else "holds"
        if one_hop is not None and status == "holds":
            status = "holds" if isinstance(one_hop, Proved) else "unknown" if isinstance(one_hop, Unknown) else "fails"
        return PathVerdict(status, "deny", direct, reached, None, one_hop, tuple(notes))
    if through is None:  # reachable
        return PathVerdict("holds" if direct.reachable else "fails", "reachable", direct, reached, None, None,
                           tuple(notes))
    # reachable + onlyThrough: some path at all, and none avoiding the set
    some = find_paths(analysis, source, targets, dst.text, query, hops)
    status = "holds" if some.reachable and not direct.reachable else "fails"
    if not some.reachable:
        notes.append("no path at all: the destination is not reachable")
    return PathVerdict(status, "reachable", some, reached, direct, None, tuple(notes))
