"""The diff's traffic with addresses outside the cluster: address blocks as endpoints.

Outside the cluster, policies see addresses only through ipBlocks. The address space is cut
into *blocks*: the sets of addresses that every ipBlock of both versions treats alike (each
ipBlock contains a block wholly or not at all), so one address stands for its whole block.
With no ipBlock at all there is one block, every address. As in `exposure`, an endpoint's
traffic with a block is what its egress admits toward the block's addresses (endpoint ->
block) and what its ingress admits from them (block -> endpoint): the outside end is not
governed by NetworkPolicy. A rule admits a block when it has no peers (every address) or one
of its ipBlocks contains it; named ports never match an outside destination (it has no
container ports), and on ingress they resolve on the endpoint.

Computed per joint class and side from the class's selecting policies (the graph's
`selecting`), with each rule's blocks as a bitset; explained with the diff's rule and policy
causes, and grouped the same way: (endpoints) x (blocks) rectangles.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.engines.bitsets import bit_list
from netverify.model import Direction
from netverify.queries.context import Analysis
from netverify.queries.diff_causes import Explainer
from netverify.queries.diff_joint import Affected, JointClasses, Key, Rectangle, cut, lowest, merge_causes
from netverify.queries.diff_verdicts import isolated_verdict
from netverify.semantics.compile import CompiledRule, IPBlockPeer, ip_blocks
from netverify.semantics.endpoints import Endpoint, external_endpoint
from netverify.semantics.evaluate import DirectionVerdict
from netverify.semantics.verdict import NETWORK_POLICY_TIER, Decision, RuleMatch
from netverify.sets import ConnectionSet, IntervalSet, IPSet

EVERYWHERE = IPSet.everything()
_FAMILIES = ((4, 2**32 - 1), (6, 2**128 - 1))
# Where named ports are resolved for destinations outside the cluster (never: they have no ports).
_OUTSIDE = external_endpoint("192.0.2.1")


@dataclass(frozen=True)
class AddressBlock:
    """A set of addresses outside the cluster that no ipBlock of either version tells apart."""

    id: str
    addresses: IPSet

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "addresses": self.addresses.to_cidrs()}


def block_id(addresses: IPSet, limit: int = 4) -> str:
    """A block's id: its exact description when short (`0.0.0.0/0 except 10.0.0.0/8`, `8.8.8.8/32`),
    else `FIRST-CIDR and N more CIDRs`; unique, since blocks are disjoint and so are their first CIDRs."""
    exact = describe_block(addresses)
    if exact.count(",") < limit:
        return exact
    cidrs = addresses.to_cidrs()
    return f"{cidrs[0]} and {len(cidrs) - 1} more CIDRs"


def describe_block(addresses: IPSet) -> str:
    """Per family its CIDRs, or `0.0.0.0/0 except ...` when that is shorter; exact."""
    return addresses.describe() if addresses else ""


def address_blocks(blocks: list[IPSet]) -> list[AddressBlock]:
    """The whole address space cut by `blocks` into sets of addresses with the same membership."""
    unique = list(dict.fromkeys(blocks))
    found: dict[frozenset[int], dict[int, list[tuple[int, int]]]] = {}
    for family, top in _FAMILIES:
        events: dict[int, list[tuple[int, int]]] = {0: []}
        for index, block in enumerate(unique):
            for lo, hi in (block.v4 if family == 4 else block.v6).intervals:
                events.setdefault(lo, []).append((index, 1))
                events.setdefault(hi + 1, []).append((index, -1))
        bounds = sorted(b for b in events if b <= top)
        active: dict[int, int] = {}
        for n, start in enumerate(bounds):
            for index, delta in events[start]:
                count = active.get(index, 0) + delta
                if count:
                    active[index] = count
                else:
                    active.pop(index, None)
            end = bounds[n + 1] - 1 if n + 1 < len(bounds) else top
            found.setdefault(frozenset(active), {4: [], 6: []})[family].append((start, end))
    out = [IPSet(IntervalSet(ivs[4]), IntervalSet(ivs[6])) for ivs in found.values()]
    out.sort(key=lambda s: (not s.v4, s.v4.intervals[:1] or s.v6.intervals[:1]))
    return [AddressBlock(block_id(s), s) for s in out]


def _sample(block: AddressBlock) -> str:
    return block.addresses.to_cidrs()[0].split("/")[0]


class OutsideDiff:
    """Changes of the joint classes' traffic with address blocks, as rectangles."""

    def __init__(self, base: Analysis, head: Analysis, joint: JointClasses, explainer: Explainer) -> None:
        self.joint, self.explainer = joint, explainer
        self.analyses = (base, head)
        self.blocks = address_blocks(ip_blocks(base.policies) + ip_blocks(head.policies))
        self._samples = [_sample(b) for b in self.blocks]
        self.everywhere = (1 << len(self.blocks)) - 1
        self._masks: dict[IPSet, int] = {}
        self._cache: dict[tuple[object, ...], list[tuple[Key, int]]] = {}
        self._blocks_of: dict[int, int] = {}  # id(rule) -> its blocks (rules live as long as the analyses)
        self._ruled: dict[tuple[int, Direction, tuple[int, ...]], list[CompiledRule]] = {}
        self._ruled_blocks: dict[tuple[int, Direction, tuple[int, ...]], list[int]] = {}  # each rule's blocks

    def _block_mask(self, addresses: IPSet) -> int:
        mask = self._masks.get(addresses)
        if mask is None:
            mask = self._masks[addresses] = sum(1 << i for i, a in enumerate(self._samples)
                                                if addresses.contains_address(a))
        return mask

    def _rule_blocks(self, rule: CompiledRule) -> int:
        mask = self._blocks_of.get(id(rule))
        if mask is None:
            if not rule.peers:
                mask = self.everywhere
            else:
                mask = 0
                for peer in rule.peers:
                    if isinstance(peer, IPBlockPeer):
                        mask |= self._block_mask(peer.addresses)
            self._blocks_of[id(rule)] = mask
        return mask

    def _rules(self, side: int, c: int, direction: Direction) -> tuple[list[CompiledRule], tuple[int, ...], Endpoint]:
        """The rules governing class c's `direction` on one side, the policies isolating it, and its rep
        (the rules listed once per side, direction and set of isolating policies)."""
        analysis = self.analyses[side]
        rep = analysis.graph.reps[c]
        key = () if rep.host_network else analysis.graph.selecting(direction)[c]
        rules = self._ruled.get((side, direction, key))
        if rules is None:
            rules = [r for i in key for r in analysis.policies[i].rules(direction)]
            self._ruled[(side, direction, key)] = rules
            self._ruled_blocks[(side, direction, key)] = [self._rule_blocks(r) for r in rules]
        return rules, key, rep

    def _verdict(self, side: int, c: int, direction: Direction, block: int) -> DirectionVerdict:
        """What one side's policies of `direction` say of class c's traffic with one block: the
        NetworkPolicy tier's Decision, built by the verdict's own `isolating` from the rules that match."""
        analysis = self.analyses[side]
        rules, key, rep = self._rules(side, c, direction)
        if not key:
            return DirectionVerdict(direction, rep.id, False, ConnectionSet.all(),
                                    decisions=(Decision.passing(NETWORK_POLICY_TIER),))
        port_dst = rep if direction == Direction.INGRESS else _OUTSIDE
        ports_for = analysis.graph.rule_ports  # rule.ports_for(port_dst), cached per rule and named ports
        matches = []
        for rule, blocks in zip(rules, self._ruled_blocks[(side, direction, key)], strict=True):
            if blocks >> block & 1:
                conns = ports_for(rule, port_dst)
                if conns:
                    matches.append(RuleMatch(rule.ref, conns))
        return isolated_verdict(direction, rep.id, tuple(analysis.policies[i].ref for i in key), matches)

    def _changes(self, j: int, direction: Direction) -> list[tuple[Key, int]]:
        """(before, after, rule causes) and the blocks they hold, for joint class j's traffic."""
        cb, ch = self.joint.sides[j]
        (rules_b, key_b, rep_b), (rules_h, key_h, rep_h) = self._rules(0, cb, direction), self._rules(1, ch, direction)
        ports = (named(rep_b), named(rep_h)) if direction == Direction.INGRESS else ()
        cache_key = (direction, key_b, key_h, ports)
        found = self._cache.get(cache_key)
        if found is None:
            cells = cut([self.everywhere], [self._rule_blocks(r) for r in rules_b + rules_h])
            by_key: dict[Key, int] = {}
            for cell in cells:
                block = lowest(cell)
                vb, vh = self._verdict(0, cb, direction, block), self._verdict(1, ch, direction, block)
                if vb.allowed != vh.allowed:
                    gained, lost = vh.allowed - vb.allowed, vb.allowed - vh.allowed
                    key = (vb.allowed, vh.allowed, tuple(self.explainer.direction(vb, vh, gained, lost)))
                    by_key[key] = by_key.get(key, 0) | cell
            found = self._cache[cache_key] = list(by_key.items())
        return found

    def rectangles(self, affected: Affected) -> list[Rectangle]:
        joint = self.joint
        out: list[Rectangle] = []
        for direction, mask in ((Direction.EGRESS, affected.sources), (Direction.INGRESS, affected.destinations)):
            merged: dict[tuple[Key, int], int] = {}  # (key with endpoint causes, blocks) -> joint classes
            for j in bit_list(mask):
                for (before, after, causes), blocks in self._changes(j, direction):
                    key = (before, after, merge_causes(causes, joint.causes[j]))
                    merged[(key, blocks)] = merged.get((key, blocks), 0) | 1 << j
            for (key, blocks), classes in merged.items():
                ids = tuple(sorted(self.blocks[i].id for i in bit_list(blocks)))
                src, dst = (joint.ids(classes), ids) if direction == Direction.EGRESS else (ids, joint.ids(classes))
                out.append(Rectangle(src, dst, *key))
        return out


def named(ep: Endpoint) -> tuple[object, ...]:
    return tuple(sorted((p.name, p.protocol, p.port) for p in ep.ports if p.name))
