"""The diff's pairs, found and grouped on the engines' classes: rectangles of sources x destinations.

A *joint class* is a set of endpoints present on both sides that share their class on BASE,
their class on HEAD, whether they are a single pod on each side, and what changed in them
(their endpoint causes). Members of a joint class are interchangeable for the diff: every pair
they form changes the same way, for the same reasons. Sets of joint classes are bitsets.

1. Which joint classes may have changed as sources (their egress) and as destinations (their
   ingress) is read from per-class signatures (`Affected`): a change of a few policies touches a
   few rows and columns, not the whole matrix twice.
2. Each side's row of an affected source (and column of an affected destination) is re-expressed
   over the joint classes as {allowed: mask}; equal vectors cost one dict comparison, differing
   ones give strips: (one source, a mask of destinations, before, after), or the transpose.
3. A strip is cut into cells on which the explanation is constant: for a row, by the rules of the
   source's egress policies that match each destination (on both sides) and by the destinations'
   ingress profile (selecting policies, named ports, node); a column symmetrically. The causes
   are computed once per cell, on one representative pair.
4. Cells with the same (before, after, causes) are united per source (per destination), and
   sources with the same destination set (destinations with the same source set) merge into
   one rectangle.

Every changed pair lies in exactly one rectangle: rows hold the pairs of affected sources,
columns the pairs of the other sources with affected destinations. An endpoint's pair with
itself is in a rectangle only when it is a workload's replica-to-replica traffic on both sides
(then it is the class's value); a single pod's is never listed, and a workload that went from
one pod to several (or back) has its own rectangle; the pairs of distinct single pods of a joint
class are one rectangle marked `distinct` (each member's pair with itself excepted). No step
loops over pairs of endpoints or of classes: costs follow the rules, the distinct changes and
the endpoints named.
"""

from __future__ import annotations

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import named_ports_key
from netverify.engines.rows import sources_into
from netverify.model import Direction
from netverify.queries.context import Analysis
from netverify.queries.diff_cause import Cause
from netverify.queries.diff_causes import Explainer
from netverify.queries.diff_joint import (
    NONE,
    Affected,
    Grouping,
    JointClasses,
    JointVector,
    JointVectors,
    Key,
    Rectangle,
    cut,
    differ,
    lowest,
    merge_causes,
    vector_changes,
)
from netverify.sets import ConnectionSet


class _Side:
    """One version's classes seen from the joint classes: rule pieces and profiles as joint masks."""

    def __init__(self, analysis: Analysis, vectors: JointVectors) -> None:
        self.analysis = analysis
        self.graph = analysis.graph
        self.vectors = vectors
        self.nodes_matter = any(e.host_network for e in analysis.endpoints)
        self._pieces: dict[tuple[str, tuple[int, ...]], list[int]] = {}

    def rule_pieces(self, direction: Direction, key: tuple[int, ...]) -> list[int]:
        """The joint classes each rule of the policies `key` matches as peers, split by what the rule's
        named ports resolve to on them (one mask per piece; pieces of one rule are disjoint): the
        pieces the graph builds the tier's partition from (`ReachabilityGraph.rule_parts`), as joint masks."""
        found = self._pieces.get((direction, key))
        if found is None:
            g = self.graph
            rules = [rule for i in key for rule in self.analysis.policies[i].rules(direction)]
            masks = [self.vectors.translate(mask) for mask, _ in g.rule_parts(direction, rules, g.reps[0])]
            self._pieces[(direction, key)] = found = [m for m in dict.fromkeys(masks) if m]
        return found

    def profile(self, c: int, as_source: bool) -> tuple[object, ...]:
        """What a peer's explanation depends on beyond the rules' peer masks: for a destination its
        ingress policies, named ports and node; for a source its egress policies, hostNetwork and node."""
        g = self.graph
        rep = g.reps[c]
        node = (rep.host_network, rep.node_name) if self.nodes_matter else None
        if as_source:
            return (g.selecting(Direction.EGRESS)[c], node)
        return (g.selecting(Direction.INGRESS)[c], named_ports_key(rep), node)


