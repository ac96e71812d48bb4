"""Why a connection changed between two versions: the rules, policies and objects responsible.

Only pairs whose allowed set changed are explained. Each direction (egress of the
source, ingress of the destination) is compared between the versions; a rule or a
policy is named only when it accounts for part of the pair's net change, so a policy
that was renamed or split without changing its effect never appears as a cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, cast

from netverify.engines.graph import named_ports_key
from netverify.model import POLICY_FIELDS, Direction, SourceRef, without_sources
from netverify.queries.context import Analysis
from netverify.queries.diff_cause import BASE, HEAD, ROLE, Cause
from netverify.queries.diff_tiers import tier_addresses, tiers_of_analysis
from netverify.queries.diff_verdicts import matched_verdict, side_verdict
from netverify.semantics.compile import CompiledRule, PolicyRef, ip_blocks
from netverify.semantics.endpoints import Endpoint, IPAtoms, visible_labels
from netverify.semantics.evaluate import DirectionVerdict
from netverify.semantics.kinds import tier_order
from netverify.semantics.verdict import (
    NETWORK_POLICY_TIER,
    Action,
    Decision,
    RuleId,
    RuleMatch,
    Tier,
    action_word,
    exemption,
    rule_name,
)
from netverify.sets import ConnectionSet


class Located(Protocol):
    @property
    def source(self) -> SourceRef: ...


class Policy(Located, Protocol):
    """A loaded policy of any kind (`model.POLICY_FIELDS`), as causes locate it and compare versions."""

    @property
    def id(self) -> str: ...

    def rules(self, direction: Direction) -> Sequence[Located]: ...


NONE = ConnectionSet.none()

def _describe_labels(labels: tuple[tuple[str, str], ...]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels) or "(none)"


class Explainer:
    """Explains changed pairs; results are cached per endpoint and per pair of endpoints."""

    def __init__(self, base: Analysis, head: Analysis) -> None:
        self.base, self.head = base, head
        # Every policy of every kind (model.POLICY_FIELDS) by id: where a rule is, whether its policy changed.
        self._base_policies, self._head_policies = (_by_id(a) for a in (base, head))
        self.tiered = base.tiered or head.tiered  # tiers beyond NetworkPolicy on a side
        self._tiers = (tiers_of_analysis(base), tiers_of_analysis(head)) if self.tiered else ((), ())
        # A rule of the first tier is worded without its tier's name ("(Deny, priority 10)"); others with it.
        self.first_tier = next(iter(tier_order(*([t.name for t in tiers] for tiers in self._tiers))), "")
        # The label keys some selector of some tier references (Analysis.observations): others cannot matter.
        self._label_keys = base.label_keys | head.label_keys
        seen = ip_blocks(base.policies) + ip_blocks(head.policies)
        if self.tiered:  # address sets matched on every address (admin `networks`, `nodes` peers)
            seen += tier_addresses(base) + tier_addresses(head)
        self._atoms = IPAtoms(seen)
        self._endpoint_causes: dict[str, tuple[Cause, ...]] = {}
        self._policy_status: dict[str, str] = {}
        self._explained: dict[tuple[object, ...], tuple[Cause, ...]] = {}
        self._masks: dict[tuple[bool, Direction, tuple[int, ...]], tuple[tuple[bytes, ...], bool]] = {}
        self._rules: dict[tuple[bool, Direction, tuple[int, ...]], list[CompiledRule]] = {}  # as _masks
        self._of_class: dict[tuple[bool, Direction, int], tuple[tuple[int, ...], tuple[bytes, ...], bool]] = {}
        self._ports: dict[str, tuple[object, ...]] = {}  # endpoint id -> named_ports_key
        self._bytes: dict[int, bytes] = {}  # a peer mask -> its bytes (masks repeat: a namespace, everyone)
        self._verdicts: dict[tuple[bool, Direction, tuple[object, ...]], DirectionVerdict] = {}
        # A pod's node matters only to node traffic, which needs a hostNetwork pod on that side (and to
        # admin `nodes` peers, which see node addresses).
        self._nodes_matter = self.tiered or any(e.host_network for e in base.endpoints) or any(
            e.host_network for e in head.endpoints)

    # --- pairs

    def pair(self, src: str, dst: str, before: ConnectionSet, after: ConnectionSet,
             settled: Direction | None = None) -> tuple[Cause, ...]:
        """Rule and policy causes for src -> dst (the same for every pair of the same endpoint classes).

        With NetworkPolicies alone, each direction's part is computed once per verdict signature on
        both sides (`_signature`): cells of a large change share most of their directions' walks.
        `settled`: a direction the caller knows to allow the pair the same on both sides, which
        therefore names no cause (`direction` finds none where the allowed sets are equal): not walked."""
        gained, lost = after - before, before - after
        causes: list[Cause] = []
        for direction, subject, peer in ((Direction.EGRESS, src, dst), (Direction.INGRESS, dst, src)):
            if direction is settled:
                continue
            key = None if self.tiered else (direction, self._signature(self.base, direction, src, dst),
                                            self._signature(self.head, direction, src, dst), gained, lost)
            found = self._explained.get(key) if key is not None else None
            if found is None:
                if key is None:
                    vb = self.verdict(self.base, direction, subject, peer)
                    vh = self.verdict(self.head, direction, subject, peer)
                else:  # each side's verdict is a function of its signature: shared by many cells
                    vb = self._verdict_of(self.base, key[1], direction, subject, peer)
                    vh = self._verdict_of(self.head, key[2], direction, subject, peer)
                found = tuple(self.direction(vb, vh, gained, lost))
                if key is not None:
                    self._explained[key] = found
            causes += found
        return tuple(causes)

    def _verdict_of(self, analysis: Analysis, signature: tuple[object, ...], direction: Direction, subject: str,
                    peer: str) -> DirectionVerdict:
        """One side's verdict, cached by its signature (`_signature`)."""
        key = (analysis is self.head, direction, signature)
        found = self._verdicts.get(key)
        if found is None:
            if signature[0] == "exempt":
                found = self.verdict(analysis, direction, subject, peer)
            else:  # which rules match the peer is in the signature: built from those, no peer tested again
                selecting, matched = cast(tuple[int, ...], signature[0]), cast(int, signature[1])
                found = matched_verdict(analysis, direction, subject, selecting,
                                        self._rules[(key[0], direction, selecting)], matched,
                                        peer if direction == Direction.EGRESS else subject)
            self._verdicts[key] = found
        return found

    def _signature(self, analysis: Analysis, direction: Direction, src_id: str, dst_id: str) -> tuple[object, ...]:
        """What one side's NetworkPolicy verdict of `direction` for src -> dst is a function of, as
        `direction` reads it: an exemption (its note), else the policies selecting the subject (not its
        class: classes are nearly as many as workloads, policy sets far fewer) and what each of their
        rules admits with this peer, ports resolved on this destination (`ReachabilityGraph.rule_admits`:
        the verdict's rule matches). The verdict names no endpoint that `direction` reads."""
        src, dst = analysis.by_id[src_id], analysis.by_id[dst_id]
        exempt = exemption(src, dst)
        if exempt is not None and direction in exempt.open:
            return ("exempt", exempt.note)
        subject, peer = (src, dst) if direction == Direction.EGRESS else (dst, src)
        g = analysis.graph
        c = g.class_of[subject.id]
        head = analysis is self.head
        found = self._of_class.get((head, direction, c))
        if found is None:  # per class: a small key, where the selecting tuple would be hashed at every call
            selecting = g.selecting(direction)[c]
            found = self._of_class[(head, direction, c)] = (selecting, *self._rule_masks(analysis, direction,
                                                                                         selecting))
        selecting, masks, named = found
        p = g.class_of[peer.id]
        byte, bit = p >> 3, 1 << (p & 7)
        matched = 0
        for i, mask in enumerate(masks):
            if byte < len(mask) and mask[byte] & bit:
                matched |= 1 << i
        # rule_admits(rule, peer, dst) is the rule's ports on dst where its peers match the peer's class:
        # which rules match, and (only with named ports) what dst names, determine all of it.
        return (selecting, matched, self._named_ports(dst) if named and matched else None)

    def _named_ports(self, dst: Endpoint) -> tuple[object, ...]:
        found = self._ports.get(dst.id)
        if found is None:
            found = self._ports[dst.id] = named_ports_key(dst)
        return found

    def _rule_masks(self, analysis: Analysis, direction: Direction,
                    selecting: tuple[int, ...]) -> tuple[tuple[bytes, ...], bool]:
        """The peer masks of the rules of the policies `selecting` (indices, in order) for `direction`,
        as little-endian bytes (a bit is read in constant time; shifting an int of one bit per class
        costs the classes, at every test), and whether one of them names a port."""
        key = (analysis is self.head, direction, selecting)
        found = self._masks.get(key)
        if found is None:
            g = analysis.graph
            rules = self._rules[key] = [rule for i in selecting for rule in analysis.policies[i].rules(direction)]
            found = self._masks[key] = (tuple(self._mask_bytes(g.peer_mask(rule)) for rule in rules),
                                        any(rule.named_ports for rule in rules))
        return found

    def _mask_bytes(self, mask: int) -> bytes:
        found = self._bytes.get(mask)
        if found is None:
            found = self._bytes[mask] = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
        return found

    def verdict(self, analysis: Analysis, direction: Direction, subject: str, peer: str) -> DirectionVerdict:
        """One side's verdict of one direction, with each tier's Decision (the tier walk)."""
        src = analysis.by_id[peer if direction == Direction.INGRESS else subject]
        dst = analysis.by_id[subject if direction == Direction.INGRESS else peer]
        return side_verdict(analysis, self.tiers_of(analysis), direction, src, dst)

    def tiers_of(self, analysis: Analysis) -> tuple[Tier, ...] | None:
        """One side's tiers when admin policies are on either side (None: NetworkPolicies alone)."""
        if not self.tiered:
            return None
        return self._tiers[0] if analysis is self.base else self._tiers[1]

    def direction(self, vb: DirectionVerdict, vh: DirectionVerdict, gained: ConnectionSet,
                  lost: ConnectionSet) -> list[Cause]:
        """The rules and policies of one direction (BASE's verdict `vb`, HEAD's `vh`) that account for
        part of what a pair gained or lost, tier by tier.

        Each side's tiers are walked in order; a tier sees only the connections the tiers before it
        left undecided on that side (`reach`). In a tier, a rule is a cause for the part of the change
        it now decides and did not (HEAD), or decided and no longer does (BASE), with the action that
        makes it count: an Allow for connections gained (HEAD) or lost (BASE), a Deny the other way
        round, a Pass either way. The NetworkPolicy tier names its policies when it starts or stops
        isolating the subject, else its rules that admit more or less."""
        direction = vb.direction
        gained = (vh.allowed - vb.allowed) & gained
        lost = (vb.allowed - vh.allowed) & lost
        if not gained and not lost:
            return []
        changed = gained | lost
        reach_b = reach_h = ConnectionSet.all()
        causes: list[Cause] = []
        tiers = _aligned(vb.decisions, vh.decisions)
        for n, (db, dh) in enumerate(tiers):
            if db.tier == NETWORK_POLICY_TIER:
                causes += self._network_policy_tier(Direction(direction), db, dh, gained & reach_h, lost & reach_b,
                                                    changed & reach_h, changed & reach_b)
            else:
                later = tiers[n + 1:]
                causes += self._first_match_tier(db, dh, gained, lost, reach_b, reach_h,
                                                 ([b for b, _ in later], [h for _, h in later]))
            if n == len(tiers) - 1:  # nothing after it: what it left undecided is not asked
                break
            reach_b, reach_h = reach_b - db.decided, reach_h - dh.decided
            if not (reach_b | reach_h) & changed:
                break
        return causes

    def _network_policy_tier(self, direction: Direction, db: Decision, dh: Decision, gained: ConnectionSet,
                             lost: ConnectionSet, seen_h: ConnectionSet, seen_b: ConnectionSet) -> list[Cause]:
        role = ROLE[direction]
        isolated_b, isolated_h = bool(db.allow or db.deny), bool(dh.allow or dh.deny)  # decides something
        if not isolated_b and isolated_h:
            if not dh.decided & seen_h:
                return []
            return [self._isolation(ref, HEAD, direction, f"now selects the {role}, isolating its {direction}")
                    for ref in dh.policies]
        if isolated_b and not isolated_h:
            if not db.decided & seen_b:
                return []
            return [self._isolation(ref, BASE, direction, f"no longer selects the {role}, whose {direction} "
                                                          "is not isolated any more")
                    for ref in db.policies]
        before = {_rule_key(m): m for m in db.matches}
        after = {_rule_key(m): m for m in dh.matches}
        causes = []
        for key, m in after.items():
            previous = before.get(key)
            part = (m.allowed - (previous.allowed if previous else NONE)) & gained
            if part:
                causes.append(self._rule(m, "admits", f"now admits {part.describe()}", HEAD))
        for key, m in before.items():
            current = after.get(key)
            part = (m.allowed - (current.allowed if current else NONE)) & lost
            if part:
                causes.append(self._rule(m, "stops-admitting", f"no longer admits {part.describe()}", BASE))
        return causes

    def _first_match_tier(self, db: Decision, dh: Decision, gained: ConnectionSet, lost: ConnectionSet,
                          reach_b: ConnectionSet, reach_h: ConnectionSet,
                          later: tuple[list[Decision], list[Decision]]) -> list[Cause]:
        """An admin tier (first match): rules by what they now decide, with their action. A rule whose
        action changed is one cause (HEAD's action, "was" BASE's); a Pass says where the connections
        land (`later`: each side's tiers after this one)."""
        before = {_step_key(m): m for m in db.matches}
        after = {_step_key(m): m for m in dh.matches}
        causes = []
        named: set[tuple[str, str, int]] = set()
        for key, m in after.items():
            previous = before.get(key)
            counts = {Action.ALLOW: gained, Action.DENY: lost}.get(m.action, gained | lost)
            part = (m.allowed - (previous.allowed if previous else NONE)) & counts & reach_h
            if part:
                was = next((b.action for b in db.matches if _rule_key(b) == _rule_key(m) and b.action is not m.action
                            and b.allowed & part), None)
                causes.append(self._admin_rule(m, part, HEAD, db.matches, was, later[1]))
                named.add(_rule_key(m))
        for key, m in before.items():
            current = after.get(key)
            counts = {Action.ALLOW: lost, Action.DENY: gained}.get(m.action, gained | lost)
            part = (m.allowed - (current.allowed if current else NONE)) & counts & reach_b
            if part and _rule_key(m) not in named:
                causes.append(self._admin_rule(m, part, BASE, dh.matches, None, later[0]))
        return causes

    def _admin_rule(self, m: RuleMatch, part: ConnectionSet, side: str, other_side: tuple[RuleMatch, ...],
                    was: Action | None, later: list[Decision]) -> Cause:
        """`ClusterNetworkPolicy/tenant-guard ingress[1] (Deny, priority 10) now denies TCP:5432 (was Pass)`."""
        r = m.rule
        action = _ADMIN_WORDS[m.action]
        change = _BARE[action] if side == HEAD else f"stops-{action}"
        what = f"now {_BARE[action]}" if side == HEAD else f"no longer {_BARE[action]}"
        name = f" {rule_name(r)!r}" if rule_name(r) else ""
        tail = f" to the next tier ({_landing(part, later)})" if m.action is Action.PASS else ""
        tier = "" if r.tier_name == self.first_tier else f"{r.tier_name}, "
        priority = f", priority {r.priority}" if r.priority is not None else ""
        previously = f" (was {action_word(r, was)})" if was is not None else ""
        status = self.policy_status(r.policy)
        note = _equal_priority_note(r, part, other_side)
        source, where = self._locate(r.policy, r.direction, r.index, r.source, side)
        return Cause("rule", change, r.policy,
                     f"{r.policy} {r.direction}[{r.index}]{name} ({tier}{action_word(r, m.action)}{priority}) {what} "
                     f"{part.describe()}{tail}{previously} ({status}){note}", source, where, r.direction, r.index, r)

    def _isolation(self, ref: PolicyRef, side: str, direction: Direction, what: str) -> Cause:
        change = "isolates" if side == HEAD else "stops-isolating"
        status = self.policy_status(ref.id)
        source, where = self._locate(ref.id, direction, -1, ref.source, side)
        return Cause("policy", change, ref.id, f"policy {ref.id} {what} ({status})", source, where, direction)

    def _rule(self, m: RuleMatch, change: str, what: str, side: str) -> Cause:
        r = m.rule
        status = self.policy_status(r.policy)
        source, where = self._locate(r.policy, r.direction, r.index, r.source, side)
        return Cause("rule", change, r.policy, f"rule {r.policy} {r.direction}[{r.index}] {what} ({status})",
                     source, where, r.direction, r.index)

    def _locate(self, policy_id: str, direction: Direction, index: int, source: SourceRef,
                side: str) -> tuple[SourceRef, str]:
        """Prefer a location in HEAD (what the change author can edit) when the policy still exists there."""
        if side == HEAD:
            return source, HEAD
        policy = self._head_policies.get(policy_id)
        if policy is None:
            return source, BASE
        rules = tuple(policy.rules(direction)) if direction else ()
        if 0 <= index < len(rules):
            return rules[index].source, HEAD
        return policy.source, HEAD

    def policy_status(self, policy_id: str) -> str:
        status = self._policy_status.get(policy_id)
        if status is None:
            b, h = self._base_policies.get(policy_id), self._head_policies.get(policy_id)
            status = self._policy_status[policy_id] = _status(b, h)
        return status

    # --- endpoints

    def endpoint(self, eid: str) -> tuple[Cause, ...]:
        """What changed in an endpoint (present on both sides) that a policy can see."""
        cached = self._endpoint_causes.get(eid)
        if cached is None:
            cached = self._endpoint_causes[eid] = tuple(self._endpoint_changes(self.base.by_id[eid],
                                                                               self.head.by_id[eid]))
        return cached

    def _endpoint_changes(self, b: Endpoint, h: Endpoint) -> list[Cause]:
        out = []
        bl, hl = visible_labels(b.labels, self._label_keys), visible_labels(h.labels, self._label_keys)
        if bl != hl:
            out.append(Cause("endpoint", "labels", h.id, f"labels of {h.id} changed: {_describe_labels(bl)} -> "
                                                         f"{_describe_labels(hl)}", h.source))
        bp, hp = _named_ports(b), _named_ports(h)
        if bp != hp:
            out.append(Cause("endpoint", "named-ports", h.id, f"named ports of {h.id} changed: {bp or '(none)'} -> "
                                                              f"{hp or '(none)'}", h.source))
        if b.host_network != h.host_network:
            out.append(Cause("endpoint", "host-network", h.id,
                             f"hostNetwork of {h.id} changed: {b.host_network} -> {h.host_network}", h.source))
        if self._atoms.signature(b.ips) != self._atoms.signature(h.ips):  # only ipBlocks see addresses
            out.append(Cause("endpoint", "ips", h.id, f"IPs of {h.id} changed: {', '.join(b.ips) or '(none)'} -> "
                                                      f"{', '.join(h.ips) or '(none)'}", h.source))
        if self._nodes_matter and b.node_name != h.node_name:
            out.append(Cause("endpoint", "node", h.id, f"node of {h.id} changed: {b.node_name or '(none)'} -> "
                                                       f"{h.node_name or '(none)'} (traffic from hostNetwork pods "
                                                       "on a pod's own node is always allowed)", h.source))
        if b.single_pod != h.single_pod:
            out.append(Cause("endpoint", "replicas", h.id, f"{h.id} went from {_size(b)} to {_size(h)}: traffic "
                                                           "between its replicas " +
                             ("appears" if b.single_pod else "disappears"), h.source))
        if b.ns_labels != h.ns_labels:
            ns = self.head.cluster.namespace(h.namespace)
            out.append(Cause("namespace", "labels", h.namespace,
                             f"labels of namespace {h.namespace} changed: {_describe_labels(b.ns_labels)} -> "
                             f"{_describe_labels(h.ns_labels)}", ns.source if ns else SourceRef("")))
        return out


