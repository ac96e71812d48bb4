"""The admin scan's classes and peer groups (queries/lint/admin_scan.py), and the keys it decides them by.

`ScanGroups` holds the scan's classes (the graph's, in the order of their representatives' ids),
each class's applicable admin policies (read from the class index, as the graph reads subjects)
and, per subject key, its peer groups.

A subject key's peer classes are split into groups by the peer masks of every rule of its tiers
(peer_masks.refine_signed): each group is inside or outside each mask whole, and its signature says
which masks hold it. What the tiers decide for a (subject, group) pair depends only on which rules
match the group and with which connections, so `MatchKeys` builds the scan's memo key of a pair
(`AdminScan._pair`: the policies, then each tier's matching rules with their connections, by
identity) from the group's signature, without matching the peer against any rule again: a group
alike an earlier pair, of this subject key or another, is decided by a dictionary look-up.

Invariant: `MatchKeys.key` equals the key `_pair` computes for the same pair (the differential test
tests/property/test_lint_admin_scan_shared.py holds the shared scan to the pair-by-pair one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import ReachabilityGraph, named_ports_key
from netverify.model import Direction
from netverify.queries.lint.admin_records import Involved
from netverify.queries.lint.context import LintContext
from netverify.queries.lint.peer_masks import Blocks, refine_signed
from netverify.semantics.admin_compile import CompiledAdminPolicy, CompiledAdminRule
from netverify.semantics.admin_tier import AdminPolicyTier
from netverify.semantics.compile import CompiledPolicy, CompiledRule
from netverify.semantics.endpoints import Endpoint

__all__ = ["MatchKeys", "PeerGroup", "ScanGroups", "SubjectKey"]


@dataclass(slots=True)
class PeerGroup:
    """A peer group of one subject key (what the subject's decisions depend on): decided once, for the
    subjects of the key that have a real pair with it."""

    peers: int  # a mask of class indices
    first: int  # its lowest class
    signature: int  # the bits of the subject key's rule masks that hold it (MatchKeys)
    special: bool  # its first class is a hostNetwork peer of ingress (node traffic may be exempt)
    decided: bool = False
    absent: set[int] | None = None  # subjects of the key with no real pair with it
    touched: list[Involved] = field(default_factory=list)  # the records its decision concerns


class SubjectKey:
    """The subjects of one key (in scan order), its peer groups, and which groups a later subject visits.

    The key's first subject visits every group. A later subject c visits only the groups whose visit
    can change something: those still undecided (each is decided at its first real pair), those whose
    first class is an ingress hostNetwork peer (node traffic may be exempt for c), and the one whose
    first class is c (a class paired with itself may have no real pair); a decided group holding c
    at another class pairs with c as it did before. The visits keep the groups' order."""

    __slots__ = ("_by_first", "_pending", "groups", "keys", "subjects")

    def __init__(self, groups: list[PeerGroup], keys: MatchKeys | None) -> None:
        self.groups = groups
        self.keys = keys
        self.subjects: list[int] = []
        self._by_first = {g.first: i for i, g in enumerate(groups)}
        self._pending: list[int] | None = None  # after the first subject: the undecided or special groups

    def visits(self, c: int) -> list[PeerGroup]:
        """Subject c joins the key: the groups it visits, in order (call `settle` after visiting them)."""
        self.subjects.append(c)
        if self._pending is None:
            return self.groups
        own = self._by_first.get(c)
        order = self._pending if own is None or own in self._pending else sorted([*self._pending, own])
        return [self.groups[i] for i in order]

    def settle(self) -> None:
        """After a subject's visits: what a later subject must still visit."""
        groups = self.groups
        self._pending = [i for i in (range(len(groups)) if self._pending is None else self._pending)
                         if not groups[i].decided or groups[i].special]


# (signature bit of the rule's peer mask, id of its ref, its connections when they do not depend on
# the peer (None: named ports, resolved on each egress peer), the rule)
_Entry = tuple[int, int, int | None, CompiledAdminRule | CompiledRule]


class MatchKeys:
    """For one subject key: each tier's rules, in evaluation order, with the signature bit of their
    peer mask; `key(signature, peer)` is `_pair`'s memo key for the subject with a peer of that group."""

    __slots__ = ("_base", "_first", "_graph", "_np", "_prefix", "_suffix")

    def __init__(self, graph: ReachabilityGraph, direction: Direction, subject: Endpoint,
                 tiers: tuple[Sequence[CompiledAdminPolicy], Sequence[CompiledAdminPolicy], Sequence[CompiledPolicy]],
                 bits: Mapping[int, int], mask_of: Callable[[CompiledAdminRule | CompiledRule], int]) -> None:
        """`bits`: the signature bit of each peer mask (`ScanGroups.peer_groups`); `mask_of`: a rule's peer mask."""
        first, base, np_policies = tiers
        self._graph = graph
        self._prefix = (direction, tuple(map(id, first)), tuple(map(id, base)))
        self._suffix = (True, bool(np_policies))  # `_pair`: the NetworkPolicies were given, and whether any
        ingress = direction is Direction.INGRESS

        def entries(rules: list[CompiledAdminRule] | list[CompiledRule]) -> list[_Entry]:
            out: list[_Entry] = []
            for rule in rules:
                if ingress or not rule.named_ports:
                    # Ingress ports resolve on the subject, unnamed ones on nothing: the same for every peer.
                    conns = graph.rule_ports(rule, subject)
                    if conns:
                        out.append((bits[mask_of(rule)], id(rule.ref), id(conns), rule))
                else:
                    out.append((bits[mask_of(rule)], id(rule.ref), None, rule))
            return out

        self._first = entries([r for p in first for r in p.rules(direction)])
        self._base = entries([r for p in base for r in p.rules(direction)])
        self._np = entries([r for p in np_policies for r in p.rules(direction)])

    def key(self, signature: int, peer: Endpoint) -> tuple[object, ...]:
        """`_pair`'s memo key for the subject and `peer`, whose group has `signature`."""
        return (*self._prefix, self._matches(self._first, signature, peer), self._matches(self._base, signature, peer),
                *self._suffix, self._matches(self._np, signature, peer))

    def _matches(self, entries: list[_Entry], signature: int, peer: Endpoint) -> tuple[int, ...]:
        out: list[int] = []
        for bit, ref, conns, rule in entries:
            if signature & bit:
                if conns is None:
                    named = self._graph.rule_ports(rule, peer)
                    if not named:
                        continue
                    conns = id(named)
                out.append(ref)
                out.append(conns)
        return tuple(out)


class ScanGroups:
    """The admin scan's classes and the peer groups of its subject keys: the graph's classes in the
    order of their representatives' ids (witnesses name the first), and per subject key the peer
    classes split by every rule of its tiers, each group with its signature."""

    def __init__(self, ctx: LintContext, tiers: Sequence[AdminPolicyTier]) -> None:
        self.ctx = ctx
        self.reps = self._classes()
        self.position = {rep.id: i for i, rep in enumerate(self.reps)}
        self.everyone = (1 << len(self.reps)) - 1
        self._selected = {id(tier): self._selected_by(tier) for tier in tiers}
        self._matcher_masks: dict[int, int] = {}
        self._splits = self._peer_splits()
        self._admin_parts: dict[tuple[object, ...], tuple[list[tuple[int, int]], dict[int, int]]] = {}

    def _classes(self) -> list[Endpoint]:
        """One endpoint per class no tier tells apart (witnesses name it): the graph's classes, which
        fold every tier (their keys read what every tier observes), in the order of their
        representatives' ids."""
        graph = self.ctx.graph
        order = sorted(range(len(graph.reps)), key=lambda c: graph.reps[c].id)
        self._from_graph = None if order == list(range(len(order))) else {c: i for i, c in enumerate(order)}
        self.graph_order = order  # per class of the scan, its index in the graph
        self.members: dict[str, list[Endpoint]] = {}  # per class representative, the class's endpoints
        self.rep: dict[str, str] = {}  # each endpoint's representative
        for c in order:
            rep = graph.reps[c]
            self.members[rep.id] = graph.members[c]
            for ep in graph.members[c]:
                self.rep[ep.id] = rep.id
        return [graph.reps[c] for c in order]

    def _graph_mask(self, mask: int) -> int:
        """A mask of the graph's classes as a mask of the scan's (the same classes, in id order)."""
        if self._from_graph is None:
            return mask
        out = 0
        for c in bit_list(mask):
            out |= 1 << self._from_graph[c]
        return out

    def _peer_splits(self) -> tuple[Blocks, Blocks]:
        """The classes that named ports, and node traffic, tell apart as peers."""
        with_node = any(ep.host_network for ep in self.reps)
        return (Blocks([named_ports_key(ep) for ep in self.reps]),
                Blocks([(ep.host_network, ep.node_name) if with_node else None for ep in self.reps]))

    def rule_mask(self, rule: CompiledAdminRule | CompiledRule) -> int:
        """The classes some peer of the rule matches (the graph's selector index, cached per rule)."""
        mask = self._matcher_masks.get(id(rule))
        if mask is None:
            mask = self._matcher_masks[id(rule)] = self._graph_mask(self.ctx.graph.peer_mask(rule))
        return mask

    def peer_groups(self, direction: Direction, admin: Sequence[CompiledAdminPolicy],
                     np_policies: Sequence[CompiledPolicy]) -> tuple[list[tuple[int, int]], dict[int, int]]:
        """The peer classes, split by every rule of the subject's tiers (and what else they read), each
        with its signature (the bits of the cuts that hold it), and each cut's bit."""
        # The admin cuts come first: the parts they leave are cached per admin policies (subject keys
        # that differ only in their NetworkPolicies share them), then refined by the rest in order.
        admin_key = (direction, tuple(map(id, admin)))
        cached = self._admin_parts.get(admin_key)
        if cached is None:
            admin_cuts = dict.fromkeys(self.rule_mask(r) for p in admin for r in p.rules(direction))
            admin_bits = {cut: 1 << i for i, cut in enumerate(admin_cuts)}
            cached = self._admin_parts[admin_key] = (refine_signed([(self.everyone, 0)], admin_bits.items()),
                                                     admin_bits)
        parts, seen = cached
        cuts = [self.rule_mask(r) for p in np_policies for r in p.rules(direction)]
        named, nodes = self._splits
        blocks: Blocks | None = None
        if direction is Direction.EGRESS and self.names_ports(direction, admin, np_policies):
            blocks = named
        if direction is Direction.INGRESS and len(nodes.masks) > 1:
            blocks = nodes  # node traffic (a hostNetwork pod to a pod of its node) is exempt from ingress rules
        bits = dict(seen)
        fresh: list[tuple[int, int]] = []
        for cut in dict.fromkeys(cuts):
            if cut not in bits:
                bits[cut] = 1 << len(bits)
                fresh.append((cut, bits[cut]))
        parts = refine_signed(list(parts), fresh)
        if blocks is None:
            return parts, bits
        # The blocks come last, each unless an earlier cut equals it (then it has cut already).
        run: dict[int, tuple[int, int]] = {}
        for k, block in enumerate(blocks.masks):
            if block not in bits:
                bits[block] = 1 << len(bits)
                run[k] = (block, bits[block])
        return blocks.refine(parts, run), bits

    def group(self, direction: Direction, peers: int, signature: int) -> PeerGroup:
        first = (peers & -peers).bit_length() - 1
        return PeerGroup(peers, first, signature, direction is Direction.INGRESS and self.reps[first].host_network)

    @staticmethod
    def names_ports(direction: Direction, admin: Sequence[CompiledAdminPolicy],
                     np_policies: Sequence[CompiledPolicy]) -> bool:
        """Whether a rule of these policies names a port (resolved on the destination)."""
        return any(port.port.named for p in admin for r in p.rules(direction) for port in r.ports or ()) or any(
            isinstance(port.spec.port, str) for p in np_policies for r in p.rules(direction) for port in r.ports)

    def applicable(self, tier: AdminPolicyTier, subject: Endpoint) -> list[CompiledAdminPolicy]:
        """tier.applicable(subject) (for a subject the scan decides: neither external nor hostNetwork)."""
        return self._selected[id(tier)][self.position[self.rep[subject.id]]]

    def _selected_by(self, tier: AdminPolicyTier) -> list[list[CompiledAdminPolicy]]:
        """Per class, tier.applicable of its endpoints (in evaluation order), read from the class index,
        where the graph reads the subjects of every tier: a subject's mask, not a label match per class."""
        out: list[list[CompiledAdminPolicy]] = [[] for _ in self.reps]
        for policy in tier.policies:
            for c in bit_list(self._graph_mask(self.ctx.index.term(policy.subject.term))):
                out[c].append(policy)
        return out
