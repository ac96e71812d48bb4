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

from collections.abc import Sequence

from netverify.engines.graph import named_ports_key
from netverify.model import Direction, SourceRef
from netverify.queries.lint.admin_groups import MatchKeys, PeerGroup, ScanGroups, SubjectKey
from netverify.queries.lint.admin_records import (
    Involved,
    NetworkPolicyRuleRecord,
    Overlap,
    RuleRecord,
    Witness,
    admin_ref,
    one_connection,
    rule_name,
)
from netverify.queries.lint.context import LintContext
from netverify.queries.lint.peer_masks import first_bits
from netverify.runtime import without_gc
from netverify.semantics.admin_compile import AdminRuleRef, CompiledAdminPolicy
from netverify.semantics.admin_tier import ACTIONS as ADMIN_ACTIONS
from netverify.semantics.admin_tier import AdminPolicyTier, admin_tiers_of, priority_overlaps
from netverify.semantics.compile import CompiledPolicy
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.netpol_tier import NetworkPolicyTier
from netverify.semantics.options import NetworkPolicySelection
from netverify.semantics.verdict import (
    NETWORK_POLICY_TIER,
    Action,
    Decision,
    RuleMatch,
    exemption,
    first_match,
    isolating,
    pair_of_members,
)
from netverify.sets import ConnectionSet

DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)


