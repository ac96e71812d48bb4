"""Lint redundancy (NV601/NV602, inventory scope): what removing NetworkPolicy rules takes away from
a subject group, read from the group's peer cells, computed once per group.

For a subject group of direction d (redundancy_classes.TieredDirections.groups) that some
NetworkPolicy selects, the NetworkPolicy tier allows, per peer class p, the union U_S(p) of the
connections of the rule parts S(p) that admit p, and denies the rest; the tiers before it (Admin)
leave some connections W(p) undecided (every connection when none of them selects the group); the
tiers after it are never reached (an isolating tier decides everything). Removing a set X of rules
while some NetworkPolicy still selects the group therefore changes exactly

    (U_S(p) - U_{S-X}(p)) & W(p)    per peer p: allowed before, denied after, nothing gained.

The peers are cut once per group into cells by S(p) (which rule parts admit them), so a rule's
(X = its parts) or a policy's (X = its rules' parts) change is read cell by cell, without folding
the group's other rules again for every candidate (the cost that grew with candidates times groups).
A change counts only when it is visible: some real pair of a subject and a peer of the cell whose
other direction lets part of it through (`TieredDirections.witness`).

A rule's parts are disjoint (one per rule for ingress; per destination group of a named port for
egress), so a cell holds at most one part of each rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from netverify.engines.bitsets import ConnInterner
from netverify.engines.graph import ReachabilityGraph
from netverify.model import Direction
from netverify.queries.lint.redundancy_cells import CellCutter, Refinement
from netverify.queries.lint.redundancy_classes import GroupKey, TieredDirections
from netverify.semantics.compile import CompiledRule
from netverify.semantics.endpoints import Endpoint
from netverify.sets import ConnectionSet

Cell = tuple[int, ConnectionSet]  # (peer classes, connections)
REFINED_KEPT = 64  # refinements kept for groups read next (see GroupCover)


@dataclass
class CoverMemo:
    """What the groups' covers share: the peer cells already cut, by the parts' peer masks (groups that
    differ only in their named ports have the same ingress masks), the cutter (which derives a large
    cut from the last one: redundancy_cells.py), and `_alone_in`'s answers by the identities of the
    connection sets (cells of many groups hold the same ones)."""

    refined: dict[tuple[int, ...], Refinement] = field(default_factory=dict)
    cutter: CellCutter = field(default_factory=CellCutter)
    alone: dict[tuple[int, ...], list[ConnectionSet]] = field(default_factory=dict)
    # Each distinct peer mask numbered once (equal masks, one number): groups are compared and cut by the
    # numbers of their parts' masks, not by hashing integers as wide as the classes again per group.
    numbers: dict[int, int] = field(default_factory=dict)
    # A rule's parts with their masks' numbers, by the rule's id (rules live as long as the analysis):
    # ingress, its peer mask (its ports resolve on each subject); egress, its parts (no subject in them).
    ingress_masks: dict[int, tuple[int, int]] = field(default_factory=dict)
    egress_parts: dict[int, list[tuple[int, ConnectionSet, int]]] = field(default_factory=dict)

    def number(self, mask: int) -> int:
        return self.numbers.setdefault(mask, len(self.numbers))

    def parts_of(self, g: ReachabilityGraph, d: Direction, rule: CompiledRule, rep: Endpoint
                 ) -> list[tuple[int, ConnectionSet, int]]:
        """`g.rule_parts(d, [rule], rep)` without the empty ones, each with its mask's number."""
        if d == Direction.INGRESS:
            entry = self.ingress_masks.get(id(rule))
            if entry is None:
                mask = g.peer_mask(rule)
                entry = self.ingress_masks[id(rule)] = (mask, self.number(mask))
            conns = g.rule_ports(rule, rep)
            return [(entry[0], conns, entry[1])] if entry[0] and conns else []
        found = self.egress_parts.get(id(rule))
        if found is None:
            found = self.egress_parts[id(rule)] = [(mask, c, self.number(mask))
                                                   for mask, c in g.rule_parts(d, [rule], rep) if mask and c]
        return found