class Grouper:
    """Finds the changed pairs of endpoints present on both sides, as rectangles (see the module docstring)."""

    def __init__(self, joint: JointClasses, explainer: Explainer) -> None:
        self.joint, self.explainer = joint, explainer
        base, head = joint.base, joint.head
        self.sides = (_Side(base, JointVectors(base.graph, joint.of_base)),
                      _Side(head, JointVectors(head.graph, joint.of_head)))
        self._profiles: dict[bool, Grouping] = {}
        self.affected = Affected(joint)

    def _profile_masks(self, as_source: bool) -> Grouping:
        """The joint classes partitioned by their profile on both sides."""
        found = self._profiles.get(as_source)
        if found is None:
            sb, sh = self.sides
            found = self._profiles[as_source] = Grouping(
                (sb.profile(cb, as_source), sh.profile(ch, as_source)) for cb, ch in self.joint.sides)
        return found

    def _cells(self, mask: int, fixed: int, fixed_is_source: bool, quiet: int = 0) -> list[int]:
        """`mask` (peers of the joint class `fixed`) cut into cells with one explanation each.

        The peers' own direction (ingress of destinations, egress of sources) can only explain
        something for the peers it may have changed for: when neither `fixed` nor a peer moved and
        the peer's policies of that direction say the same on both sides, that direction allows
        the same on both sides and names no cause, so those peers need no cut by profile. The same
        holds for the `quiet` peers, whose direction is known to allow `fixed` the same on both sides
        (a heavy change edits the ingress of thousands of destinations, but each source's row meets
        few of those edits): where no node traffic can be exempt, they are settled too."""
        profiles = self._profile_masks(not fixed_is_source)
        changed = (self.affected.destinations if fixed_is_source else self.affected.sources) & ~quiet
        settled = 0 if self.joint.moved[fixed] else mask & ~changed
        parts = [settled] if settled else []
        rest = mask & ~settled
        if rest:
            parts += profiles.split(rest)
        direction = Direction.EGRESS if fixed_is_source else Direction.INGRESS
        cb, ch = self.joint.sides[fixed]
        for side, c in zip(self.sides, (cb, ch), strict=True):
            key = side.graph.selecting(direction)[c]
            if key:
                parts = cut(parts, side.rule_pieces(direction, key))
        plain = ~self.joint.with_endpoint_causes
        out = []
        for part in parts:  # endpoint causes name their endpoint: such peers go by themselves
            if part & plain:
                out.append(part & plain)
            by_causes: dict[tuple[Cause, ...], int] = {}
            for k in bit_list(part & ~plain):
                by_causes[self.joint.causes[k]] = by_causes.get(self.joint.causes[k], 0) | 1 << k
            out += by_causes.values()
        return out

    def _key(self, src: int, dst: int, before: ConnectionSet, after: ConnectionSet,
             settled: Direction | None = None) -> Key:
        """(before, after, causes) of the pairs src -> dst, explained on one pair of members: of a class
        with itself, two distinct members where it has them (a single pod with itself is self traffic,
        always allowed, and explains nothing of its pairs with the other members). `settled`: a direction
        known to allow these pairs the same on both sides (see `_cells`)."""
        joint = self.joint
        members = joint.members[src]
        src_id, dst_id = (members[0], members[1]) if src == dst and len(members) > 1 else (members[0], joint.rep(dst))
        shared = self.explainer.pair(src_id, dst_id, before, after, settled)
        return before, after, merge_causes(shared, joint.causes[src], joint.causes[dst])

    def rectangles(self) -> list[Rectangle]:
        joint = self.joint
        affected = self.affected
        rows: dict[tuple[Key, int], int] = {}  # (key, destinations) -> sources
        columns: dict[tuple[Key, int], int] = {}  # (key, sources) -> destinations
        out: list[Rectangle] = []
        sb, sh = self.sides
        groups = self._alike(bit_list(affected.sources), True)
        reps = [group[0] for group in groups]
        let_in_anew = self._let_in_anew(reps)
        for group, before, after in zip(groups, sb.vectors.rows([joint.sides[j][0] for j in reps]),
                                        sh.vectors.rows([joint.sides[j][1] for j in reps]), strict=True):
            if before != after:
                quiet = self._quiet_destinations(group[0], before, after, let_in_anew)
                found = self._strip(group, before, after, ~0, True, quiet)
                for j in group:
                    for key, mask in self._own(j, found, out):
                        rows[(key, mask)] = rows.get((key, mask), 0) | 1 << j
        groups = self._alike(bit_list(affected.destinations), False)
        reps = [group[0] for group in groups]
        for group, before, after in zip(groups, sb.vectors.columns([joint.sides[k][0] for k in reps]),
                                        sh.vectors.columns([joint.sides[k][1] for k in reps]), strict=True):
            if before != after:  # the affected sources' pairs came with their rows
                found = self._strip(group, before, after, ~affected.sources, False)
                for k in group:
                    for key, mask in self._own(k, found, out):
                        columns[(key, mask)] = columns.get((key, mask), 0) | 1 << k
        ids = joint.ids
        out += [Rectangle(ids(s), ids(d), *key) for (key, d), s in rows.items()]
        out += [Rectangle(ids(s), ids(d), *key) for (key, s), d in columns.items()]
        out += self._replica_changes(affected)
        return out

    def _alike(self, classes: list[int], as_source: bool) -> list[list[int]]:
        """`classes` (affected joint classes, ascending) grouped so that members of a group have the same
        row (as sources) or column (as destinations) on both sides, and every pair of theirs is explained
        alike: the same policies of their own direction on each side (tier keys and the selecting
        NetworkPolicies), for a destination the same named ports, their node where node traffic is
        exempt, the same single-pod flags and endpoint causes (a moved class stays alone), and membership
        in the same peers of every rule of the other direction on each side (what the peers' policies
        see of them). Groups in the order of their first member, members ascending."""
        joint = self.joint
        direction = Direction.EGRESS if as_source else Direction.INGRESS
        nodes = self.sides[0].nodes_matter or self.sides[1].nodes_matter
        keys: dict[tuple[object, ...], int] = {}
        group_of: dict[int, int] = {}
        for j in classes:
            facts: list[object] = [joint.single[j], joint.causes[j], j if joint.moved[j] else None]
            for side, c in zip(self.sides, joint.sides[j], strict=True):
                g = side.graph
                rep = g.reps[c]
                facts += [g.tier_keys(direction)[c], g.selecting(direction)[c],
                          None if as_source else named_ports_key(rep),
                          (rep.host_network, rep.node_name) if nodes else None]
            group_of[j] = keys.setdefault(tuple(facts), len(keys))
        masks = [side.vectors.translate(side.graph.peer_mask(rule)) for side in self.sides
                 for policy in side.analysis.policies for rule in policy.rules(direction.opposite)]
        return refine(classes, group_of, len(keys), masks)

    def _let_in_anew(self, sources: list[int]) -> dict[int, int] | None:
        """For each of `sources` (ascending), the affected destinations whose ingress lets it in differently
        on the two sides (None where node traffic may be exempt, or nothing is affected). Read from the
        destinations' ingress partitions, once per pair of them (BASE's, HEAD's; equal tier keys and named
        ports share one), as masks of sources (`differ`), then turned around for the sources as the graph
        turns its ingress parts around (`rows.sources_into`): no source's ingress vector is read."""
        if self.sides[0].nodes_matter or self.sides[1].nodes_matter or not sources or not self.affected.destinations:
            return None
        by_key: dict[tuple[object, ...], tuple[list[int], list[int]]] = {}  # -> ([destinations], their classes)
        for k in bit_list(self.affected.destinations):
            key = tuple((side.graph.tier_keys(Direction.INGRESS)[c], named_ports_key(side.graph.reps[c]))
                        for side, c in zip(self.sides, self.joint.sides[k], strict=True))
            by_key.setdefault(key, ([0], list(self.joint.sides[k])))[0][0] |= 1 << k
        parts = []
        for (destinations,), classes in by_key.values():
            sources_let_in_anew = differ(*(side.vectors.partition(Direction.INGRESS, c)
                                           for side, c in zip(self.sides, classes, strict=True)))
            if sources_let_in_anew:
                parts.append((sources_let_in_anew, 0, destinations))
        into, alike = sources_into(parts, sources)
        return {j: into[alike[j]].get(0, 0) for j in sources}

    def _quiet_destinations(self, j: int, before: JointVector, after: JointVector,
                            let_in_anew: dict[int, int] | None) -> int:
        """Among the destinations whose pair with source j changed and whose ingress policies changed,
        those whose ingress lets j in alike on both sides (they name no ingress cause): a heavy change
        edits the ingress of thousands of destinations, each row meets few of those edits."""
        if let_in_anew is None or self.joint.moved[j]:
            return 0
        return differ(before, after) & self.affected.destinations & ~let_in_anew[j]

    def _strip(self, group: list[int], before: JointVector, after: JointVector, within: int,
               fixed_is_source: bool, quiet: int = 0) -> dict[Key, int]:
        """One row (or column) of the alike joint classes `group` (`_alike`: their rows, or columns, and
        the explanations of their pairs are the same): the peers whose allowed set changed, united by key.
        `quiet`: peers whose own direction is known to treat the group alike on both sides."""
        fixed = group[0]
        # The peers whose own direction allows `fixed` the same on both sides (the settled part of `_cells`):
        # a cell of them is explained by `fixed`'s direction alone.
        peers = Direction.INGRESS if fixed_is_source else Direction.EGRESS
        unsettled = ~0 if self.joint.moved[fixed] else \
            (self.affected.destinations & ~quiet if fixed_is_source else self.affected.sources)
        found: dict[Key, int] = {}
        for mask, b, a in vector_changes(before, after):
            mask &= within
            if not mask:
                continue
            for cell in self._cells(mask, fixed, fixed_is_source, quiet):
                others = cell & ~(1 << fixed)  # explained on another peer when it has one (see _key)
                peer = lowest(others or cell)
                if peer == fixed and len(group) > 1:  # fixed with itself: as another of the group with fixed
                    peer, fixed_end = fixed, group[1]
                else:
                    fixed_end = fixed
                settled = None if cell & unsettled else peers
                key = self._key(fixed_end, peer, b, a, settled) if fixed_is_source else \
                    self._key(peer, fixed_end, b, a, settled)
                found[key] = found.get(key, 0) | cell
        return found

    def _own(self, j: int, found: dict[Key, int], explicit: list[Rectangle]) -> list[tuple[Key, int]]:
        """A group's strip as joint class j's: for single pods, without j's pairs with itself (those of
        distinct members go to `explicit`, one rectangle)."""
        if not self.joint.irregular(j):
            return list(found.items())
        out = []
        for key, mask in found.items():
            if mask >> j & 1:
                mask &= ~(1 << j)
                explicit += self._without_self_pairs(j, key)
            if mask:
                out.append((key, mask))
        return out

    def _without_self_pairs(self, j: int, key: Key) -> list[Rectangle]:
        """The pairs of distinct members of a joint class of single pods: one rectangle of the members
        with themselves, each member's pair with itself excepted."""
        members = tuple(sorted(self.joint.members[j]))
        return [Rectangle(members, members, *key, distinct=True)] if len(members) > 1 else []

    def _replica_changes(self, affected: Affected) -> list[Rectangle]:
        """A workload that went from one pod to several (or back): its replica-to-replica traffic."""
        joint = self.joint
        out = []
        for j in bit_list(affected.sources | affected.destinations):
            single_b, single_h = joint.single[j]
            if single_b == single_h:
                continue
            cb, ch = joint.sides[j]
            before = NONE if single_b else self.sides[0].graph.class_allowed(cb, cb)
            after = NONE if single_h else self.sides[1].graph.class_allowed(ch, ch)
            if before != after:
                for eid in joint.members[j]:
                    out.append(Rectangle((eid,), (eid,), before, after, merge_causes(joint.causes[j])))
        return out


def refine(members: list[int], group_of: dict[int, int], groups: int, masks: list[int]) -> list[list[int]]:
    """`members` (bits, ascending) in groups (`group_of`: member -> group, `groups` of them) split by
    every mask: members of a resulting group are in the same group and in the same masks. Each mask
    costs the bits of the smaller of its part within the members and the rest (a namespace's or the
    whole cluster's peers move few members), never the masks times the members."""
    universe = 0
    for j in members:
        universe |= 1 << j
    count, seen = len(members), set()
    for mask in masks:
        inside = mask & universe
        if not inside or inside == universe or inside in seen:
            continue
        seen.add(inside)
        moved: dict[int, int] = {}  # old group -> the group its members in the smaller part move to
        for j in bit_list(inside if 2 * inside.bit_count() <= count else universe & ~inside):
            g = group_of[j]
            new = moved.get(g)
            if new is None:
                new = moved[g] = groups
                groups += 1
            group_of[j] = new
    found: dict[int, list[int]] = {}
    for j in members:
        found.setdefault(group_of[j], []).append(j)
    return list(found.values())