class AdminScan(ScanGroups):
    """The scan's records; built once per lint run when admin policies are loaded.

    For each (direction, subject class), the peer classes are split into groups no rule of the
    subject's tiers tells apart (the same admin and NetworkPolicy rules match them, with the same
    named ports where those resolve on the peer, on the same node where node traffic is exempt):
    each group is decided once, with one of its classes as the witness, and stands for all of them."""

    @without_gc  # its records and groups all survive the scan, and form no cycle
    def __init__(self, ctx: LintContext, admin: tuple[CompiledAdminPolicy, ...], share: bool = True) -> None:
        """`share=False` decides every (subject class, peer class) pair on its own, with no work shared
        between subjects, peer classes or alike pairs: the slow reading the differential tests hold
        the shared scan to."""
        self.ctx = ctx
        self.share = share
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
        super().__init__(ctx, (self.first, self.baseline))
        self._pair_memo: dict[tuple[object, ...], list[Involved]] = {}
        self._matches_memo: dict[tuple[object, ...], list[RuleMatch]] = {}
        self._names_memo: dict[tuple[Direction, tuple[int, ...]], bool] = {}
        self._touched: list[Involved] = []  # the records the pair being decided touches
        # The Pass rules of the tier being decided, with what each passes in some order of its priority (`_record`).
        self._passing: list[tuple[AdminRuleRef, ConnectionSet]] = []
        self.pairs = 0  # pairs decided (one per subject key and peer group)
        for direction in DIRECTIONS:
            self._scan(direction)

    def _scan(self, direction: Direction) -> None:
        """Every (subject class, peer group) of one direction, subjects in id order; each peer group
        of a subject key decided once (`_visit`), the records it touches then told about every
        subject of the key with a real pair in it."""
        share = self.share
        shared: dict[tuple[object, ...], SubjectKey] = {}
        # Per subject's policies, its peer groups (with their signatures) and the signature bit of each rule mask.
        self._atoms: dict[tuple[object, ...], tuple[list[tuple[int, int]], dict[int, int]]] = {}
        # NetworkPolicy.selecting over the graph's classes (the NetworkPolicies isolating each, in inventory order).
        ctx_policies, np_selecting = self.ctx.policies, self.ctx.selecting(direction)
        for c, subject in enumerate(self.reps):
            if subject.external or subject.host_network:
                continue
            admin_policies = self.applicable(self.first, subject) + self.applicable(self.baseline, subject)
            np_tier = self.np_for(subject)
            np_policies = [ctx_policies[i] for i in np_selecting[self.graph_order[c]]]
            if not self.applicable(self.first, subject):
                self._open_below_admin(direction, np_policies)
            if not admin_policies:
                continue
            # `--np-selection any`: a subject selected for the other direction only is decided too.
            np_any = (tuple(id(p) for p in np_tier.policies if p.selects(subject))
                      if not np_policies and np_tier.selection is NetworkPolicySelection.ANY else ())
            # What the decisions for this subject depend on: its admin policies, the NetworkPolicies
            # selecting it and, for ingress, its named ports (ports resolve on the destination).
            policies = (tuple(id(p) for p in admin_policies), tuple(id(p) for p in np_policies), np_any)
            atoms = self._atoms.get(policies)
            if atoms is None:
                atoms = self._atoms[policies] = (self.peer_groups(direction, admin_policies, np_policies)
                                                 if share else ([(1 << p, 0) for p in range(len(self.reps))], {}))
            key = (policies, named_ports_key(subject) if direction is Direction.INGRESS and self.names_ports(
                direction, admin_policies, np_policies) else (), None if share else c)
            entry = shared.get(key)
            if entry is None:
                parts, bits = atoms
                # The memo key of a group's pair read from its signature (only where the NetworkPolicies
                # selecting the subject are known: `--np-selection any` asks the tier).
                keys = (MatchKeys(self.ctx.graph, direction, subject,
                                  (self.applicable(self.first, subject), self.applicable(self.baseline, subject),
                                   np_policies), bits, self.rule_mask)
                        if share and not np_any else None)
                entry = shared[key] = SubjectKey([self.group(direction, *g) for g in parts], keys)
            for group in entry.visits(c):
                self._visit(direction, c, group, None if np_any else np_policies, entry.keys)
            entry.settle()
        for entry in shared.values():
            self._involve_subjects(direction, entry)

    @staticmethod
    def _involve_subjects(direction: Direction, entry: SubjectKey) -> None:
        """Tell each record a key's groups touched about the key's subjects with a real pair in the group,
        and the group's peers: once per record for the groups every subject pairs with."""
        subjects = set(entry.subjects)
        peers_of: dict[int, tuple[Involved, int]] = {}
        for group in entry.groups:
            if group.absent:
                real = subjects - group.absent
                for involved in {id(i): i for i in group.touched}.values():
                    involved.add_all(direction, real, group.peers)
                continue
            for involved in group.touched:
                found = peers_of.get(id(involved))
                peers_of[id(involved)] = (involved, group.peers | found[1] if found else group.peers)
        for involved, peers in peers_of.values():
            involved.add_all(direction, subjects, peers)

    def _open_below_admin(self, direction: Direction, np_policies: Sequence[CompiledPolicy]) -> None:
        """No Admin policy selects the subject: what the NetworkPolicies selecting it admit reaches them undecided
        by the Admin tier, so none of their rules is void (NV707) for every subject it applies to."""
        for policy in np_policies:
            for rule in policy.rules(direction):
                self.np_rules.setdefault(rule.ref, NetworkPolicyRuleRecord()).open_below_admin = True

    def np_for(self, subject: Endpoint) -> NetworkPolicyTier:
        """The NetworkPolicy tier of `subject`'s namespace."""
        return self._np_by_namespace.get(subject.namespace, NetworkPolicyTier((), self.np_tier.selection))

    def _visit(self, direction: Direction, c: int, group: PeerGroup,
               np_policies: Sequence[CompiledPolicy] | None, keys: MatchKeys | None) -> None:
        """Subject class c with a peer group of its key. The group is decided once, at its first real
        pair in scan order (subjects in id order): its decisions are the same for every subject of
        the key, and every record update is "set if unset", so a later subject would change nothing
        but the endpoints the records are about (added for all of them at the end)."""
        subject = self.reps[c]
        p = group.first
        if p != c and (direction is Direction.EGRESS or not self.reps[p].host_network):
            # The usual case, without asking: two classes, no exemption (only node traffic, from a
            # hostNetwork peer, is exempt between different endpoints, and only in ingress).
            pair: tuple[Endpoint, Endpoint] | None = (self.members[subject.id][0], self.members[self.reps[p].id][0])
        else:
            keys = None  # the pair may be of another class of the group: `_pair` reads it
            pair = self._first_pair(direction, c, group.peers)
        if pair is None:
            if group.absent is None:
                group.absent = set()
            group.absent.add(c)
            return
        if not group.decided:
            group.decided = True
            if keys is not None:
                touched = self._pair_memo.get(keys.key(group.signature, pair[1]))
                if touched is not None:  # alike an earlier pair: what `_pair` would do, without asking
                    group.touched.extend(touched)
                    return
            self._touched = group.touched
            self._pair(direction, *pair, np_policies)

    def _first_pair(self, direction: Direction, c: int, peers: int) -> tuple[Endpoint, Endpoint] | None:
        """The first (subject, peer) of class c and the peer classes that policies decide, or None
        (a single pod with itself, or node traffic, which ingress rules are not asked about)."""
        subject = self.reps[c]
        for p in first_bits(peers):
            pair = pair_of_members(self.members[subject.id], self.members[self.reps[p].id])
            if pair is None:
                continue
            src, dst = (pair[1], pair[0]) if direction is Direction.INGRESS else pair
            exempt = exemption(src, dst)
            return None if exempt is not None and direction in exempt.open else pair
        return None

    def involve(self, involved: Involved) -> None:
        """The pair being decided concerns `involved`'s finding."""
        self._touched.append(involved)

    def _pair(self, direction: Direction, subject: Endpoint, peer: Endpoint,
              np_policies: Sequence[CompiledPolicy] | None) -> None:
        """Decide one pair through every tier, recording what each rule did. `np_policies`: the
        NetworkPolicies selecting the subject (None: ask the tier, for `--np-selection any`).

        Pairs whose rules match alike (the same rules with the same connections in every tier) make
        the same record updates, all "set if unset": the first such pair makes them, the others only
        add the records they touch to the group's."""
        dst = subject if direction is Direction.INGRESS else peer
        first_policies = self.applicable(self.first, subject)
        base_policies = self.applicable(self.baseline, subject)
        first_raw = self._rule_matches(first_policies, direction, peer, dst)
        base_raw = self._rule_matches(base_policies, direction, peer, dst)
        np: Decision | None = None
        if np_policies is None:
            np = self.np_for(subject).decide(direction, subject, peer, dst)
            np_key: tuple[object, ...] = (np.allow, np.deny, tuple((m.rule, m.allowed) for m in np.matches))
        else:
            # The tier's decision is read from its matches (isolating: allowed is their union, the
            # rest denied) or passes when nothing selects the subject: the key needs only those,
            # and the decision is built only for a pair not alike an earlier one.
            np_matches = self._np_matches(direction, np_policies, peer, dst)
            # Rules and their connections by identity (one ref per rule, one set per rule and view of
            # the destination's ports, from graph.rule_ports): hashing ints, not dataclasses.
            np_key = (bool(np_policies), tuple([x for m in np_matches for x in (id(m.rule), id(m.allowed))]))
        key = (direction, tuple(map(id, first_policies)), tuple(map(id, base_policies)),
               tuple([x for m in first_raw for x in (id(m.rule), id(m.allowed))]),
               tuple([x for m in base_raw for x in (id(m.rule), id(m.allowed))]), np is None, *np_key)
        touched = self._pair_memo.get(key) if self.share else None
        if touched is not None:
            self._touched.extend(touched)
            return
        if np is None:
            assert np_policies is not None
            np = (isolating(NETWORK_POLICY_TIER, tuple(p.ref for p in np_policies), np_matches, ())
                  if np_policies else Decision.passing(NETWORK_POLICY_TIER))
        outer, self._touched = self._touched, []
        self.pairs += 1
        self._passing = []
        admin = self._tier(self.first, direction, subject, peer, dst, ConnectionSet.none(), first_raw)
        admin_passes, self._passing = self._passing, []
        self._network_policy(np, admin, Witness(direction, subject, peer, ""))
        reached = ConnectionSet.all() - admin.decided - np.decided
        self._tier(self.baseline, direction, subject, peer, dst, ConnectionSet.all() - reached, base_raw,
                   {"the Admin tier": admin, "the NetworkPolicy tier": np})
        # What a passed connection meets below the Admin tier, whichever policy of a priority passed it: the
        # NetworkPolicy tier's decision, then the Baseline tier's over everything (not only what reached it in
        # name order: in another order of equal priorities other connections reach it).
        below = np.decided | first_match(self.baseline.name, (), base_raw).decided
        self._passes(admin_passes, below, direction, subject, peer)
        self._passes(self._passing, ConnectionSet.none(), direction, subject, peer)
        self._pair_memo[key] = self._touched
        outer.extend(self._touched)
        self._touched = outer

    def _np_matches(self, direction: Direction, selecting: Sequence[CompiledPolicy], peer: Endpoint,
                    dst: Endpoint) -> list[RuleMatch]:
        """netpol_tier.decide_selected's matches (the misses, which the scan does not read, left out),
        read from the rules' peer masks and the graph's ports; `isolating` over them is its decision."""
        if not selecting:
            return []
        bit = 1 << self.position[self.rep[peer.id]]
        graph = self.ctx.graph
        found = []
        for policy in selecting:
            for rule in policy.rules(direction):
                if self.rule_mask(rule) & bit:
                    conns = graph.rule_ports(rule, dst)
                    if conns:
                        found.append(RuleMatch(rule.ref, conns))
        return found

    def _tier(self, tier: AdminPolicyTier, direction: Direction, subject: Endpoint, peer: Endpoint, dst: Endpoint,
              above: ConnectionSet, raw: list[RuleMatch], higher: dict[str, Decision] | None = None) -> Decision:
        """The tier's decision over what reaches it (`above`: what higher tiers, named by `higher`,
        decided), recording each rule's matches (`raw`: admin_tier.rule_matches of its applicable
        policies), decisions and shadowers.

        A rule decides what it matches minus what earlier rules of its own policy and every rule of
        a policy of smaller priority number matched: the policies of its own priority do not shadow
        it, since their order is undefined (that conflict is NV701's)."""
        applicable = self.applicable(tier, subject)
        if not applicable:
            return Decision.passing(tier.name)
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
        if len({p.policy.priority or 0 for p in applicable}) < len(applicable):  # equal priorities only
            self._overlaps(tier, direction, subject, peer, dst, above)
        return first_match(tier.name, (), reaching)

    def _rule_matches(self, applicable: Sequence[CompiledAdminPolicy], direction: Direction, peer: Endpoint,
                      dst: Endpoint) -> list[RuleMatch]:
        """admin_tier.rule_matches for each policy, read from the rules' peer masks and the graph's
        cached ports (the same matches, without matching the peer's labels again). Memoised per
        policies, peer class and, when a rule names a port, the destination's named ports (what
        `graph.rule_ports` reads of it): subject keys that differ only in their NetworkPolicies ask
        the same admin questions."""
        position = self.position[self.rep[peer.id]]
        ids = tuple(map(id, applicable))
        names = self._names_memo.get((direction, ids))
        if names is None:
            names = self._names_memo[(direction, ids)] = self.names_ports(direction, applicable, ())
        key = (direction, ids, position, named_ports_key(dst) if names else None)
        memo = self._matches_memo.get(key)
        if memo is None:
            memo = self._matches_memo[key] = self._rule_matches_of(applicable, direction, position, dst)
        return memo

    def _rule_matches_of(self, applicable: Sequence[CompiledAdminPolicy], direction: Direction, position: int,
                         dst: Endpoint) -> list[RuleMatch]:
        bit = 1 << position
        graph = self.ctx.graph
        found: list[RuleMatch] = []
        for policy in applicable:
            for rule in policy.rules(direction):
                if self.rule_mask(rule) & bit:
                    conns = graph.rule_ports(rule, dst)
                    if conns:
                        found.append(RuleMatch(rule.ref, conns, ADMIN_ACTIONS[rule.ref.action]))
        return found

    def _record(self, ref: AdminRuleRef, direction: Direction, subject: Endpoint, peer: Endpoint, m: RuleMatch,
                reaching: RuleMatch, before: list[tuple[ConnectionSet, AdminRuleRef]],
                higher: dict[str, Decision]) -> None:
        record = self.rules.setdefault(ref, RuleRecord())
        if record.matched is None:
            record.matched = Witness(direction, subject, peer, one_connection(m.allowed))
        self.involve(record.involved)
        mine = reaching.allowed
        for conns, _ in before:
            mine = mine - conns
        if mine:
            record.decided = True
            if m.action is Action.PASS:
                self._passing.append((ref, mine))
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
            self.involve(overlap.involved)

    def _passes(self, passes: list[tuple[AdminRuleRef, ConnectionSet]], below: ConnectionSet, direction: Direction,
                subject: Endpoint, peer: Endpoint) -> None:
        """NV703's records: each Pass rule with what it passes in some order of its priority (`_record`: what it
        matches that no earlier rule of its policy, and no policy of a smaller priority number, matched), and
        whether a later tier decides some of it (`below`)."""
        for ref, passed in passes:
            record = self.rules.setdefault(ref, RuleRecord())
            if record.passed is None:
                record.passed = Witness(direction, subject, peer, one_connection(passed))
            if passed & below:
                record.passed_somewhere_decided = True

    def _network_policy(self, np: Decision, admin: Decision, where: Witness) -> None:
        for m in np.matches:
            record = self.np_rules.setdefault(m.rule, NetworkPolicyRuleRecord())
            record.matched = True
            self.involve(record.involved)
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
