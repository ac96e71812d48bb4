"""The endpoint sets of the grouped JSON diff: every endpoint named once, changes naming sets.

A heavy change names the same endpoints in many changes (a namespace's workloads lose traffic with
hundreds of sources for a dozen different causes): listing every change's sources and destinations
in full made the grouped JSON grow with changes x endpoints (264 MB at 100,000 pods). Instead the
endpoints the changes name are cut into *sets*: the coarsest partition in which every change's
sources and every change's destinations are a union of whole sets (two endpoints share a set exactly
when every change names both or neither, on the same side). Each set lists its members once; a change
names its sets by index, with its count. So the output follows the endpoints named plus, per change,
the sets it names (never more than its endpoints), not changes x endpoints; the pairs of a change are
still exactly `sources` x `destinations` once the sets are expanded.

Invariants: sets are disjoint and non-empty; their members are sorted, the sets ordered by their
first member (so the output is deterministic); a change's set indices are ascending.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any


class EndpointSets:
    """The partition of the ids named by `groups` (sequences of ids; many are the same object) into sets."""

    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        # Partition refinement over the distinct groups: each group splits the sets it meets into the
        # part inside it and the rest. Cost: the sum of the distinct groups' sizes (a group seen
        # again, by identity or value, costs a lookup).
        distinct: dict[tuple[str, ...], None] = {}
        seen: set[int] = set()
        for group in groups:
            if id(group) not in seen:
                seen.add(id(group))
                distinct.setdefault(tuple(group), None)
        set_of: dict[str, int] = {}
        members: list[set[str]] = []
        for group in distinct:
            inside: dict[int, list[str]] = {}
            fresh: list[str] = []
            for member in group:
                s = set_of.get(member)
                if s is None:
                    fresh.append(member)
                else:
                    inside.setdefault(s, []).append(member)
            for s, part in inside.items():
                if len(part) < len(members[s]):  # the set is cut: its part in this group becomes a new set
                    members[s].difference_update(part)
                    new = len(members)
                    members.append(set(part))
                    for member in part:
                        set_of[member] = new
            if fresh:
                new = len(members)
                members.append(set(fresh))
                for member in fresh:
                    set_of[member] = new
        ordered = sorted((sorted(m) for m in members), key=lambda m: m[0])
        self.members: list[list[str]] = ordered
        self._index = {m[0]: i for i, m in enumerate(ordered)}
        self._set_of = {member: self._index[m[0]] for m in ordered for member in m}
        self._cache: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self.members)

    def of(self, group: Sequence[str]) -> list[int]:
        """The indices of the sets whose union is `group` (ascending)."""
        found = self._cache.get(id(group))
        if found is None:
            set_of = self._set_of
            found = self._cache[id(group)] = sorted({set_of[member] for member in group})
        return found

    def reference(self, group: Sequence[str]) -> dict[str, object]:
        """A change's sources or destinations in the grouped JSON: how many, and which sets."""
        return {"count": len(group), "sets": self.of(group)}

    def to_json(self, outside: Collection[str]) -> list[dict[str, object]]:
        """Each set with its index, size, members per namespace (`outside`: how many of its members are
        address blocks, whose ids are in `outside`, when some are) and members."""
        out: list[dict[str, object]] = []
        for i, members in enumerate(self.members):
            namespaces: dict[str, int] = {}
            blocks = 0
            for member in members:
                if member in outside:
                    blocks += 1
                else:  # endpoint ids are ns/name or ns/Kind/name
                    ns = member.split("/", 1)[0]
                    namespaces[ns] = namespaces.get(ns, 0) + 1
            entry: dict[str, object] = {"id": i, "count": len(members), "namespaces": namespaces}
            if blocks:
                entry["outside"] = blocks
            entry["members"] = members
            out.append(entry)
        return out


def members(document: Mapping[str, Any], reference: Mapping[str, Any]) -> list[str]:
    """The ids a change's `sources` or `destinations` stand for in a grouped JSON `document` (sorted)."""
    sets = document["sets"]
    return sorted(member for i in reference["sets"] for member in sets[i]["members"])


def expand(document: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Every changed pair of a grouped JSON `document` as (src, dst, its change): what `--pairs` lists,
    for readers migrating from the per-pair contract (a `distinct` change leaves out src == dst)."""
    for change in document["changes"]:
        destinations = members(document, change["destinations"])
        for src in members(document, change["sources"]):
            for dst in destinations:
                if not (change.get("distinct") and src == dst):
                    yield src, dst, change
