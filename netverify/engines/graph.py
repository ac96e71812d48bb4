"""Reachability graph over endpoint classes.

Endpoints that no selector, named port or ipBlock can tell apart form one class;
all computation is per class, so cost follows the number of distinct classes, not
pods. Sets of classes are bitsets (Python ints): each selector is resolved once
into a bitset by index lookups, each class's egress and each class's ingress is a
partition of the peer classes into a few bitsets with one ConnectionSet each, and
an edge row combines them with a handful of bit operations per distinct set, with
no per-pair Python loop. Endpoint pairs are expanded lazily, in id order.

The decision per direction is the verdict grammar (semantics/verdict.py) over class bitsets
(engines/partitions.py): a subject class no NetworkPolicy selects for a direction is passed by that
tier and allowed by the default (`open`); an isolated one gets the union of its policies' rules
(`union_partition`). The exemptions (self, node traffic) are the verdict's predicates, applied to
classes: a class's members agree on them because class keys include what they read.

Public surface for the query layer: classes (`reps`, `members`, `class_of`), rows and columns,
`selecting`, and the pieces a partition is built from (`peer_mask`, `rule_ports`,
`rule_parts`, `conns`). Queries must not read anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from itertools import chain
from typing import overload

from netverify.engines.bitsets import ClassIndex, ConnInterner, bit_list
from netverify.engines.partitions import Partition, union_partition
from netverify.runtime import without_gc
from netverify.semantics.compile import CompiledPolicy, CompiledRule
from netverify.semantics.endpoints import Endpoint, visible_labels
from netverify.semantics.verdict import is_self_traffic
from netverify.sets import ConnectionSet


def class_key(ep: Endpoint, ip_signature: object, with_node: bool,
              label_keys: frozenset[str] | None) -> tuple[object, ...]:
    """Endpoints with equal keys are indistinguishable to every policy (exactly, not approximately)."""
    named = tuple(sorted((p.name, p.protocol, p.port) for p in ep.ports if p.name))
    return (ep.kind == "External", ep.namespace, visible_labels(ep.labels, label_keys), named, ep.host_network,
            ip_signature, ep.node_name if with_node else None)


def named_ports_key(ep: Endpoint) -> tuple[object, ...]:
    """What a named port entry resolves on: external addresses resolve none."""
    if ep.external:
        return ("external",)
    return tuple(sorted((p.name, p.protocol, p.port) for p in ep.ports if p.name))


Row = tuple[tuple[int, ConnectionSet], ...]  # disjoint (destination class mask, allowed) pairs


class _LazyRows(Sequence[Row]):
    """The rows of all classes, computed a block of source classes at a time, on first use.

    Up to BLOCK_BITS destination-class bits per block, and a few blocks are kept: a matrix or a
    diff walks the sources in order, and a graph of a few thousand classes is one block.
    """

    BLOCK_BITS = 1 << 25  # rows of this many (source, destination) class pairs per block
    KEEP = 4  # blocks kept

    def __init__(self, n: int, compute: Callable[[int, int], list[Row]]) -> None:
        self._n = n
        self._size = max(64, self.BLOCK_BITS // max(n, 1))
        self._compute = compute
        self._blocks: dict[int, list[Row]] = {}  # insertion order = least recently computed first

    def __len__(self) -> int:
        return self._n

    def _block(self, k: int) -> list[Row]:
        rows = self._blocks.get(k)
        if rows is None:
            if len(self._blocks) >= self.KEEP:
                del self._blocks[next(iter(self._blocks))]
            lo = k * self._size
            rows = self._blocks[k] = self._compute(lo, min(self._n, lo + self._size))
        return rows

    def cached(self, a: int) -> Row | None:
        """Row a if its block has been computed, else None (nothing is computed)."""
        rows = self._blocks.get(a // self._size)
        return None if rows is None else rows[a % self._size]

    @overload
    def __getitem__(self, a: int) -> Row: ...

    @overload
    def __getitem__(self, a: slice) -> Sequence[Row]: ...

    def __getitem__(self, a: int | slice) -> Row | Sequence[Row]:
        if isinstance(a, slice):
            return [self[i] for i in range(*a.indices(self._n))]
        if a < 0:
            a += self._n
        if not 0 <= a < self._n:
            raise IndexError(a)
        return self._block(a // self._size)[a % self._size]

    def __iter__(self) -> Iterator[Row]:
        for k in range(0, self._n, self._size):
            yield from self._block(k // self._size)


class ReachabilityGraph:
    """Allowed connections between every ordered pair of endpoints, computed per class."""

    @without_gc
    def __init__(self, endpoints: Sequence[Endpoint], policies: tuple[CompiledPolicy, ...],
                 ip_signature: dict[str, object] | None = None, label_keys: frozenset[str] | None = None) -> None:
        self.endpoints = list(endpoints)
        self.policies = policies
        with_node = any(ep.host_network for ep in self.endpoints)
        signature = ip_signature or {}
        index: dict[tuple[object, ...], int] = {}
        self.class_of: dict[str, int] = {}
        self.members: list[list[Endpoint]] = []
        for ep in self.endpoints:
            key = class_key(ep, signature.get(ep.id, ep.ips), with_node, label_keys)
            c = index.get(key)
            if c is None:
                c = index[key] = len(self.members)
                self.members.append([])
            self.members[c].append(ep)
            self.class_of[ep.id] = c
        self.reps = [m[0] for m in self.members]
        self._conns = ConnInterner()
        self._index = ClassIndex(self.reps, label_keys)
        self._rule_masks: dict[int, int] = {}
        self._named_rules: dict[int, frozenset[str]] = {}
        self._named_keys: dict[int, tuple[object, ...]] = {}  # id(endpoint) -> named_ports_key
        self._rule_ports: dict[tuple[int, tuple[object, ...]], ConnectionSet] = {}
        self._named_parts: dict[int, list[tuple[int, ConnectionSet]]] = {}
        self._selecting_keys: dict[str, list[tuple[int, ...]]] = {}
        self.rows: Sequence[Row] = self._build()

    @property
    def conns(self) -> ConnInterner:
        """The interner of every connection set the graph hands out (partitions are keyed by its ids)."""
        return self._conns

    @property
    def index(self) -> ClassIndex:
        """The classes indexed for selector evaluation (selector results are cached there)."""
        return self._index

    # --- construction

    def peer_mask(self, rule: CompiledRule, cache: dict[int, int] | None = None) -> int:
        """The classes some peer entry of the rule matches (all classes when it lists none)."""
        key = id(rule)
        mask = self._rule_masks.get(key)
        if mask is None:
            if not rule.peers:
                mask = self._index.everyone
            else:
                mask = 0
                for peer in rule.peers:
                    mask |= self._index.peer(peer)
            self._rule_masks[key] = mask
        return mask

    def _has_named_port(self, rule: CompiledRule) -> bool:
        """Whether some port entry of the rule is a name (asked once per rule, not per class)."""
        return bool(self._port_names(rule))

    def _port_names(self, rule: CompiledRule) -> frozenset[str]:
        names = self._named_rules.get(id(rule))
        if names is None:
            names = self._named_rules[id(rule)] = frozenset(
                m.spec.port for m in rule.ports if isinstance(m.spec.port, str))
        return names

    def rule_ports(self, rule: CompiledRule, dst: Endpoint) -> ConnectionSet:
        """rule.ports_for(dst), computed once per rule and view of dst's ports: the ports named as
        the rule names them (the only ones that can change the result)."""
        names = self._port_names(rule)
        if names:
            key = self._named_keys.get(id(dst))
            if key is None:
                key = self._named_keys[id(dst)] = named_ports_key(dst)
            view = key if key == ("external",) else tuple(p for p in key if p[0] in names)  # type: ignore[index]
        else:
            view = ()
        conns = self._rule_ports.get((id(rule), view))
        if conns is None:
            conns = self._rule_ports[(id(rule), view)] = self._conns(rule.ports_for(dst))
        return conns

    def named_rule_parts(self, rule: CompiledRule) -> list[tuple[int, ConnectionSet]]:
        """Destination classes grouped by what a rule with named ports admits on them.

        One part per distinct result, not per named-port group: a rule naming `http` splits the
        destinations only by what `http` resolves to, however many other port names they have."""
        found = self._named_parts.get(id(rule))
        if found is None:
            merged: dict[int, int] = {}
            for group, rep in self._port_groups:
                conns = self.rule_ports(rule, rep)
                merged[id(conns)] = merged.get(id(conns), 0) | group
            by_id = self._conns.by_id
            found = self._named_parts[id(rule)] = [(mask, by_id[c]) for c, mask in merged.items()]
        return found

    def selecting(self, direction: str) -> list[tuple[int, ...]]:
        """For each class, the indices of the policies that select it for `direction` (in policy order)."""
        found = self._selecting_keys.get(direction)
        if found is None:
            found = self._selecting_keys[direction] = self._selecting(direction)
        return found

    def _selecting(self, direction: str) -> list[tuple[int, ...]]:
        out: list[list[int]] = [[] for _ in self.reps]
        governed = self._index.pods
        for i, cp in enumerate(self.policies):
            if not cp.affects(direction):
                continue
            for c in bit_list(governed & self._index.selected_by_policy(cp.policy.namespace, cp.policy.pod_selector)):
                out[c].append(i)
        return [tuple(x) for x in out]

    def rule_parts(self, direction: str, rules: Sequence[CompiledRule], subject: Endpoint,
                   within: int | None = None) -> list[tuple[int, ConnectionSet]]:
        """What each rule admits for a subject like `subject`, as (peer classes, connections) parts,
        only for the peer classes in `within` when given. Ports resolve on the destination: the
        subject for ingress, each peer class (grouped by its named ports) for egress."""
        parts: list[tuple[int, ConnectionSet]] = []
        for rule in rules:
            peers = self.peer_mask(rule)
            if within is not None:
                peers &= within
                if not peers:
                    continue
            if direction == "ingress":
                parts.append((peers, self.rule_ports(rule, subject)))
            elif self._has_named_port(rule):
                parts.extend((peers & group, conns) for group, conns in self.named_rule_parts(rule))
            else:
                parts.append((peers, self.rule_ports(rule, self.reps[0])))
        return parts

    def _egress(self, key: tuple[int, ...]) -> Partition:
        rules = [rule for i in key for rule in self.policies[i].egress]
        return union_partition(self.rule_parts("egress", rules, self.reps[0]), self._conns)

    def _ingress(self, key: tuple[int, ...], dst: Endpoint) -> Partition:
        rules = [rule for i in key for rule in self.policies[i].ingress]
        return union_partition(self.rule_parts("ingress", rules, dst), self._conns)

    @without_gc
    def _build(self) -> Sequence[Row]:
        n = len(self.reps)
        # Destinations grouped by what a named port resolves to on them.
        groups: dict[tuple[object, ...], list[int]] = {}
        for c, rep in enumerate(self.reps):
            groups.setdefault(named_ports_key(rep), [0, c])[0] |= 1 << c
        self._port_groups = [(mask, self.reps[c]) for mask, c in groups.values()]
        # Ingress: classes with equal selecting policies (and named ports) share one partition.
        self._open_ingress = 0  # classes whose ingress is not isolated: everything may come in
        shared: dict[tuple[object, ...], tuple[Partition, list[int]]] = {}
        for b, key in enumerate(self.selecting("ingress")):
            if not key:
                self._open_ingress |= 1 << b
                continue
            rep = self.reps[b]
            skey = (key, named_ports_key(rep))
            entry = shared.get(skey)
            if entry is None:
                entry = shared[skey] = (self._ingress(key, rep), [0])
            entry[1][0] |= 1 << b
        # (sources, conns id) -> the isolated destinations that let those sources in with exactly conns.
        # Many ingress partitions share a part (a namespace, everyone): merged, each is transposed once.
        merged: dict[tuple[int, int], int] = {}
        for part, (dsts,) in shared.values():
            for c, sources in part.items():
                merged[(sources, c)] = merged.get((sources, c), 0) | dsts
        self._ingress_parts = [(sources, c, dsts) for (sources, c), dsts in merged.items()]
        self._egress_keys = self.selecting("egress")
        self._egress_cache: dict[tuple[int, ...], Partition] = {}
        self._node_masks: dict[str, int] = {}
        return _LazyRows(n, self._rows_of_block)

    @without_gc
    def _rows_of_block(self, lo: int, hi: int) -> list[Row]:
        """The rows of classes lo..hi-1. Rows are O(classes) bits each, so all of them at once
        are O(classes^2): built a block of sources at a time, they stay within a bounded memory."""
        conns = self._conns
        everyone = self._index.everyone
        block = (1 << (hi - lo)) - 1
        # Transpose: into[a - lo][conns] = the isolated destinations that let a in with exactly conns.
        into: list[dict[int, int]] = [{} for _ in range(lo, hi)]
        for sources, c, dsts in self._ingress_parts:
            mine = (sources >> lo) & block
            if mine:
                for i in bit_list(mine):
                    d = into[i]
                    d[c] = d.get(c, 0) | dsts
        open_ingress = self._open_ingress
        by_id = conns.by_id
        rows: list[Row] = []
        for a in range(lo, hi):
            key = self._egress_keys[a]
            if key:
                out = self._egress_cache.get(key)
                if out is None:
                    out = self._egress_cache[key] = self._egress(key)
            else:
                out = {id(conns.all): everyone}
            row: dict[int, int] = {}
            mine_into = into[a - lo]
            for ce, me in out.items():
                t = me & open_ingress
                if t:
                    row[ce] = row.get(ce, 0) | t
                for ci, mi in mine_into.items():
                    t = me & mi
                    if t:
                        both = conns.intersection(by_id[ce], by_id[ci])
                        if both:
                            row[id(both)] = row.get(id(both), 0) | t
            rows.append(self._node_traffic(a, row))
        return rows

    def _node_traffic(self, a: int, row: dict[int, int]) -> Row:
        """Traffic from a hostNetwork pod to a pod on its own node is node traffic: always allowed."""
        src = self.reps[a]
        if src.host_network and src.node_name:
            node = self._node_mask(src.node_name)
            row = {c: m & ~node for c, m in row.items()}
            everything = id(self._conns.all)
            row[everything] = row.get(everything, 0) | node
        by_id = self._conns.by_id
        return tuple((m, by_id[c]) for c, m in row.items() if m)

    def _node_mask(self, node_name: str) -> int:
        mask = self._node_masks.get(node_name)
        if mask is None:
            mask = 0
            for b, rep in enumerate(self.reps):
                if rep.node_name == node_name:
                    mask |= 1 << b
            self._node_masks[node_name] = mask
        return mask

    # --- queries

    def successors(self, a: int) -> dict[int, ConnectionSet]:
        """The classes class `a` may send to, with what (a dict built on each call)."""
        return {b: c for m, c in self.rows[a] for b in bit_list(m)}

    def row(self, a: int) -> Row:
        """One class's row: from a block already computed, else computed alone. For callers that
        need a few rows (can, diff), not a block of hundreds of them at 100,000 pods."""
        rows = self.rows
        if isinstance(rows, _LazyRows):
            found = rows.cached(a)
            return found if found is not None else self._rows_of_block(a, a + 1)[0]
        return rows[a]

    def class_allowed(self, a: int, b: int) -> ConnectionSet:
        bit = 1 << b
        for m, c in self.row(a):
            if m & bit:
                return c
        return self._conns.none

    def column(self, b: int) -> Row:
        """Every class that may send to class `b`, with what: disjoint (source class mask, allowed) pairs.

        Equal to reading bit b of every row, but built from the egress partitions (one per distinct
        set of selecting policies) and b's own ingress parts, so it never computes the rows: asking
        who reaches a few classes costs as much as the policies, not classes squared.
        """
        conns = self._conns
        bit = 1 << b
        if self._open_ingress & bit:
            into: list[tuple[int, ConnectionSet]] = [(self._index.everyone, conns.all)]
        else:
            into = [(sources, conns.by_id[c]) for sources, c, dsts in self._ingress_parts if dsts & bit]
        out: dict[int, int] = {}
        for senders, sent in self._egress_into(b):
            for sources, admitted in into:
                t = senders & sources
                if t:
                    both = conns.intersection(sent, admitted)
                    if both:
                        out[id(both)] = out.get(id(both), 0) | t
        node = self._node_senders(b)
        if node:  # node traffic overrides what the policies say
            out = {c: m & ~node for c, m in out.items()}
            out[id(conns.all)] = out.get(id(conns.all), 0) | node
        return tuple((m, conns.by_id[c]) for c, m in out.items() if m)

    def _egress_into(self, b: int) -> list[tuple[int, ConnectionSet]]:
        """(senders, what they may send to class b) by egress policies alone, senders grouped by key."""
        groups = self._egress_groups
        bit = 1 << b
        out: list[tuple[int, ConnectionSet]] = []
        for key, senders in groups.items():
            if not key:
                out.append((senders, self._conns.all))
                continue
            part = self._egress_cache.get(key)
            if part is None:
                part = self._egress_cache[key] = self._egress(key)
            for c, m in part.items():
                if m & bit:
                    out.append((senders, self._conns.by_id[c]))
                    break
        return out

    @cached_property
    def _egress_groups(self) -> dict[tuple[int, ...], int]:
        """The source classes of each distinct egress key (the policies selecting them for egress)."""
        groups: dict[tuple[int, ...], int] = {}
        for a, key in enumerate(self._egress_keys):
            groups[key] = groups.get(key, 0) | 1 << a
        return groups

    def _node_senders(self, b: int) -> int:
        """hostNetwork classes on class b's node: their traffic to b is node traffic."""
        rep = self.reps[b]
        if not rep.node_name:
            return 0
        return sum(1 << a for a in bit_list(self._node_mask(rep.node_name))
                   if self.reps[a].host_network and self.reps[a].node_name)

    def rule_admits(self, rule: CompiledRule, peer: int, dst: int) -> ConnectionSet:
        """What one rule admits with a peer of class `peer`, its ports resolved on class `dst`
        (empty when no peer entry matches): two cached lookups, no label or address matching."""
        if not self.peer_mask(rule) & (1 << peer):
            return self._conns.none
        return self.rule_ports(rule, self.reps[dst])

    def allowed(self, src: Endpoint, dst: Endpoint) -> ConnectionSet:
        if is_self_traffic(src, dst):
            return ConnectionSet.all()
        return self.class_allowed(self.class_of[src.id], self.class_of[dst.id])

    @cached_property
    def _by_rank(self) -> tuple[list[Endpoint], list[list[int]]]:
        """Endpoints sorted by id, and per class the positions of its members in that order."""
        ordered = sorted(self.endpoints, key=lambda e: e.id)
        member_ranks: list[list[int]] = [[] for _ in self.reps]
        for r, ep in enumerate(ordered):
            member_ranks[self.class_of[ep.id]].append(r)
        return ordered, member_ranks

    def targets(self, a: int) -> list[tuple[Endpoint, ConnectionSet]]:
        """Every endpoint class `a` may send to, sorted by id, with what."""
        ordered, member_ranks = self._by_rank
        row = self.rows[a]
        ranks_of = member_ranks.__getitem__
        if len(row) == 1:
            ((m, c),) = row
            ranks = sorted(chain.from_iterable(map(ranks_of, bit_list(m))))
            return [(ordered[r], c) for r in ranks]
        # Several allowed sets: sort rank * k + part as plain integers, then split them again.
        k = len(row)
        keys = sorted(r * k + i for i, (m, _) in enumerate(row)
                      for r in chain.from_iterable(map(ranks_of, bit_list(m))))
        conns = [c for _, c in row]
        return [(ordered[key // k], conns[key % k]) for key in keys]

    def by_source(self, include_self: bool = False) -> Iterator[tuple[Endpoint, list[tuple[Endpoint, ConnectionSet]]]]:
        """For each endpoint (in the given order) with something allowed, its targets sorted by id."""
        cache: dict[int, list[tuple[Endpoint, ConnectionSet]]] = {}
        remaining = [len(m) for m in self.members]
        for src in self.endpoints:
            a = self.class_of[src.id]
            remaining[a] -= 1
            targets = cache.pop(a, None) if not remaining[a] else cache.get(a)
            if targets is None:
                targets = self.targets(a)
                if remaining[a]:
                    cache[a] = targets
            if src.single_pod and not include_self and self.class_allowed(a, a):
                targets = [t for t in targets if not is_self_traffic(src, t[0])]
            if targets:
                yield src, targets

    def connections(self, include_self: bool = False) -> Iterator[tuple[Endpoint, Endpoint, ConnectionSet]]:
        """Every ordered endpoint pair with a non-empty allowed set, sorted by (src, dst) id.

        A single pod's pair with itself is left out (always allowed, not a network question);
        a workload's pair with itself (replica to replica) is kept.
        """
        for src, targets in self.by_source(include_self):
            for dst, conns in targets:
                yield src, dst, conns