def _rule_key(m: RuleMatch) -> tuple[str, str, int]:
    return (m.rule.policy, m.rule.direction, m.rule.index)


def _step_key(m: RuleMatch) -> tuple[str, str, int, Action]:
    """A first-match step: the rule and its action (a rule whose action changed decides anew)."""
    return (m.rule.policy, m.rule.direction, m.rule.index, m.action)


_ADMIN_WORDS = {Action.ALLOW: "allowing", Action.DENY: "denying", Action.PASS: "passing"}
_BARE = {"allowing": "allows", "denying": "denies", "passing": "passes"}


def _landing(part: ConnectionSet, later: list[Decision]) -> str:
    """Where passed connections land, on that side: `[NetworkPolicy] allows TCP:5432`, the tiers after
    the one that passed them in order, then the default."""
    said = []
    for d in later:
        for verb, conns in (("allows", d.allow & part), ("denies", d.deny & part)):
            if conns:
                said.append(f"[{d.tier}] {verb} {conns.describe()}")
        part = part - d.decided
    if part:
        said.append(f"the default allows {part.describe()}")
    return "; ".join(said)


def _aligned(base: tuple[Decision, ...], head: tuple[Decision, ...]) -> list[tuple[Decision, Decision]]:
    """The two sides' decisions tier by tier; a tier one side lacks (no admin policies there, or a
    direction no policy governs) passes everything."""
    names = tier_order([d.tier for d in base], [d.tier for d in head])
    b, h = {d.tier: d for d in base}, {d.tier: d for d in head}
    return [(b.get(n) or Decision.passing(n), h.get(n) or Decision.passing(n)) for n in names]


