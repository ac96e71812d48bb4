"""NV1xx: selectors that select nothing on the loaded inventory."""

from __future__ import annotations

from collections.abc import Iterator

from netverify.model import Direction, NetworkPolicy, Peer
from netverify.queries.lint.context import LintContext, finding, located, names, policy_obj
from netverify.queries.lint.findings import Finding
from netverify.queries.unseen import HOW_TO_SEE_THEM, describe, unseen_pod_makers
from netverify.semantics.compile import CompiledPolicy, SelectorPeer


def policy_selects_no_pod(ctx: LintContext) -> Iterator[Finding]:
    """NV101: a policy whose podSelector matches no loaded pod of its namespace (it protects nothing)."""
    for cp, mask in zip(ctx.policies, ctx.policy_masks, strict=True):
        p = cp.policy
        if mask or ctx.host_network_matching(p.namespace, None, p.pod_selector):
            continue  # hostNetwork pods it selects are NV503's subject
        why = (f"namespace {p.namespace} has no loaded pods" if p.namespace not in ctx.pod_namespaces
               else f"no pod of namespace {p.namespace} has labels {p.pod_selector.describe()}")
        why += _unseen(ctx, [p.namespace])
        yield finding("NV101", p.source, f"policy {p.id} selects no pod: {why}", policy_obj(p))


def peer_label(direction: Direction, rule_index: int, peer_index: int) -> str:
    return f"{direction}[{rule_index}] {'from' if direction == 'ingress' else 'to'}[{peer_index}]"


def selector_peers(cp: CompiledPolicy) -> Iterator[tuple[Direction, int, int, Peer, SelectorPeer]]:
    """(direction, rule index, peer index, the peer as written, its matcher) for every selector peer."""
    p = cp.policy
    for direction in (Direction.INGRESS, Direction.EGRESS):
        for rule, compiled in zip(p.rules(direction), cp.rules(direction), strict=True):
            for j, (peer, matcher) in enumerate(zip(rule.peers, compiled.peers, strict=True)):
                if isinstance(matcher, SelectorPeer):
                    yield direction, rule.index, j, peer, matcher


def peer_matches_nothing(ctx: LintContext) -> Iterator[Finding]:
    """NV102: a podSelector/namespaceSelector peer that matches no loaded pod (it admits nothing)."""
    for cp in ctx.policies:
        for direction, i, j, peer, matcher in selector_peers(cp):
            if ctx.index.peer(matcher):
                continue
            why = _why_no_match(ctx, cp.policy, matcher)
            yield finding("NV102", located(peer.source, cp.policy.source),
                          f"{peer_label(direction, i, j)} ({matcher.describe() or 'podSelector {}'}) of {cp.policy.id} "
                          f"matches no pod: {why}", policy_obj(cp.policy))


def _why_no_match(ctx: LintContext, policy: NetworkPolicy, matcher: SelectorPeer) -> str:
    hosts = ctx.host_network_matching(policy.namespace, matcher.namespace_selector, matcher.pod_selector)
    extra = (f"; it would match hostNetwork pods ({names([e.id for e in hosts])}), which selectors never match"
             if hosts else "")
    if matcher.namespace_selector is not None:
        namespaces = ctx.namespaces_matching(matcher.namespace_selector)
    else:
        namespaces = [policy.namespace]
    return _no_pod_reason(ctx, policy, matcher) + extra + _unseen(ctx, namespaces)


def _unseen(ctx: LintContext, namespaces: list[str]) -> str:
    """Why a selector may still match pods on the cluster: pod-making resources netverify skipped there."""
    parts = []
    for namespace in namespaces:
        makers = unseen_pod_makers(ctx.cluster, namespace)
        if makers:
            parts.append(f"in namespace {namespace}, {describe(makers)}")
    return f"; but {'; '.join(parts)}: their pods may match ({HOW_TO_SEE_THEM})" if parts else ""


def _no_pod_reason(ctx: LintContext, policy: NetworkPolicy, matcher: SelectorPeer) -> str:
    if matcher.namespace_selector is not None:
        namespaces = ctx.namespaces_matching(matcher.namespace_selector)
        if not namespaces:
            return f"no namespace has labels {matcher.namespace_selector.describe()}"
        with_pods = [n for n in namespaces if n in ctx.pod_namespaces]
        if not with_pods:
            return f"the namespaces it selects ({names(namespaces)}) have no loaded pods (other than hostNetwork ones)"
        where = f"namespaces {names(with_pods)}" if len(with_pods) > 1 else f"namespace {with_pods[0]}"
    else:
        if policy.namespace not in ctx.pod_namespaces:
            return (f"a podSelector alone selects pods of the policy's namespace {policy.namespace}, which has no "
                    "loaded pods (other than hostNetwork ones)")
        where = f"namespace {policy.namespace} (a podSelector alone selects pods of the policy's namespace only)"
    labels = matcher.pod_selector.describe() if matcher.pod_selector is not None else "{}"
    return f"no pod in {where} has labels {labels}"
