"""Canonical port-interval and IP-range sets (no Kubernetes imports)."""

from netverify.sets.intervals import IntervalSet
from netverify.sets.ips import IPSet, address_key, parse_cidr
from netverify.sets.ports import ALL_PORTS, MAX_PORT, MIN_PORT, PROTOCOLS, ConnectionSet

__all__ = [
    "ALL_PORTS", "MAX_PORT", "MIN_PORT", "PROTOCOLS", "ConnectionSet", "IPSet", "IntervalSet", "address_key",
    "parse_cidr",
]
