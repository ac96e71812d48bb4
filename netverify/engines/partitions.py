"""Partitions of peer classes: the verdict grammar (semantics/verdict.py) over class bitsets.

For one subject class and one direction, a tier's rules each match a set of peer classes (a
bitset) with a set of connections. This module turns those matches into disjoint peer masks,
each with one outcome, the same way `verdict` does for one peer:

- `union_partition`: NetworkPolicy's additive union. Overlapping (mask, conns) parts become
  disjoint masks, each with the union of the connections covering it; peers no part covers are
  absent (nothing is admitted for them).
- `TierPartition`: one tier's decision per peer mask, (allow, deny), the rest passing:
  `isolating_partition` (NetworkPolicy: allow the union, deny the rest), `passing_partition` (a
  subject no policy of the tier selects), `first_match_partition` (ordered rules with actions).
- `fold_partitions`: the tiers in order with a default, as `verdict.fold`, per peer mask.

For an inventory with NetworkPolicies only, `fold_partitions([isolating_partition(parts)])` equals
`union_partition(parts)` (the tier decides everything for an isolated subject) and a subject no
policy selects gets everything (pass, then the default allows): the graph engine uses the union
directly on that path, and tests/unit/engines/test_partitions.py holds the two together.

Partitions are keyed by the id of interned ConnectionSets (hashing sets is slow): ids are only
meaningful with the `ConnInterner` that produced them, which every function here takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from netverify.engines.bitsets import ConnInterner
from netverify.semantics.verdict import Action
from netverify.sets import ConnectionSet

Partition = dict[int, int]  # id of interned conns -> disjoint class masks
Cells = list[tuple[int, ConnectionSet]]  # disjoint (class mask, conns) pairs, the readable form of a partition


def union_partition(parts: Iterable[tuple[int, ConnectionSet]], conns: ConnInterner) -> Partition:
    """Overlapping (mask, conns) parts -> disjoint masks, each with the union of the conns covering it."""
    kept = [(mask, c) for mask, c in parts if mask and c]
    if not kept:
        return {}
    # Masks shifted down to the lowest class any part holds (a namespace's classes are numbered
    # together, often far from bit 0): big-integer operations cost the integers' length. The lowest
    # bit of their union: one OR per part, not a negation and an AND.
    total = 0
    for m, _ in kept:
        total |= m
    low = (total & -total).bit_length() - 1
    out: Partition = {}
    by_id, union = conns.by_id, conns.union
    for mask, c in kept:
        if low:
            mask >>= low
        new: Partition = {}
        rest = mask
        for have, m in out.items():
            inter = m & mask
            if inter:
                keep = m ^ inter  # m & ~mask, in one operation
                if keep:
                    new[have] = new.get(have, 0) | keep
                u = id(union(by_id[have], c))
                new[u] = new.get(u, 0) | inter
                rest ^= inter  # the cells are disjoint: rest & m is inter
            else:
                new[have] = new.get(have, 0) | m
        if rest:
            new[id(c)] = new.get(id(c), 0) | rest
        out = new
    return {k: m << low for k, m in out.items()} if low else out


def cells(part: Partition, conns: ConnInterner, universe: int) -> Cells:
    """A partition as (mask, conns) pairs covering every class of `universe` (the classes the
    partition leaves out get nothing)."""
    by_id = conns.by_id
    return complete([(mask, by_id[cid]) for cid, mask in part.items()], universe)


def complete(pairs: Sequence[tuple[int, ConnectionSet]], universe: int) -> Cells:
    """Disjoint (mask, conns) pairs (a row, a column, a partition's cells) extended to cover every
    class of `universe`: the classes no pair holds get nothing."""
    covered = 0
    for mask, _ in pairs:
        covered |= mask
    rest = universe & ~covered
    return [*pairs, *([(rest, ConnectionSet.none())] if rest else [])]


class TierPartition:
    """One tier's decision for one subject over peer classes: disjoint peer masks, each with the
    connections the tier allows and those it denies (the rest passes to the next tier)."""

    __slots__ = ("decisions",)

    def __init__(self, decisions: dict[tuple[int, int], int]) -> None:
        self.decisions = decisions  # (id of allowed conns, id of denied conns) -> peer mask

    def outcomes(self, conns: ConnInterner) -> list[tuple[int, ConnectionSet, ConnectionSet]]:
        """(peer mask, allowed, denied) triples."""
        by_id = conns.by_id
        return [(m, by_id[a], by_id[d]) for (a, d), m in self.decisions.items()]


def passing_partition(conns: ConnInterner, everyone: int) -> TierPartition:
    """The tier has no policy for the subject: every peer passes."""
    return TierPartition({(id(conns.none), id(conns.none)): everyone})


def isolating_partition(parts: Iterable[tuple[int, ConnectionSet]], conns: ConnInterner,
                        everyone: int) -> TierPartition:
    """The subject is isolated: each peer gets the union of the parts covering it, the rest denied."""
    out: dict[tuple[int, int], int] = {}
    covered = 0
    by_id = conns.by_id
    for cid, mask in union_partition(parts, conns).items():
        out[(cid, id(conns.difference(conns.all, by_id[cid])))] = mask
        covered |= mask
    rest = everyone & ~covered
    if rest:
        out[(id(conns.none), id(conns.all))] = rest
    return TierPartition(out)


def first_match_partition(rules: Sequence[tuple[int, ConnectionSet, Action]], conns: ConnInterner,
                          everyone: int) -> TierPartition:
    """Rules in evaluation order, each (peer mask, conns, action): per peer, the first rule to match a
    connection decides it (Pass decides to leave it to the next tier)."""
    # (allowed, denied, claimed) ids -> peer mask; claimed includes what Pass rules took
    none = id(conns.none)
    state: dict[tuple[int, int, int], int] = {(none, none, none): everyone}
    by_id = conns.by_id
    for mask, c, action in rules:
        if not mask or not c:
            continue
        new: dict[tuple[int, int, int], int] = {}
        for (a, d, claimed), m in state.items():
            keep, inter = m & ~mask, m & mask
            if keep:
                new[(a, d, claimed)] = new.get((a, d, claimed), 0) | keep
            if inter:
                mine = conns.difference(c, by_id[claimed])
                key = (a, d, claimed)
                if mine:
                    taken = id(conns.union(by_id[claimed], mine))
                    if action is Action.ALLOW:
                        key = (id(conns.union(by_id[a], mine)), d, taken)
                    elif action is Action.DENY:
                        key = (a, id(conns.union(by_id[d], mine)), taken)
                    else:
                        key = (a, d, taken)
                new[key] = new.get(key, 0) | inter
        state = new
    out: dict[tuple[int, int], int] = {}
    for (a, d, _), m in state.items():
        out[(a, d)] = out.get((a, d), 0) | m
    return TierPartition(out)


def fold_partitions(tiers: Sequence[TierPartition], conns: ConnInterner, everyone: int,
                    default: Action = Action.ALLOW) -> Partition:
    """The connections allowed per peer mask: the tiers in order, the first to allow or deny a
    connection decides it, `default` for what every tier passes (verdict.fold, per mask). Peers
    with nothing allowed are left out, as in `union_partition`."""
    by_id = conns.by_id
    none = id(conns.none)
    state: dict[tuple[int, int], int] = {(none, none): everyone}  # (allowed, decided) -> peer mask
    for tier in tiers:
        new: dict[tuple[int, int], int] = {}
        for (allowed, decided), m in state.items():
            for (a, d), tm in tier.decisions.items():
                t = m & tm
                if not t:
                    continue
                fresh = conns.difference(by_id[a], by_id[decided])
                key = (id(conns.union(by_id[allowed], fresh)),
                       id(conns.union(by_id[decided], conns.union(by_id[a], by_id[d]))))
                new[key] = new.get(key, 0) | t
        state = new
    out: Partition = {}
    for (allowed, decided), m in state.items():
        result = by_id[allowed]
        if default is Action.ALLOW:
            result = conns.union(result, conns.difference(conns.all, by_id[decided]))
        if result:
            out[id(result)] = out.get(id(result), 0) | m
    return out
