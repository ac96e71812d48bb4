"""NV704-NV706 and the described NV701: admin policy rules read on their own, without an inventory.

- NV704: a `namedPort` (v1alpha1) or `destinationNamedPort` (v1alpha2) in an egress rule with
  `networks` or `nodes` peers: a named port resolves on a destination pod's container ports, so it
  never matches an address (network-policy-api: the experimental CRD rejects the combination with a
  CEL rule, the standard CRD does not).
- NV705: `domainNames` in a Deny or Pass rule: upstream supports them in Accept rules only
  (clusternetworkpolicy_types.go "only supported for Accept rules"), but no CRD rule enforces it.
- NV706 (info): `domainNames` in an Accept rule: which addresses a name resolves to is decided by
  DNS at run time, so no answer of netverify counts them as allowed; the finding says so once per rule.
- NV701 when no pod is loaded: equal-priority policies of one tier with rules of different actions
  that could match the same connection, judged from the policies alone (subjects and peers not
  provably disjoint, ports overlapping): described, with no witness.
"""

from __future__ import annotations

from collections.abc import Iterator

from netverify.model import AdminAction, AdminPeer, AdminPolicy, AdminRule, LabelSelector, PeerForm, SubjectForm
from netverify.queries.lint.context import LintContext, finding
from netverify.queries.lint.findings import Finding
from netverify.sets import IPSet, parse_cidr

ADDRESS_FORMS = (PeerForm.NETWORKS, PeerForm.NODES)


def _obj(policy: AdminPolicy) -> str:
    return f"{policy.kind} {policy.name}"


def _rules(policy: AdminPolicy) -> Iterator[AdminRule]:
    yield from policy.ingress
    yield from policy.egress


def _subjects(ctx: LintContext, policy: AdminPolicy) -> list[str]:
    """The loaded endpoints the policy's subject selects (what its findings are about, for the filters)."""
    compiled = next((p for p in ctx.admin if p.policy is policy), None)
    if compiled is None or not ctx.has_pods:
        return []
    return [ep.id for ep in ctx.analysis.endpoints if compiled.selects(ep)]


def _where(rule: AdminRule) -> str:
    return f"{rule.direction}[{rule.index}]" + (f" {rule.name!r}" if rule.name else "")


def named_ports_with_addresses(ctx: LintContext) -> Iterator[Finding]:
    """NV704."""
    for policy in ctx.cluster.admin_policies:
        for rule in _rules(policy):
            named = [p for p in rule.ports or () if p.named is not None]
            forms = sorted({p.form.value for p in rule.peers if p.form in ADDRESS_FORMS})
            if not named or not forms:
                continue
            numbered = len(named) < len(rule.ports or ())
            yield finding(
                "NV704", named[0].source if named[0].source.file else rule.source,
                f"{policy.id} {_where(rule)} combines named port {named[0].named!r} with {' and '.join(forms)} peers: "
                "a named port resolves on a destination pod's container ports and never matches an address"
                + ("; the rule's numbered ports still apply to those peers" if numbered else
                   ", so the rule matches nothing there")
                + " (the experimental CRD rejects this combination); give the port number or a range instead",
                _obj(policy), direction=rule.direction, subjects=_subjects(ctx, policy), peers=())


def domain_names(ctx: LintContext) -> Iterator[Finding]:
    """NV705 and NV706."""
    for policy in ctx.cluster.admin_policies:
        for rule in _rules(policy):
            peers = [p for p in rule.peers if p.form is PeerForm.DOMAIN_NAMES]
            if not peers:
                continue
            where = peers[0].source if peers[0].source.file else rule.source
            shown = ", ".join(n for p in peers for n in p.domain_names)
            if rule.action is not AdminAction.ACCEPT:
                yield finding(
                    "NV705", where,
                    f"{policy.id} {_where(rule)} is a {rule.action_as_written} rule with domainNames ({shown}): "
                    "domainNames are supported in Accept rules only (the CRD does not enforce it, so implementations "
                    "may reject, ignore or mis-apply the rule); deny by networks, or accept only the names you trust "
                    "and deny the rest with a broader rule after it", _obj(policy), direction=rule.direction,
                    subjects=_subjects(ctx, policy), peers=())
            else:
                yield finding(
                    "NV706", where,
                    f"{policy.id} {_where(rule)} accepts egress to domainNames ({shown}): which addresses these "
                    "names resolve to is decided by DNS at run time, so netverify never counts a connection as "
                    "accepted by this rule and cannot prove what it allows; add networks peers for the addresses you "
                    "can name if answers must include them", _obj(policy), direction=rule.direction,
                    subjects=_subjects(ctx, policy), peers=())


