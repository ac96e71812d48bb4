"""Bitset helpers for the graph engine: class masks, selector results, interned connection sets.

A set of endpoint classes is a Python int whose bit c stands for class c; union,
intersection and complement are then single big-integer operations instead of
per-class Python loops. Selector results are computed from an index of classes by
namespace and by label key / key=value, and cached per selector.
"""

from __future__ import annotations

import copy
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from ipaddress import IPv4Address, IPv6Address

from netverify.model import LabelSelector
from netverify.semantics.class_tiers import TermMatcher
from netverify.semantics.compile import AddressTerm, PeerTerm, SelectorTerm
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.selectors import matches
from netverify.sets import ConnectionSet, IPSet, address_key

FEW_BITS = 16  # up to this many set bits, bit_list takes them one at a time, lowest first


def bit_list(mask: int) -> list[int]:
    """The positions of the set bits of `mask`, ascending."""
    if not mask:
        return []
    if mask.bit_count() <= FEW_BITS:
        # A few bits (a rule's peers, often one or two) are taken lowest first: a dozen low-bit steps cost less
        # than writing out the text of an integer as wide as the classes.
        out = []
        while mask:
            low = mask & -mask
            out.append(low.bit_length() - 1)
            mask ^= low
        return out
    # Read from the lowest set bit up: a namespace's classes are numbered together, often far from bit 0,
    # and the text of the whole mask would be tens of thousands of zeros at 100,000 pods.
    low = (mask & -mask).bit_length() - 1
    s = bin(mask >> low)[:1:-1]  # least significant bit first
    out = []
    find = s.find
    i = 0
    while i >= 0:
        out.append(i + low)
        i = find("1", i + 1)
    return out


def mask_of(bits: Iterable[int]) -> int:
    """The bitset of the given positions, built in one pass (OR-ing 1 << c into a mask for tens of
    thousands of classes copies a growing integer each time: quadratic): the mask's binary text,
    from its lowest position up, one byte per position, read by `int` (base 2 is read in linear time)."""
    positions = list(bits)
    if not positions:
        return 0
    low = min(positions)
    text = bytearray(b"0") * (max(positions) - low + 1)
    if low:
        for b in positions:
            text[b - low] = 49  # "1"
    else:
        for b in positions:
            text[b] = 49
    text.reverse()
    return int(text, 2) << low


class ConnInterner:
    """One object per distinct ConnectionSet, so results can be cached by identity."""

    def __init__(self) -> None:
        self._canonical: dict[ConnectionSet, ConnectionSet] = {}
        self.by_id: dict[int, ConnectionSet] = {}
        self._or: dict[tuple[int, int], ConnectionSet] = {}
        self._and: dict[tuple[int, int], ConnectionSet] = {}
        self._minus: dict[tuple[int, int], ConnectionSet] = {}
        self.none = self(ConnectionSet.none())
        self.all = self(ConnectionSet.all())

    def __call__(self, conns: ConnectionSet) -> ConnectionSet:
        out = self._canonical.setdefault(conns, conns)
        self.by_id[id(out)] = out
        return out

    def union(self, a: ConnectionSet, b: ConnectionSet) -> ConnectionSet:
        key = (id(a), id(b))
        out = self._or.get(key)
        if out is None:
            out = self._or[key] = self(a | b)
        return out

    def intersection(self, a: ConnectionSet, b: ConnectionSet) -> ConnectionSet:
        key = (id(a), id(b))
        out = self._and.get(key)
        if out is None:
            out = self._and[key] = self(a & b)
        return out

    def difference(self, a: ConnectionSet, b: ConnectionSet) -> ConnectionSet:
        key = (id(a), id(b))
        out = self._minus.get(key)
        if out is None:
            out = self._minus[key] = self(a - b)
        return out


