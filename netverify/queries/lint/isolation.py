"""NV4xx: isolation and cluster DNS.

DNS: a pod isolated for egress resolves names only if some egress rule admits the cluster DNS
pods (k8s-app=kube-dns in kube-system: kube-dns and CoreDNS) on 53/UDP and 53/TCP (TCP for
large answers). When DNS pods are loaded the graph engine answers, both directions included;
when none is, lint reasons about a typical CoreDNS pod (those labels, container ports
dns 53/UDP and dns-tcp 53/TCP, an address in the pod network).

Tiers beyond NetworkPolicy (the admin tiers, or any kind's tier in `Analysis.tiers`) are read from
the tiers, never by kind: which of their policies govern a class in a direction
(`LintContext.governing`, from the graph's tier keys), their rules and actions (`class_tiers`
specs), and how messages name them (`verdict.tier_family`, `tier_action_word`: "the admin tiers",
an Accept). NV401 folds every tier; NV402 says which tiers decide the ingress NetworkPolicy leaves
open; NV403 names a default deny of a first-match tier below NetworkPolicy (the Baseline tier).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from ipaddress import ip_address

from netverify.engines.bitsets import bit_list
from netverify.model import NAMESPACE_NAME_LABEL, ContainerPort, Direction, LabelSelector, Severity
from netverify.queries.lint.context import Governing, LintContext, endpoint_obj, finding, names
from netverify.queries.lint.findings import Finding
from netverify.semantics.class_tiers import every_pod_peer, may_match_outside
from netverify.semantics.compile import CompiledRule, IPBlockPeer
from netverify.semantics.endpoints import Endpoint, IPAtoms
from netverify.semantics.evaluate import decide_direction
from netverify.semantics.verdict import NETWORK_POLICY_TIER, Action, Tier, tier_action_word, tier_family
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
    if ctx.analysis.tiered:
        yield from _tiered_dns(ctx)
        return
    dns_classes = [c for c, rep in enumerate(ctx.reps) if _is_dns(rep)]
    reach = _LoadedDNS(ctx, dns_classes) if dns_classes else _TypicalDNS(ctx)
    for a, key in enumerate(ctx.selecting(Direction.EGRESS)):
        if not key or _is_dns(ctx.reps[a]):  # the DNS pods forward upstream; they do not query themselves
            continue
        missing = reach.missing(a, key)
        if not missing:
            continue
        policies = [ctx.policies[i].policy.id for i in key]
        for ep in ctx.graph.members[a]:
            yield finding("NV401", ep.source, f"{ep.id} is isolated for egress by {names(policies)} and cannot reach "
                          f"cluster DNS ({reach.target}) on {' and '.join(missing)}: name lookups fail; add an "
                          "egress rule to kube-system k8s-app=kube-dns on 53/UDP and 53/TCP", endpoint_obj(ep),
                          direction=Direction.EGRESS, subjects=(ep.id,), peers=reach.peers)


def _tiered_dns(ctx: LintContext) -> Iterator[Finding]:
    """NV401 with tiers beyond NetworkPolicy (`Analysis.tiers`, whatever their kinds): every tier
    decides both directions (an admin Accept of DNS makes a NetworkPolicy's egress isolation
    harmless; an admin Deny blocks DNS for pods no NetworkPolicy isolates). A class is asked when some
    tier its egress reaches governs it (`LintContext.reached`); the loaded DNS pods are asked through the
    graph's columns, where every tier of both directions is folded, a typical CoreDNS pod through the
    tiers themselves (`decide_direction`), once per class tier key (what every tier's decision for a
    class depends on). Classes go in the order of their representatives' ids."""
    graph = ctx.graph
    order = sorted(range(len(graph.reps)), key=lambda c: graph.reps[c].id)
    dns = [c for c in order if _is_dns(graph.reps[c])]
    dns_ids = tuple(e.id for c in dns for e in graph.members[c])
    typical = None if dns else _typical_dns_pods(ctx)
    loaded = _LoadedDNS(ctx, dns) if dns else None
    target = names(list(dns_ids), 2) if dns else _TypicalDNS.target
    governing, keys = ctx.reached(Direction.EGRESS), graph.tier_keys(Direction.EGRESS)
    decided: dict[object, ConnectionSet] = {}
    advice = _allow_advice(ctx)
    for c in order:
        rep = graph.reps[c]
        if rep.external or rep.host_network or _is_dns(rep) or not governing[c]:
            continue  # ungoverned, the DNS pods themselves (they forward upstream), or nothing decides its egress
        if typical is not None:
            allowed = decided.get(keys[c])
            if allowed is None:
                allowed = decided[keys[c]] = ConnectionSet.union_all(
                    decide_direction(ctx.analysis.tiers, Direction.EGRESS, rep, pod, pod).allowed for pod in typical)
            missing = _missing(allowed)
        else:
            assert loaded is not None
            missing = loaded.missing(c)
        if not missing:
            continue
        isolating = [p.ref.id for g in governing[c] if g.spec.isolating for p in g.policies if p.ref is not None]
        why = (f"is isolated for egress by {names(isolating)}" if isolating else
               f"has its egress decided by {_deciders(ctx, governing[c])}")
        for ep in graph.members[c]:
            yield finding("NV401", ep.source, f"{ep.id} {why} and cannot reach cluster DNS ({target}) on "
                          f"{' and '.join(missing)} with every tier folded: name lookups fail; allow egress to "
                          f"kube-system k8s-app=kube-dns on 53/UDP and 53/TCP ({advice})", endpoint_obj(ep),
                          direction=Direction.EGRESS, subjects=(ep.id,), peers=dns_ids)