# --- NV701 without an inventory --------------------------------------------------------------


def _disjoint(a: LabelSelector, b: LabelSelector) -> bool:
    """Whether no label set can match both selectors (a sufficient, syntactic test)."""
    la, lb = dict(a.match_labels), dict(b.match_labels)
    if any(k in lb and lb[k] != v for k, v in la.items()):
        return True
    exprs = [(e.key, e.operator, frozenset(e.values)) for e in (*a.match_expressions, *b.match_expressions)]
    required = {**la, **lb}
    for key, op, values in exprs:
        if op == "In" and key in required and required[key] not in values:
            return True
        if op == "NotIn" and key in required and required[key] in values:
            return True
        if op == "DoesNotExist" and (key in required or any(k == key and o in ("In", "Exists")
                                                           for k, o, _ in exprs)):
            return True
    return False


def _subjects_disjoint(a: AdminPolicy, b: AdminPolicy) -> bool:
    if _disjoint(a.subject.namespace_selector, b.subject.namespace_selector):
        return True
    both_pods = a.subject.form is SubjectForm.PODS and b.subject.form is SubjectForm.PODS
    return both_pods and _disjoint(a.subject.pod_selector, b.subject.pod_selector)


def _addresses(peer: AdminPeer) -> IPSet | None:
    if peer.form is PeerForm.NETWORKS:
        return IPSet.from_networks(parse_cidr(c) for c in peer.networks)
    return None


def _peers_disjoint(p: AdminPeer, q: AdminPeer) -> bool:
    if PeerForm.DOMAIN_NAMES in (p.form, q.form):
        return True  # never assumed to match
    pa, qa = _addresses(p), _addresses(q)
    if pa is not None and qa is not None:
        return not pa & qa
    selectors = (PeerForm.NAMESPACES, PeerForm.PODS)
    if p.form in selectors and q.form in selectors:
        if _disjoint(p.namespace_selector, q.namespace_selector):
            return True
        return p.form is PeerForm.PODS and q.form is PeerForm.PODS and _disjoint(p.pod_selector, q.pod_selector)
    return False  # networks match pod and node addresses too; nodes match node addresses


def _ports_overlap(a: AdminRule, b: AdminRule) -> bool:
    if a.ports is None or b.ports is None:
        return True
    for p in a.ports:
        for q in b.ports:
            if p.named is not None or q.named is not None:
                return True
            assert p.start is not None and p.end is not None and q.start is not None and q.end is not None
            if p.protocol == q.protocol and p.start <= q.end and q.start <= p.end:
                return True
    return False


def _may_overlap(a: AdminRule, b: AdminRule) -> bool:
    return (a.direction == b.direction and a.action is not b.action and _ports_overlap(a, b)
            and any(not _peers_disjoint(p, q) for p in a.peers for q in b.peers))


def described_priority_overlaps(ctx: LintContext) -> Iterator[Finding]:
    """NV701 from the policies alone, when no pod is loaded to find a witness."""
    groups: dict[tuple[str, int], list[AdminPolicy]] = {}
    for policy in ctx.cluster.admin_policies:
        if policy.priority is not None:
            groups.setdefault((policy.tier.value, policy.priority), []).append(policy)
    for (tier, priority), policies in sorted(groups.items()):
        policies = sorted(policies, key=lambda p: p.name)
        for i, a in enumerate(policies):
            for b in policies[i + 1:]:
                if _subjects_disjoint(a, b):
                    continue
                pair = next(((ra, rb) for ra in _rules(a) for rb in _rules(b) if _may_overlap(ra, rb)), None)
                if pair is None:
                    continue
                ra, rb = pair
                yield finding(
                    "NV701", ra.source,
                    f"{a.id} and {b.id} have the same priority {priority} in the {tier} tier, and their rules "
                    f"{_where(ra)} ({ra.action_as_written}) and {_where(rb)} ({rb.action_as_written}) can match the "
                    f"same {ra.direction} connection of pods both subjects ({a.subject.describe()}; "
                    f"{b.subject.describe()}) select (no pod is loaded to show one); the API leaves the order of "
                    "equal priorities undefined: give one policy a lower priority number", _obj(a), (rb.source,),
                    direction=ra.direction)
