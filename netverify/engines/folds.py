"""Every tier folded for one subject class and one direction, over peer classes: the verdict grammar
(semantics/verdict.py) over the rules' parts (engines/rule_parts.py) as partitions (engines/partitions.py).

A subject class is described by its tier key: per tier, the indices of the policies that select it for
the direction (() for none; OTHER_DIRECTION for an isolating tier that is final for it though it selects
it for the other direction only). Each tier gives a `TierPartition` of the peer classes (an isolating tier
`isolating_partition` over the union of its rules, a first-match tier `first_match_partition` over its
rules in order, a tier with no policy for the class `passing_partition`) and `fold_partitions` folds them
with the default allow. Two shortcuts, both exact: a class no tier has a policy for is allowed
everything; when the first tier with a policy for the class is isolating, that tier decides every
connection and the fold is the union of its rules (`union_partition`; tests/unit/engines/
test_partitions.py holds the two together). A NetworkPolicy-only inventory takes that path.

Each peer's outcome depends on that peer alone, so a fold can be asked for some peer classes only
(`within`): what `ReachabilityGraph.with_outside` adds to a built graph.
"""

from __future__ import annotations

from collections.abc import Sequence

from netverify.engines.bitsets import ClassIndex, ConnInterner
from netverify.engines.partitions import (
    Partition,
    TierPartition,
    first_match_partition,
    fold_partitions,
    isolating_partition,
    passing_partition,
    union_partition,
)
from netverify.engines.rule_parts import RuleParts
from netverify.model import Direction
from netverify.semantics.class_tiers import ClassRule, TierSpec
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.verdict import Action

TierKey = tuple[tuple[int, ...], ...]  # per tier, the indices of its policies that select a class (() for none)
OTHER_DIRECTION = (-1,)  # an isolating tier's key for a class it selects for the other direction only


class TierFolds:
    """The tiers' folded decisions over one graph's classes (its index, rule parts and interner)."""

    def __init__(self, tiers: Sequence[TierSpec], rules: RuleParts, conns: ConnInterner, index: ClassIndex) -> None:
        self.tiers, self._rules, self._conns, self._index = tiers, rules, conns, index
        self._rules_of: dict[tuple[int, Direction], list[tuple[ClassRule, ...]]] = {}
        self._names: dict[tuple[Direction, TierKey], frozenset[str]] = {}

    def decide(self, direction: Direction, key: TierKey, subject: Endpoint, within: int | None = None) -> Partition:
        """The connections allowed per peer mask for a subject class with tier key `key`, like
        `subject`: the tiers folded in order, the default allowing what every tier passes. Only for
        the peer classes in `within` (non-empty), when given: each peer's outcome is its own."""
        conns = self._conns
        everyone = self._index.everyone if within is None else within
        if not key:  # no tier has a policy for the subject: all pass, the default allows
            return {id(conns.all): everyone}
        first = next(t for t, k in enumerate(key) if k)
        if self.tiers[first].isolating and key[first] != OTHER_DIRECTION:
            # It decides every connection: the fold is its allowed set, the union of its rules.
            of_policy = self._plain_rules(first, direction)
            rules = [r for i in key[first] for r in of_policy[i]]
            return union_partition(self._rules.rule_parts(direction, rules, subject, within), conns)
        return fold_partitions([self._tier_partition(direction, t, k, subject, within) for t, k in enumerate(key)],
                               conns, everyone, Action.ALLOW)

    def port_names(self, direction: Direction, key: TierKey) -> frozenset[str]:
        """The port names the rules of the policies in `key` use: `decide` reads a subject's ports only
        through those (`RuleParts.rule_ports`), so subjects whose ports differ elsewhere fold alike."""
        found = self._names.get((direction, key))
        if found is None:
            port_names = self._rules.port_names
            found = self._names[(direction, key)] = frozenset().union(*(
                port_names(rule) for t, chosen in enumerate(key) for i in chosen if i >= 0
                for rule, _ in self.tiers[t].policies[i].rules(direction) or ()))
        return found

    def _tier_partition(self, direction: Direction, t: int, key: tuple[int, ...], subject: Endpoint,
                        within: int | None = None) -> TierPartition:
        """Tier t's decision for subjects selected by its policies `key`, like `subject` (for the peer
        classes in `within` only, when given)."""
        tier, conns, rule_parts = self.tiers[t], self._conns, self._rules.rule_parts
        everyone = self._index.everyone if within is None else within
        if not key:
            return passing_partition(conns, everyone)
        if key == OTHER_DIRECTION:  # final, and nothing of this direction is isolated: all allowed
            return TierPartition({(id(conns.all), id(conns.none)): everyone})
        ruled = [rr for i in key for rr in tier.policies[i].rules(direction) or ()]
        if tier.isolating:
            return isolating_partition(rule_parts(direction, [r for r, _ in ruled], subject, within), conns, everyone)
        ordered = [(mask, c, action) for rule, action in ruled
                   for mask, c in rule_parts(direction, [rule], subject, within)]
        return first_match_partition(ordered, conns, everyone)

    def _plain_rules(self, t: int, direction: Direction) -> list[tuple[ClassRule, ...]]:
        """Per policy of tier t, its rules of `direction` without their actions (isolating tiers)."""
        found = self._rules_of.get((t, direction))
        if found is None:
            found = self._rules_of[(t, direction)] = [tuple(r for r, _ in p.rules(direction) or ())
                                                      for p in self.tiers[t].policies]
        return found