IPAddress = IPv4Address | IPv6Address
class ClassIndex:
    """Endpoint classes (by representative) indexed for selector evaluation by bit operations."""

    def __init__(self, reps: Sequence[Endpoint], label_keys: frozenset[str] | None = None) -> None:
        """`label_keys`: the keys selectors can ask about (None: all). Classes are formed from these
        keys only, so other labels of a representative say nothing about its class and are not
        indexed (at 100,000 pods, per-workload labels such as pod-template-hash cost ~7 KB a value)."""
        self.reps = reps
        self.everyone = (1 << len(reps)) - 1
        # The classes of each namespace, label set, key and key=value, listed and then made masks in
        # one pass each (OR-ing bit after bit into tens of thousands of growing masks is quadratic).
        pods: list[int] = []
        by_namespace: dict[str, list[int]] = {}
        by_ns_labels: dict[tuple[tuple[str, str], ...], list[int]] = {}
        by_key: dict[str, list[int]] = {}
        by_key_value: dict[tuple[str, str], list[int]] = {}
        for c, rep in enumerate(reps):
            if rep.external or rep.host_network:
                continue
            pods.append(c)
            by_namespace.setdefault(rep.namespace, []).append(c)
            by_ns_labels.setdefault(rep.ns_labels, []).append(c)
            for kv in rep.labels_map.items():
                if label_keys is not None and kv[0] not in label_keys:
                    continue
                by_key.setdefault(kv[0], []).append(c)
                by_key_value.setdefault(kv, []).append(c)
        self.pods = mask_of(pods)  # classes a selector can match: not external, not hostNetwork
        self.by_namespace = {k: mask_of(v) for k, v in by_namespace.items()}
        self.by_ns_labels = {k: mask_of(v) for k, v in by_ns_labels.items()}
        self.by_key = {k: mask_of(v) for k, v in by_key.items()}
        self.by_key_value = {k: mask_of(v) for k, v in by_key_value.items()}
        self._selectors: dict[LabelSelector, int] = {}
        self._ns_selectors: dict[LabelSelector, int] = {}
        self._terms: dict[PeerTerm, int] = {}
        self._addresses: dict[tuple[int, bool], tuple[list[int], list[int]]] = {}
        self._ip_masks: dict[tuple[IPSet, bool, bool], int] = {}
        self._first = 0  # with_outside: the classes below are another index's, which matches address terms there
        self._base_term: Callable[[PeerTerm], int] | None = None

    def with_outside(self, reps: Sequence[Endpoint]) -> ClassIndex:
        """This index over `reps`: its own classes followed by classes of addresses outside the cluster.
        Selectors never match those (nor are they indexed): selector results are shared, and an address
        term is matched anew on the added classes only."""
        out: ClassIndex = copy.copy(self)
        out.reps, out.everyone = reps, (1 << len(reps)) - 1
        out._base_term, out._first = self.term, len(self.reps)
        out._terms = {t: m for t, m in self._terms.items() if isinstance(t, SelectorTerm)}
        out._addresses, out._ip_masks = {}, {}
        return out

    def pod_selector(self, selector: LabelSelector) -> int:
        """Pod classes whose labels the selector matches."""
        mask = self._selectors.get(selector)
        if mask is None:
            mask = self._selectors[selector] = self._evaluate(selector)
        return mask

    def _evaluate(self, selector: LabelSelector) -> int:
        mask = self.pods
        kv = self.by_key_value
        for pair in selector.match_labels:
            mask &= kv.get(pair, 0)
        for r in selector.match_expressions:
            if r.operator in ("In", "NotIn"):
                having = 0
                for v in r.values:
                    having |= kv.get((r.key, v), 0)
                mask = mask & having if r.operator == "In" else mask & ~having
            elif r.operator == "Exists":
                mask &= self.by_key.get(r.key, 0)
            elif r.operator == "DoesNotExist":
                mask &= ~self.by_key.get(r.key, 0)
            else:  # unknown operators never load; match nothing, as `matches` does
                mask = 0
        return mask

    def namespace_selector(self, selector: LabelSelector) -> int:
        """Pod classes in the namespaces whose labels the selector matches."""
        mask = self._ns_selectors.get(selector)
        if mask is None:
            mask = 0
            for labels, classes in self.by_ns_labels.items():
                if matches(selector, dict(labels)):
                    mask |= classes
            self._ns_selectors[selector] = mask
        return mask

    def selected_by_policy(self, namespace: str, selector: LabelSelector) -> int:
        return self.by_namespace.get(namespace, 0) & self.pod_selector(selector)

    def peer(self, peer: TermMatcher) -> int:
        """Classes one peer entry (of any policy kind) matches."""
        return self.term(peer.term)

    def term(self, term: PeerTerm) -> int:
        """Classes a term (semantics/compile.py: a subject or a peer entry, of any kind) matches."""
        mask = self._terms.get(term)
        if mask is None:
            mask = self._terms[term] = self._term(term)
        return mask

    def _term(self, term: PeerTerm) -> int:
        if term is None:
            return 0
        if isinstance(term, SelectorTerm):
            mask = self.pods
            if term.namespace is not None:
                mask &= self.by_namespace.get(term.namespace, 0)
            elif term.namespace_selector is not None:
                mask &= self.namespace_selector(term.namespace_selector)
            if term.pod_selector is not None:
                mask &= self.pod_selector(term.pod_selector)
            return mask
        key = (term.addresses, term.pods, term.every_ip)  # blocks written differently often cover the same addresses
        found = self._ip_masks.get(key)
        if found is None:
            found = self._ip_masks[key] = self._ip_mask(term) | (self._base_term(term) if self._base_term else 0)
        return found

    def _ip_mask(self, term: AddressTerm) -> int:
        """The classes from `_first` on that the address term matches."""
        first = self._first
        hits: dict[int, int] = {}  # class (from `first`) -> how many of its addresses the term holds
        # as IPBlockPeer.why_not / AdminPeerMatcher.why_not: pod IPs count only when the term says so
        for family, intervals in ((4, term.addresses.v4.intervals), (6, term.addresses.v6.intervals)):
            addresses, classes = self._sorted_addresses(family, term.pods)
            for lo, hi in intervals:  # the classes with an address in lo..hi: one bisect per interval
                for c in classes[bisect_left(addresses, lo):bisect_right(addresses, hi)]:
                    hits[c] = hits.get(c, 0) + 1
        if not term.every_ip:
            return mask_of(c + first for c in hits)
        reps = self.reps
        return mask_of(c + first for c, n in hits.items() if n == len(reps[c + first].ips))

    def _sorted_addresses(self, family: int, match_pods: bool) -> tuple[list[int], list[int]]:
        """The addresses (as integers) of the classes an address term may match, sorted, each with its
        class: a term then costs a bisect per interval instead of a test per class."""
        key = (family, match_pods)
        found = self._addresses.get(key)
        if found is None:
            pairs = sorted((value, c - self._first) for c, rep in enumerate(self.reps[self._first:], self._first)
                           if rep.ips and (match_pods or rep.external or rep.host_network)
                           for version, value in map(address_key, rep.ips) if version == family)
            found = self._addresses[key] = ([a for a, _ in pairs], [c for _, c in pairs])
        return found
