"""One port-selection type (issue 15): `can --port`, assertion `ports` and the SMT engine's port terms
are all PortSelections, and each keeps the spelling its reports always printed."""

from __future__ import annotations

import pytest

from netverify.queries.assertions import parse_port
from netverify.queries.ports import PortError, PortQuery
from netverify.semantics.ports import PortSelection


@pytest.mark.parametrize(("port", "protocol", "cli", "assertion"), [
    ("80", None, "TCP 80", "80/TCP"),
    ("8000-8080", None, "TCP 8000-8080", "8000-8080/TCP"),
    ("80-80", None, "TCP 80", "80/TCP"),  # a one-port range is that port
    ("53/UDP", None, "UDP 53", "53/UDP"),
    ("http", "TCP", "TCP http", "http/TCP"),
    (None, "UDP", "any UDP port", "any UDP port"),
    (None, None, "any port", "any port"),
])
def test_both_spellings_of_one_selection(port: str | None, protocol: str | None, cli: str, assertion: str) -> None:
    selection = PortQuery.parse(port, protocol)
    assert isinstance(selection, PortSelection)
    assert (selection.describe(), selection.describe_port_protocol()) == (cli, assertion)


@pytest.mark.parametrize(("text", "cli_port", "cli_protocol"), [
    ("443/TCP", "443", None), ("8000-8080/TCP", "8000-8080", None), ("http/TCP", "http", "TCP"),
    ("UDP", None, "UDP"), ("443", "443", None), ("443-443/TCP", "443", None), ("443-443/TCP", "443-443", None),
])
def test_an_assertion_port_is_the_selection_the_cli_reads(text: str, cli_port: str | None,
                                                           cli_protocol: str | None) -> None:
    assert parse_port(text) == PortQuery.parse(cli_port, cli_protocol)


def test_a_whole_range_reads_as_every_port_of_the_protocol_in_assertions() -> None:
    every_tcp = PortSelection.of_range("TCP", 1, 65535)
    assert (every_tcp.lo, every_tcp.hi, every_tcp.name) == (1, 65535, None)
    assert every_tcp.describe_port_protocol() == "any TCP port"
    assert every_tcp.describe() == "TCP 1-65535"


def test_bounds_of_a_name_and_a_whole_protocol_span_every_port() -> None:
    for selection in (PortSelection.named_port("TCP", "http"), PortSelection("UDP")):
        assert (selection.lo, selection.hi) == (1, 65535)
    assert PortSelection.named_port(None, "dns").name == "dns"
    assert PortSelection("TCP", 80).name is None


def test_a_bad_protocol_is_a_port_error() -> None:
    with pytest.raises(PortError, match="unknown protocol 'ICMP'"):
        PortQuery.parse("80", "ICMP")
