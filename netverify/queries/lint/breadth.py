"""NV501-NV504: rules broader than they look, ipBlocks over pod IPs, and hostNetwork pods."""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import named_ports_key
from netverify.model import Direction, Peer, SourceRef
from netverify.queries.lint.context import LintContext, finding, located, names, plural, policy_obj
from netverify.queries.lint.findings import Finding
from netverify.queries.lint.selection import peer_label, selector_peers
from netverify.semantics.compile import CompiledPolicy, CompiledRule, IPBlockPeer, PeerMatcher, SelectorPeer
from netverify.sets import IPSet, address_key


def _broad(peer: PeerMatcher) -> str | None:
    """Why a peer admits (nearly) everyone, or None: an ipBlock /0, or every pod of every namespace."""
    if isinstance(peer, IPBlockPeer):
        return peer.describe() if peer.block.cidr.endswith("/0") else None
    if peer.namespace_selector is not None and peer.namespace_selector.is_empty() and (
            peer.pod_selector is None or peer.pod_selector.is_empty()):
        return "every pod of every namespace (namespaceSelector: {})"
    return None


def broad_ingress(ctx: LintContext) -> Iterator[Finding]:
    """NV501: an ingress rule from 0.0.0.0/0 or every namespace to pods that narrower rules also admit.

    The narrower rule then has no effect on the ports both admit: either the broad rule is a
    mistake, or the narrower one is dead weight. Rules on other ports are a normal pattern
    (public HTTPS and a metrics port for Prometheus) and are not reported.
    """
    selecting = ctx.selecting(Direction.INGRESS)
    for i, cp in enumerate(ctx.policies):
        if not cp.affects(Direction.INGRESS):
            continue
        for rule in cp.ingress:
            why = [w for w in (_broad(p) for p in rule.peers) if w]
            if why:
                yield from _broad_rule(ctx, selecting, i, cp, rule, why[0])


def _broad_rule(ctx: LintContext, selecting: list[tuple[int, ...]], i: int, cp: CompiledPolicy, rule: CompiledRule,
                why: str) -> Iterator[Finding]:
    narrower: dict[str, SourceRef] = {}
    targets = 0
    peers, addresses = _admitted(ctx, rule)
    covered: dict[int, bool] = {}  # per narrower rule: it depends on that rule alone
    # Classes with the same selecting policies and named ports see the same rules resolve alike.
    groups: dict[tuple[tuple[int, ...], tuple[object, ...]], list[int]] = {}
    for c in bit_list(ctx.policy_masks[i]):
        groups.setdefault((selecting[c], named_ports_key(ctx.reps[c])), []).append(c)
    # Ports through the graph: resolved once per rule and view of the named ports, interned, so the
    # subset test is a cached difference (at 100,000 pods the ports were most of NV501's time).
    graph, conns = ctx.graph, ctx.graph.conns
    for (key, _), classes in groups.items():
        rep = ctx.reps[classes[0]]
        broad_ports = graph.rule_ports(rule, rep)
        hit = False
        for j in key:
            for other in ctx.policies[j].ingress:
                if other is rule or not other.peers or any(_broad(p) for p in other.peers):
                    continue
                theirs = graph.rule_ports(other, rep)
                if not theirs or conns.difference(theirs, broad_ports):
                    continue
                if id(other) not in covered:
                    covered[id(other)] = _covered(ctx, other, peers, addresses)
                if covered[id(other)]:
                    narrower.setdefault(f"{other.ref.policy} ingress[{other.ref.index}]", other.ref.source)
                    hit = True
        if hit:
            for c in classes:
                targets |= 1 << c
    if narrower:
        label = f"{rule.ref.policy} ingress[{rule.ref.index}]"
        yield finding("NV501", rule.ref.source, f"{label} admits {why} to {names(ctx.member_ids(targets))}; the "
                      f"narrower rules {names(sorted(narrower))} admit nothing more there, so they have no effect: "
                      "narrow the broad rule, or drop the narrower ones", policy_obj(cp.policy),
                      related=list(narrower.values()))


def _admitted(ctx: LintContext, rule: CompiledRule) -> tuple[int, IPSet]:
    """The classes and the addresses some peer of the rule admits."""
    mask, addresses = 0, IPSet()
    for p in rule.peers:
        mask |= ctx.index.peer(p)
        if isinstance(p, IPBlockPeer):
            addresses = addresses | p.addresses
    return mask, addresses


def _covered(ctx: LintContext, rule: CompiledRule, peers: int, addresses: IPSet) -> bool:
    """Whether the rule admits some peer, and every peer it admits (classes, addresses) the broad rule admits too."""
    mask, own = _admitted(ctx, rule)
    return bool(mask or own) and not mask & ~peers and own.issubset(addresses)


