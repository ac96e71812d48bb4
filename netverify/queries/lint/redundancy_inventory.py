"""Lint redundancy (NV601/NV602), inventory scope: whether removing a NetworkPolicy rule or a whole
policy changes a connection of the loaded endpoints (and every outside address), every tier folded.

Removing a rule or policy of direction d changes only direction d of the classes its policy
selects (and, under --np-selection any, the other direction of the classes only it selects: they
leave the NetworkPolicy tier). Three cases, each exact:

- the subjects stay isolated (another policy selects them, or the rule's policy keeps them):
  redundancy_cover.py reads what is taken away from each subject group's peer cells, once per group;
- the subjects lose their isolation (the policy was the only one selecting them): their group is
  folded again without it (redundancy_classes.TieredDirections.fold) and compared cell by cell;
- a whole policy changes both directions of some pairs (a -> b, with b's ingress and a's egress
  both changed: a policy isolating both, or one that isolates b's ingress and a's egress): those
  pairs are decided on both new directions at once (`joint_change`) where one side may gain (it
  loses its isolation), since each direction alone, judged against the other as it was, could both
  miss a connection both sides open only together and see one that the other side newly closes.
  The single-direction checks leave those peers out. Where both sides stay isolated they only lose,
  and a loss is visible exactly when it meets the other side as it was: no joint check is needed.

A change counts only when it is visible on a real pair (TieredDirections.witness / first_real).
"""

from __future__ import annotations

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import ReachabilityGraph
from netverify.engines.partitions import Cells, Partition
from netverify.model import Direction
from netverify.queries.context import Analysis
from netverify.queries.lint.redundancy_classes import GroupKey, TieredDirections
from netverify.queries.lint.redundancy_cover import CoverChecks
from netverify.queries.lint.shadowing import drops_isolation
from netverify.semantics.compile import CompiledPolicy, CompiledRule
from netverify.semantics.endpoints import Endpoint
from netverify.sets import ConnectionSet

DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)
# (subject classes, the partition before, the partition after) of one direction a removal changes
Unit = tuple[int, Partition | None, Partition | None]


