"""The diff when admin policies are on either side: exact classes, pairs read from the graphs.

The fast path (diff_groups, diff_outside) finds which rows and columns may have changed, and cuts
them into cells with one explanation each, from the NetworkPolicies alone (their selecting keys
and rule pieces). Until it learns the admin tiers' keys and rule pieces, an inventory with
AdminNetworkPolicies, BaselineAdminNetworkPolicies or ClusterNetworkPolicies on either side takes
this path instead. It is exact and simple:

- A *class* here is a set of endpoints present on both sides with equal facts on each side, as
  every tier can see them: the labels some selector of some tier reads, namespace and its
  labels, named ports, the addresses' signature over every address set any tier tests (ipBlocks,
  admin `networks`, node addresses), hostNetwork, node, and whether it is a single pod; and equal
  endpoint causes. Members of a class are interchangeable: every pair they form changes the same
  way for the same reasons.
- Pairs are read from each side's graph, which folds every tier (engines/graph.py), never pair by
  pair: the row of each class whose egress may have changed, and the column of each class whose
  ingress may have changed (for the other sources), read once per class and side and re-expressed
  over these classes through their representatives (diff_joint.JointVectors), so what changed
  comes out as masks of classes. A class whose facts are equal on both sides, and whose direction
  is governed by the same policies on both (the NetworkPolicies selecting it and the admin policies
  whose subject selects it with rules for that direction, by content and evaluation order),
  decides that direction the same way on both sides. A class with itself is read on distinct
  members (and a workload's pair with itself, replica to replica; a single pod's pair with itself
  is not listed).
- A changed mask of peers is cut into cells explained alike (the rule pieces of every tier's
  policies selecting the fixed class, on both sides; the peers' governing profile; endpoint causes)
  and each cell is explained on one representative pair, by the tiers themselves (diff_causes: the
  tier walk of each direction on each side). Each direction's part of an explanation is computed
  once per verdict signature (the subject's graph class and what each of its rules admits with this
  peer, or the exemption), so explanations cost what the distinct tier walks cost, not the pairs.
- Changed pairs are grouped into the same rectangles as the fast path's: per source class, the
  destination classes by (before, after, causes); sources with equal destination sets merge.
- Address blocks outside the cluster are cut by every address set of both sides and decided by
  the tiers, one sample address per block, once per block and governing profile of a class on
  both sides (the policies of every tier selecting it, its named ports).
"""

from __future__ import annotations

from functools import cached_property
from typing import Protocol

from netverify.engines.bitsets import bit_list
from netverify.model import Direction, without_sources
from netverify.queries.context import Analysis
from netverify.queries.diff_cause import Cause
from netverify.queries.diff_causes import Explainer
from netverify.queries.diff_joint import (
    NONE,
    Grouping,
    JointVectors,
    Key,
    Rectangle,
    common_endpoints,
    cut,
    direction_signatures,
    lowest,
    merge_causes,
    vector_changes,
)
from netverify.queries.diff_outside import AddressBlock, address_blocks
from netverify.queries.diff_tiers import tier_addresses, tier_policies
from netverify.queries.diff_verdicts import side_verdict
from netverify.semantics.class_tiers import ClassRule
from netverify.semantics.compile import ip_blocks
from netverify.semantics.endpoints import Endpoint, IPAtoms, external_endpoint, visible_labels
from netverify.semantics.options import NetworkPolicySelection
from netverify.semantics.verdict import exemption, ungoverned_note
from netverify.sets import ConnectionSet, IPSet


class PeerRule(ClassRule, Protocol):
    """A compiled rule of either kind as the diff reads it: as engines do, and whether a peer matches."""

    def peer_miss(self, peer: Endpoint) -> str | None: ...


def address_sets(analysis: Analysis) -> list[IPSet]:
    """Every address set a tier of this side tests: ipBlocks, admin networks and node addresses."""
    return ip_blocks(analysis.policies) + tier_addresses(analysis)


