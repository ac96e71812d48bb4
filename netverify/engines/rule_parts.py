"""What each rule of any tier matches over a graph's endpoint classes, computed once per rule.

A rule (semantics/class_tiers.ClassRule) matches peers, each peer entry resolved once by the class
index into a bitset of classes (`peer_mask`), and ports, which resolve on the destination: a named
port by the destination's container ports, so once per rule and *view* of those ports (the
destination's `named_ports_key` restricted to the names the rule uses: `rule_ports`). `rule_parts`
gives both as (peer classes, connections) parts, what every partition is built from
(engines/partitions.py). Every connection set handed out is interned by the graph's ConnInterner.

Invariant: the masks follow the index and the port groups given; what a rule admits per port view
does not depend on the classes at all, so a graph made from another (`ReachabilityGraph.with_outside`,
same interner) shares those answers (`PortAnswers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from netverify.engines.bitsets import ClassIndex, ConnInterner
from netverify.engines.class_keys import named_ports_key
from netverify.model import Direction
from netverify.semantics.class_tiers import ClassRule
from netverify.semantics.endpoints import Endpoint
from netverify.sets import ConnectionSet

Part = tuple[int, ConnectionSet]  # (peer classes, connections)


@dataclass
class PortAnswers:
    """What rules admit per view of a destination's ports: the same for every graph sharing an interner."""

    names: dict[int, frozenset[str]] = field(default_factory=dict)  # id(rule) -> the port names it uses
    keys: dict[int, tuple[object, ...]] = field(default_factory=dict)  # id(endpoint) -> its named_ports_key
    ports: dict[tuple[int, tuple[object, ...]], ConnectionSet] = field(default_factory=dict)  # (rule, view) -> conns


class RuleParts:
    """The rules' peer masks and ports over one graph's classes (`ReachabilityGraph` hands them out)."""

    def __init__(self, index: ClassIndex, conns: ConnInterner, port_groups: Sequence[tuple[int, Endpoint]],
                 answers: PortAnswers | None = None) -> None:
        """`port_groups`: the destination classes grouped by their named ports, each with one of them;
        `answers`: another graph's (same interner), kept and added to."""
        self._index, self._conns, self._port_groups = index, conns, port_groups
        self._masks: dict[int, int] = {}  # id(rule) -> its peer classes
        self._named_parts: dict[int, list[Part]] = {}  # id(rule) -> destination classes by what it admits
        self.answers = answers or PortAnswers()
        self._names, self._keys, self._ports = self.answers.names, self.answers.keys, self.answers.ports

    def peer_mask(self, rule: ClassRule) -> int:
        """The classes some peer entry of the rule matches (all classes when it lists none)."""
        key = id(rule)
        mask = self._masks.get(key)
        if mask is None:
            if not rule.peers:
                mask = self._index.everyone
            else:
                mask = 0
                for peer in rule.peers:
                    mask |= self._index.peer(peer)
            self._masks[key] = mask
        return mask

    def port_names(self, rule: ClassRule) -> frozenset[str]:
        """The port names of a rule (asked once per rule, not per class)."""
        names = self._names.get(id(rule))
        if names is None:
            names = self._names[id(rule)] = rule.named_ports
        return names

    def rule_ports(self, rule: ClassRule, dst: Endpoint) -> ConnectionSet:
        """rule.ports_for(dst), computed once per rule and view of dst's ports: the ports named as
        the rule names them (the only ones that can change the result)."""
        names = self.port_names(rule)
        if names:
            key = self._keys.get(id(dst))
            if key is None:
                key = self._keys[id(dst)] = named_ports_key(dst)
            view = key if key == ("external",) else tuple(p for p in key if p[0] in names)  # type: ignore[index]
        else:
            view = ()
        conns = self._ports.get((id(rule), view))
        if conns is None:
            conns = self._ports[(id(rule), view)] = self._conns(rule.ports_for(dst))
        return conns

    def named_rule_parts(self, rule: ClassRule) -> list[Part]:
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

    def rule_parts(self, direction: Direction, rules: Sequence[ClassRule], subject: Endpoint,
                   within: int | None = None) -> list[Part]:
        """What each rule matches for a subject like `subject`, as (peer classes, connections) parts,
        only for the peer classes in `within` when given. Ports resolve on the destination: the
        subject for ingress, each peer class (grouped by its named ports) for egress."""
        parts: list[Part] = []
        for rule in rules:
            peers = self.peer_mask(rule)
            if within is not None:
                peers &= within
                if not peers:
                    continue
            if direction is Direction.INGRESS:
                parts.append((peers, self.rule_ports(rule, subject)))
            elif self.port_names(rule):
                parts.extend((peers & group, conns) for group, conns in self.named_rule_parts(rule))
            else:
                parts.append((peers, self.rule_ports(rule, self._index.reps[0])))  # no name: any destination
        return parts
