"""NV701-NV703, NV707: what the admin tiers really decide over the loaded inventory.

One scan asks every tier (queries/admin_view.py: Admin, NetworkPolicy, Baseline as the verdict's
tiers) about every (direction, subject, peer) of the inventory, endpoints grouped into classes no
policy of any tier tells apart (the graph's NetworkPolicy classes, split further by which admin
subjects, peers and named ports match). It records, per rule:

- what it matches at all and what it decides (first match, and for the Baseline tier only what
  the Admin and NetworkPolicy tiers leave to it): a rule that matches but never decides is
  shadowed (NV702), by the rules that decided its connections;
- for a Pass, whether a later tier decides anything it passes (NV703: if none ever does, the Pass
  is an Accept: what every tier passes is allowed by default);
- for equal-priority policies of one tier, connections both decide differently (NV701, with the
  first such connection as witness: the order is undefined upstream);
- for a NetworkPolicy rule, whether the Admin tier decides everything it admits, denying some
  (NV707: the rule is void).

Every finding says its scope: the loaded inventory, with a witness from it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from netverify.model import AdminTier, Severity, SourceRef
from netverify.queries.admin_view import FirstMatchTier, admin_ref, admin_tiers
from netverify.queries.lint.context import LintContext, finding, names
from netverify.queries.lint.findings import Finding
from netverify.semantics.admin_compile import AdminRuleRef, CompiledAdminPolicy
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.netpol_tier import NetworkPolicyTier
from netverify.semantics.verdict import Action, Decision, RuleMatch, exemption, first_match, pair_of_members
from netverify.sets import ConnectionSet

DIRECTIONS = ("ingress", "egress")


def one_connection(conns: ConnectionSet) -> str:
    """The first connection of a set, as `TCP/8080`."""
    for protocol, ports in conns.items():
        if ports:
            return f"{protocol}/{ports.intervals[0][0]}"
    return "no connection"


@dataclass(frozen=True)
class Witness:
    direction: str
    subject: Endpoint
    peer: Endpoint
    connection: str

    def __str__(self) -> str:
        src, dst = (self.peer, self.subject) if self.direction == "ingress" else (self.subject, self.peer)
        return f"{src.id} -> {dst.id} on {self.connection}"


@dataclass
class Involved:
    """The endpoints a finding is about (for lint's --src/--dst/-n filters): per direction, the
    subjects and the peers of the connections it concerns."""

    direction: str = ""
    subjects: set[str] = field(default_factory=set)
    peers: set[str] = field(default_factory=set)

    def add(self, direction: str, subject: Sequence[str], peer: Sequence[str]) -> None:
        self.direction = direction if self.direction in ("", direction) else "both"
        self.subjects.update(subject)
        self.peers.update(peer)

    def finding(self, code: str, source: SourceRef, text: str, obj: str, related: Sequence[SourceRef] = (),
                severity: Severity | None = None) -> Finding:
        """A finding about these endpoints."""
        return finding(code, source, text, obj, related, severity, "" if self.direction == "both" else self.direction,
                       sorted(self.subjects), sorted(self.peers))


@dataclass
class RuleRecord:
    """What one rule did over the whole inventory."""

    involved: Involved = field(default_factory=Involved)
    matched: Witness | None = None
    decided: bool = False
    shadowers: dict[str, SourceRef] = field(default_factory=dict)  # who decided its connections first
    passed: Witness | None = None  # Pass rules: a connection it passed
    passed_somewhere_decided: bool = False


@dataclass
class NetworkPolicyRuleRecord:
    involved: Involved = field(default_factory=Involved)
    matched: bool = False
    open_below_admin: bool = False  # some connection it admits is not decided by the Admin tier
    denied: Witness | None = None
    deniers: dict[str, SourceRef] = field(default_factory=dict)


@dataclass
class Overlap:
    tier: str
    priority: int
    first: AdminRuleRef
    second: AdminRuleRef
    witness: Witness
    involved: Involved = field(default_factory=Involved)


class AdminScan:
    """The scan's records; built once per lint run when admin policies are loaded."""

    def __init__(self, ctx: LintContext, admin: tuple[CompiledAdminPolicy, ...]) -> None:
        self.ctx = ctx
        self.admin = admin
        self.first, self.baseline = admin_tiers(admin)
        self.np_tier = NetworkPolicyTier(ctx.policies)
        self.rules: dict[AdminRuleRef, RuleRecord] = {}
        self.np_rules: dict[object, NetworkPolicyRuleRecord] = {}
        self.overlaps: dict[tuple[AdminRuleRef, AdminRuleRef], Overlap] = {}
        self.reps = self._classes()
        self.pairs = 0
        for direction in DIRECTIONS:
            for subject in self.reps:
                if subject.external or subject.host_network:
                    continue
                if not (self.first.applicable(subject) or self.baseline.applicable(subject)):
                    continue
                for peer in self.reps:
                    # two members of one class: a connection between two pods, not a pod with itself
                    pair = pair_of_members(self.members[subject.id], self.members[peer.id])
                    if pair is not None:
                        self._pair(direction, *pair)

    def _classes(self) -> list[Endpoint]:
        """One endpoint per class no tier tells apart (witnesses name it)."""
        graph = self.ctx.graph
        peers = [m for p in self.admin for r in (*p.ingress, *p.egress) for m in r.peers]
        named = any(port.port.named for p in self.admin for r in (*p.ingress, *p.egress) for port in r.ports or ())
        seen: dict[tuple[object, ...], Endpoint] = {}
        self.members: dict[str, list[Endpoint]] = {}  # per class representative, the class's endpoints
        self.rep: dict[str, str] = {}  # each endpoint's representative
        for ep in self.ctx.analysis.endpoints:
            key = (graph.class_of.get(ep.id), tuple(p.selects(ep) for p in self.admin),
                   tuple(m.why_not(ep) is None for m in peers), ep.ports if named else ())
            rep = seen.setdefault(key, ep)
            self.members.setdefault(rep.id, []).append(ep)
            self.rep[ep.id] = rep.id
        return sorted(seen.values(), key=lambda e: e.id)

    def involve(self, involved: Involved, direction: str, subject: Endpoint, peer: Endpoint) -> None:
        involved.add(direction, [e.id for e in self.members[self.rep[subject.id]]],
                     [e.id for e in self.members[self.rep[peer.id]]])

    def _pair(self, direction: str, subject: Endpoint, peer: Endpoint) -> None:
        src, dst_ep = (peer, subject) if direction == "ingress" else (subject, peer)
        exempt = exemption(src, dst_ep)
        if exempt is not None and direction in exempt.open:
            return
        self.pairs += 1
        dst = dst_ep
        admin = self._tier(self.first, direction, subject, peer, dst, ConnectionSet.none())
        np = self.np_tier.decide(direction, subject, peer, dst)
        self._network_policy(np, admin, Witness(direction, subject, peer, ""))
        reached = ConnectionSet.all() - admin.decided - np.decided
        baseline = self._tier(self.baseline, direction, subject, peer, dst, ConnectionSet.all() - reached,
                              {"the Admin tier": admin, "the NetworkPolicy tier": np})
        self._passes(admin, [np, baseline], direction, subject, peer)
        self._passes(baseline, [], direction, subject, peer)

    def _tier(self, tier: FirstMatchTier, direction: str, subject: Endpoint, peer: Endpoint, dst: Endpoint,
              above: ConnectionSet, higher: dict[str, Decision] | None = None) -> Decision:
        """The tier's decision over what reaches it (`above`: what higher tiers, named by `higher`,
        decided), recording each rule's matches, decisions and shadowers.

        A rule decides what it matches minus what earlier rules of its own policy and every rule of
        a policy of smaller priority number matched: the policies of its own priority do not shadow
        it, since their order is undefined (that conflict is NV701's)."""
        applicable = tier.applicable(subject)
        if not applicable:
            return Decision.passing(tier.name)
        raw, _ = tier.rule_matches(applicable, direction, peer, dst)
        reaching = [RuleMatch(m.rule, m.allowed - above, m.action) for m in raw]
        by_policy: dict[str, list[tuple[RuleMatch, RuleMatch]]] = {}
        for m, r in zip(raw, reaching, strict=True):
            ref = admin_ref(m.rule)
            assert ref is not None
            by_policy.setdefault(ref.policy, []).append((m, r))
        earlier: list[tuple[ConnectionSet, AdminRuleRef]] = []  # matches of policies of smaller priority numbers
        groups: dict[int, list[CompiledAdminPolicy]] = {}
        for p in applicable:
            groups.setdefault(p.policy.priority or 0, []).append(p)
        for priority in sorted(groups):
            this_group: list[tuple[ConnectionSet, AdminRuleRef]] = []
            for policy in groups[priority]:
                own: list[tuple[ConnectionSet, AdminRuleRef]] = []
                for m, r in by_policy.get(policy.policy.id, []):
                    ref = admin_ref(m.rule)
                    assert ref is not None
                    self._record(ref, direction, subject, peer, m, r, [*earlier, *own], higher or {})
                    own.append((r.allowed, ref))
                this_group += own
            earlier += this_group
        self._overlaps(tier, applicable, reaching, direction, subject, peer)
        return first_match(tier.name, (), reaching)

    def _record(self, ref: AdminRuleRef, direction: str, subject: Endpoint, peer: Endpoint, m: RuleMatch,
                reaching: RuleMatch, before: list[tuple[ConnectionSet, AdminRuleRef]],
                higher: dict[str, Decision]) -> None:
        record = self.rules.setdefault(ref, RuleRecord())
        if record.matched is None:
            record.matched = Witness(direction, subject, peer, one_connection(m.allowed))
        self.involve(record.involved, direction, subject, peer)
        mine = reaching.allowed
        for conns, _ in before:
            mine = mine - conns
        if mine:
            record.decided = True
            return
        for name, d in higher.items():
            if d.decided & m.allowed:
                record.shadowers.setdefault(name, SourceRef(""))
        for conns, other in before:
            if conns & reaching.allowed:
                record.shadowers.setdefault(rule_name(other), other.source)

    def _overlaps(self, tier: FirstMatchTier, applicable: Sequence[CompiledAdminPolicy], matches: list[RuleMatch],
                  direction: str, subject: Endpoint, peer: Endpoint) -> None:
        by_policy: dict[str, list[RuleMatch]] = {}
        for m in matches:
            ref = admin_ref(m.rule)
            assert ref is not None
            by_policy.setdefault(ref.policy, []).append(m)
        claimed = ConnectionSet.none()
        groups: dict[int, list[CompiledAdminPolicy]] = {}
        for p in applicable:
            groups.setdefault(p.policy.priority or 0, []).append(p)
        for priority in sorted(groups):
            firsts = [first_match(tier.name, (), by_policy.get(p.policy.id, [])).matches for p in groups[priority]]
            for i, left in enumerate(firsts):
                for right in firsts[i + 1:]:
                    for a in left:
                        for b in right:
                            both = (a.allowed & b.allowed) - claimed
                            ra, rb = admin_ref(a.rule), admin_ref(b.rule)
                            if both and a.action is not b.action and ra is not None and rb is not None:
                                overlap = self.overlaps.setdefault((ra, rb), Overlap(
                                    tier.name, priority, ra, rb, Witness(direction, subject, peer,
                                                                         one_connection(both))))
                                self.involve(overlap.involved, direction, subject, peer)
            for steps in firsts:
                claimed = claimed | ConnectionSet.union_all(s.allowed for s in steps)

    def _passes(self, decision: Decision, later: list[Decision], direction: str, subject: Endpoint,
                peer: Endpoint) -> None:
        for step in decision.matches:
            if step.action is not Action.PASS:
                continue
            ref = admin_ref(step.rule)
            assert ref is not None
            record = self.rules.setdefault(ref, RuleRecord())
            if record.passed is None:
                record.passed = Witness(direction, subject, peer, one_connection(step.allowed))
            if any(step.allowed & d.decided for d in later):
                record.passed_somewhere_decided = True

    def _network_policy(self, np: Decision, admin: Decision, where: Witness) -> None:
        for m in np.matches:
            record = self.np_rules.setdefault(m.rule, NetworkPolicyRuleRecord())
            record.matched = True
            self.involve(record.involved, where.direction, where.subject, where.peer)
            if m.allowed - admin.decided:
                record.open_below_admin = True
                continue
            denied = m.allowed & admin.deny
            if denied and record.denied is None:
                record.denied = Witness(where.direction, where.subject, where.peer, one_connection(denied))
            for step in admin.matches:
                ref = admin_ref(step.rule)
                if ref is not None and step.action is Action.DENY and step.allowed & m.allowed:
                    record.deniers.setdefault(str(ref.label), ref.source)


def _obj(ref: AdminRuleRef) -> str:
    return ref.policy.replace("/", " ", 1)


def rule_name(ref: AdminRuleRef) -> str:
    """`ClusterNetworkPolicy/guard ingress[1] 'nobody-else'`."""
    return f"{ref.policy} {ref.direction}[{ref.index}]" + (f" {ref.rule_name!r}" if ref.rule_name else "")


def scan_of(ctx: LintContext) -> AdminScan | None:
    return AdminScan(ctx, ctx.admin) if ctx.admin else None


def _scope(scan: AdminScan) -> str:
    count = len(scan.reps)
    return f"over the loaded inventory ({count} endpoint class{'' if count == 1 else 'es'})"


def priority_overlaps(scan: AdminScan) -> Iterator[Finding]:
    """NV701: equal-priority policies of one tier that decide one connection differently."""
    for o in scan.overlaps.values():
        yield o.involved.finding(
            "NV701", o.first.source,
            f"{o.first.policy} and {o.second.policy} have the same priority {o.priority} in the {o.tier} tier and "
            f"decide {o.witness} differently ({rule_name(o.first)}: {o.first.action.value}, {rule_name(o.second)}: "
            f"{o.second.action.value}); the API leaves the order of equal priorities undefined, so implementations "
            f"may pick either (netverify answers by name order); give one policy a lower priority number",
            _obj(o.first), (o.second.source,))


def shadowed_rules(scan: AdminScan) -> Iterator[Finding]:
    """NV702: admin rules that match connections of the inventory but never decide one."""
    for ref, record in scan.rules.items():
        if record.decided or record.matched is None:
            continue
        by = [f"{label} ({source})" if source.file else label for label, source in record.shadowers.items()]
        yield record.involved.finding(
            "NV702", ref.source,
            f"{rule_name(ref)} ({ref.action.value}) never decides a connection {_scope(scan)}: everything it "
            f"matches (e.g. {record.matched}) is decided before it by {names(by) or 'earlier rules'}; remove it, or "
            "give its policy a lower priority number (or move the rule up) if it was meant to win",
            _obj(ref), tuple(s for s in record.shadowers.values() if s.file))


def passes_to_nothing(scan: AdminScan) -> Iterator[Finding]:
    """NV703: Pass rules whose connections no later tier decides: they equal Accept."""
    for ref, record in scan.rules.items():
        if ref.action.value != "Pass" or record.passed is None or record.passed_somewhere_decided:
            continue
        later = ("no tier follows the Baseline tier" if ref.tier is AdminTier.BASELINE else
                 "no NetworkPolicy isolates these pods and no Baseline rule matches")
        yield record.involved.finding(
            "NV703", ref.source,
            f"{rule_name(ref)} passes connections (e.g. {record.passed}) to later tiers that decide none of "
            f"them {_scope(scan)} ({later}): what every tier passes is allowed by default, so this Pass equals "
            "Accept; write Accept if that is meant, or add the NetworkPolicy or Baseline rule it expects",
            _obj(ref), severity=Severity.WARNING)


def voided_network_policy_rules(scan: AdminScan) -> Iterator[Finding]:
    """NV707: NetworkPolicy rules whose every admitted connection the Admin tier decides, denying some."""
    rules = {r.ref: (cp, r) for cp in scan.ctx.policies for d in DIRECTIONS for r in cp.rules(d)}
    for ref, record in scan.np_rules.items():
        if record.open_below_admin or record.denied is None or ref not in rules:
            continue
        cp, rule = rules[ref]
        deniers = [f"{label} ({source})" for label, source in record.deniers.items()]
        yield record.involved.finding(
            "NV707", rule.ref.source,
            f"{cp.policy.id} {rule.ref.direction}[{rule.ref.index}] admits nothing the Admin tier leaves to "
            f"NetworkPolicies {_scope(scan)}: e.g. {record.denied} is denied by {names(deniers)} before any "
            "NetworkPolicy is asked; the rule is void: remove it, or ask the cluster administrator for an admin "
            "Pass or Accept", f"NetworkPolicy {cp.policy.id}", tuple(record.deniers.values()))
