"""NV505/NV506: the YAML trap of one peer with two selectors versus two peers with one each.

    - namespaceSelector: {matchLabels: {team: a}}      - namespaceSelector: {matchLabels: {team: a}}
    - podSelector: {matchLabels: {app: web}}             podSelector: {matchLabels: {app: web}}

The left is two peers (every pod of team-a namespaces, OR app=web pods of the policy's own
namespace); the right is one peer (app=web pods of team-a namespaces). One dash decides. Both
readings are computed on the inventory (as bitsets of endpoint classes, for the whole rule) and
a finding is made only where they differ.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from netverify.model import Direction, NetworkPolicy, Peer, Severity
from netverify.queries.lint.context import LintContext, finding, located, names, plural, policy_obj
from netverify.queries.lint.findings import Finding
from netverify.semantics.compile import CompiledPolicy, PeerMatcher, SelectorPeer


def _kind(m: PeerMatcher) -> str:
    if not isinstance(m, SelectorPeer):
        return "ipBlock"
    if m.namespace_selector is not None and m.pod_selector is not None:
        return "both"
    return "ns" if m.namespace_selector is not None else "pod"


def peer_traps(ctx: LintContext) -> Iterator[Finding]:
    for cp in ctx.policies:
        for direction in (Direction.INGRESS, Direction.EGRESS):
            for rule, compiled in zip(cp.policy.rules(direction), cp.rules(direction), strict=True):
                masks = [ctx.index.peer(m) for m in compiled.peers]
                yield from _split(ctx, cp, direction, rule.index, rule.peers, compiled.peers, masks)
                yield from _combined(ctx, cp, direction, rule.index, rule.peers, compiled.peers, masks)


def _others(masks: list[int], skip: Sequence[int]) -> int:
    out = 0
    for k, m in enumerate(masks):
        if k not in skip:
            out |= m
    return out


def _describe(ctx: LintContext, mask: int) -> str:
    ids = ctx.member_ids(mask)
    return f"{plural(len(ids), 'endpoint')} ({names(ids)})" if ids else "nothing"


def _split(ctx: LintContext, cp: CompiledPolicy, direction: Direction, i: int, peers: Sequence[Peer],
           matchers: Sequence[PeerMatcher], masks: list[int]) -> Iterator[Finding]:
    """NV505: adjacent namespaceSelector-only and podSelector-only peers, perhaps meant as one."""
    for j in range(len(matchers) - 1):
        pair = (matchers[j], matchers[j + 1])
        kinds = {_kind(m) for m in pair}
        if kinds != {"ns", "pod"}:
            continue
        ns_m, pod_m = (pair[0], pair[1]) if _kind(pair[0]) == "ns" else (pair[1], pair[0])
        assert isinstance(ns_m, SelectorPeer) and isinstance(pod_m, SelectorPeer)
        assert ns_m.namespace_selector is not None and pod_m.pod_selector is not None
        combined = ctx.index.namespace_selector(ns_m.namespace_selector) & ctx.index.pod_selector(pod_m.pod_selector)
        others = _others(masks, (j, j + 1))
        written, one_peer = others | masks[j] | masks[j + 1], others | combined
        if written == one_peer:
            continue
        # A podSelector that selects nothing in the policy's namespace but would in the selected
        # namespaces is the typo's signature; otherwise an OR may well be meant.
        likely = not ctx.index.peer(pod_m) and bool(combined)
        side = "from" if direction == "ingress" else "to"
        yield finding(
            "NV505", located(peers[j].source, cp.policy.source),
            f"{cp.policy.id} {direction}[{i}] {side}[{j}] and {side}[{j + 1}] are two peers "
            f"(namespaceSelector {ns_m.namespace_selector.describe()} OR podSelector {pod_m.pod_selector.describe()} "
            f"in {cp.policy.namespace}) admitting {_describe(ctx, written)}; as one peer (AND) they would admit "
            f"{_describe(ctx, one_peer)}"
            + ("; the podSelector matches nothing in the policy's namespace, so one peer was probably meant: "
               "remove the '-' before the second selector" if likely else "; check which was meant"),
            policy_obj(cp.policy), severity=None if likely else Severity.INFO)


def _combined(ctx: LintContext, cp: CompiledPolicy, direction: Direction, i: int, peers: Sequence[Peer],
              matchers: Sequence[PeerMatcher], masks: list[int]) -> Iterator[Finding]:
    """NV506: one peer with both selectors that matches nothing, where two peers would match pods."""
    policy: NetworkPolicy = cp.policy
    for j, m in enumerate(matchers):
        if _kind(m) != "both" or masks[j]:
            continue
        assert isinstance(m, SelectorPeer) and m.namespace_selector is not None
        split = (ctx.index.namespace_selector(m.namespace_selector)
                 | ctx.index.peer(SelectorPeer(policy.namespace, m.pod_selector, None)))
        others = _others(masks, (j,))
        if not split & ~others:
            continue
        side = "from" if direction == "ingress" else "to"
        yield finding(
            "NV506", located(peers[j].source, policy.source),
            f"{policy.id} {direction}[{i}] {side}[{j}] ({m.describe()}) is one peer and matches no pod; as two peers "
            f"(namespaceSelector OR podSelector) the rule would admit {_describe(ctx, others | split)}: if either "
            "was meant, add a '-' before podSelector", policy_obj(policy))
