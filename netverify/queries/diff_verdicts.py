"""One side's verdict of one direction for the diff's explanations (diff_causes), with each tier's Decision.

With NetworkPolicies alone it is read from the graph engine's classes rather than walked endpoint by
endpoint; both readings say the same (the verdict's own `isolating` builds it).
"""

from __future__ import annotations

from collections.abc import Sequence

from netverify.model import Direction
from netverify.queries.context import Analysis
from netverify.semantics.compile import CompiledRule, PolicyRef
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import DirectionVerdict, decide_direction
from netverify.semantics.verdict import (
    NETWORK_POLICY_TIER,
    Decision,
    RuleMatch,
    Tier,
    exemption,
    isolating,
)
from netverify.sets import ConnectionSet


def side_verdict(analysis: Analysis, tiers: tuple[Tier, ...] | None, direction: Direction, src: Endpoint,
                 dst: Endpoint) -> DirectionVerdict:
    """One direction of src -> dst on one side, with each tier's Decision.

    With admin policies on either side (`tiers` given), the tiers decide it (semantics/evaluate, endpoint by
    endpoint). With NetworkPolicies alone, the NetworkPolicy tier's decision is read from the graph
    engine's classes (which rules admit: a few bit tests per rule, where the evaluator would match
    labels and parse addresses for each of tens of thousands of pairs) and built by the verdict's
    own `isolating`, so both readings say the same."""
    subject, peer = (src, dst) if direction == Direction.EGRESS else (dst, src)
    exempt = exemption(src, dst)
    if exempt is not None and direction in exempt.open:
        return DirectionVerdict(direction, subject.id, False, ConnectionSet.all(), note=exempt.note)
    if tiers is not None:
        return decide_direction(tiers, direction, subject, peer, dst)
    g = analysis.graph
    key = g.selecting(direction)[g.class_of[subject.id]]
    if not key:
        decision = Decision.passing(NETWORK_POLICY_TIER)
        return DirectionVerdict(direction, subject.id, False, ConnectionSet.all(), decisions=(decision,))
    peer_class, dst_class = g.class_of[peer.id], g.class_of[dst.id]
    found = []
    for i in key:
        for rule in analysis.policies[i].rules(direction):
            conns = g.rule_admits(rule, peer_class, dst_class)
            if conns:
                found.append(RuleMatch(rule.ref, conns))
    return isolated_verdict(direction, subject.id, tuple(analysis.policies[i].ref for i in key), found)


def isolated_verdict(direction: Direction, subject_id: str, policies: tuple[PolicyRef, ...],
                     matches: list[RuleMatch]) -> DirectionVerdict:
    """A direction the NetworkPolicies `policies` isolate: what the rules in `matches` admit is allowed."""
    decision = isolating(NETWORK_POLICY_TIER, policies, matches, ())
    # The fold of one isolating decision is what it allows (it decides every connection: fold((decision,))
    # is decision.allow), read without the two unions and a difference the fold would compute.
    return DirectionVerdict(direction, subject_id, True, decision.allow, policies, decision.matches,
                            decisions=(decision,))


def matched_verdict(analysis: Analysis, direction: Direction, subject_id: str, selecting: tuple[int, ...],
                    rules: Sequence[CompiledRule], matched: int, dst_id: str) -> DirectionVerdict:
    """`side_verdict` with NetworkPolicies alone and no exemption, where it is known which `rules` (those of
    the policies `selecting` the subject, in order) match the peer: bit n of `matched` for rules[n]. Each
    matched rule admits its ports on the destination (`ReachabilityGraph.rule_admits` without testing the
    peer again)."""
    if not selecting:
        decision = Decision.passing(NETWORK_POLICY_TIER)
        return DirectionVerdict(direction, subject_id, False, ConnectionSet.all(), decisions=(decision,))
    g = analysis.graph
    dst = g.reps[g.class_of[dst_id]]
    found = [RuleMatch(rule.ref, conns) for n, rule in enumerate(rules)
             if matched >> n & 1 and (conns := g.rule_ports(rule, dst))]
    return isolated_verdict(direction, subject_id, tuple(analysis.policies[i].ref for i in selecting), found)
