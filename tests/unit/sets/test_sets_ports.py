"""Specification of ConnectionSet: protocol -> canonical port set."""

from __future__ import annotations

import json

import pytest

from netverify.sets import (
    ALL_PORTS,
    MAX_PORT,
    MIN_PORT,
    PROTOCOLS,
    ConnectionSet,
    IntervalSet,
)


class TestConstants:
    def test_protocols_are_those_networkpolicy_defines(self) -> None:
        assert PROTOCOLS == ("TCP", "UDP", "SCTP")

    def test_port_universe(self) -> None:
        assert (MIN_PORT, MAX_PORT) == (1, 65535)
        assert IntervalSet.single(1, 65535) == ALL_PORTS


class TestConstructors:
    def test_all_is_every_port_of_every_protocol(self) -> None:
        everything = ConnectionSet.all()
        assert everything.is_all()
        assert everything.protocols() == PROTOCOLS
        for proto in PROTOCOLS:
            assert everything.ports(proto) == ALL_PORTS
            assert everything.allows(proto, 1)
            assert everything.allows(proto, 65535)

    def test_none_is_empty(self) -> None:
        nothing = ConnectionSet.none()
        assert not nothing
        assert nothing.protocols() == ()
        assert not nothing.is_all()
        assert not nothing.allows("TCP", 80)
        assert ConnectionSet() == nothing

    def test_of_protocol_alone_is_every_port(self) -> None:
        tcp = ConnectionSet.of("TCP")
        assert tcp.ports("TCP") == ALL_PORTS
        assert tcp.protocols() == ("TCP",)
        assert not tcp.is_all()

    def test_of_one_port(self) -> None:
        http = ConnectionSet.of("TCP", 80)
        assert http.ports("TCP") == IntervalSet.single(80)
        assert http.allows("TCP", 80)
        assert not http.allows("TCP", 81)
        assert not http.allows("UDP", 80)

    def test_of_port_range_is_inclusive(self) -> None:
        r = ConnectionSet.of("UDP", 8000, 8080)
        assert r.ports("UDP").intervals == ((8000, 8080),)
        assert r.allows("UDP", 8000) and r.allows("UDP", 8080)
        assert not r.allows("UDP", 7999) and not r.allows("UDP", 8081)

    def test_of_inverted_range_is_empty(self) -> None:
        assert ConnectionSet.of("TCP", 10, 5) == ConnectionSet.none()

    def test_empty_port_sets_are_dropped(self) -> None:
        cs = ConnectionSet({"TCP": IntervalSet(), "UDP": IntervalSet.single(53)})
        assert cs.protocols() == ("UDP",)
        assert cs == ConnectionSet.of("UDP", 53)

    def test_protocol_order_is_canonical(self) -> None:
        a = ConnectionSet({"SCTP": ALL_PORTS, "TCP": IntervalSet.single(1)})
        b = ConnectionSet({"TCP": IntervalSet.single(1), "SCTP": ALL_PORTS})
        assert a.protocols() == ("TCP", "SCTP")
        assert a == b and hash(a) == hash(b)

    def test_unknown_protocol_is_rejected(self) -> None:
        with pytest.raises(ValueError):
            ConnectionSet({"ICMP": ALL_PORTS})

    def test_building_all_by_hand_equals_all(self) -> None:
        by_hand = ConnectionSet.of("TCP") | ConnectionSet.of("UDP") | ConnectionSet.of("SCTP")
        assert by_hand == ConnectionSet.all()
        assert by_hand.is_all()


