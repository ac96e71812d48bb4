"""How the SMT engine is asked: the options `check`, `can --any`, `equiv` and `contains` share.

One type for every command that proves (it was two twins, ProveOptions and SmtScope).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from netverify.engines.smt import DEFAULT_RLIMIT
from netverify.semantics.endpoints import Endpoint
from netverify.sets import IPSet, address_key


@dataclass(frozen=True)
class ProveOptions:
    """`hypothetical_namespaces`: pods that could exist may be in namespaces that do not exist yet.
    `rlimit`: z3's resource budget per query, which runs out at the same point on every machine and
    under any load (the default: DEFAULT_RLIMIT). `timeout_s`: a wall-clock limit per query (None:
    none; `--timeout` gives one instead of the default budget).
    `pod_cidr`: where pods that could exist get their IPs (None: anywhere). `graph_first`: a query is
    first asked of the reachability graph, which decides it when a loaded connection refutes it
    (queries/loaded_search.py); tests of the encoding turn it off to ask the solver everything."""

    hypothetical_namespaces: bool = False
    timeout_s: float | None = None
    pod_cidr: IPSet | None = None
    rlimit: int | None = DEFAULT_RLIMIT
    graph_first: bool = True


# --- pod CIDRs inferred from the loaded pods: where witnesses put pods that could exist ----------

# The narrowest block inferred from loaded pods: a node's usual pod range. A single pod's /32 would
# leave no address for a pod that could exist.
_MIN_PREFIX = {4: 24, 6: 64}


def pod_cidrs_of(endpoints: Sequence[Endpoint]) -> tuple[str, ...]:
    """Per address family, the smallest CIDR holding every loaded (non-hostNetwork) pod's IP, at
    most /24 (IPv4) or /64 (IPv6) long. Empty when no loaded pod has an IP."""
    low: dict[int, int] = {}
    high: dict[int, int] = {}
    for ep in endpoints:
        if ep.external or ep.host_network:
            continue
        for ip in ep.ips:
            family, value = address_key(ip)  # the fast parse (socket.inet_pton for IPv4)
            if family not in low:
                low[family] = high[family] = value
            elif value < low[family]:
                low[family] = value
            elif value > high[family]:
                high[family] = value
    out = []
    for family in sorted(low):
        bits = 32 if family == 4 else 128
        differing_bits = (low[family] ^ high[family]).bit_length()
        prefix = min(_MIN_PREFIX[family], bits - differing_bits)
        first = ipaddress.IPv4Address(low[family]) if family == 4 else ipaddress.IPv6Address(low[family])
        out.append(str(ipaddress.ip_network(f"{first}/{prefix}", strict=False)))
    return tuple(out)


def pod_cidr_of(endpoints: Sequence[Endpoint]) -> IPSet | None:
    """pod_cidrs_of as one address set (None: no loaded pod has an IP)."""
    block = None
    for cidr in pod_cidrs_of(endpoints):
        block = IPSet.from_cidr(cidr) if block is None else block | IPSet.from_cidr(cidr)
    return block


# --- addresses a witness's pod needs that a node's pod range never hands out ---------------------------


def edge_address_notes(synthesized: Sequence[Endpoint]) -> tuple[str, ...]:
    """A note for each pod that could exist whose witness needs an address host-local IPAM never assigns
    (the network or broadcast address of a node's /24, the first address of its /64). Witnesses avoid
    such addresses where they can (engines/smt_encode.host_address); where the connection needs one, it
    is still found, since Calico's IPAM may hand out any address of its pools."""
    notes = []
    for ep in synthesized:
        for ip in ep.ips:
            family, value = address_key(ip)
            if family == 4 and value & 0xFF in (0, 0xFF):
                which = "network" if value & 0xFF == 0 else "broadcast"
                where = f"{ipaddress.IPv4Address(value & ~0xFF)}/24"
            elif family == 6 and not value & (2**64 - 1):
                which, where = "Subnet-Router anycast", f"{ip}/64"
            else:
                continue
            notes.append(f"{ep.id} needs IP {ip}, the {which} address of {where}: a node's pod range under "
                         "host-local IPAM never gives a pod that address; Calico's IPAM may, as it routes its pools "
                         "whole")
    return tuple(notes)