def _equal_priority_note(rule: RuleId, part: ConnectionSet, other_side: tuple[RuleMatch, ...]) -> str:
    """When the other version decided `part` by a rule of another policy with the same priority, the
    change may be an order upstream leaves undefined: say so."""
    for m in other_side:
        other = m.rule
        if (other.tier_name == rule.tier_name and other.policy != rule.policy and other.priority == rule.priority
                and rule.priority is not None and m.allowed & part):
            return (f"; {other.policy} has the same priority {rule.priority}: their order is undefined upstream "
                    "(netverify orders equal priorities by name)")
    return ""


def _by_id(analysis: Analysis) -> dict[str, Policy]:
    return {p.id: p for kind in POLICY_FIELDS for p in getattr(analysis.cluster, kind)}


def _status(base: Policy | None, head: Policy | None) -> str:
    if base is None:
        return "new policy"
    if head is None:
        return "policy removed"
    if without_sources(base) != without_sources(head):
        return "policy modified"
    return "policy unchanged: the endpoints or namespaces changed"


def _named_ports(ep: Endpoint) -> str:
    return ",".join(f"{p.name}={p.port}/{p.protocol}" for p in sorted(ep.ports, key=lambda p: (p.name or "", p.port))
                    if p.name)


def _size(ep: Endpoint) -> str:
    return "one pod" if ep.single_pod else f"{ep.replicas or len(ep.pods) or 'several'} replicas"