class TestAlgebra:
    web = ConnectionSet.of("TCP", 80) | ConnectionSet.of("TCP", 443)
    dns = ConnectionSet.of("UDP", 53) | ConnectionSet.of("TCP", 53)

    def test_union_merges_per_protocol(self) -> None:
        u = self.web | self.dns
        assert u.ports("TCP").intervals == ((53, 53), (80, 80), (443, 443))
        assert u.ports("UDP").intervals == ((53, 53),)

    def test_union_with_all_is_all_and_with_none_is_identity(self) -> None:
        assert (self.web | ConnectionSet.all()).is_all()
        assert (ConnectionSet.all() | self.web).is_all()
        assert self.web | ConnectionSet.none() == self.web
        assert ConnectionSet.none() | self.web == self.web

    def test_intersection(self) -> None:
        assert (self.web | self.dns) & ConnectionSet.of("TCP") == self.web | ConnectionSet.of("TCP", 53)
        assert (self.web & self.dns) == ConnectionSet.none()
        assert self.web & ConnectionSet.all() == self.web
        assert ConnectionSet.all() & self.web == self.web

    def test_difference(self) -> None:
        rest = ConnectionSet.all() - ConnectionSet.of("TCP", 80)
        assert not rest.allows("TCP", 80)
        assert rest.allows("TCP", 79) and rest.allows("TCP", 81) and rest.allows("UDP", 80)
        assert rest.ports("TCP").intervals == ((1, 79), (81, 65535))
        assert not rest.is_all()
        assert rest | ConnectionSet.of("TCP", 80) == ConnectionSet.all()

    def test_difference_removing_a_whole_protocol_drops_it(self) -> None:
        assert (self.dns - ConnectionSet.of("UDP")).protocols() == ("TCP",)

    def test_subset(self) -> None:
        assert ConnectionSet.of("TCP", 80) <= self.web
        assert self.web.issubset(ConnectionSet.of("TCP"))
        assert not self.dns <= self.web
        assert ConnectionSet.none() <= self.web
        assert self.web <= ConnectionSet.all()
        assert not ConnectionSet.all() <= self.web

    def test_union_all(self) -> None:
        assert ConnectionSet.union_all([]) == ConnectionSet.none()
        assert ConnectionSet.union_all([self.web, self.dns]) == self.web | self.dns
        assert ConnectionSet.union_all(
            [ConnectionSet.of(p) for p in PROTOCOLS] + [self.web]
        ).is_all()

    def test_items_in_protocol_order(self) -> None:
        assert [p for p, _ in (self.dns | self.web).items()] == ["TCP", "UDP"]


class TestRendering:
    def test_to_json_format(self) -> None:
        cs = ConnectionSet.of("TCP", 80) | ConnectionSet.of("TCP", 8000, 8080) | ConnectionSet.of("UDP", 53)
        assert cs.to_json() == [
            {"protocol": "TCP", "ports": [[80, 80], [8000, 8080]]},
            {"protocol": "UDP", "ports": [[53, 53]]},
        ]

    def test_to_json_single_range(self) -> None:
        assert ConnectionSet.of("TCP", 1, 1024).to_json() == [{"protocol": "TCP", "ports": [[1, 1024]]}]

    def test_to_json_is_json_serialisable(self) -> None:
        assert json.loads(json.dumps(ConnectionSet.all().to_json())) == [
            {"protocol": p, "ports": [[1, 65535]]} for p in PROTOCOLS
        ]

    def test_to_json_of_none_is_empty_list(self) -> None:
        assert ConnectionSet.none().to_json() == []

    def test_describe(self) -> None:
        assert ConnectionSet.all().describe() == "all"
        assert ConnectionSet.none().describe() == "none"
        assert ConnectionSet.of("TCP").describe() == "TCP:*"
        assert ConnectionSet.of("TCP", 80).describe() == "TCP:80"
        cs = ConnectionSet.of("TCP", 80) | ConnectionSet.of("TCP", 8000, 8080) | ConnectionSet.of("UDP", 53)
        assert cs.describe() == "TCP:80,8000-8080 UDP:53"
        assert (ConnectionSet.of("SCTP") | ConnectionSet.of("TCP", 22)).describe() == "TCP:22 SCTP:*"

    def test_repr_uses_describe(self) -> None:
        assert repr(ConnectionSet.of("UDP", 53)) == "ConnectionSet(UDP:53)"