class InventoryRedundancy:
    """The removal questions of NV601/NV602 over the loaded classes (see the module docstring)."""

    def __init__(self, analysis: Analysis, dirs: TieredDirections) -> None:
        self.analysis = analysis
        self.dirs = dirs
        self.index = {id(cp): i for i, cp in enumerate(analysis.policies)}
        # Per direction and NetworkPolicy: the subject groups it takes part in, and the classes it selects.
        self._groups: dict[Direction, dict[int, list[GroupKey]]] = {}
        self._masks: dict[Direction, dict[int, int]] = {}
        for d in DIRECTIONS:
            groups: dict[int, list[GroupKey]] = {}
            masks: dict[int, int] = {}
            for gkey, mask in dirs.groups[d].items():
                for i in dirs.np_policies(gkey):
                    groups.setdefault(i, []).append(gkey)
                    masks[i] = masks.get(i, 0) | mask
            self._groups[d], self._masks[d] = groups, masks
        self._alone: dict[tuple[Direction, int], int] = {}
        self._opening: dict[tuple[Direction, int], int] = {}
        self.cover = CoverChecks(dirs, self.opening, self._removed_alone)

    def _subject_groups(self, d: Direction, i: int) -> list[GroupKey]:
        return self._groups[d].get(i, [])

    def _removed_alone(self, d: Direction, i: int) -> bool:
        """Whether direction d of policy i can be removed without its other direction: by removing its
        last egress rule when it declares no policyTypes (`direction_changes`)."""
        cp = self.dirs.policies[i]
        return any(drops_isolation(cp, rule) for rule in cp.rules(d))

    # --- the questions

    def rule_changes(self, d: Direction, i: int, rule: CompiledRule) -> bool:
        """Whether removing `rule` (of policy i, direction d; policy i keeps its isolation) changes
        some connection."""
        for gkey in self._subject_groups(d, i):
            self.cover.read(d, gkey)
            if id(rule) in self.cover.rules_changing[d]:
                return True
        return False

    def direction_changes(self, d: Direction, i: int) -> bool:
        """Whether removing policy i's part in direction d alone (its other direction stays: the last
        egress rule of a policy without policyTypes) changes some connection."""
        return self._direction_changes(d, i, whole=False)

    def policy_changes(self, i: int, directions: list[Direction]) -> bool:
        """Whether removing policy i (every direction it affects, `directions`) changes some connection."""
        return (any(self._direction_changes(d, i, whole=True) for d in directions)
                or self._elsewhere_changes(i, directions) or self.joint_change(i, directions))

    def _direction_changes(self, d: Direction, i: int, whole: bool) -> bool:
        """Removing policy i's part in direction d: a visible change of direction d. With `whole`
        (the policy goes, both directions), the peers whose other direction changes too are left to
        `joint_change` where it is needed: for unisolated subjects every such peer, for subjects that
        stay isolated the peers whose other direction may gain (see `opening`)."""
        excluded = self.other_changed(d, i) if whole else 0
        dirs = self.dirs
        groups = self._subject_groups(d, i)
        for gkey in groups:
            if len(dirs.np_policies(gkey)) < 2:  # no longer isolated: every peer may change
                subjects = dirs.groups[d][gkey]
                old = dirs.current(d, gkey)
                for part, other in self._unisolated(d, i, subjects, keeps_other=not whole):
                    new = dirs.fold(d, gkey, dirs.np_entry(d, (), other), ("without", d, gkey, i, other))
                    if self._compare(d, part, old, new, ~excluded):
                        return True
        for gkey in groups:
            if len(dirs.np_policies(gkey)) >= 2:
                self.cover.read(d, gkey)
                if i in self.cover.policies_changing[d] or (
                        not whole and i in self.cover.policies_changing_inside[d]):
                    return True
        return False

    def _elsewhere_changes(self, i: int, directions: list[Direction]) -> bool:
        """--np-selection any: removing policy i also changes the directions it has no say in, for the
        pods only it selects (the NetworkPolicy tier no longer decides those: it passes)."""
        dirs = self.dirs
        for e in DIRECTIONS:
            if e in directions or not dirs.any_direction:
                continue
            for alone, old, new in self._passing(e, i):
                if self._compare(e, alone, old, new, ~self.other_changed(e, i)):
                    return True
        return False

    def _passing(self, e: Direction, i: int) -> list[Unit]:
        """Per group of direction e (which policy i has no say in), under --np-selection any: (its
        classes only policy i selects, before, after): the NetworkPolicy tier passes them after."""
        dirs = self.dirs
        alone = self._alone_in(e, i)
        if not alone:
            return []
        return [(group & alone, dirs.current(e, gkey), dirs.fold(e, gkey, None, ("passing", e, gkey)))
                for gkey, group in dirs.groups[e].items() if group & alone]

    def other_changed(self, d: Direction, i: int) -> int:
        """The classes whose direction opposite to d removing policy i changes too."""
        od = d.opposite
        return self._masks[od].get(i, 0) | (self._alone_in(od, i) if self.dirs.any_direction else 0)

    def opening(self, d: Direction, i: int) -> int:
        """The classes whose direction opposite to d removing policy i changes in a way that may allow
        more: those it leaves unisolated (or passing). Elsewhere (still isolated) it only takes away,
        and for a pair whose both sides only lose, a loss is visible exactly when one side's loss meets
        the other side as it was: the single-direction checks are exact there."""
        od = d.opposite
        found = self._opening.get((od, i))
        if found is None:
            found = 0
            for gkey in self._subject_groups(od, i):
                if len(self.dirs.np_policies(gkey)) < 2:
                    found |= self.dirs.groups[od][gkey]
            found |= self._alone_in(od, i) if self.dirs.any_direction else 0
            self._opening[(od, i)] = found
        return found

    def _alone_in(self, e: Direction, i: int) -> int:
        """--np-selection any: the classes policy i alone selects (for the other direction) and no
        NetworkPolicy selects for direction e, when policy i has no say in e."""
        found = self._alone.get((e, i))
        if found is None:
            found = 0
            dirs = self.dirs
            if dirs.any_direction and not dirs.policies[i].affects(e):
                selecting = dirs.selecting[e.opposite]
                for c in bit_list(self._masks[e.opposite].get(i, 0)):
                    gkey = dirs.group_key(e, c)
                    if gkey is not None and not dirs.np_policies(gkey) and all(k == i for k in selecting[c]):
                        found |= 1 << c
            self._alone[(e, i)] = found
        return found

    # --- both directions at once

    def joint_change(self, i: int, directions: list[Direction]) -> bool:
        """Whether removing policy i changes a pair a -> b whose both sides it changes (b's ingress and
        a's egress) and one of them may gain (`opening`), decided on both new directions at once:
        before, ingress(b, a) & egress(a, b); after, the same with both partitions without policy i."""
        dsts = self.other_changed(Direction.EGRESS, i)  # classes whose ingress changes
        srcs = self.other_changed(Direction.INGRESS, i)  # classes whose egress changes
        opening_dsts, opening_srcs = self.opening(Direction.EGRESS, i), self.opening(Direction.INGRESS, i)
        if not dsts or not srcs or not (opening_dsts or opening_srcs):
            return False
        conns = self.dirs.g.conns
        # Each side's units, their cells over the other side's classes they may meet jointly.
        ingress = [(s, gains, self._both(old, new, srcs if gains else opening_srcs))
                   for s, gains, old, new in self._units(Direction.INGRESS, i, directions, srcs, opening_srcs)]
        egress = [(s, gains, self._both(old, new, dsts if gains else opening_dsts))
                  for s, gains, old, new in self._units(Direction.EGRESS, i, directions, dsts, opening_dsts)]
        for b_mask, b_gains, in_cells in ingress:
            for a_mask, a_gains, out_cells in egress:
                if not (b_gains or a_gains):
                    continue  # both only lose: the single-direction checks decided these pairs
                for ma, i_old, i_new in in_cells:
                    ma &= a_mask
                    if not ma:
                        continue
                    for mb, e_old, e_new in out_cells:
                        mb &= b_mask
                        if not mb or (i_old is i_new and e_old is e_new):
                            continue
                        if conns.intersection(i_old, e_old) is conns.intersection(i_new, e_new):
                            continue
                        if self.dirs.first_real(Direction.INGRESS, mb, ma) is not None:
                            return True
        return False

    def _units(self, d: Direction, i: int, directions: list[Direction], within: int, opening: int
               ) -> list[tuple[int, bool, Partition | None, Partition | None]]:
        """What removing policy i does to direction d: (subjects, whether they may gain, before,
        after); after folded for the peers in `within`, or only in `opening` for subjects that stay
        isolated (they meet only the other side's gaining classes jointly)."""
        dirs = self.dirs
        units: list[tuple[int, bool, Partition | None, Partition | None]] = []
        if d not in directions:
            if dirs.any_direction:
                units.extend((s, True, old, new) for s, old, new in self._passing(d, i))
            return units
        for gkey in self._subject_groups(d, i):
            subjects, old = dirs.groups[d][gkey], dirs.current(d, gkey)
            rest = tuple(k for k in dirs.np_policies(gkey) if k != i)
            if rest:
                if opening:
                    new = dirs.fold(d, gkey, dirs.key_rules(d, rest), ("joint", d, gkey, i), opening)
                    units.append((subjects, False, old, new))
            else:
                for part, other in self._unisolated(d, i, subjects):
                    new = dirs.fold(d, gkey, dirs.np_entry(d, (), other), ("without", d, gkey, i, other))
                    units.append((part, True, old, new))
        return units

    def _both(self, old: Partition | None, new: Partition | None, within: int
              ) -> list[tuple[int, ConnectionSet, ConnectionSet]]:
        """The peers in `within` cut by (before, after): (peers, before, after), interned."""
        conns = self.dirs.g.conns
        out = []
        new_cells = self.dirs.cells(new, within)
        for mo, co in self.dirs.cells(old, within):
            mo &= within
            for mn, cn in new_cells:
                m = mo & mn
                if m:
                    out.append((m, conns(co), conns(cn)))
        return out

    # --- folding a group again

    def _unisolated(self, d: Direction, i: int, subjects: int, keeps_other: bool = False) -> list[tuple[int, bool]]:
        """The subjects split by whether, without policy i's part in direction d, some NetworkPolicy still
        selects them for the other direction (under --np-selection any that keeps the tier final for
        them). `keeps_other`: policy i itself stays for the other direction (its last egress rule is
        removed, not the policy: without policyTypes it becomes an Ingress policy that still selects them)."""
        dirs = self.dirs
        if not dirs.any_direction:
            return [(subjects, False)]
        selecting = dirs.selecting[d.opposite]
        other = sum(1 << c for c in bit_list(subjects) if any(keeps_other or k != i for k in selecting[c]))
        return [(m, flag) for m, flag in ((subjects & ~other, False), (other, True)) if m]

    def _compare(self, d: Direction, subjects: int, old: Partition | None, new: Partition | None,
                 peers: int) -> bool:
        """Whether the two partitions differ, for the peers in `peers`, on a pair the other
        direction (as it is) lets the difference through."""
        dirs = self.dirs
        new_cells: Cells = dirs.cells(new)
        same = {cn: mn for mn, cn in new_cells}
        for mo, co in dirs.cells(old):
            if same.get(co, 0) & mo == mo:
                continue  # every peer of this cell keeps what it had
            for mn, cn in new_cells:
                both = mo & mn & peers
                if not both or co == cn:
                    continue
                # interned: the interner caches intersections by identity, and a temporary's id is reused
                if dirs.witness(d, subjects, both, dirs.g.conns((co - cn) | (cn - co))) is not None:
                    return True
        return False

    # --- what the findings say

    def covering_rules(self, d: Direction, i: int, drop: CompiledRule) -> list[CompiledRule]:
        """Other rules of direction d, for the same subjects, that admit some of what `drop` admits."""
        dirs = self.dirs
        g = dirs.g
        out: dict[int, CompiledRule] = {}
        mine = g.peer_mask(drop)
        meets: dict[int, bool] = {}  # per rule (by id): its peers meet drop's (asked once, not per group)
        for gkey in self._subject_groups(d, i):
            rep = dirs.rep(d, gkey)
            for rule in dirs.key_rules(d, dirs.np_policies(gkey)):
                if rule is drop or id(rule) in out:
                    continue
                peers_meet = meets.get(id(rule))
                if peers_meet is None:
                    peers_meet = meets[id(rule)] = bool(g.peer_mask(rule) & mine)
                if peers_meet and _ports_meet(g, rule, drop, rep, d):
                    out[id(rule)] = rule
        return list(out.values())

    def co_selecting(self, i: int, directions: list[Direction]) -> list[int]:
        """The other NetworkPolicies (indices, in order) that select some class policy i selects, for one
        of `directions`: those of its subject groups (a group's classes are selected by exactly its
        policies, and a NetworkPolicy selects pods of its own namespace only)."""
        found = {k for d in directions for gkey in self._subject_groups(d, i) for k in self.dirs.np_policies(gkey)}
        found.discard(i)
        return sorted(found)

    def deciding_tiers(self, d: Direction, i: int, below: bool) -> list[str]:
        """The admin-tier policies (`name (Tier)`) that select some subject of policy i for direction d:
        those of the tiers before the NetworkPolicy tier, and of those after it when `below` (the
        subjects may fall to them)."""
        dirs = self.dirs
        found: dict[str, None] = {}
        for gkey in self._subject_groups(d, i):
            for t, j in dirs.tier_policies(gkey):
                if t > dirs.np_tier and not below:
                    continue
                spec = dirs.specs[t]
                ref = spec.policies[j].ref
                found[f"{ref.id} ({spec.name})" if ref else spec.name] = None
        return list(found)

    def matters(self, cp: CompiledPolicy, rule: CompiledRule) -> bool:
        """Whether the rule can admit anything in the inventory (otherwise NV102/NV201 report it)."""
        g = self.dirs.g
        peers = g.peer_mask(rule)
        d = rule.ref.direction
        targets = bit_list(self.subjects(cp, d)) if d == Direction.INGRESS else bit_list(peers)
        return bool(peers) and any(rule.ports_for(g.reps[c]) for c in targets)

    def subjects(self, cp: CompiledPolicy, d: Direction) -> int:
        return self._masks[d].get(self.index[id(cp)], 0)


def _ports_meet(g: ReachabilityGraph, a: CompiledRule, b: CompiledRule, rep: Endpoint, d: Direction) -> bool:
    if d == Direction.EGRESS:
        return True  # named ports resolve per destination; peers overlapping is enough to name it
    return bool(g.conns.intersection(g.rule_ports(a, rep), g.rule_ports(b, rep)))
