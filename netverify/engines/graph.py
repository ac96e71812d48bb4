"""Reachability graph over endpoint classes: the verdict's tiers folded over class bitsets.

Endpoints that no policy of any tier can tell apart form one class (`class_key`, from what the
compiled tiers observe: semantics/compile.observe); all computation is per class, so cost follows
the number of distinct classes, not pods. Sets of classes are bitsets (Python ints): each subject
and peer term is resolved once into a bitset by index lookups (engines/bitsets.py), and an edge row
combines per-direction partitions with a handful of bit operations per distinct set, with no
per-pair Python loop. Endpoint pairs are expanded lazily, in id order.

The decision per direction is the verdict grammar (semantics/verdict.py) over class bitsets: for each
subject class and direction, every tier (semantics/class_tiers.py: Admin, NetworkPolicy, Baseline, in
order) folded over the peer classes by engines/folds.py (`decided`), from what each rule matches
(engines/rule_parts.py). Subject classes with equal selecting policies in every tier (the tier key)
share one folded partition; for ingress, also equal named ports as the key's rules name them (ports
resolve on the destination, and only the names a rule uses can change what it admits).

The exemptions (semantics/verdict.exemption) are applied in one place each: node traffic in the
ingress partition of the destination class (`_exempt_senders`: rows and columns both read it), a
single pod's traffic to itself where endpoint pairs are expanded (`allowed`; `by_source` through
rows.PairExpansion). A class's members agree on them because class keys include what they read
(hostNetwork, node).

`with_outside` makes, from a built graph, the graph with addresses outside the cluster added (lint's
redundancy checks: one address per ipBlock atom). No policy selects those, so everything else is shared
and each partition gains the added classes decided alone: a peer's outcome depends on that peer only.

Public surface for the query layer (queries must not read anything else): classes (`reps`, `members`, `class_of`),
rows (`rows`, `row`, `successors`, `class_allowed`, `targets`, `by_source`, `connections`, `allowed`), columns
(`column`; `parts` for engines/columns.py), `selecting` (the NetworkPolicies selecting each class), `tier_keys`,
`decided` (a class's tier key, partition), the pieces of a partition (`index`, `conns`, `peer_mask`, `rule_ports`,
`rule_parts`, `named_rule_parts`, `rule_admits`: engines/rule_parts.py), `with_outside`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property, reduce
from operator import or_

from netverify.engines.bitsets import ClassIndex, ConnInterner, bit_list, mask_of
from netverify.engines.class_keys import class_key, named_ports_key
from netverify.engines.folds import OTHER_DIRECTION, TierFolds, TierKey
from netverify.engines.partitions import Partition
from netverify.engines.rows import LazyRows, PairExpansion, Row, columns_of, sources_into
from netverify.engines.rule_parts import RuleParts
from netverify.model import Direction
from netverify.runtime import without_gc
from netverify.semantics.class_tiers import ClassRule, TierSpec, tier_specs
from netverify.semantics.compile import CompiledPolicy
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.verdict import NETWORK_POLICY_TIER, exemption, is_self_traffic
from netverify.sets import ConnectionSet

__all__ = ["OTHER_DIRECTION", "ReachabilityGraph", "Row", "TierKey", "class_key", "named_ports_key"]


class ReachabilityGraph:
    """Allowed connections between every ordered pair of endpoints, computed per class."""

    @without_gc
    def __init__(self, endpoints: Sequence[Endpoint], policies: tuple[CompiledPolicy, ...],
                 ip_signature: dict[str, object] | None = None, label_keys: frozenset[str] | None = None,
                 tiers: Sequence[TierSpec] | None = None) -> None:
        """`tiers`: the inventory's tiers in evaluation order (semantics/class_tiers.tier_specs), whose
        NetworkPolicy tier holds `policies` in their order; None: `policies` alone."""
        self.endpoints = list(endpoints)
        self.policies = policies
        self.tiers = tuple(tiers) if tiers is not None else tier_specs(policies)
        self._np_tier = next(t for t, tier in enumerate(self.tiers) if tier.name == NETWORK_POLICY_TIER)
        self._with_node, self._label_keys = any(ep.host_network for ep in self.endpoints), label_keys
        self._class_index: dict[tuple[object, ...], int] = {}  # class key -> class
        self.class_of: dict[str, int] = {}
        self.members: list[list[Endpoint]] = []
        self._key_classes(self.endpoints, ip_signature or {})
        self.reps = [m[0] for m in self.members]
        # Made by `with_outside`: the classes below `_first` are the base graph's, whose partitions it extends.
        self._first, self._added = 0, 0  # the added classes, as a mask
        self._base_selecting: Callable[[int, Direction], list[tuple[int, ...]]] | None = None
        self._base_ingress: Callable[[TierKey, Endpoint, tuple[object, ...]], Partition] | None = None
        self._base_egress: Callable[[TierKey], Partition] | None = None
        self._conns = ConnInterner()
        self._index = ClassIndex(self.reps, label_keys)
        self._tier_selecting: dict[tuple[int, Direction], list[tuple[int, ...]]] = {}
        self._ingress_cache: dict[tuple[object, ...], Partition] = {}  # (key, named ports) -> partition
        self._ingress_by_view: dict[tuple[object, ...], Partition] = {}  # (key, the ports its rules name) -> the same
        self.rows: Sequence[Row] = self._build()

    @property
    def conns(self) -> ConnInterner:
        """The interner of every connection set the graph hands out (partitions are keyed by its ids)."""
        return self._conns

    @property
    def index(self) -> ClassIndex:
        """The classes indexed for selector evaluation (selector results are cached there)."""
        return self._index

    # --- the pieces of a partition (engines/rule_parts.py)

    def peer_mask(self, rule: ClassRule) -> int:
        """The classes some peer entry of the rule matches (all classes when it lists none)."""
        return self._rules.peer_mask(rule)

    def rule_ports(self, rule: ClassRule, dst: Endpoint) -> ConnectionSet:
        """rule.ports_for(dst), computed once per rule and view of dst's ports."""
        return self._rules.rule_ports(rule, dst)

    def named_rule_parts(self, rule: ClassRule) -> list[tuple[int, ConnectionSet]]:
        """Destination classes grouped by what a rule with named ports admits on them."""
        return self._rules.named_rule_parts(rule)

    def selecting(self, direction: Direction) -> list[tuple[int, ...]]:
        """For each class, the indices of the NetworkPolicies that select it for `direction` (in policy order)."""
        return self._selecting(self._np_tier, direction)

    def _selecting(self, t: int, direction: Direction) -> list[tuple[int, ...]]:
        """For each class, the indices of tier t's policies that select it and have a say in `direction`."""
        found = self._tier_selecting.get((t, direction))
        if found is None:
            first = self._first  # the base's classes: as the base has them
            out: list[list[int]] = [[] for _ in range(first, len(self.reps))]
            for i, policy in enumerate(self.tiers[t].policies):
                if policy.rules(direction) is not None:
                    for c in bit_list(self._index.term(policy.subject) >> first):
                        out[c].append(i)
            found = [tuple(x) for x in out]
            if self._base_selecting:
                found = self._base_selecting(t, direction) + found
            self._tier_selecting[(t, direction)] = found
        return found

    def tier_keys(self, direction: Direction) -> list[TierKey]:
        """Per class, per tier, the policies that select it for `direction` (() when no tier has one)."""
        return self._ingress_keys if direction is Direction.INGRESS else self._egress_keys

    def decided(self, direction: Direction, c: int) -> Partition:
        """Class c's folded partition for `direction`, as rows use it (shared: do not modify; no exemptions)."""
        key, rep = self.tier_keys(direction)[c], self.reps[c]  # key (): everything, as _decide says
        return self._egress(key) if direction is Direction.EGRESS else self._ingress(key, rep, named_ports_key(rep))

    def _tier_keys(self, direction: Direction, first: int = 0) -> list[TierKey]:
        """Per class from `first` on, what every tier's decision for it depends on besides its ports: the
        policies of each tier that select it. () when no tier has a policy for it (everything passes)."""
        per_tier = []
        for t, tier in enumerate(self.tiers):
            keys = self._selecting(t, direction)[first:]
            if tier.isolating and tier.final_if_selected:
                other = self._selecting(t, direction.opposite)[first:]
                keys = [k or (OTHER_DIRECTION if o else ()) for k, o in zip(keys, other, strict=True)]
            per_tier.append(keys)
        return [key if any(key) else () for key in zip(*per_tier, strict=True)]

    def rule_parts(self, direction: Direction, rules: Sequence[ClassRule], subject: Endpoint,
                   within: int | None = None) -> list[tuple[int, ConnectionSet]]:
        """What each rule matches for a subject like `subject`, as (peer classes, connections) parts,
        only for the peer classes in `within` when given (RuleParts.rule_parts)."""
        return self._rules.rule_parts(direction, rules, subject, within)

    # --- the verdict over classes (engines/folds.py)

    def _with_added(self, direction: Direction, key: TierKey, subject: Endpoint, base: Partition) -> Partition:
        """The base graph's partition (`with_outside`) with the classes added to it decided alone."""
        added = self._folds.decide(direction, key, subject, self._added) if self._added else {}
        if not added:
            return base  # e.g. no rule's peers reach the added classes: nothing admits them
        out = dict(base)
        for c, m in added.items():
            out[c] = out.get(c, 0) | m
        return out

    def _ingress(self, key: TierKey, subject: Endpoint, ports: tuple[object, ...]) -> Partition:
        """What a destination class with tier key `key`, like `subject` (whose named_ports_key is
        `ports`), lets in per source mask (cached per key and named ports: ports resolve on the
        destination). The subject counts only through its ports the key's rules name (`rule_ports`
        resolves no other): destinations whose ports differ elsewhere get the same partition."""
        cache_key = (key, ports)
        found = self._ingress_cache.get(cache_key)
        if found is None:
            names = self._folds.port_names(Direction.INGRESS, key)
            view = ports if ports == ("external",) else tuple(p for p in ports if p[0] in names)  # type: ignore[index]
            found = self._ingress_by_view.get((key, view))
            if found is None:
                found = self._ingress_by_view[(key, view)] = self._folds.decide(Direction.INGRESS, key, subject) \
                    if self._base_ingress is None else \
                    self._with_added(Direction.INGRESS, key, subject, self._base_ingress(key, subject, ports))
            self._ingress_cache[cache_key] = found
        return found

    def _exempt_senders(self, b: int) -> int:
        """The source classes whose traffic to class b is exempt in b's ingress (verdict.exemption):
        node traffic. Only hostNetwork classes of b's node are asked: the exemptions between two
        different endpoints come from those (a class's pair with itself is left to `allowed`)."""
        dst = self.reps[b]
        mask = 0
        for a in self._host_classes.get(dst.node_name or "", ()):
            found = exemption(self.reps[a], dst) if a != b else None
            if found is not None and Direction.INGRESS in found.open:
                mask |= 1 << a
        return mask

    @without_gc
    def _build(self) -> Sequence[Row]:
        n = len(self.reps)
        self._port_index: dict[tuple[object, ...], list[int]] = {}  # named ports -> [classes, the first]
        self._group_ports(range(n))
        self._rules = RuleParts(self._index, self._conns, self._port_groups)
        self._folds = TierFolds(self.tiers, self._rules, self._conns, self._index)
        self._host_classes: dict[str, list[int]] = {}
        for c, rep in enumerate(self.reps):
            if rep.host_network and rep.node_name:
                self._host_classes.setdefault(rep.node_name, []).append(c)
        self._open_ingress = 0  # classes no tier has a policy for: everything may come in
        # (tier key, named ports, exempt senders) -> (their ingress partition, [the classes sharing it])
        self._shared: dict[tuple[TierKey, tuple[object, ...], int], tuple[Partition, list[int]]] = {}
        self._ingress_keys = self._tier_keys(Direction.INGRESS)
        self._share_ingress(range(n))
        self._egress_keys = self._tier_keys(Direction.EGRESS)
        self._egress_cache: dict[TierKey, Partition] = {}
        return self._lazy_rows()

    def _group_ports(self, classes: range) -> None:
        """Destinations grouped by what a named port resolves to on them."""
        found: dict[tuple[object, ...], list[int]] = {}
        for c in classes:
            found.setdefault(named_ports_key(self.reps[c]), []).append(c)
        for ports, group in found.items():  # masks made in one pass each (bit by bit is quadratic)
            self._port_index.setdefault(ports, [0, group[0]])[0] |= mask_of(group)
        self._port_groups = [(mask, self.reps[c]) for mask, c in self._port_index.values()]

    def _share_ingress(self, classes: range) -> None:
        """Ingress: classes with equal keys, named ports and exempt senders share one partition."""
        opened: list[int] = []
        joined: dict[tuple[TierKey, tuple[object, ...], int], list[int]] = {}
        for b in classes:
            key = self._ingress_keys[b]
            if not key:
                opened.append(b)
                continue
            rep = self.reps[b]
            exempt = self._exempt_senders(b) if self._host_classes else 0
            ports = named_ports_key(rep)
            skey = (key, ports, exempt)
            if skey not in self._shared:
                self._shared[skey] = (self._exempted(self._ingress(key, rep, ports), exempt), [0])
            joined.setdefault(skey, []).append(b)
        self._open_ingress |= mask_of(opened)  # masks made in one pass each (bit by bit is quadratic)
        for skey, group in joined.items():
            self._shared[skey][1][0] |= mask_of(group)

    def _exempted(self, part: Partition, exempt: int) -> Partition:
        """An ingress partition with the exempt senders let in with everything, whatever the tiers say."""
        if not exempt:
            return part
        all_id = id(self._conns.all)
        part = {c: m & ~exempt for c, m in part.items() if m & ~exempt}
        part[all_id] = part.get(all_id, 0) | exempt
        return part

    def _lazy_rows(self) -> Sequence[Row]:
        # Rows are O(classes) bits each, all of them O(classes^2): built a block of sources at a time.
        return LazyRows(len(self.reps), lambda lo, hi: self.rows_of(range(lo, hi)))

    @cached_property
    def _ingress_parts(self) -> list[tuple[int, int, int]]:
        """(sources, conns id, the isolated destinations that let those sources in with exactly conns), for
        rows and columns (lint's redundancy checks read partitions only). Many ingress partitions share a
        part (a namespace, everyone): merged, each is transposed once."""
        merged: dict[tuple[int, int], int] = {}
        for part, (dsts,) in self._shared.values():
            for c, sources in part.items():
                merged[(sources, c)] = merged.get((sources, c), 0) | dsts
        return [(sources, c, dsts) for (sources, c), dsts in merged.items()]

    # --- addresses outside the cluster added to a graph

    @without_gc
    def with_outside(self, outside: Sequence[Endpoint], ip_signature: Mapping[str, object]) -> ReachabilityGraph:
        """This graph with addresses outside the cluster added (`outside`: external endpoints, keyed into
        classes by `ip_signature` as the constructor keys them), as built over `endpoints + outside`:
        no policy selects them, so the classes, selector results, tier keys, rule ports and interner
        are shared, and each partition gains the added classes decided alone (peer by peer: an outcome
        depends on its peer only). Every partition, row and column is the one a graph built from scratch
        has, as a mapping (class -> allowed); the order of a partition's entries may differ."""
        if not all(ep.external for ep in outside):
            raise ValueError("with_outside adds addresses outside the cluster, which no policy selects")
        g: ReachabilityGraph = copy.copy(self)  # shares what the added classes do not change; the rest is new
        for name in ("_egress_groups", "_ingress_parts", "_pairs"):  # cached over this graph's classes
            g.__dict__.pop(name, None)
        g.endpoints = [*self.endpoints, *outside]
        g.class_of, g.members, g._class_index = dict(self.class_of), list(self.members), dict(self._class_index)
        first = g._first = len(self.reps)
        g._key_classes(outside, ip_signature, first)
        g.reps = [m[0] for m in g.members]
        g._added = ((1 << len(g.reps)) - 1) ^ ((1 << first) - 1)
        g._base_selecting, g._base_ingress, g._base_egress = self._selecting, self._ingress, self._egress
        g._index = self._index.with_outside(g.reps)
        g._tier_selecting, g._ingress_cache, g._ingress_by_view, g._egress_cache = {}, {}, {}, {}
        g._port_index = {k: list(v) for k, v in self._port_index.items()}
        g._group_ports(range(first, len(g.reps)))
        g._rules = RuleParts(g._index, g._conns, g._port_groups, self._rules.answers)
        g._folds = TierFolds(g.tiers, g._rules, g._conns, g._index)
        g._ingress_keys = self._ingress_keys + g._tier_keys(Direction.INGRESS, first)
        g._egress_keys = self._egress_keys + g._tier_keys(Direction.EGRESS, first)
        g._shared = {skey: (g._exempted(g._ingress(skey[0], g.reps[(dsts & -dsts).bit_length() - 1], skey[1]),
                                        skey[2]), [dsts]) for skey, (_, (dsts,)) in self._shared.items()}
        g._share_ingress(range(first, len(g.reps)))
        g.rows = g._lazy_rows()
        return g

    def _key_classes(self, endpoints: Sequence[Endpoint], signature: Mapping[str, object], shared: int = 0) -> None:
        """Endpoints into classes by `class_key`; the member lists of classes below `shared` belong to
        another graph (with_outside) and are copied before they grow."""
        index, members, class_of = self._class_index, self.members, self.class_of
        for ep in endpoints:
            key = class_key(ep, signature.get(ep.id, ep.ips), self._with_node, self._label_keys)
            c = index.get(key)
            if c is None:
                c = index[key] = len(members)
                members.append([])
            elif c < shared:
                members[c] = list(members[c])
            members[c].append(ep)
            class_of[ep.id] = c

    def _egress(self, key: TierKey) -> Partition:
        """What a source class with tier key `key` may send, per destination mask (ports resolve on
        each destination, so the subject does not matter)."""
        found = self._egress_cache.get(key)
        if found is None:
            found = self._egress_cache[key] = self._folds.decide(Direction.EGRESS, key, self.reps[0]) \
                if self._base_egress is None else \
                self._with_added(Direction.EGRESS, key, self.reps[0], self._base_egress(key))
        return found

    def _row(self, a: int, mine_into: dict[int, int]) -> Row:
        """Class a's row; `mine_into`: conns id -> the isolated destinations letting a in with those."""
        conns = self._conns
        by_id = conns.by_id
        open_ingress = self._open_ingress
        key = self._egress_keys[a]
        out = self._egress_cache.get(key) or self._egress(key)
        # me/ce: a destination mask and the id of what a's egress allows it; mi/ci: the same for
        # what those destinations' ingress lets a in with.
        row: dict[int, int] = {}
        if len(out) > 1:  # one AND per ingress entry keeps what a's egress reaches, not one per egress part
            reached = reduce(or_, out.values())
            mine_into = {ci: kept for ci, mi in mine_into.items() if (kept := mi & reached)}
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
        return tuple((m, by_id[c]) for c, m in row.items() if m)

    @without_gc
    def rows_of(self, classes: Sequence[int], ingress: list[Row] | None = None) -> list[Row]:
        """The rows of `classes` (any order), from the ingress parts turned around (`rows.sources_into`:
        classes alike share that, and with equal egress keys their row). Ask a few hundred at a time (memory
        follows them). `ingress`, when given, receives each class's ingress part: what the destinations'
        ingress alone (every tier folded; open: all) lets it in with."""
        into, alike = sources_into(self._ingress_parts, classes)
        if ingress is not None:
            by_id, opened = self._conns.by_id, (self._open_ingress, self._conns.all)
            parts = {r: (opened, *((m, by_id[c]) for c, m in d.items())) for r, d in into.items()}
            ingress += [parts[alike[a]] for a in classes]
        rows: dict[tuple[int, TierKey], Row] = {}
        out = []
        for a in classes:
            key = (alike[a], self._egress_keys[a])
            row = rows.get(key)
            if row is None:
                row = rows[key] = self._row(a, into[key[0]])
            out.append(row)
        return out

    # --- queries

    def successors(self, a: int) -> dict[int, ConnectionSet]:
        """The classes class `a` may send to, with what (a dict built on each call)."""
        return {b: c for m, c in self.rows[a] for b in bit_list(m)}

    def row(self, a: int) -> Row:
        """One class's row, for callers that need a few rows (`LazyRows.row`: from a block already
        computed, else computed alone and kept among the last few hundred)."""
        rows = self.rows
        return rows.row(a) if isinstance(rows, LazyRows) else rows[a]

    def class_allowed(self, a: int, b: int) -> ConnectionSet:
        bit = 1 << b
        for m, c in self.row(a):
            if m & bit:
                return c
        return self._conns.none

    def column(self, b: int) -> Row:
        """Every class that may send to class `b`, with what: disjoint (source class mask, allowed) pairs.

        Bit b of every row, built from the egress partitions (one per tier key) and b's ingress parts
        without computing rows: asking who reaches a few classes costs the policies, not classes squared."""
        return self.columns_of([b])[0]

    @without_gc
    def columns_of(self, classes: Sequence[int]) -> list[Row]:
        """The columns of `classes` (any order), in one pass over the ingress parts and the egress
        partitions (rows.columns_of, as `rows_of`). Ask a few hundred at a time."""
        ingress, opened, egress = self.parts()
        return columns_of(ingress, opened, egress, classes, self._conns, self._index.everyone)

    def parts(self) -> tuple[list[tuple[int, int, int]], int, list[tuple[int, int, int]]]:
        """Ingress parts (sources, conns id, isolated dsts), open classes, egress parts (sources, conns id, dsts)."""
        egress = [(g, c, m) for k, g in self._egress_groups.items() for c, m in self._egress(k).items()]
        return self._ingress_parts, self._open_ingress, egress

    @cached_property
    def _egress_groups(self) -> dict[TierKey, int]:
        """The source classes of each distinct egress tier key."""
        groups: dict[TierKey, list[int]] = {}
        for a, key in enumerate(self._egress_keys):
            groups.setdefault(key, []).append(a)
        return {key: mask_of(group) for key, group in groups.items()}

    def rule_admits(self, rule: ClassRule, peer: int, dst: int) -> ConnectionSet:
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
    def _pairs(self) -> PairExpansion:
        return PairExpansion(self.endpoints, self.class_of, self.rows, self.class_allowed)

    def targets(self, a: int) -> list[tuple[Endpoint, ConnectionSet]]:
        """Every endpoint class `a` may send to, sorted by id, with what."""
        return self._pairs.targets(a)

    def by_source(self, include_self: bool = False) -> Iterator[tuple[Endpoint, list[tuple[Endpoint, ConnectionSet]]]]:
        """For each endpoint (in the given order) with something allowed, its targets sorted by id."""
        return self._pairs.by_source(include_self)

    def connections(self, include_self: bool = False) -> Iterator[tuple[Endpoint, Endpoint, ConnectionSet]]:
        """Every ordered endpoint pair with a non-empty allowed set, sorted by (src, dst) id (a single pod's
        pair with itself left out unless `include_self`; a workload's replica-to-replica pair kept)."""
        return self._pairs.connections(include_self)
