"""NV4xx: isolation and cluster DNS.

DNS: a pod isolated for egress resolves names only if some egress rule admits the cluster DNS
pods (k8s-app=kube-dns in kube-system: kube-dns and CoreDNS) on 53/UDP and 53/TCP (TCP for
large answers). When DNS pods are loaded the graph engine answers, both directions included;
when none is, lint reasons about a typical CoreDNS pod (those labels, container ports
dns 53/UDP and dns-tcp 53/TCP, an address in the pod network).
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import ip_address

from netverify.engines.bitsets import bit_list
from netverify.model import (
    NAMESPACE_NAME_LABEL,
    AdminAction,
    AdminTier,
    ContainerPort,
    Direction,
    LabelSelector,
    PeerForm,
    Severity,
)
from netverify.queries.lint.admin_scan import AdminScan, scan_of
from netverify.queries.lint.context import LintContext, endpoint_obj, finding, names
from netverify.queries.lint.findings import Finding
from netverify.semantics.compile import CompiledRule, IPBlockPeer
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import decide_direction
from netverify.sets import ConnectionSet

DNS_NAMESPACE = "kube-system"
DNS_LABEL = ("k8s-app", "kube-dns")
DNS_NEEDS = (("UDP", 53), ("TCP", 53))


def _is_dns(ep: Endpoint) -> bool:
    return not ep.external and ep.namespace == DNS_NAMESPACE and ep.labels_map.get(DNS_LABEL[0]) == DNS_LABEL[1]


def _missing(allowed: ConnectionSet) -> list[str]:
    return [f"{port}/{proto}" for proto, port in DNS_NEEDS if not allowed.allows(proto, port)]


def egress_blocks_dns(ctx: LintContext) -> Iterator[Finding]:
    """NV401: endpoints isolated for egress that cannot reach cluster DNS on 53/UDP and 53/TCP."""
    scan = scan_of(ctx)
    if scan is not None:
        yield from _tiered_dns(ctx, scan)
        return
    dns_classes = [c for c, rep in enumerate(ctx.reps) if _is_dns(rep)]
    reach = _LoadedDNS(ctx, dns_classes) if dns_classes else _TypicalDNS(ctx)
    for a, key in enumerate(ctx.selecting(Direction.EGRESS)):
        if not key or _is_dns(ctx.reps[a]):  # the DNS pods forward upstream; they do not query themselves
            continue
        missing = _missing(reach.allowed(a, key))
        if not missing:
            continue
        policies = [ctx.policies[i].policy.id for i in key]
        for ep in ctx.graph.members[a]:
            yield finding("NV401", ep.source, f"{ep.id} is isolated for egress by {names(policies)} and cannot reach "
                          f"cluster DNS ({reach.target}) on {' and '.join(missing)}: name lookups fail; add an "
                          "egress rule to kube-system k8s-app=kube-dns on 53/UDP and 53/TCP", endpoint_obj(ep),
                          direction="egress", subjects=(ep.id,), peers=reach.peers)


def _tiered_dns(ctx: LintContext, scan: AdminScan) -> Iterator[Finding]:
    """NV401 with admin tiers: every tier decides both directions (an admin Accept of DNS makes a
    NetworkPolicy's egress isolation harmless; an admin Deny blocks DNS for pods no NetworkPolicy
    isolates). Endpoints are grouped as the admin scan groups them (classes no tier tells apart)."""
    dns = [ep for ep in scan.reps if _is_dns(ep)]
    typical = None if dns else _TypicalDNS(ctx).pod
    target = names([e.id for d in dns for e in scan.members[d.id]], 2) if dns else _TypicalDNS.target
    for rep in scan.reps:
        if rep.external or rep.host_network or _is_dns(rep):
            continue
        tiers = (scan.first, scan.np_for(rep), scan.baseline)
        np_policies = [p.policy.id for p in scan.np_for(rep).selecting(Direction.EGRESS, rep)]
        admin_policies = [p.policy.id for p in ctx.admin_selecting(Direction.EGRESS, rep)]
        if not np_policies and not admin_policies:
            continue  # nothing decides its egress: allowed
        if typical is not None:
            allowed = decide_direction(tiers, Direction.EGRESS, rep, typical, typical).allowed
        else:
            allowed = ConnectionSet.union_all(
                decide_direction(tiers, Direction.EGRESS, rep, d, d).allowed
                & decide_direction((scan.first, scan.np_for(d), scan.baseline), Direction.INGRESS, d, rep, d).allowed
                for d in dns)
        missing = _missing(allowed)
        if not missing:
            continue
        why = (f"is isolated for egress by {names(np_policies)}" if np_policies else
               f"has its egress decided by the admin tiers ({names(admin_policies)})")
        for ep in scan.members[rep.id]:
            yield finding("NV401", ep.source, f"{ep.id} {why} and cannot reach cluster DNS ({target}) on "
                          f"{' and '.join(missing)} with every tier folded: name lookups fail; allow egress to "
                          "kube-system k8s-app=kube-dns on 53/UDP and 53/TCP (an admin Accept, or a NetworkPolicy "
                          "rule where the admin tiers Pass)", endpoint_obj(ep), direction="egress",
                          subjects=(ep.id,), peers=tuple(e.id for d in dns for e in scan.members[d.id]))


class _LoadedDNS:
    """What the graph engine says about the loaded DNS pods (their ingress included)."""

    def __init__(self, ctx: LintContext, dns_classes: list[int]) -> None:
        self.ctx = ctx
        self.dns_classes = dns_classes
        self.target = names([ep.id for c in dns_classes for ep in ctx.graph.members[c]], 2)
        self.peers: tuple[str, ...] | None = tuple(ep.id for c in dns_classes for ep in ctx.graph.members[c])
        # Columns, not rows: who reaches the DNS classes, without the rows of every class.
        self._columns = [ctx.graph.column(b) for b in dns_classes]

    def allowed(self, a: int, _: tuple[int, ...]) -> ConnectionSet:
        bit = 1 << a
        return ConnectionSet.union_all(c for column in self._columns for m, c in column if m & bit)


class _TypicalDNS:
    """A CoreDNS pod that is not loaded: the selecting policies' egress rules evaluated on it."""

    target = "kube-system k8s-app=kube-dns, not loaded"
    peers: tuple[str, ...] | None = ()  # no loaded DNS pod: the finding concerns no loaded destination

    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx
        ns = ctx.cluster.namespace(DNS_NAMESPACE)
        ns_labels = ns.labels if ns is not None else ((NAMESPACE_NAME_LABEL, DNS_NAMESPACE),)
        self.pod = Endpoint("kube-system/coredns", "Pod", DNS_NAMESPACE, "coredns", (DNS_LABEL,), ns_labels,
                            (ContainerPort(53, "UDP", "dns"), ContainerPort(53, "TCP", "dns-tcp")))
        self.pod_ips = [ip_address(ip) for ep in ctx.analysis.endpoints if not ep.external and not ep.host_network
                        for ip in ep.ips]
        self._cache: dict[tuple[int, ...], ConnectionSet] = {}

    def allowed(self, _: int, key: tuple[int, ...]) -> ConnectionSet:
        out = self._cache.get(key)
        if out is None:
            rules = [r for i in key for r in self.ctx.policies[i].egress]
            out = self._cache[key] = ConnectionSet.union_all(r.ports_for(self.pod) for r in rules if self._admits(r))
        return out

    def _admits(self, rule: CompiledRule) -> bool:
        if not rule.peers:
            return True
        for peer in rule.peers:
            if isinstance(peer, IPBlockPeer):
                # Its address is unknown; it is in the pod network, like the loaded pods' addresses.
                if peer.match_pods and any(peer.addresses.contains_address(ip) for ip in self.pod_ips):
                    return True
            elif peer.matches(self.pod):
                return True
        return False


