"""Specification of IPSet: canonical IPv4 and IPv6 address sets."""

from __future__ import annotations

import ipaddress

import pytest

from netverify.sets import IntervalSet, IPSet, address_key, parse_cidr


def v4(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


class TestParseCidr:
    def test_host_bits_are_allowed_and_cleared(self) -> None:
        assert parse_cidr("10.0.0.1/24") == ipaddress.ip_network("10.0.0.0/24")
        assert parse_cidr("2001:db8::1/64") == ipaddress.ip_network("2001:db8::/64")

    def test_bare_address_is_a_host_route(self) -> None:
        assert parse_cidr("10.1.2.3").prefixlen == 32
        assert parse_cidr("::1").prefixlen == 128

    def test_garbage_is_rejected(self) -> None:
        with pytest.raises(ValueError):
            parse_cidr("10.0.0.0/33")
        with pytest.raises(ValueError):
            parse_cidr("not-an-ip")


class TestFromCidr:
    def test_ipv4_block(self) -> None:
        s = IPSet.from_cidr("10.0.0.0/24")
        assert s.v4.intervals == ((v4("10.0.0.0"), v4("10.0.0.255")),)
        assert not s.v6
        assert s.to_cidrs() == ["10.0.0.0/24"]

    def test_host_bits_allowed(self) -> None:
        assert IPSet.from_cidr("10.0.0.1/24") == IPSet.from_cidr("10.0.0.0/24")
        assert IPSet.from_cidr("10.0.0.1/24").to_cidrs() == ["10.0.0.0/24"]

    def test_ipv4_with_excepts(self) -> None:
        s = IPSet.from_cidr("10.0.0.0/8", ["10.1.0.0/16", "10.2.3.4/32"])
        assert s.contains_address("10.0.0.1")
        assert s.contains_address("10.2.3.5")
        assert not s.contains_address("10.1.200.7")
        assert not s.contains_address("10.2.3.4")
        assert not s.contains_address("11.0.0.0")
        assert s.v4.size() == 2**24 - 2**16 - 1

    def test_except_splits_into_minimal_cidrs(self) -> None:
        s = IPSet.from_cidr("192.168.0.0/24", ["192.168.0.128/25"])
        assert s.to_cidrs() == ["192.168.0.0/25"]
        s = IPSet.from_cidr("192.168.0.0/24", ["192.168.0.64/26"])
        assert s.to_cidrs() == ["192.168.0.0/26", "192.168.0.128/25"]

    def test_except_equal_to_block_is_empty(self) -> None:
        assert not IPSet.from_cidr("10.0.0.0/24", ["10.0.0.0/24"])

    def test_except_with_host_bits(self) -> None:
        assert IPSet.from_cidr("10.0.0.0/16", ["10.0.5.9/24"]) == IPSet.from_cidr("10.0.0.0/16", ["10.0.5.0/24"])

    def test_ipv6_with_excepts(self) -> None:
        s = IPSet.from_cidr("2001:db8::/32", ["2001:db8:1::/48"])
        assert not s.v4
        assert s.contains_address("2001:db8::1")
        assert not s.contains_address("2001:db8:1::1")
        assert s.contains_address("2001:db8:2::1")
        assert s.v6.size() == 2**96 - 2**80

    def test_ipv6_everything_but(self) -> None:
        s = IPSet.from_cidr("::/0", ["::1/128"])
        assert not s.contains_address("::1")
        assert s.contains_address("::2")
        assert s.contains_address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
        assert len(s.to_cidrs()) == 128

    def test_excepts_of_the_other_family_do_nothing(self) -> None:
        assert IPSet.from_cidr("10.0.0.0/8", ["::/0"]) == IPSet.from_cidr("10.0.0.0/8")

    def test_families_are_separate(self) -> None:
        # ::a00:0/104 is numerically the same range as 10.0.0.0/8 but a different family.
        s = IPSet.from_cidr("10.0.0.0/8")
        assert not s.contains_address("::a00:1")
        assert s & IPSet.from_cidr("::a00:0/104") == IPSet()


class TestAlgebra:
    def test_everything(self) -> None:
        e = IPSet.everything()
        assert e == IPSet.from_cidr("0.0.0.0/0") | IPSet.from_cidr("::/0")
        assert e.to_cidrs() == ["0.0.0.0/0", "::/0"]
        assert IPSet.from_cidr("10.0.0.0/8").issubset(e)

    def test_empty(self) -> None:
        assert not IPSet()
        assert IPSet().to_cidrs() == []
        assert repr(IPSet()) == "IPSet(empty)"
        assert IPSet() == IPSet(IntervalSet(), IntervalSet())

    def test_union_of_adjacent_blocks_is_one_block(self) -> None:
        u = IPSet.from_cidr("10.0.0.0/25") | IPSet.from_cidr("10.0.0.128/25")
        assert u == IPSet.from_cidr("10.0.0.0/24")
        assert u.to_cidrs() == ["10.0.0.0/24"]

    def test_mixed_family_union(self) -> None:
        u = IPSet.from_cidr("10.0.0.0/8") | IPSet.from_cidr("fd00::/8")
        assert u.to_cidrs() == ["10.0.0.0/8", "fd00::/8"]
        assert repr(u) == "IPSet(10.0.0.0/8, fd00::/8)"

    def test_intersection_and_difference(self) -> None:
        a = IPSet.from_cidr("10.0.0.0/16")
        b = IPSet.from_cidr("10.0.128.0/17") | IPSet.from_cidr("192.168.0.0/16")
        assert (a & b).to_cidrs() == ["10.0.128.0/17"]
        assert (a - b).to_cidrs() == ["10.0.0.0/17"]

    def test_subset(self) -> None:
        assert IPSet.from_cidr("10.1.0.0/16").issubset(IPSet.from_cidr("10.0.0.0/8"))
        assert not IPSet.from_cidr("10.0.0.0/8").issubset(IPSet.from_cidr("10.1.0.0/16"))
        assert IPSet().issubset(IPSet())
        assert not IPSet.from_cidr("fd00::/8").issubset(IPSet.from_cidr("0.0.0.0/0"))

    def test_equality_and_hash_are_structural(self) -> None:
        a = IPSet.from_networks([parse_cidr("10.0.0.0/25"), parse_cidr("10.0.0.128/25")])
        b = IPSet.from_cidr("10.0.0.0/24")
        assert a == b and hash(a) == hash(b)
        assert a != "10.0.0.0/24"

    def test_contains_address_accepts_address_objects(self) -> None:
        s = IPSet.from_cidr("10.0.0.0/8")
        assert s.contains_address(ipaddress.IPv4Address("10.9.9.9"))
        assert not s.contains_address(ipaddress.IPv6Address("::1"))


class TestToCidrs:
    def test_minimal_cover_of_an_unaligned_range(self) -> None:
        s = IPSet(IntervalSet.single(v4("10.0.0.1"), v4("10.0.0.6")))
        assert s.to_cidrs() == ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]

    def test_ipv4_before_ipv6_and_sorted(self) -> None:
        s = IPSet.from_cidr("fd00::/8") | IPSet.from_cidr("192.168.0.0/16") | IPSet.from_cidr("10.0.0.0/8")
        assert s.to_cidrs() == ["10.0.0.0/8", "192.168.0.0/16", "fd00::/8"]

    def test_round_trip(self) -> None:
        s = IPSet.from_cidr("10.0.0.0/8", ["10.1.0.0/16", "10.200.3.0/24"]) | IPSet.from_cidr(
            "2001:db8::/32", ["2001:db8:ff::/48"]
        )
        assert IPSet.from_networks(parse_cidr(c) for c in s.to_cidrs()) == s


@pytest.mark.parametrize("text", ["10.0.0.1", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::", "::ffff:10.0.0.1"])
def test_address_key_is_the_family_and_integer_value(text: str) -> None:
    addr = ipaddress.ip_address(text)
    assert address_key(text) == (addr.version, int(addr))


@pytest.mark.parametrize("text", ["01.2.3.4", "1.2.3", "256.1.1.1", "10.0.0.1 ", "not-an-ip", ""])
def test_address_key_rejects_what_ipaddress_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        address_key(text)


def test_a_set_of_single_addresses_contains_exactly_them() -> None:
    s = IPSet.from_addresses(["10.0.0.1", "10.0.0.2", "2001:db8::1"])
    assert s.contains_address("10.0.0.2") and s.contains_address("2001:db8::1")
    assert not s.contains_address("10.0.0.3")
    assert s == IPSet.from_cidr("10.0.0.1/32") | IPSet.from_cidr("10.0.0.2/32") | IPSet.from_cidr("2001:db8::1/128")