def _phrase(ctx: LintContext, tiers: Sequence[Tier]) -> str:
    """How a message names these tiers: by their kind's family ("the admin tiers", for a family of
    several tiers in the inventory) or their own name ("the Quarantine tier"), each once, in order."""
    counts = Counter(tier_family(t) for t in ctx.analysis.tiers)
    words = dict.fromkeys(tier_family(t) for t in tiers)
    return " and ".join(f"the {w} tiers" if counts[w] > 1 else f"the {w} tier" for w in words)


def _first_match(governing: Sequence[Governing]) -> list[Governing]:
    return [g for g in governing if not g.spec.isolating]


def _deciders(ctx: LintContext, governing: Sequence[Governing]) -> str:
    """The first-match tiers that govern a class, and their policies: "the admin tiers (A, B and 3
    more)". The policies are listed by priority, then name, across the tiers (as the admin checks list
    them), tiers in order where those are equal."""
    deciding = _first_match(governing)
    # A first-match tier's policy ids are Kind/name: sorted by priority, then the name.
    ordered = sorted(((p.priority or 0, p.ref.id.rpartition("/")[2], p.ref.id) for g in deciding for p in g.policies
                      if p.ref is not None), key=lambda x: x[:2])
    return f"{_phrase(ctx, [g.tier for g in deciding])} ({names([ref for _, _, ref in ordered])})"


def _allow_advice(ctx: LintContext) -> str:
    """How to let a connection through the inventory's first-match tiers, in their kinds' words: "an
    admin Accept, or a NetworkPolicy rule where the admin tiers Pass"."""
    first_match = {s.name for s in ctx.analysis.specs if not s.isolating}
    tiers = [t for t in ctx.analysis.tiers if t.name in first_match]
    by_family = {tier_family(t): t for t in tiers}
    allows = " or ".join(f"{_article(w)} {w} {tier_action_word(t, Action.ALLOW)}" for w, t in by_family.items())
    passes = "/".join(dict.fromkeys(tier_action_word(t, Action.PASS) for t in tiers))
    phrase = _phrase(ctx, tiers)
    plural = len(by_family) > 1 or phrase.endswith("tiers")
    return f"{allows}, or a NetworkPolicy rule where {phrase} {passes if plural else f'has a {passes}'}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


class _LoadedDNS:
    """What the graph engine says about the loaded DNS pods (their ingress included)."""

    def __init__(self, ctx: LintContext, dns_classes: list[int]) -> None:
        self.ctx = ctx
        self.dns_classes = dns_classes
        self.target = names([ep.id for c in dns_classes for ep in ctx.graph.members[c]], 2)
        self.peers: tuple[str, ...] | None = tuple(ep.id for c in dns_classes for ep in ctx.graph.members[c])
        # Columns, not rows: who reaches the DNS classes, without the rows of every class. A union of
        # connection sets allows a port when one of them does, so per need the classes some column
        # entry allows it to are OR-ed once (not every entry ANDed with each class in turn).
        reaching = [0] * len(DNS_NEEDS)
        for column in ctx.graph.columns_of(dns_classes):
            for m, c in column:
                for k, (protocol, port) in enumerate(DNS_NEEDS):
                    if c.allows(protocol, port):
                        reaching[k] |= m
        self._reaching = [set(bit_list(m)) for m in reaching]  # asked per class: a set lookup, no shift

    def missing(self, a: int, _: tuple[int, ...] = ()) -> list[str]:
        """The DNS needs class `a` cannot reach any loaded DNS pod on (as `_missing` words them)."""
        return [f"{port}/{proto}" for (proto, port), reaching in zip(DNS_NEEDS, self._reaching, strict=True)
                if a not in reaching]


def _typical_dns_pod(ctx: LintContext) -> Endpoint:
    """A CoreDNS pod as clusters run it, for an inventory with no DNS pod loaded."""
    ns = ctx.cluster.namespace(DNS_NAMESPACE)
    ns_labels = ns.labels if ns is not None else ((NAMESPACE_NAME_LABEL, DNS_NAMESPACE),)
    return Endpoint("kube-system/coredns", "Pod", DNS_NAMESPACE, "coredns", (DNS_LABEL,), ns_labels,
                    (ContainerPort(53, "UDP", "dns"), ContainerPort(53, "TCP", "dns-tcp")))


