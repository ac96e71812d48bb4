"""ConnectionSet.union_all is the union of its arguments, computed in one sort per protocol.

Folding `union` pairwise is quadratic in the number of port entries (16,000 entries of one rule took
minutes); union_all must give exactly what the fold gives, for any sets.
"""

from __future__ import annotations

from functools import reduce

from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.sets.ports import ConnectionSet

ports = st.integers(1, 65535)


@st.composite
def connection_sets(draw: st.DrawFn) -> ConnectionSet:
    protocol = draw(st.sampled_from(["TCP", "UDP", "SCTP"]))
    kind = draw(st.sampled_from(["port", "range", "all-of-protocol", "none", "all"]))
    if kind == "port":
        return ConnectionSet.of(protocol, draw(ports))
    if kind == "range":
        lo = draw(ports)
        return ConnectionSet.of(protocol, lo, draw(st.integers(lo, 65535)))
    if kind == "all-of-protocol":
        return ConnectionSet.of(protocol)
    return ConnectionSet.none() if kind == "none" else ConnectionSet.all()


@settings(max_examples=300, deadline=None)
@given(st.lists(connection_sets(), max_size=40))
def test_union_all_is_the_pairwise_union(sets: list[ConnectionSet]) -> None:
    expected = reduce(lambda a, b: a.union(b), sets, ConnectionSet.none())
    assert ConnectionSet.union_all(sets) == expected
    assert ConnectionSet.union_all(iter(sets)) == expected, "a one-pass iterable is enough"


def test_union_all_keeps_the_canonical_instances() -> None:
    assert ConnectionSet.union_all([]) is ConnectionSet.none()
    everything = [ConnectionSet.of(p) for p in ("TCP", "UDP", "SCTP")]
    assert ConnectionSet.union_all(everything) is ConnectionSet.all()


def test_sixteen_thousand_single_ports_make_alternate_ports() -> None:
    sets = [ConnectionSet.of("TCP", p) for p in range(1, 32001, 2)]
    result = ConnectionSet.union_all(sets)
    assert len(list(result.ports("TCP"))) == 16_000
    assert result.allows("TCP", 31999) and not result.allows("TCP", 32000)