class GroupCover:
    """One isolated subject group's peer cells: which rule parts admit each cell, and what removing
    one rule or one policy takes away there (before the tiers above the NetworkPolicy tier)."""

    def __init__(self, dirs: TieredDirections, d: Direction, gkey: GroupKey, memo: CoverMemo | None = None) -> None:
        """`memo`: what groups read before share with this one (see CoverMemo)."""
        memo = memo or CoverMemo()
        self.memo = memo.alone
        g = dirs.g
        self.conns = g.conns
        rep = dirs.rep(d, gkey)
        self.part_conns: list[ConnectionSet] = []
        self.part_rule: list[CompiledRule] = []
        self.part_policy: list[int] = []
        parts: list[int] = []
        numbers: list[int] = []
        for i in dirs.np_policies(gkey):
            for rule in dirs.policies[i].rules(d):
                for mask, c, number in memo.parts_of(g, d, rule, rep):
                    parts.append(mask)
                    numbers.append(number)
                    self.part_conns.append(c)
                    self.part_rule.append(rule)
                    self.part_policy.append(i)
        key = tuple(numbers)
        found = memo.refined.get(key)
        if found is None:
            found = memo.cutter.refine(parts, numbers)
            if len(memo.refined) >= REFINED_KEPT:
                memo.refined.clear()  # the groups of one candidate are read together: recent ones are enough
            memo.refined[key] = found
        self.low, self.cells = found  # cell masks >> low

    def rule_deltas(self) -> dict[int, tuple[CompiledRule, list[Cell]]]:
        """Per rule (by id) whose removal takes something away: the cells and what it takes there."""
        out: dict[int, tuple[CompiledRule, list[Cell]]] = {}
        parts, part_rule, low, conns, memo = self.part_conns, self.part_rule, self.low, self.conns, self.memo
        none = conns.none  # interned: an empty delta is this very object (no ConnectionSet.__bool__ per part)
        for m, ks in self.cells:
            if len(ks) == 1:  # a cell of one part: removing its rule takes everything it admits there
                rule = part_rule[ks[0]]
                out.setdefault(id(rule), (rule, []))[1].append((m << low, parts[ks[0]]))
                continue
            for k, delta in zip(ks, _alone_in(conns, [parts[k] for k in ks], memo), strict=True):
                if delta is not none:
                    rule = part_rule[k]
                    out.setdefault(id(rule), (rule, []))[1].append((m << low, delta))
        return out

    def policy_deltas(self) -> dict[int, list[Cell]]:
        """Per NetworkPolicy (index) of the group: the cells where removing all its rules takes
        something away (while another policy keeps the group isolated), and what."""
        out: dict[int, list[Cell]] = {}
        conns, parts, owner, low, memo = self.conns, self.part_conns, self.part_policy, self.low, self.memo
        none, union = conns.none, conns.union  # interned: an empty delta is `none` itself
        for m, ks in self.cells:
            if len(ks) == 1:  # a cell of one part: removing its policy takes everything it admits there
                out.setdefault(owner[ks[0]], []).append((m << low, parts[ks[0]]))
                continue
            of_policy: dict[int, ConnectionSet] = {}
            for k in ks:
                i = owner[k]
                have = of_policy.get(i)
                of_policy[i] = parts[k] if have is None else union(have, parts[k])
            for i, delta in zip(of_policy, _alone_in(conns, list(of_policy.values()), memo), strict=True):
                if delta is not none:
                    out.setdefault(i, []).append((m << low, delta))
        return out


def _alone_in(conns: ConnInterner, items: list[ConnectionSet], memo: dict[tuple[int, ...], list[ConnectionSet]]
              ) -> list[ConnectionSet]:
    """Per item (interned), what it admits that no other item does: item - union(the others); `memo`
    keeps the answers by the items' identities (cells of many groups hold the same connection sets)."""
    if len(items) == 1:
        return items
    key = tuple(map(id, items))
    found = memo.get(key)
    if found is None:
        found = memo[key] = _alone(conns, items)
    return found


def _alone(conns: ConnInterner, items: list[ConnectionSet]) -> list[ConnectionSet]:
    everything = conns.none
    for c in items:
        everything = conns.union(everything, c)
    full = [j for j, c in enumerate(items) if c is everything]
    if len(full) > 1:  # two items admit everything of the cell: none takes anything alone
        return [conns.none] * len(items)
    if full:  # only the one admitting everything can take something
        j = full[0]
        others = conns.none
        for k, c in enumerate(items):
            if k != j:
                others = conns.union(others, c)
        out = [conns.none] * len(items)
        out[j] = conns.difference(everything, others)
        return out
    prefix = [conns.none]  # the union of the others, from prefix and suffix unions
    for c in items[:-1]:
        prefix.append(conns.union(prefix[-1], c))
    suffix = conns.none
    out = [conns.none] * len(items)
    for j in range(len(items) - 1, -1, -1):
        out[j] = conns.difference(items[j], conns.union(prefix[j], suffix))
        suffix = conns.union(suffix, items[j])
    return out