def _typical_dns_pods(ctx: LintContext) -> list[Endpoint]:
    """The typical CoreDNS pod with each address it may have. Its address is unknown but in the pod
    network, like the loaded pods' addresses (as `_TypicalDNS` reads an ipBlock): one such address per
    group of them that no policy of any tier tells apart (ipBlocks, admin networks: what the tiers
    observe); the pod without an address when no loaded pod has one. DNS is reachable when it is for
    one of them (as an ipBlock rule over some pod address admits it)."""
    pod = _typical_dns_pod(ctx)
    seen = ctx.analysis.observations
    atoms = IPAtoms((*seen.ip_blocks, *seen.addresses))
    addresses: dict[tuple[int, ...], str] = {}
    for ep in ctx.analysis.endpoints:
        if not ep.external and not ep.host_network:
            for ip in ep.ips:
                addresses.setdefault(atoms.signature((ip,)), ip)
    return [replace(pod, ips=(ip,)) for ip in addresses.values()] or [pod]


class _TypicalDNS:
    """A CoreDNS pod that is not loaded: the selecting policies' egress rules evaluated on it."""

    target = "kube-system k8s-app=kube-dns, not loaded"
    peers: tuple[str, ...] | None = ()  # no loaded DNS pod: the finding concerns no loaded destination

    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx
        self.pod = _typical_dns_pod(ctx)
        self.pod_ips = [ip_address(ip) for ep in ctx.analysis.endpoints if not ep.external and not ep.host_network
                        for ip in ep.ips]
        self._cache: dict[tuple[int, ...], ConnectionSet] = {}

    def missing(self, a: int, key: tuple[int, ...]) -> list[str]:
        return _missing(self.allowed(a, key))

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

    When other tiers govern the endpoint's ingress (first-match tiers, such as the admin tiers, with
    policies whose subject it is and rules of ingress, that its ingress reaches: `LintContext.reached`;
    under `--np-selection any` a NetworkPolicy of egress only is final, and the Baseline tier never
    sees that ingress), its ingress is
    theirs to decide: the finding says so, names them (and is info), and says whether addresses
    outside the cluster, which their ingress rules may never match, may connect."""
    governing = ctx.reached(Direction.INGRESS) if ctx.analysis.tiered else None  # None: NetworkPolicy alone
    for a, key in enumerate(ctx.selecting(Direction.INGRESS)):
        if key or not ctx.index.pods & (1 << a):
            continue
        deciding = _first_match(governing[a]) if governing is not None else []
        for ep in ctx.graph.members[a]:
            if not deciding:
                yield finding("NV402", ep.source, f"{ep.id} is not isolated for ingress: no NetworkPolicy selects "
                              "it, so every pod and address may connect to it on every port", endpoint_obj(ep),
                              direction=Direction.INGRESS, subjects=(ep.id,))
                continue
            yield finding("NV402", ep.source, f"{ep.id} is not isolated for ingress by a NetworkPolicy: its ingress "
                          f"from pods is left to {_deciders(ctx, deciding)}, and what they pass is allowed; "
                          f"{_outside(deciding, Direction.INGRESS)}; add a NetworkPolicy if they must not",
                          endpoint_obj(ep), severity=Severity.INFO, direction=Direction.INGRESS, subjects=(ep.id,))


def _outside(deciding: Sequence[Governing], direction: Direction) -> str:
    """What the deciding tiers leave to addresses outside the cluster: everything, when none of their
    rules of `direction` may match such an address (the admin kinds' ingress rules pick pods only)."""
    if any(may_match_outside(rule) for g in deciding for p in g.policies for rule, _ in p.rules(direction) or ()):
        return "addresses outside the cluster are decided by their rules too, and may connect where they pass"
    words = " or ".join(dict.fromkeys(tier_family(g.tier) for g in deciding))
    return (f"addresses outside the cluster, which {words} {direction.value} rules never match, may connect on "
            "every port")


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
        yield finding("NV403", where, f"namespace {name} has no default-deny ingress NetworkPolicy; {baseline}",
                      f"Namespace {name}")


def _baseline_default_deny(ctx: LintContext, ep: Endpoint) -> str | None:
    """A rule of a first-match tier below NetworkPolicy (the Baseline tier) that governs `ep`'s ingress
    and denies every pod of every namespace on every port, first in evaluation order, with what it
    leaves open; None if there is none."""
    specs = ctx.analysis.specs
    below = {s.name for s in specs[[s.name for s in specs].index(NETWORK_POLICY_TIER) + 1:] if not s.isolating}
    if not below:
        return None
    for g in ctx.governing(Direction.INGRESS)[ctx.graph.class_of[ep.id]]:
        if g.spec.name not in below:
            continue
        for policy in g.policies:
            for rule, action in policy.rules(Direction.INGRESS) or ():
                if action is Action.DENY and rule.port_selections is None and every_pod_peer(rule):
                    ref = rule.ref
                    where = (f"{ref.policy} {ref.direction}[{ref.index}] ({ref.source}) denies ingress from every "
                             f"namespace by default ({g.tier.name} tier)")
                    if any(may_match_outside(r) for p in g.policies for r, _ in p.rules(Direction.INGRESS) or ()):
                        return f"{where}: pods added later accept what its tier passes"
                    return (f"{where}, but not from addresses outside the cluster, which {tier_family(g.tier)} "
                            "ingress rules never match: pods added later accept those")
    return None
