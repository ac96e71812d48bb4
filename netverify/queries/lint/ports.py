"""NV2xx: named ports that resolve on no destination pod.

A named port is resolved on the DESTINATION: for an ingress rule, the pods the policy selects;
for an egress rule, the pods its peers match (every pod when it lists no peer). A name that no
destination defines, or defines only with another protocol, allows nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

from netverify.model import Diagnostic, Direction, Severity
from netverify.queries.lint.context import LintContext, finding, located, plural, policy_obj
from netverify.queries.lint.findings import Finding
from netverify.semantics.compile import CompiledPolicy, CompiledRule, IPBlockPeer


class _PortIndex:
    """Classes by the container port names (and protocols) their endpoints define."""

    def __init__(self, ctx: LintContext) -> None:
        self.by_name: dict[str, int] = {}
        self.by_name_protocol: dict[tuple[str, str], int] = {}
        for c, rep in enumerate(ctx.reps):
            for p in rep.ports:
                if p.name:
                    self.by_name[p.name] = self.by_name.get(p.name, 0) | 1 << c
                    key = (p.name, p.protocol)
                    self.by_name_protocol[key] = self.by_name_protocol.get(key, 0) | 1 << c


class _Destinations:
    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx

    @cached_property
    def ports(self) -> _PortIndex:
        return _PortIndex(self.ctx)

    def of_rule(self, policy_index: int, rule: CompiledRule) -> int:
        if rule.ref.direction == Direction.INGRESS:
            return self.ctx.policy_masks[policy_index]
        if not rule.peers:
            return self.ctx.index.everyone
        mask = 0
        for peer in rule.peers:
            mask |= self.ctx.index.peer(peer)
        return mask


def reported_by_lint(d: Diagnostic) -> bool:
    """Whether a loader warning is a lint finding: the loader's "named port ... is declared by no container"
    (netverify.loaders.manifests.unresolved_references) is NV201, located at the same port entry; its "a
    named port never matches a `networks` destination" (loaders/admin.py) is NV704."""
    return d.severity is Severity.WARNING and ("is declared by no container" in d.message
                                              or "a named port never matches a `networks` destination" in d.message)


def named_ports(ctx: LintContext) -> Iterator[Finding]:
    """NV201 (no destination defines the name) and NV202 (only with another protocol)."""
    dests = _Destinations(ctx)
    for i, cp in enumerate(ctx.policies):
        for rule in cp.ingress + cp.egress:
            if any(isinstance(m.spec.port, str) for m in rule.ports):
                yield from _rule_ports(ctx, dests, i, cp, rule)


def _rule_ports(ctx: LintContext, dests: _Destinations, i: int, cp: CompiledPolicy,
                rule: CompiledRule) -> Iterator[Finding]:
    mask = dests.of_rule(i, rule)
    external_only = bool(rule.peers) and all(isinstance(p, IPBlockPeer) for p in rule.peers)
    if not mask and not external_only:
        return  # no destination at all: NV101/NV102 say so
    what = "the pods it selects" if rule.ref.direction == Direction.INGRESS else "the pods its peers match"
    for m in rule.ports:
        name, protocol = m.spec.port, m.spec.protocol
        if not isinstance(name, str):
            continue
        where = located(m.spec.source, rule.ref.source)
        label = f"{rule.ref.policy} {rule.ref.direction}[{rule.ref.index}] port {name!r} ({protocol})"
        if not mask:
            yield finding("NV201", where, f"{label} allows nothing: a named port never matches an address outside "
                          "the cluster, and the rule's ipBlocks contain no pod", policy_obj(cp.policy))
        elif not mask & dests.ports.by_name_protocol.get((name, protocol), 0):
            other = mask & dests.ports.by_name.get(name, 0)
            if other:
                protos = sorted({p.protocol for ep in ctx.members(other) for p in ep.ports if p.name == name})
                yield finding("NV202", where, f"{label} allows nothing: {what} define {name!r} as "
                              f"{'/'.join(protos)}, not {protocol}", policy_obj(cp.policy))
            else:
                yield finding("NV201", where, f"{label} allows nothing: none of {what} "
                              f"({plural(len(ctx.members(mask)), 'endpoint')}) defines a container port named {name!r}",
                              policy_obj(cp.policy))
