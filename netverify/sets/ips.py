"""Canonical IP address sets for IPv4 and IPv6, each family an IntervalSet of integers."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from netverify.sets.intervals import IntervalSet

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_cidr(text: str) -> IPNetwork:
    """Parse a CIDR; like the API server, host bits may be set (10.0.0.1/24 means 10.0.0.0/24)."""
    return ipaddress.ip_network(text, strict=False)


def address_key(text: str) -> tuple[int, int]:
    """(family, integer value) of an address: what sorting and bisecting need, without building an
    ipaddress object (a tenth of the cost; 100,000 pods are parsed several times over)."""
    try:
        return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except OSError:
        addr = ipaddress.ip_address(text)  # IPv6, or not an address: ipaddress says which
        return addr.version, int(addr)


class IPSet:
    """An immutable set of IPv4 and IPv6 addresses."""

    __slots__ = ("v4", "v6")

    def __init__(self, v4: IntervalSet | None = None, v6: IntervalSet | None = None) -> None:
        self.v4 = v4 if v4 is not None else IntervalSet()
        self.v6 = v6 if v6 is not None else IntervalSet()

    @classmethod
    def from_networks(cls, networks: Iterable[IPNetwork]) -> IPSet:
        v4: list[tuple[int, int]] = []
        v6: list[tuple[int, int]] = []
        for net in networks:
            target = v4 if net.version == 4 else v6
            target.append((int(net.network_address), int(net.broadcast_address)))
        return cls(IntervalSet(v4), IntervalSet(v6))

    @classmethod
    def from_addresses(cls, addresses: Iterable[str]) -> IPSet:
        """The set of these single addresses."""
        by_family: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
        for family, value in map(address_key, addresses):
            by_family[family].append((value, value))
        return cls(IntervalSet(by_family[4]), IntervalSet(by_family[6]))

    @classmethod
    def from_cidr(cls, cidr: str, excepts: Iterable[str] = ()) -> IPSet:
        return cls.from_networks([parse_cidr(cidr)]).difference(
            cls.from_networks(parse_cidr(e) for e in excepts)
        )

    @classmethod
    def everything(cls) -> IPSet:
        return cls(IntervalSet.single(0, 2**32 - 1), IntervalSet.single(0, 2**128 - 1))

    def contains_address(self, address: str | IPAddress) -> bool:
        family, value = address_key(address) if isinstance(address, str) else (address.version, int(address))
        return value in (self.v4 if family == 4 else self.v6)

    def union(self, other: IPSet) -> IPSet:
        return IPSet(self.v4 | other.v4, self.v6 | other.v6)

    def intersection(self, other: IPSet) -> IPSet:
        return IPSet(self.v4 & other.v4, self.v6 & other.v6)

    def difference(self, other: IPSet) -> IPSet:
        return IPSet(self.v4 - other.v4, self.v6 - other.v6)

    def issubset(self, other: IPSet) -> bool:
        return not self.difference(other)

    def __bool__(self) -> bool:
        return bool(self.v4) or bool(self.v6)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IPSet) and self.v4 == other.v4 and self.v6 == other.v6

    def __hash__(self) -> int:
        return hash((self.v4, self.v6))

    def __repr__(self) -> str:
        return f"IPSet({', '.join(self.to_cidrs()) or 'empty'})"

    __or__ = union
    __and__ = intersection
    __sub__ = difference

    def to_cidrs(self) -> list[str]:
        """The smallest list of CIDRs covering exactly this set."""
        out: list[str] = []
        for cls_, ivs in ((ipaddress.IPv4Address, self.v4), (ipaddress.IPv6Address, self.v6)):
            for lo, hi in ivs:
                out.extend(str(n) for n in ipaddress.summarize_address_range(cls_(lo), cls_(hi)))
        return out

    def describe(self, limit: int | None = None) -> str:
        """Short words for the set: `any address`, per family `0.0.0.0/0 except ...` when that is the
        shorter list, else its CIDRs; with `limit`, at most that many CIDRs per list and "and N more";
        `no address` for the empty set."""
        if self == IPSet.everything():
            return "any address"
        parts = []
        for family, everything in ((IPSet(IPSet.everything().v4), "0.0.0.0/0"),
                                   (IPSet(v6=IPSet.everything().v6), "::/0")):
            part = self & family
            if not part:
                continue
            cidrs, holes = part.to_cidrs(), (family - part).to_cidrs()
            if not holes:
                parts.append(everything)
            elif len(holes) < len(cidrs):
                parts.append(f"{everything} except {_few(holes, limit)}")
            else:
                parts.append(_few(cidrs, limit))
        return "; ".join(parts) or "no address"


def _few(items: list[str], limit: int | None) -> str:
    if limit is None or len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
