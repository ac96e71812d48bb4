"""Property tests: the canonical sets behave exactly like Python sets."""

from __future__ import annotations

import ipaddress
import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.sets import PROTOCOLS, ConnectionSet, IntervalSet, IPSet, parse_cidr

LIMIT = 200

interval = st.tuples(st.integers(0, LIMIT), st.integers(0, LIMIT))
interval_lists = st.lists(interval, max_size=8)


def explicit(intervals: list[tuple[int, int]]) -> set[int]:
    return {v for lo, hi in intervals for v in range(lo, hi + 1)}


def members(s: IntervalSet) -> set[int]:
    return {v for lo, hi in s for v in range(lo, hi + 1)}


def assert_canonical(s: IntervalSet) -> None:
    ivs = s.intervals
    assert isinstance(ivs, tuple)
    for lo, hi in ivs:
        assert lo <= hi
    for (_, hi), (lo, _) in itertools.pairwise(ivs):
        assert hi + 1 < lo, f"adjacent or overlapping intervals in {ivs}"


@given(interval_lists)
def test_constructor_is_canonical_and_preserves_members(ivs: list[tuple[int, int]]) -> None:
    s = IntervalSet(ivs)
    assert_canonical(s)
    assert members(s) == explicit(ivs)
    assert s.size() == len(explicit(ivs))
    assert bool(s) == bool(explicit(ivs))


@given(interval_lists, interval_lists)
def test_equal_members_means_equal_sets(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    sa, sb = IntervalSet(a), IntervalSet(b)
    assert (sa == sb) == (explicit(a) == explicit(b))
    if sa == sb:
        assert hash(sa) == hash(sb)


@given(interval_lists, interval_lists)
def test_union_intersection_difference_match_python_sets(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> None:
    sa, sb = IntervalSet(a), IntervalSet(b)
    ea, eb = explicit(a), explicit(b)
    for result, expected in ((sa | sb, ea | eb), (sa & sb, ea & eb), (sa - sb, ea - eb)):
        assert_canonical(result)
        assert members(result) == expected


@given(interval_lists, interval_lists)
def test_subset_matches_python_sets(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    assert (IntervalSet(a) <= IntervalSet(b)) == (explicit(a) <= explicit(b))


@given(interval_lists, st.integers(-5, LIMIT + 5))
def test_membership_matches_python_sets(a: list[tuple[int, int]], value: int) -> None:
    assert (value in IntervalSet(a)) == (value in explicit(a))


@given(st.integers(0, LIMIT), st.integers(0, LIMIT))
def test_single_matches_range(lo: int, hi: int) -> None:
    s = IntervalSet.single(lo, hi)
    assert_canonical(s)
    assert members(s) == set(range(lo, hi + 1))


@given(interval_lists, interval_lists, interval_lists)
def test_algebraic_laws(a: list[tuple[int, int]], b: list[tuple[int, int]], c: list[tuple[int, int]]) -> None:
    x, y, z = IntervalSet(a), IntervalSet(b), IntervalSet(c)
    assert x | y == y | x
    assert x & y == y & x
    assert x & (y | z) == (x & y) | (x & z)
    assert x - (y | z) == (x - y) - z
    assert (x - y) | (x & y) == x
    assert not ((x - y) & y)


# ConnectionSet: per-protocol sets over a small port universe.

port_sets = st.dictionaries(
    st.sampled_from(PROTOCOLS),
    interval_lists.map(lambda ivs: IntervalSet((max(lo, 1), hi) for lo, hi in ivs)),
)


def conn_explicit(cs: ConnectionSet) -> set[tuple[str, int]]:
    return {(p, v) for p, s in cs.items() for v in members(s)}


@given(port_sets, port_sets)
def test_connection_set_algebra_matches_python_sets(a: dict[str, IntervalSet], b: dict[str, IntervalSet]) -> None:
    ca, cb = ConnectionSet(a), ConnectionSet(b)
    ea, eb = conn_explicit(ca), conn_explicit(cb)
    assert conn_explicit(ca | cb) == ea | eb
    assert conn_explicit(ca & cb) == ea & eb
    assert conn_explicit(ca - cb) == ea - eb
    assert (ca <= cb) == (ea <= eb)
    assert (ca == cb) == (ea == eb)


@given(port_sets)
def test_connection_set_json_round_trip(a: dict[str, IntervalSet]) -> None:
    cs = ConnectionSet(a)
    doc = json.loads(json.dumps(cs.to_json()))
    rebuilt = ConnectionSet({d["protocol"]: IntervalSet((lo, hi) for lo, hi in d["ports"]) for d in doc})
    assert rebuilt == cs
    assert all(d["ports"] for d in doc)


# IPSet: random blocks with excepts; to_cidrs is a minimal exact cover.

v4_networks = st.builds(
    lambda addr, plen: ipaddress.IPv4Network((addr, plen), strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(8, 32),
)
v6_networks = st.builds(
    lambda addr, plen: ipaddress.IPv6Network((addr, plen), strict=False),
    st.integers(0, 2**128 - 1),
    st.integers(16, 128),
)
networks = st.one_of(v4_networks, v6_networks)


@st.composite
def subnet_of(draw: st.DrawFn, block: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """A CIDR inside block, written with host bits set half of the time."""
    plen = draw(st.integers(block.prefixlen, block.max_prefixlen))
    addr = int(block.network_address) + draw(st.integers(0, block.num_addresses - 1))
    host = type(block.network_address)(addr)  # keep the family: ip_address(5) would be IPv4
    net = type(block)((host, plen), strict=False)
    return f"{host}/{plen}" if draw(st.booleans()) else str(net)


@st.composite
def ip_sets(draw: st.DrawFn) -> IPSet:
    """A union of up to four blocks, each with up to three excepts (as in ipBlock)."""
    result = IPSet()
    for block in draw(st.lists(networks, max_size=4)):
        excepts = draw(st.lists(subnet_of(block), max_size=3))
        result = result | IPSet.from_cidr(str(block), excepts)
    return result


@settings(max_examples=200)
@given(ip_sets())
def test_to_cidrs_round_trips(s: IPSet) -> None:
    cidrs = s.to_cidrs()
    assert IPSet.from_networks(parse_cidr(c) for c in cidrs) == s


@settings(max_examples=200)
@given(ip_sets())
def test_to_cidrs_are_disjoint_and_cannot_be_merged(s: IPSet) -> None:
    nets = [parse_cidr(c) for c in s.to_cidrs()]
    for fam in (4, 6):
        fam_nets = [n for n in nets if n.version == fam]
        # strictly increasing and non-overlapping
        for a, b in itertools.pairwise(fam_nets):
            assert int(a.broadcast_address) < int(b.network_address)
        # minimal: collapse_addresses (which merges siblings) cannot shrink the list
        assert len(list(ipaddress.collapse_addresses(fam_nets))) == len(fam_nets)  # type: ignore[type-var]


@given(ip_sets(), ip_sets())
def test_ip_set_laws(a: IPSet, b: IPSet) -> None:
    assert (a - b) | (a & b) == a
    assert not ((a - b) & b)
    assert (a & b).issubset(a)
    assert a.issubset(a | b)
    assert a.issubset(b) == (not (a - b))
