"""The partitions API (engines/partitions.py) decides per peer class exactly as the verdict grammar
(semantics/verdict.py) decides per peer: each bit of a partition is checked against `verdict.fold`
of the decisions built for that one peer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.engines.bitsets import ConnInterner
from netverify.engines.partitions import (
    Partition,
    first_match_partition,
    fold_partitions,
    isolating_partition,
    passing_partition,
    union_partition,
)
from netverify.model import Direction, SourceRef
from netverify.semantics.compile import RuleRef
from netverify.semantics.verdict import Action, Decision, RuleMatch, first_match, fold, isolating
from netverify.sets import ConnectionSet

CLASSES = 6
EVERYONE = (1 << CLASSES) - 1
REF = RuleRef("ns/p", Direction.INGRESS, 0, SourceRef("p.yaml", 1))

conn_sets = st.sampled_from([
    ConnectionSet.all(), ConnectionSet.none(), ConnectionSet.of("TCP"), ConnectionSet.of("UDP", 53, 53),
    ConnectionSet.of("TCP", 80, 80), ConnectionSet.of("TCP", 1, 1024), ConnectionSet.of("SCTP", 7, 9),
])
masks = st.integers(min_value=0, max_value=EVERYONE)
parts = st.lists(st.tuples(masks, conn_sets), max_size=5)
ruled = st.lists(st.tuples(masks, conn_sets, st.sampled_from(list(Action))), max_size=5)


def at(part: Partition, interner: ConnInterner, peer: int) -> ConnectionSet:
    """What a partition gives one peer class (nothing when no mask holds it)."""
    found = [interner.by_id[c] for c, m in part.items() if m >> peer & 1]
    assert len(found) <= 1, "partition masks must be disjoint"
    return found[0] if found else ConnectionSet.none()


def one_peer_isolating(ps: list[tuple[int, ConnectionSet]], peer: int) -> Decision:
    return isolating("NetworkPolicy", (), [RuleMatch(REF, c) for m, c in ps if m >> peer & 1 and c], [])


def one_peer_first_match(rs: list[tuple[int, ConnectionSet, Action]], peer: int) -> Decision:
    return first_match("Admin", (), [RuleMatch(REF, c, a) for m, c, a in rs if m >> peer & 1])


@settings(max_examples=200, deadline=None)
@given(parts)
def test_an_isolating_tier_folds_to_the_union_of_its_rules(ps: list[tuple[int, ConnectionSet]]) -> None:
    interner = ConnInterner()
    ps = [(m, interner(c)) for m, c in ps]
    folded = fold_partitions([isolating_partition(ps, interner, EVERYONE)], interner, EVERYONE)
    union = union_partition(ps, interner)
    for peer in range(CLASSES):
        expected = fold([one_peer_isolating(ps, peer)])
        assert at(folded, interner, peer) == expected
        assert at(union, interner, peer) == expected


@settings(max_examples=200, deadline=None)
@given(ruled, parts, ruled, st.sampled_from([Action.ALLOW, Action.DENY]))
def test_tiers_fold_per_peer_as_the_verdict_folds(admin: list[tuple[int, ConnectionSet, Action]],
                                                 netpol: list[tuple[int, ConnectionSet]],
                                                 baseline: list[tuple[int, ConnectionSet, Action]],
                                                 default: Action) -> None:
    interner = ConnInterner()
    admin = [(m, interner(c), a) for m, c, a in admin]
    netpol = [(m, interner(c)) for m, c in netpol]
    baseline = [(m, interner(c), a) for m, c, a in baseline]
    for isolated in (True, False):
        middle = (isolating_partition(netpol, interner, EVERYONE) if isolated
                  else passing_partition(interner, EVERYONE))
        tiers = [first_match_partition(admin, interner, EVERYONE), middle,
                 first_match_partition(baseline, interner, EVERYONE)]
        folded = fold_partitions(tiers, interner, EVERYONE, default)
        for peer in range(CLASSES):
            np_decision = one_peer_isolating(netpol, peer) if isolated else Decision.passing("NetworkPolicy")
            decisions = [one_peer_first_match(admin, peer), np_decision, one_peer_first_match(baseline, peer)]
            assert at(folded, interner, peer) == fold(decisions, default)


def test_a_passing_tier_leaves_everything_to_the_default() -> None:
    interner = ConnInterner()
    folded = fold_partitions([passing_partition(interner, EVERYONE)], interner, EVERYONE)
    assert folded == {id(interner.all): EVERYONE}
    assert fold_partitions([passing_partition(interner, EVERYONE)], interner, EVERYONE, Action.DENY) == {}


def reference_union_partition(parts: list[tuple[int, ConnectionSet]], conns: ConnInterner) -> Partition:
    """union_partition as it was before its masks were shifted (kept as the bit-by-bit reference)."""
    out: Partition = {}
    by_id = conns.by_id
    for mask, c in parts:
        if not mask or not c:
            continue
        new: Partition = {}
        rest = mask
        for have, m in out.items():
            inter = m & mask
            if inter:
                keep = m & ~mask
                if keep:
                    new[have] = new.get(have, 0) | keep
                u = id(conns.union(by_id[have], c))
                new[u] = new.get(u, 0) | inter
                rest &= ~m
            else:
                new[have] = new.get(have, 0) | m
        if rest:
            new[id(c)] = new.get(id(c), 0) | rest
        out = new
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=(1 << 12) - 1), conn_sets), max_size=8),
       st.integers(min_value=0, max_value=400))
def test_the_union_of_masks_far_from_bit_zero_is_the_reference_union_bit_by_bit(
        ps: list[tuple[int, ConnectionSet]], offset: int) -> None:
    # Masks of classes numbered far from 0 (a namespace's): the shifted computation must give the same
    # partition, in the same order, as the plain one.
    interner = ConnInterner()
    ps = [(m << offset, interner(c)) for m, c in ps]
    got = union_partition(iter(ps), interner)
    assert list(got.items()) == list(reference_union_partition(ps, interner).items())
