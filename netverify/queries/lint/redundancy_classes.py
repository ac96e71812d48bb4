"""The partitions lint redundancy (NV601/NV602, inventory scope) compares: every tier folded over
endpoint classes, with the NetworkPolicy tier as loaded or without one rule or one policy.

Removing a NetworkPolicy rule or policy of direction d changes only the NetworkPolicy tier's
decision of direction d for the classes that policy selects. For each such class the connections
allowed per peer class are the tiers of `class_tiers.specs_of(analysis.tiers)` folded in order
(Admin, NetworkPolicy, Baseline, `partitions.fold_partitions`, the default allowing the rest),
before and after the removal; the partitions as loaded are the graph's own (`ReachabilityGraph.decided`:
its rows are built from them), and the other direction is looked up in them, to tell whether a
change of direction d is visible on some real pair.

Subject classes are grouped by what their fold depends on: per tier, the policies selecting them
(the full tier key, `ReachabilityGraph.tier_keys`) and, for ingress, their named ports (ports
resolve on the destination). With
NetworkPolicies alone the key is the NetworkPolicy tier's, and the fold is the union of the rules
of the selecting policies (an isolating tier decides everything), as before the tiers.

Invariant: a class pair (subject, peer) is "real" when some pair of members is not exempt (a pod
to itself, node traffic) and not two outside addresses; only real pairs can witness a change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netverify.engines.bitsets import bit_list, mask_of
from netverify.engines.graph import named_ports_key
from netverify.engines.partitions import (
    Cells,
    Partition,
    TierPartition,
    cells,
    first_match_partition,
    fold_partitions,
    isolating_partition,
    passing_partition,
    union_partition,
)
from netverify.model import Direction
from netverify.queries.context import Analysis
from netverify.semantics.class_tiers import ClassRule
from netverify.semantics.compile import CompiledRule, ip_blocks
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.verdict import NETWORK_POLICY_TIER, Action, is_node_traffic, pair_of_members
from netverify.sets import ConnectionSet

DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)
OTHER_DIRECTION = -1  # in a NetworkPolicy key (--np-selection any): selected for the other direction only
GroupKey = tuple[object, ...]  # (per tier, the selecting policies' indices; named ports for ingress)
TierKey = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Change:
    """A connection (class pair) that removing the candidate would change."""

    src: int
    dst: int
    delta: ConnectionSet


# What the NetworkPolicy tier holds for a group when folding: its rules (isolated), or None when it
# passes (no policy selects the group for this direction), or OTHER_DIRECTION (allows everything).
NpEntry = Sequence[ClassRule] | int | None


class TieredDirections:
    """Per class and direction, the partition of peer classes the tiers allow (None: everything)."""

    def __init__(self, analysis: Analysis) -> None:
        pods = analysis.endpoints
        from netverify.queries.equivalence import external_representatives

        addresses = tuple(analysis.observations.addresses or ()) if analysis.tiered else ()
        outside = external_representatives([*ip_blocks(analysis.policies), *addresses], pods)
        # The inventory's graph (the checks' one) with one address per ipBlock atom added: not built again.
        self.g = analysis.graph.with_outside(outside, {e.id: analysis.ip_signature(e) for e in outside})
        self.specs = self.g.tiers
        self.np_tier = next(t for t, s in enumerate(self.specs) if s.name == NETWORK_POLICY_TIER)
        self.policies = analysis.policies
        g = self.g
        self.everyone = (1 << len(g.reps)) - 1
        self.selecting = {d: g.selecting(d) for d in DIRECTIONS}
        self.any_direction = self.specs[self.np_tier].final_if_selected
        # Subject classes grouped by what their fold depends on: the full tier key (and named ports).
        self.groups: dict[Direction, dict[GroupKey, int]] = {}
        self.open: dict[Direction, int] = {}
        for d in DIRECTIONS:
            by_key: dict[GroupKey, list[int]] = {}
            opened: list[int] = []
            ports_of = named_ports_key if d == Direction.INGRESS else (lambda _: ())
            for c, key in enumerate(g.tier_keys(d)):
                if not any(key):
                    opened.append(c)
                    continue
                by_key.setdefault((key, ports_of(g.reps[c])), []).append(c)
            # masks made in one pass each (OR-ing bit after bit into growing masks is quadratic)
            self.groups[d] = {gkey: mask_of(group) for gkey, group in by_key.items()}
            self.open[d] = mask_of(opened)
        self._parts: dict[tuple[object, ...], Partition | None] = {}
        self._alike_cache: dict[Direction, tuple[list[tuple[int, Cells]], dict[GroupKey, int]]] = {}
        self._group_of: dict[Direction, dict[int, GroupKey]] = {}
        self._key_rules: dict[tuple[Direction, tuple[int, ...]], list[CompiledRule]] = {}
        self._np_of: dict[GroupKey, tuple[int, ...]] = {}

    def np_policies(self, gkey: GroupKey) -> tuple[int, ...]:
        """The NetworkPolicies (indices) that select the group for its direction (asked often: kept)."""
        found = self._np_of.get(gkey)
        if found is None:
            found = self._np_of[gkey] = tuple(i for i in self._key(gkey)[self.np_tier] if i != OTHER_DIRECTION)
        return found

    def tier_policies(self, gkey: GroupKey) -> list[tuple[int, int]]:
        """(tier, policy index) of the admin tiers' policies (in `specs`) that select the group."""
        key = self._key(gkey)
        return [(t, i) for t in range(len(self.specs)) if t != self.np_tier for i in key[t]]

    @staticmethod
    def _key(gkey: GroupKey) -> TierKey:
        key = gkey[0]
        assert isinstance(key, tuple)
        return key

    def fold(self, d: Direction, gkey: GroupKey, np: NpEntry, cache_key: tuple[object, ...],
             within: int | None = None) -> Partition | None:
        """The connections the tiers allow per peer class for the group `gkey` of direction d, the
        NetworkPolicy tier holding `np`; only the peer classes in `within`, when given. None:
        every tier passes (everything is allowed)."""
        if cache_key in self._parts:
            return self._parts[cache_key]
        out = self._fold(d, gkey, np, within)
        self._parts[cache_key] = out
        return out

    def _fold(self, d: Direction, gkey: GroupKey, np: NpEntry, within: int | None) -> Partition | None:
        g, conns = self.g, self.g.conns
        key, rep = self._key(gkey), self.rep(d, gkey)
        universe = self.everyone if within is None else within
        decided = [bool(k) if t != self.np_tier else np is not None for t, k in enumerate(key)]
        if not any(decided):
            return None
        first = decided.index(True)
        if first == self.np_tier and not isinstance(np, int):
            assert np is not None  # an isolating tier decides everything: the fold is its union
            return union_partition(g.rule_parts(d, np, rep, within), conns)
        tiers: list[TierPartition] = []
        for t, k in enumerate(key):
            if t == self.np_tier:
                if np is None:
                    tiers.append(passing_partition(conns, universe))
                elif isinstance(np, int):  # final for a subject selected for the other direction only
                    tiers.append(TierPartition({(id(conns.all), id(conns.none)): universe}))
                else:
                    tiers.append(isolating_partition(g.rule_parts(d, np, rep, within), conns, universe))
            elif not k:
                tiers.append(passing_partition(conns, universe))
            else:
                ordered = [(mask, c, action) for i in k for rule, action in self.specs[t].policies[i].rules(d) or ()
                           for mask, c in g.rule_parts(d, [rule], rep, within)]
                tiers.append(first_match_partition(ordered, conns, universe))
        return fold_partitions(tiers, conns, universe, Action.ALLOW)

    def undecided_before(self, d: Direction, gkey: GroupKey) -> Cells | None:
        """Per peer cell, the connections the tiers before the NetworkPolicy tier leave undecided for
        the group (neither allow nor deny: they reach the NetworkPolicy tier); None when none of those
        tiers selects the group (every connection reaches it)."""
        key = self._key(gkey)
        before = [t for t in range(self.np_tier) if key[t]]
        if not before:
            return None
        g, conns = self.g, self.g.conns
        by_id, rep = conns.by_id, self.rep(d, gkey)
        state = {id(conns.none): self.everyone}  # decided connections -> peer mask
        for t in before:
            ordered = [(mask, c, action) for i in key[t] for rule, action in self.specs[t].policies[i].rules(d) or ()
                       for mask, c in g.rule_parts(d, [rule], rep)]
            tier = first_match_partition(ordered, conns, self.everyone)
            new: dict[int, int] = {}
            for decided, m in state.items():
                for (a, denied), tm in tier.decisions.items():
                    both = m & tm
                    if both:
                        k = id(conns.union(by_id[decided], conns.union(by_id[a], by_id[denied])))
                        new[k] = new.get(k, 0) | both
            state = new
        out = [(m, conns.difference(conns.all, by_id[decided])) for decided, m in state.items()]
        return [(m, c) for m, c in out if c]

    def key_rules(self, d: Direction, key: Sequence[int]) -> list[CompiledRule]:
        """The rules of direction d of the policies `key` (in policy order; cached per key)."""
        cache_key = (d, tuple(key))
        found = self._key_rules.get(cache_key)
        if found is None:
            found = self._key_rules[cache_key] = [r for i in key if i != OTHER_DIRECTION
                                                  for r in self.policies[i].rules(d)]
        return found

    def np_entry(self, d: Direction, key: Sequence[int], other_selected: bool) -> NpEntry:
        """What the NetworkPolicy tier holds for subjects selected for direction d by `key` (and, for
        --np-selection any, whether some policy selects them for the other direction)."""
        real = [i for i in key if i != OTHER_DIRECTION]
        if real:
            return self.key_rules(d, real)
        return OTHER_DIRECTION if self.any_direction and other_selected else None

    def cells(self, part: Partition | None, within: int | None = None) -> Cells:
        """A partition as (mask, conns) covering every class, or those in `within` (the uncovered
        ones with nothing; None: everything allowed)."""
        universe = self.everyone if within is None else within
        if part is None:
            return [(universe, ConnectionSet.all())]
        return cells(part, self.g.conns, universe)

    def current(self, d: Direction, gkey: GroupKey) -> Partition | None:
        """The group's partition as loaded: the graph's own (its rows are built from it)."""
        mask = self.groups[d][gkey]
        return self.g.decided(d, (mask & -mask).bit_length() - 1)

    def rep(self, d: Direction, gkey: GroupKey) -> Endpoint:
        mask = self.groups[d][gkey]
        return self.g.reps[(mask & -mask).bit_length() - 1]  # the lowest class, without listing them all

    # --- the other direction, looked up per peer class

    def witness(self, d: Direction, subjects: int, peers: int, delta: ConnectionSet) -> tuple[int, int] | None:
        """Some (subject, peer) class pair, subject in `subjects` and peer in `peers`, whose other
        direction lets some of `delta` through (so a change of direction d is visible), or None.
        `delta` must be interned by the graph's interner (its intersections are cached by identity).

        Walks the other direction's distinct partitions once, each with its cells over the subject
        side and the classes of every group that has it, rather than once per subject or group: at
        100,000 pods a group of subjects has thousands of classes, and thousands of groups share a
        handful of partitions (a default-deny with DNS allowed in every namespace)."""
        od = d.opposite
        found = self.first_real(d, subjects, self.open[od] & peers)
        if found is not None:
            return found
        intersection = self.g.conns.intersection
        for classes, cells_of in self._alike_meeting(od, peers):
            m = classes & peers
            if not m:
                continue
            for cell, conns in cells_of:
                if not intersection(conns, delta):  # a cached lookup, before a big-integer AND
                    continue
                s = cell & subjects
                if s:
                    found = self.first_real(d, s, m)
                    if found is not None:
                        return found
        return None

    def _alike_meeting(self, od: Direction, peers: int) -> list[tuple[int, Cells]]:
        """The distinct partitions of direction od (the classes of all groups having it, its cells)
        with a class in `peers`: looked up per class when the peers are fewer than the partitions (the
        usual case: a rule's peers), else all of them."""
        alike, alike_of = self._alike(od)
        count = peers.bit_count()
        if count >= len(alike):
            return alike
        group_of = self._group_index(od)
        keys = dict.fromkeys(alike_of[group_of[c]] for c in bit_list(peers) if c in group_of)
        return [alike[k] for k in keys]

    def _alike(self, od: Direction) -> tuple[list[tuple[int, Cells]], dict[GroupKey, int]]:
        """The groups of direction od merged by equal partitions: (classes, interned cells), and the
        position of each group's entry."""
        found = self._alike_cache.get(od)
        if found is None:
            conns = self.g.conns
            entries: list[tuple[int, Cells]] = []
            by_content: dict[tuple[tuple[int, int], ...], int] = {}
            alike_of: dict[GroupKey, int] = {}
            for gkey, mask in self.groups[od].items():
                part = self.current(od, gkey)
                content = tuple(sorted(part.items())) if part is not None else ()
                k = by_content.get(content)
                if k is None:
                    k = by_content[content] = len(entries)
                    entries.append((0, [(m, conns(c)) for m, c in self.cells(part)]))
                entries[k] = (entries[k][0] | mask, entries[k][1])
                alike_of[gkey] = k
            found = self._alike_cache[od] = (entries, alike_of)
        return found

    def group_key(self, d: Direction, c: int) -> GroupKey | None:
        """The group of class c for direction d (None: no tier has a policy for it)."""
        return self._group_index(d).get(c)

    def _group_index(self, d: Direction) -> dict[int, GroupKey]:
        group_of = self._group_of.get(d)
        if group_of is None:
            group_of = self._group_of[d] = {}
            for gkey, mask in self.groups[d].items():
                for c in bit_list(mask):
                    group_of[c] = gkey
        return group_of

    def first_real(self, d: Direction, subjects: int, peers: int) -> tuple[int, int] | None:
        """Some real (subject, peer) class pair of direction d, subject in `subjects`, peer in `peers`."""
        if not subjects or not peers:
            return None
        # Usually the lowest pair is real: tried before listing every bit of two large masks.
        b, a = (subjects & -subjects).bit_length() - 1, (peers & -peers).bit_length() - 1
        if self._real_pair(d, b, a):
            return b, a
        peer_list = bit_list(peers)
        for b in bit_list(subjects):
            for a in peer_list:
                if self._real_pair(d, b, a):
                    return b, a
        return None

    def _real_pair(self, d: Direction, subject: int, peer: int) -> bool:
        g = self.g
        src, dst = (peer, subject) if d == Direction.INGRESS else (subject, peer)
        s, t = g.reps[src], g.reps[dst]
        if any(is_node_traffic(s, m) for m in g.members[dst]):
            return False  # node traffic: always allowed, whatever the policies say
        if src == dst:
            return pair_of_members(g.members[src], g.members[dst]) is not None
        return not t.external or not s.external
