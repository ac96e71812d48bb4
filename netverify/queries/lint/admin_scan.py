"""NV701-NV703, NV707: what the admin tiers really decide over the loaded inventory.

One scan asks every tier (the analysis's verdict tiers: Admin, NetworkPolicy, Baseline, from
semantics/admin_tier.py and netpol_tier.py) about every (direction, subject, peer) of the
inventory, endpoints grouped into classes no policy of any tier tells apart (the graph's
NetworkPolicy classes, split further by which admin subjects, peers and named ports match). It records, per rule:

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

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import named_ports_key
from netverify.model import AdminTier, Direction, Severity, SourceRef
from netverify.queries.lint.context import LintContext, finding, names
from netverify.queries.lint.findings import Finding
from netverify.semantics.admin_compile import AdminPeerMatcher, AdminRuleRef, CompiledAdminPolicy, CompiledAdminRule
from netverify.semantics.admin_tier import AdminPolicyTier, admin_tiers_of, priority_overlaps, rule_matches
from netverify.semantics.compile import CompiledPolicy, CompiledRule
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.netpol_tier import NetworkPolicyTier
from netverify.semantics.verdict import Action, Decision, RuleMatch, exemption, first_match, pair_of_members
from netverify.sets import ConnectionSet

DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)


def one_connection(conns: ConnectionSet) -> str:
    """The first connection of a set, as `TCP/8080`."""
    for protocol, ports in conns.items():
        if ports:
            return f"{protocol}/{ports.intervals[0][0]}"
    return "no connection"


@dataclass(frozen=True)
class Witness:
    direction: Direction
    subject: Endpoint
    peer: Endpoint
    connection: str

    def __str__(self) -> str:
        src, dst = (self.peer, self.subject) if self.direction == "ingress" else (self.subject, self.peer)
        return f"{src.id} -> {dst.id} on {self.connection}"


@dataclass
class Involved:
    """The endpoints a finding is about (for lint's --src/--dst/-n filters): per direction, the
    subjects and the peers of the connections it concerns, as classes of the scan (expanded to
    their endpoints when the finding is made)."""

    direction: str = ""
    subjects: set[int] = field(default_factory=set)  # class indices
    peers: int = 0  # a mask of class indices

    def add(self, direction: Direction, subject: int, peers: int) -> None:
        self.direction = direction if self.direction in ("", direction) else "both"
        self.subjects.add(subject)
        self.peers |= peers

    def finding(self, scan: AdminScan, code: str, source: SourceRef, text: str, obj: str,
                related: Sequence[SourceRef] = (), severity: Severity | None = None) -> Finding:
        """A finding about these endpoints."""
        subjects = sorted(e.id for c in self.subjects for e in scan.members[scan.reps[c].id])
        peers = sorted(e.id for c in bit_list(self.peers) for e in scan.members[scan.reps[c].id])
        return finding(code, source, text, obj, related, severity, "" if self.direction == "both" else self.direction,
                       subjects, peers)


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
    """The scan's records; built once per lint run when admin policies are loaded.

    For each (direction, subject class), the peer classes are split into groups no rule of the
    subject's tiers tells apart (the same admin and NetworkPolicy rules match them, with the same
    named ports where those resolve on the peer, on the same node where node traffic is exempt):
    each group is decided once, with one of its classes as the witness, and stands for all of them."""

    def __init__(self, ctx: LintContext, admin: tuple[CompiledAdminPolicy, ...]) -> None:
        self.ctx = ctx
        self.admin = admin
        self.first, self.baseline = admin_tiers_of(admin)
        self.np_tier = next((t for t in ctx.analysis.tiers if isinstance(t, NetworkPolicyTier)),
                            NetworkPolicyTier(ctx.policies))
        # A NetworkPolicy selects pods of its own namespace only: each subject is decided with its
        # namespace's policies (the same decisions, without asking every policy of the cluster).
        by_namespace: dict[str, list[CompiledPolicy]] = {}
        for policy in ctx.policies:
            by_namespace.setdefault(policy.policy.namespace, []).append(policy)
        self._np_by_namespace = {ns: NetworkPolicyTier(tuple(ps), self.np_tier.selection)
                                 for ns, ps in by_namespace.items()}
        self.rules: dict[AdminRuleRef, RuleRecord] = {}
        self.np_rules: dict[object, NetworkPolicyRuleRecord] = {}
        self.overlaps: dict[tuple[AdminRuleRef, AdminRuleRef], Overlap] = {}
        self.reps = self._classes()
        self.position = {rep.id: i for i, rep in enumerate(self.reps)}
        self.everyone = (1 << len(self.reps)) - 1
        self._matcher_masks: dict[int, int] = {}
        self._np_masks: dict[int, int] = {}
        self._splits = self._peer_splits()
        self._current_group = 0  # the peer classes the pair being decided stands for
        self.pairs = 0
        for direction in DIRECTIONS:
            for c, subject in enumerate(self.reps):
                if subject.external or subject.host_network:
                    continue
                admin_policies = self.first.applicable(subject) + self.baseline.applicable(subject)
                if not admin_policies:
                    continue
                for group in self._peer_groups(direction, subject, admin_policies):
                    self._group(direction, c, group)

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

    def _peer_splits(self) -> tuple[list[int], list[int]]:
        """Masks of classes that named ports, and node traffic, tell apart as peers."""
        named: dict[object, int] = {}
        nodes: dict[object, int] = {}
        with_node = any(ep.host_network for ep in self.reps)
        for i, ep in enumerate(self.reps):
            named[named_ports_key(ep)] = named.get(named_ports_key(ep), 0) | (1 << i)
            if with_node:
                key = (ep.host_network, ep.node_name)
                nodes[key] = nodes.get(key, 0) | (1 << i)
        return list(named.values()), list(nodes.values())

    def np_for(self, subject: Endpoint) -> NetworkPolicyTier:
        """The NetworkPolicy tier of `subject`'s namespace."""
        return self._np_by_namespace.get(subject.namespace, NetworkPolicyTier((), self.np_tier.selection))

    def _mask(self, test: Callable[[Endpoint], bool]) -> int:
        out = 0
        for i, ep in enumerate(self.reps):
            if test(ep):
                out |= 1 << i
        return out

    def _admin_rule_mask(self, rule: CompiledAdminRule) -> int:
        out = 0
        for m in rule.peers:
            mask = self._matcher_masks.get(id(m))
            if mask is None:
                mask = self._matcher_masks[id(m)] = self._mask(partial(_matches, m))
            out |= mask
        return out

    def _np_rule_mask(self, rule: CompiledRule) -> int:
        mask = self._np_masks.get(id(rule))
        if mask is None:
            mask = self._np_masks[id(rule)] = self._mask(lambda ep: rule.peer_miss(ep) is None)
        return mask

    def _peer_groups(self, direction: Direction, subject: Endpoint, admin: Sequence[CompiledAdminPolicy]) -> list[int]:
        """The peer classes, split by every rule of the subject's tiers (and what else they read)."""
        cuts = [self._admin_rule_mask(r) for p in admin for r in p.rules(direction)]
        np_rules = [r for p in self.np_for(subject).selecting(direction, subject) for r in p.rules(direction)]
        cuts += [self._np_rule_mask(r) for r in np_rules]
        named_ports = any(port.port.named for p in admin for r in p.rules(direction) for port in r.ports or ()) or any(
            isinstance(port.spec.port, str) for r in np_rules for port in r.ports)
        named, nodes = self._splits
        if direction == "egress" and named_ports:
            cuts += named
        if direction == "ingress":
            cuts += nodes  # node traffic (a hostNetwork pod to a pod of its node) is exempt from ingress rules
        parts = [self.everyone]
        for cut in cuts:
            parts = [piece for part in parts for piece in (part & cut, part & ~cut) if piece]
        return parts

    def _group(self, direction: Direction, c: int, group: int) -> None:
        subject = self.reps[c]
        for p in bit_list(group):
            pair = pair_of_members(self.members[subject.id], self.members[self.reps[p].id])
            if pair is not None:
                self._pair(direction, c, group, *pair)
                return

    def involve(self, involved: Involved, direction: Direction, subject: Endpoint, peer: Endpoint) -> None:
        involved.add(direction, self.position[self.rep[subject.id]], self._current_group)

    def _pair(self, direction: Direction, c: int, group: int, subject: Endpoint, peer: Endpoint) -> None:
        src, dst_ep = (peer, subject) if direction == "ingress" else (subject, peer)
        exempt = exemption(src, dst_ep)
        if exempt is not None and direction in exempt.open:
            return
        self.pairs += 1
        self._current_group = group
        dst = dst_ep
        admin = self._tier(self.first, direction, subject, peer, dst, ConnectionSet.none())
        np = self.np_for(subject).decide(direction, subject, peer, dst)
        self._network_policy(np, admin, Witness(direction, subject, peer, ""))
        reached = ConnectionSet.all() - admin.decided - np.decided
        baseline = self._tier(self.baseline, direction, subject, peer, dst, ConnectionSet.all() - reached,
                              {"the Admin tier": admin, "the NetworkPolicy tier": np})
        self._passes(admin, [np, baseline], direction, subject, peer)
        self._passes(baseline, [], direction, subject, peer)

    def _tier(self, tier: AdminPolicyTier, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint,
              above: ConnectionSet, higher: dict[str, Decision] | None = None) -> Decision:
        """The tier's decision over what reaches it (`above`: what higher tiers, named by `higher`,
        decided), recording each rule's matches, decisions and shadowers.

        A rule decides what it matches minus what earlier rules of its own policy and every rule of
        a policy of smaller priority number matched: the policies of its own priority do not shadow
        it, since their order is undefined (that conflict is NV701's)."""
        applicable = tier.applicable(subject)
        if not applicable:
            return Decision.passing(tier.name)
        raw = [m for p in applicable for m in rule_matches(p, direction, peer, dst, [])]
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
        self._overlaps(tier, direction, subject, peer, dst, above)
        return first_match(tier.name, (), reaching)

    def _record(self, ref: AdminRuleRef, direction: Direction, subject: Endpoint, peer: Endpoint, m: RuleMatch,
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

    def _overlaps(self, tier: AdminPolicyTier, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint,
                  above: ConnectionSet) -> None:
        """The tier's equal-priority overlaps (semantics.admin_tier.priority_overlaps) on what reaches it."""
        for o in priority_overlaps(tier, direction, subject, peer, dst):
            both = o.connections - above
            if not both:
                continue
            overlap = self.overlaps.setdefault((o.first, o.second), Overlap(
                tier.name, o.priority, o.first, o.second, Witness(direction, subject, peer, one_connection(both))))
            self.involve(overlap.involved, direction, subject, peer)

    def _passes(self, decision: Decision, later: list[Decision], direction: Direction, subject: Endpoint,
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


def admin_ref(rule: object) -> AdminRuleRef | None:
    return rule if isinstance(rule, AdminRuleRef) else None


def _matches(matcher: AdminPeerMatcher, ep: Endpoint) -> bool:
    return matcher.why_not(ep) is None


def _obj(ref: AdminRuleRef) -> str:
    return ref.policy.replace("/", " ", 1)


def rule_name(ref: AdminRuleRef) -> str:
    """`ClusterNetworkPolicy/guard ingress[1] 'nobody-else'`."""
    return f"{ref.policy} {ref.direction}[{ref.index}]" + (f" {ref.rule_name!r}" if ref.rule_name else "")


def scan_of(ctx: LintContext) -> AdminScan | None:
    """What the admin tiers decide over the inventory (None without admin policies), computed once per
    lint run and shared by the checks that read it (NV401, NV7xx)."""
    if not ctx.admin:
        return None
    if "admin_scan" not in ctx.shared:
        ctx.shared["admin_scan"] = AdminScan(ctx, ctx.admin)
    found = ctx.shared["admin_scan"]
    assert isinstance(found, AdminScan)
    return found


def _scope(scan: AdminScan) -> str:
    count = len(scan.reps)
    return f"over the loaded inventory ({count} endpoint class{'' if count == 1 else 'es'})"


def overlapping_priorities(scan: AdminScan) -> Iterator[Finding]:
    """NV701: equal-priority policies of one tier that decide one connection differently."""
    for o in scan.overlaps.values():
        yield o.involved.finding(
            scan, "NV701", o.first.source,
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
            scan, "NV702", ref.source,
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
            scan, "NV703", ref.source,
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
            scan, "NV707", rule.ref.source,
            f"{cp.policy.id} {rule.ref.direction}[{rule.ref.index}] admits nothing the Admin tier leaves to "
            f"NetworkPolicies {_scope(scan)}: e.g. {record.denied} is denied by {names(deniers)} before any "
            "NetworkPolicy is asked; the rule is void: remove it, or ask the cluster administrator for an admin "
            "Pass or Accept", f"NetworkPolicy {cp.policy.id}", tuple(record.deniers.values()))