class _PodAddresses:
    """Loaded pod IPs, sorted per family, to count those inside an address set by bisection."""

    def __init__(self, ctx: LintContext) -> None:
        pairs = sorted((address_key(ip), ep.id) for ep in ctx.analysis.endpoints
                       if not ep.external and not ep.host_network for ip in ep.ips)
        self.keys = {f: [value for (version, value), _ in pairs if version == f] for f in (4, 6)}
        self.ids = {f: [e for (version, _), e in pairs if version == f] for f in (4, 6)}

    def inside(self, addresses: IPSet) -> list[str]:
        out: list[str] = []
        for family, intervals in ((4, addresses.v4), (6, addresses.v6)):
            keys, ids = self.keys[family], self.ids[family]
            for lo, hi in intervals:
                out.extend(ids[bisect.bisect_left(keys, lo):bisect.bisect_right(keys, hi)])
        return sorted(set(out))


def ipblock_covers_pods(ctx: LintContext) -> Iterator[Finding]:
    """NV502: an ipBlock (other than the /0 idiom for "everywhere") that contains loaded pod IPs."""
    pods = _PodAddresses(ctx)
    cache: dict[IPSet, list[str]] = {}
    for cp in ctx.policies:
        for direction in (Direction.INGRESS, Direction.EGRESS):
            for rule, compiled in zip(cp.policy.rules(direction), cp.rules(direction), strict=True):
                for j, (peer, matcher) in enumerate(zip(rule.peers, compiled.peers, strict=True)):
                    if isinstance(matcher, IPBlockPeer) and not matcher.block.cidr.endswith("/0"):
                        inside = cache.get(matcher.addresses)
                        if inside is None:
                            inside = cache[matcher.addresses] = pods.inside(matcher.addresses)
                        if inside:
                            side = "from" if direction == Direction.INGRESS else "to"
                            yield _covers(ctx, cp, peer, matcher, f"{direction}[{rule.index}] {side}", j, inside)


def _covers(ctx: LintContext, cp: CompiledPolicy, peer: Peer, matcher: IPBlockPeer, rule: str, j: int,
            inside: list[str]) -> Finding:
    scope = ("it matches them (--ipblock-scope all), but pod IPs change when pods are rescheduled"
             if ctx.analysis.semantics.ipblock_matches_pods
             else "plugins differ on whether ipBlocks match pod IPs")
    return finding("NV502", located(peer.source, cp.policy.source),
                   f"{cp.policy.id} {rule}[{j}] {matcher.describe()} contains the IPs of "
                   f"{plural(len(inside), 'loaded pod')} ({names(inside)}): ipBlock is meant for addresses outside "
                   f"the cluster and {scope}; "
                   "select pods with podSelector/namespaceSelector", policy_obj(cp.policy))


def policy_selects_host_network(ctx: LintContext) -> Iterator[Finding]:
    """NV503: a policy selects hostNetwork pods; NetworkPolicy does not govern them."""
    for cp in ctx.policies:
        p = cp.policy
        hosts = ctx.host_network_matching(p.namespace, None, p.pod_selector)
        if hosts:
            yield finding("NV503", p.source, f"{p.id} selects hostNetwork pods ({names([e.id for e in hosts])}): "
                          "they use the node's network and NetworkPolicy does not isolate them; protect them with "
                          "host firewall rules", policy_obj(p))


def peer_matches_host_network(ctx: LintContext) -> Iterator[Finding]:
    """NV504: a selector peer whose labels match hostNetwork pods: their traffic has the node's IP."""
    for cp in ctx.policies:
        for direction, i, j, peer, matcher in selector_peers(cp):
            yield from _host_peer(ctx, cp, direction, i, j, peer, matcher)


def _host_peer(ctx: LintContext, cp: CompiledPolicy, direction: Direction, i: int, j: int, peer: Peer,
               matcher: SelectorPeer) -> Iterator[Finding]:
    if not ctx.host_network:
        return
    if matcher.pod_selector is None or matcher.pod_selector.is_empty():
        return  # a whole namespace was meant, not these pods in particular
    hosts = ctx.host_network_matching(cp.policy.namespace, matcher.namespace_selector, matcher.pod_selector)
    if hosts:
        yield finding("NV504", located(peer.source, cp.policy.source),
                      f"{peer_label(direction, i, j)} ({matcher.describe()}) of {cp.policy.id} matches hostNetwork "
                      f"pods by their labels ({names([e.id for e in hosts])}), but selectors never match hostNetwork "
                      "pods: their traffic carries the node's IP; use an ipBlock with the node addresses",
                      policy_obj(cp.policy))