class CoverChecks:
    """Which rules and policies, removed, visibly change a connection of the isolated groups they
    take part in: every group is read once, for all its rules and policies at once (group-major),
    when a candidate first needs it; only the answers are kept, not the cells."""

    def __init__(self, dirs: TieredDirections, exclude: Callable[[Direction, int], int],
                 alone: Callable[[Direction, int], bool]) -> None:
        """`exclude(d, i)`: the peer classes whose other direction removing policy i may open
        (their pairs with the subjects are decided jointly, not here: InventoryRedundancy.opening);
        `alone(d, i)`: whether policy
        i's direction d may also be removed alone (then those peers are judged for it too)."""
        self.dirs = dirs
        self.exclude = exclude
        self.alone = alone
        self._done: dict[Direction, set[GroupKey]] = {d: set() for d in (Direction.INGRESS, Direction.EGRESS)}
        self._memo = CoverMemo()
        self.rules_changing: dict[Direction, set[int]] = {d: set() for d in self._done}
        # Policies whose removal visibly changes direction d on peers outside exclude(d, i) ...
        self.policies_changing: dict[Direction, set[int]] = {d: set() for d in self._done}
        # ... and on peers inside it, judged as if the other direction stayed (removal of direction d
        # alone; asked only for the policies `alone` names).
        self.policies_changing_inside: dict[Direction, set[int]] = {d: set() for d in self._done}

    def read(self, d: Direction, gkey: GroupKey) -> None:
        """Read group `gkey` of direction d (once)."""
        if gkey in self._done[d]:
            return
        self._done[d].add(gkey)
        dirs = self.dirs
        cover = GroupCover(dirs, d, gkey, self._memo)
        undecided = dirs.undecided_before(d, gkey)
        subjects = dirs.groups[d][gkey]
        conns = dirs.g.conns
        changing = self.rules_changing[d]
        seen: dict[tuple[int, int], bool] = {}  # this group's witness answers (see _visible)
        for rid, (_, cells) in cover.rule_deltas().items():
            if rid not in changing and _visible(dirs, d, subjects, cells, undecided, conns, -1, seen):
                changing.add(rid)
        if len(dirs.np_policies(gkey)) < 2:
            return  # removing the only policy unisolates the group: redundancy.py folds that case
        outside, inside = self.policies_changing[d], self.policies_changing_inside[d]
        for i, cells in cover.policy_deltas().items():
            excluded = self.exclude(d, i)
            if i not in outside and _visible(dirs, d, subjects, cells, undecided, conns, ~excluded, seen):
                outside.add(i)
            if (excluded and i not in inside and self.alone(d, i)
                    and _visible(dirs, d, subjects, cells, undecided, conns, excluded, seen)):
                inside.add(i)


def _visible(dirs: TieredDirections, d: Direction, subjects: int, cells: list[Cell], undecided: list[Cell] | None,
             conns: ConnInterner, peers: int, seen: dict[tuple[int, int], bool]) -> bool:
    """Whether taking `cells` away (within `peers`, after the tiers above: `undecided`) changes a
    connection some real pair's other direction lets through. `seen`: the group's witness answers by
    (peers, id of the interned connections): a one-rule policy takes away what its rule does."""
    for m, delta in cells:
        m &= peers
        if not m:
            continue
        if undecided is None:
            if _witnessed(dirs, d, subjects, m, delta, seen):
                return True
            continue
        for um, uc in undecided:
            p = m & um
            if p:
                left = conns.intersection(delta, uc)
                if left and _witnessed(dirs, d, subjects, p, left, seen):
                    return True
    return False


def _witnessed(dirs: TieredDirections, d: Direction, subjects: int, peers: int, delta: ConnectionSet,
               seen: dict[tuple[int, int], bool]) -> bool:
    key = (peers, id(delta))  # delta is interned: its id is its identity while the graph lives
    found = seen.get(key)
    if found is None:
        found = seen[key] = dirs.witness(d, subjects, peers, delta) is not None
    return found