def own_value(vector: dict[ConnectionSet, int], j: int) -> ConnectionSet:
    """What a row or column over these classes allows class j itself (bit j)."""
    return next((conns for conns, mask in vector.items() if mask >> j & 1), NONE)


class TieredDiff:
    """The changed pairs of endpoints present on both sides, and with address blocks, as rectangles."""

    def __init__(self, base: Analysis, head: Analysis, explainer: Explainer) -> None:
        self.base, self.head, self.explainer = base, head, explainer
        self.tiers = (explainer.tiers_of(base) or (), explainer.tiers_of(head) or ())
        sets = address_sets(base) + address_sets(head)
        self._atoms = IPAtoms(sets)
        self._label_keys = base.label_keys | head.label_keys  # what some selector of some tier reads
        self.blocks: list[AddressBlock] = address_blocks(sets)
        index: dict[tuple[object, ...], int] = {}
        self.members: list[list[Endpoint]] = []  # BASE's endpoints; HEAD's by id
        self.causes: list[tuple[Cause, ...]] = []
        self.moved: list[bool] = []  # some member's facts changed
        for ep, other, moved, causes in common_endpoints(base, head, explainer):
            key = (self._facts(ep), self._facts(other), causes)
            j = index.setdefault(key, len(self.members))
            if j == len(self.members):
                self.members.append([])
                self.causes.append(causes)
                self.moved.append(False)
            self.members[j].append(ep)
            self.moved[j] = self.moved[j] or moved
        self._selection: dict[tuple[int, int], tuple[int, ...]] = {}
        self.sources, self.destinations = self._affected()
        self._vectors: list[JointVectors] = []
        self._piece_cache: dict[tuple[int, int, str], list[int]] = {}
        self._profiles: dict[str, Grouping] = {}
        self._rule_cache: dict[tuple[int, str, int], list[PeerRule]] = {}
        self._explained: dict[tuple[object, ...], tuple[Cause, ...]] = {}
        self._decided: dict[tuple[object, ...], list[tuple[int, ConnectionSet, ConnectionSet, tuple[Cause, ...]]]] = {}
        self._block_masks: dict[int, int] = {}
        self._own: dict[int, tuple[ConnectionSet, ConnectionSet]] = {}  # class -> with itself, BASE and HEAD

    def _affected(self) -> tuple[int, int]:
        """The classes whose egress (as sources) and ingress (as destinations) may have changed: those
        whose facts changed, or whose governing policies of that direction (the NetworkPolicies that
        select them, the admin policies whose subject selects them, by content and evaluation order)
        differ between the sides. A pair of two other classes is decided the same on both sides."""
        base, head = self.base, self.head
        if without_sources(base.cluster.nodes) != without_sources(head.cluster.nodes):
            return (1 << len(self.members)) - 1, (1 << len(self.members)) - 1  # `nodes` peers may read anew
        sources = destinations = 0
        # Per side: each class's NetworkPolicy signatures per direction, and the content of each policy of
        # the other tiers per direction (None where it has no rules there: no say), sources blanked,
        # computed once, not once per class.
        sides = [(direction_signatures(a, Direction.EGRESS), direction_signatures(a, Direction.INGRESS),
                  {d: [(p.priority, without_sources((p.ref, p.rules(d)))) if p.rules(d) else None
                       for p in tier_policies(a)] for d in (Direction.EGRESS, Direction.INGRESS)})
                 for a in (base, head)]
        for j in range(len(self.members)):
            governing = []
            for side, (egress_np, ingress_np, admin) in enumerate(sides):
                c = (base, head)[side].graph.class_of[self._end(side, j).id]
                selected = self._selected(side, c)
                governing.append({d: (egress_np[c], ingress_np[c],
                                      tuple(admin[d][i] for i in selected if admin[d][i] is not None))
                                  for d in (Direction.EGRESS, Direction.INGRESS)})
            if self.moved[j] or governing[0][Direction.EGRESS] != governing[1][Direction.EGRESS]:
                sources |= 1 << j
            if self.moved[j] or governing[0][Direction.INGRESS] != governing[1][Direction.INGRESS]:
                destinations |= 1 << j
        return sources, destinations

    def _facts(self, ep: Endpoint) -> tuple[object, ...]:
        named = tuple(sorted((p.name, p.protocol, p.port) for p in ep.ports if p.name))
        return (ep.kind, ep.namespace, visible_labels(ep.labels, self._label_keys), ep.ns_labels, named,
                self._atoms.signature(ep.ips),
                ep.host_network, ep.node_name, ep.single_pod)

    @property
    def compared(self) -> int:
        return sum(len(m) for m in self.members)

    def _ids(self, mask: int) -> tuple[str, ...]:
        return tuple(sorted(e.id for j in bit_list(mask) for e in self.members[j]))

    def _key(self, j: int, k: int, before: ConnectionSet, after: ConnectionSet) -> Key:
        """(before, after, causes) of the changed pair of classes j -> k, explained on their representatives:
        what `Explainer.pair` says, each direction's part computed once per verdict signature."""
        gained, lost = after - before, before - after
        shared: list[Cause] = []
        for direction in (Direction.EGRESS, Direction.INGRESS):
            key = (direction, self._signature(0, direction, j, k), self._signature(1, direction, j, k), gained, lost)
            found = self._explained.get(key)
            if found is None:
                src, dst = self.members[j][0].id, self.members[k][0].id
                subject, peer = (src, dst) if direction == Direction.EGRESS else (dst, src)
                vb, vh = (self.explainer.verdict(a, direction, subject, peer) for a in (self.base, self.head))
                found = self._explained[key] = tuple(self.explainer.direction(vb, vh, gained, lost))
            shared += found
        return before, after, merge_causes(shared, self.causes[j], self.causes[k])

    def _signature(self, side: int, direction: Direction, j: int, k: int) -> tuple[object, ...]:
        """What one side's tier walk of `direction` for the pair j -> k is a function of: an exemption or
        a subject no policy governs (by its note); else the subject's graph class (which fixes the
        policies of every tier selecting it and its named ports: the graph's classes are exact for every
        tier) and what each rule of those policies admits with this peer, ports resolved on this
        destination (`ReachabilityGraph.rule_admits`)."""
        analysis = (self.base, self.head)[side]
        src, dst = self._end(side, j), self._end(side, k)
        subject, peer = (src, dst) if direction == Direction.EGRESS else (dst, src)
        exempt = exemption(src, dst)
        if exempt is not None and direction in exempt.open:
            return ("exempt", exempt.note)
        why_open = ungoverned_note(subject)
        if why_open is not None:
            return ("open", why_open)
        g = analysis.graph
        c = g.class_of[subject.id]
        peer_class, dst_class = g.class_of[peer.id], g.class_of[dst.id]
        return (c, tuple(g.rule_admits(rule, peer_class, dst_class) for rule in self._rules(side, direction, c)))

    def _rules(self, side: int, direction: Direction, c: int) -> list[PeerRule]:
        """The rules of every tier's policies that select the side's graph class c for `direction`."""
        found = self._rule_cache.get((side, direction, c))
        if found is None:
            analysis = (self.base, self.head)[side]
            g = analysis.graph
            found = [r for i in g.selecting(direction)[c] for r in analysis.policies[i].rules(direction)]
            others = tier_policies(analysis)
            found += [r for i in self._selected(side, c) for r, _ in others[i].rules(direction) or ()]
            self._rule_cache[(side, direction, c)] = found
        return found

    def rectangles(self) -> list[Rectangle]:
        """Affected sources' rows and affected destinations' columns, read once per class from each side's
        graph and re-expressed over these classes: what changed comes out as masks, never pair by pair,
        and is explained once per cell (`_cells`), on one representative pair."""
        self._vectors = [JointVectors(a.graph, self._of_side(a)) for a in (self.base, self.head)]
        sides = [[a.graph.class_of[m[0].id] for m in self.members] for a in (self.base, self.head)]
        found: dict[int, dict[Key, int]] = {}  # source class -> key -> destination classes
        out: list[Rectangle] = []
        sources = bit_list(self.sources)
        for j, before, after in zip(sources, *(v.rows([side[j] for j in sources])
                                               for v, side in zip(self._vectors, sides, strict=True)), strict=True):
            self._own[j] = (own_value(before, j), own_value(after, j))
            if before != after:  # every destination: the source's egress may have changed
                row = found.setdefault(j, {})
                for mask, b, a in vector_changes(before, after):
                    for cell in self._cells(mask & ~(1 << j), j, Direction.EGRESS):
                        key = self._key(j, lowest(cell), b, a)
                        row[key] = row.get(key, 0) | cell
        self._columns(sides, found)
        for j in bit_list(self.sources | self.destinations):
            out += self._within(j)
        rows: dict[tuple[Key, int], int] = {}  # (key, destination classes) -> source classes
        for j in sorted(found):
            for key, mask in found[j].items():
                rows[(key, mask)] = rows.get((key, mask), 0) | 1 << j
        out += [Rectangle(self._ids(s), self._ids(d), *key) for (key, d), s in rows.items()]
        return out + self._outside()

    def _columns(self, sides: list[list[int]], found: dict[int, dict[Key, int]]) -> None:
        """The affected destinations' columns, for the sources whose rows were not read: into `found`."""
        destinations = bit_list(self.destinations)
        for k, before, after in zip(destinations, *(v.columns([side[k] for k in destinations])
                                                    for v, side in zip(self._vectors, sides, strict=True)),
                                    strict=True):
            self._own.setdefault(k, (own_value(before, k), own_value(after, k)))
            if before != after:
                for mask, b, a in vector_changes(before, after):
                    for cell in self._cells(mask & ~self.sources & ~(1 << k), k, Direction.INGRESS):
                        key = self._key(lowest(cell), k, b, a)
                        for j in bit_list(cell):
                            row = found.setdefault(j, {})
                            row[key] = row.get(key, 0) | 1 << k

    def _cells(self, mask: int, fixed: int, direction: Direction) -> list[int]:
        """The peers `mask` of class `fixed` cut into cells whose pairs with `fixed` are explained alike.

        A pair's explanation is the tier walk of each direction on each side. `fixed`'s own direction
        (`direction`) sees a peer only through the rules of the policies of every tier that select
        `fixed` there: which of them match the peer and what their ports resolve to on it (the
        pieces the graph folds, `ReachabilityGraph.rule_parts`). The peer's direction sees `fixed`
        alike for peers with the same profile (`_profile_masks`), and the endpoint causes come with it."""
        peers = direction.opposite  # the peers' own direction
        parts = self._profile_masks(peers).split(mask)
        for side in (0, 1):
            parts = cut(parts, self._pieces(side, fixed, direction))
        return parts

    def _end(self, side: int, j: int) -> Endpoint:
        """Class j's representative as the side has it."""
        rep = self.members[j][0]
        return rep if side == 0 else self.head.by_id[rep.id]

    def _selected(self, side: int, c: int) -> tuple[int, ...]:
        """The policies of the tiers beyond NetworkPolicy (indices in `diff_tiers.tier_policies`) whose
        subject selects the side's graph class c:
        read from the graph's class index (the graph's classes are exact for every tier), each subject's
        classes once, not every policy's selector once per class."""
        found = self._selection.get((side, c))
        if found is None:
            analysis = (self.base, self.head)[side]
            g = analysis.graph
            by_class: list[list[int]] = [[] for _ in g.reps]
            for i, policy in enumerate(tier_policies(analysis)):
                for k in bit_list(g.index.term(policy.subject)):
                    by_class[k].append(i)
            for k, selected in enumerate(by_class):
                self._selection[(side, k)] = tuple(selected)
            found = self._selection[(side, c)]
        return found

    def _pieces(self, side: int, j: int, direction: Direction) -> list[int]:
        """What the rules of every tier's policies selecting class j for `direction` match as peers
        on one side, split by what they admit there, as masks of these classes (cached per graph class)."""
        analysis = (self.base, self.head)[side]
        rep = self._end(side, j)
        g = analysis.graph
        c = g.class_of[rep.id]
        found = self._piece_cache.get((side, c, direction))
        if found is None:
            rules = self._rules(side, direction, c)
            masks = [self._vectors[side].translate(m) for m, _ in g.rule_parts(direction, rules, rep)]
            found = self._piece_cache[(side, c, direction)] = [m for m in dict.fromkeys(masks) if m]
        return found

    def _profile_masks(self, direction: Direction) -> Grouping:
        """These classes grouped by what their own tier walk of `direction` (egress as a source, ingress
        as a destination) sees of them on both sides beyond which rules match the other end (`_governed`,
        and their node where node traffic may be exempt: a side has hostNetwork pods), and by their
        endpoint causes."""
        found = self._profiles.get(direction)
        if found is not None:
            return found
        with_node = [any(e.host_network for e in a.endpoints) for a in (self.base, self.head)]
        found = self._profiles[direction] = Grouping(
            (self.causes[j], *(self._governed(side, j, direction) for side in (0, 1)),
             *(self._end(side, j).node_name if with_node[side] else None for side in (0, 1)))
            for j in range(len(self.members)))
        return found

    def _governed(self, side: int, j: int, direction: Direction) -> tuple[object, ...]:
        """What one side's tier walk of `direction` with class j as subject depends on, beyond which
        rules match the peer: hostNetwork (never a subject), the policies of every tier that select it
        (NetworkPolicies of both directions under the `any` reading of selection) and, for ingress,
        the named ports some rule names (ports resolve on the destination)."""
        analysis = (self.base, self.head)[side]
        rep, g = self._end(side, j), analysis.graph
        c = g.class_of[rep.id]
        other = direction.opposite
        both = analysis.semantics.np_selection is not NetworkPolicySelection.PER_DIRECTION
        ports = tuple(sorted((p.name, p.protocol, p.port) for p in rep.ports if p.name in self._port_names)) \
            if direction == Direction.INGRESS else ()
        return (rep.host_network, g.selecting(direction)[c], g.selecting(other)[c] if both else (),
                self._selected(side, c), ports)

    @cached_property
    def _port_names(self) -> frozenset[str]:
        """The port names some rule of some tier names, on either side."""
        sides = (self.base, self.head)
        rules: list[ClassRule] = [r for a in sides for p in a.policies for d in (Direction.INGRESS, Direction.EGRESS)
                                  for r in p.rules(d)]
        rules += [r for a in sides for p in tier_policies(a) for d in (Direction.INGRESS, Direction.EGRESS)
                  for r, _ in p.rules(d) or ()]
        return frozenset(n for r in rules for n in r.named_ports)

    def _of_side(self, analysis: Analysis) -> list[int]:
        """Each of the side's graph classes -> the mask of these classes whose representative is in it."""
        out = [0] * len(analysis.graph.reps)
        for j, members in enumerate(self.members):
            out[analysis.graph.class_of[members[0].id]] |= 1 << j
        return out

    def _within(self, j: int) -> list[Rectangle]:
        """A class with itself: the pairs of distinct members (one rectangle marked `distinct`), and
        each member's pair with itself (not listed for a single pod on a side: nothing allowed there)."""
        members = self.members[j]
        out: list[Rectangle] = []
        own = self._own[j]  # what the class allows with itself on each side, read with its row or column
        if len(members) > 1:
            before, after = own
            if before != after:
                shared = self.explainer.pair(members[0].id, members[1].id, before, after)
                key = (before, after, merge_causes(shared, self.causes[j]))
                ids = tuple(sorted(e.id for e in members))
                out.append(Rectangle(ids, ids, *key, distinct=True))
        rep, other = members[0], self.head.by_id[members[0].id]  # members agree on single_pod on each side
        before = NONE if rep.single_pod else own[0]
        after = NONE if other.single_pod else own[1]
        if before != after:
            shared = self.explainer.pair(rep.id, rep.id, before, after) if not (rep.single_pod or other.single_pod) \
                else ()
            causes = merge_causes(shared, self.causes[j])
            out += [Rectangle((ep.id,), (ep.id,), before, after, causes) for ep in members]
        return out

    def _outside(self) -> list[Rectangle]:
        """Each class's traffic with each address block, both ways, grouped (blocks x classes)."""
        samples = [external_endpoint(b.addresses.to_cidrs()[0].split("/")[0]) for b in self.blocks]
        out: list[Rectangle] = []
        for direction in (Direction.EGRESS, Direction.INGRESS):
            merged: dict[tuple[Key, int], int] = {}  # (key, blocks) -> classes
            changed = self.sources if direction == Direction.EGRESS else self.destinations
            for j in bit_list(changed):
                found: dict[Key, int] = {}
                governed = (self._governed(0, j, direction), self._governed(1, j, direction))
                decided = self._decided.get((direction, governed))
                if decided is None:  # classes governed alike decide the blocks alike
                    decided = self._decided[(direction, governed)] = self._decide_blocks(direction, j, samples)
                for cell, before, after, causes in decided:
                    key = (before, after, merge_causes(causes, self.causes[j]))
                    found[key] = found.get(key, 0) | cell
                for key, blocks in found.items():
                    merged[(key, blocks)] = merged.get((key, blocks), 0) | 1 << j
            for (key, blocks), classes in merged.items():
                ids = tuple(sorted(self.blocks[i].id for i in bit_list(blocks)))
                src, dst = (self._ids(classes), ids) if direction == Direction.EGRESS else (ids, self._ids(classes))
                out.append(Rectangle(src, dst, *key))
        return out

    def _decide_blocks(self, direction: Direction, j: int, samples: list[Endpoint]
                       ) -> list[tuple[int, ConnectionSet, ConnectionSet, tuple[Cause, ...]]]:
        """(blocks, before, after, causes) for class j's `direction` with the address blocks, where the
        allowed set changed. The blocks are cut by the peers of every rule governing j on either side
        (an outside address is seen through them alone: their ports resolve on j, or on no named port
        for an address), and each cell is decided by the tiers on its first block's sample address."""
        everywhere = (1 << len(samples)) - 1
        pieces = [self._block_mask(rule, samples) for side, analysis in enumerate((self.base, self.head))
                  for rule in self._rules(side, direction, analysis.graph.class_of[self._end(side, j).id])]
        out = []
        for cell in cut([everywhere], pieces) if samples else []:
            address = samples[lowest(cell)]
            ends = [(self._end(side, j), address) if direction == Direction.EGRESS else (address, self._end(side, j))
                    for side in (0, 1)]
            vb = side_verdict(self.base, self.tiers[0], direction, *ends[0])
            vh = side_verdict(self.head, self.tiers[1], direction, *ends[1])
            if vb.allowed != vh.allowed:
                gained, lost = vh.allowed - vb.allowed, vb.allowed - vh.allowed
                out.append((cell, vb.allowed, vh.allowed, tuple(self.explainer.direction(vb, vh, gained, lost))))
        return out

    def _block_mask(self, rule: PeerRule, samples: list[Endpoint]) -> int:
        """The blocks whose sample address some peer of `rule` matches (cached per rule)."""
        found = self._block_masks.get(id(rule))
        if found is None:
            found = self._block_masks[id(rule)] = sum(1 << i for i, a in enumerate(samples)
                                                      if rule.peer_miss(a) is None)
        return found