def pods_not_isolated(ctx: LintContext) -> Iterator[Finding]:
    """NV402: governed endpoints that no policy isolates for ingress (every source may connect).

    With admin policies whose subject is the endpoint, its ingress from pods is theirs to decide: the
    finding says so (and is info), and still says that addresses outside the cluster, which admin
    ingress rules never match, may connect."""
    for a, key in enumerate(ctx.selecting(Direction.INGRESS)):
        if key or not ctx.index.pods & (1 << a):
            continue
        for ep in ctx.graph.members[a]:
            admin = ctx.admin_selecting(Direction.INGRESS, ep)
            if not admin:
                yield finding("NV402", ep.source, f"{ep.id} is not isolated for ingress: no NetworkPolicy selects "
                              "it, so every pod and address may connect to it on every port", endpoint_obj(ep),
                              direction="ingress", subjects=(ep.id,))
                continue
            yield finding("NV402", ep.source, f"{ep.id} is not isolated for ingress by a NetworkPolicy: its ingress "
                          f"from pods is left to the admin tiers ({names([p.policy.id for p in admin])}), and what "
                          "they pass is allowed; addresses outside the cluster, which admin ingress rules never "
                          "match, may connect on every port; add a NetworkPolicy if they must not", endpoint_obj(ep),
                          severity=Severity.INFO, direction="ingress", subjects=(ep.id,))


def _is_default_deny(selector: LabelSelector, ingress_rules: int, affects_ingress: bool) -> bool:
    return selector.is_empty() and affects_ingress and ingress_rules == 0


def namespaces_without_default_deny(ctx: LintContext) -> Iterator[Finding]:
    """NV403: namespaces with governed pods and no `podSelector: {}` policy that denies all ingress."""
    protected = {cp.policy.namespace for cp in ctx.policies
                 if _is_default_deny(cp.policy.pod_selector, len(cp.ingress), cp.affects(Direction.INGRESS))}
    first: dict[str, Endpoint] = {}
    for c in bit_list(ctx.index.pods):
        for ep in ctx.graph.members[c]:
            if ep.namespace not in first or ep.id < first[ep.namespace].id:
                first[ep.namespace] = ep
    for name in sorted(set(first) - protected):
        ns = ctx.cluster.namespace(name)
        where = ns.source if ns is not None and not ns.implicit and ns.source.file else first[name].source
        baseline = _baseline_default_deny(ctx, first[name])
        if baseline is None:
            yield finding("NV403", where, f"namespace {name} has no default-deny ingress policy (podSelector: {{}}, "
                          "policyTypes: [Ingress], no rules): pods added later accept traffic from everywhere",
                          f"Namespace {name}")
            continue
        yield finding("NV403", where, f"namespace {name} has no default-deny ingress NetworkPolicy; {baseline} denies "
                      "ingress from every namespace by default (Baseline tier), but not from addresses outside the "
                      "cluster, which admin ingress rules never match: pods added later accept those",
                      f"Namespace {name}")


def _baseline_default_deny(ctx: LintContext, ep: Endpoint) -> str | None:
    """A Baseline-tier policy (with `ep` as subject) whose ingress rule denies every namespace, if any."""
    for policy in ctx.admin_selecting(Direction.INGRESS, ep, AdminTier.BASELINE):
        for rule in policy.ingress:
            if rule.ref.action is AdminAction.DENY and rule.ports is None and any(
                    m.peer.form is PeerForm.NAMESPACES and m.peer.namespace_selector.is_empty() for m in rule.peers):
                return f"{policy.policy.id} {rule.ref.direction}[{rule.ref.index}] ({rule.ref.source})"
    return None

