"""Why a connection changed between two versions: the rules, policies and objects responsible.

Only pairs whose allowed set changed are explained. Each direction (egress of the
source, ingress of the destination) is compared between the versions; a rule or a
policy is named only when it accounts for part of the pair's net change, so a policy
that was renamed or split without changing its effect never appears as a cause.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model import NetworkPolicy, SourceRef, without_sources
from netverify.queries.context import Analysis
from netverify.semantics.compile import PolicyRef, ip_blocks
from netverify.semantics.endpoints import Endpoint, IPAtoms, visible_labels
from netverify.semantics.evaluate import DirectionVerdict, RuleMatch
from netverify.sets import ConnectionSet

HEAD, BASE = "head", "base"
_ROLE = {"egress": "source", "ingress": "destination"}
_SHORT = {"admits": "admits", "stops-admitting": "stops admitting", "isolates": "isolates",
          "stops-isolating": "stops isolating"}


@dataclass(frozen=True)
class Cause:
    """One reason a connection changed, located in the version (`side`) that shows it best."""

    kind: str  # rule | policy | endpoint | namespace
    change: str  # admits, stops-admitting, isolates, stops-isolating, labels, named-ports, host-network, ips,
    #              replicas, node, other
    subject: str  # policy id, endpoint id or namespace name
    message: str
    source: SourceRef
    side: str = HEAD
    direction: str = ""
    rule: int = -1

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind, "change": self.change, "subject": self.subject,
                                  "message": self.message, "file": self.source.file, "line": self.source.line,
                                  "side": self.side}
        if self.kind == "rule":
            out.update(policy=self.subject, direction=self.direction, rule=self.rule)
        return out

    def __str__(self) -> str:
        return f"{self.message} ({self.source})" if self.source.file else self.message

    @property
    def short(self) -> str:
        """A few words for a table cell: which rule, policy or object."""
        if self.kind == "rule":
            return f"{self.subject} {self.direction}[{self.rule}] {_SHORT[self.change]}"
        if self.kind == "policy":
            return f"{self.subject} {_SHORT[self.change]} {_ROLE[self.direction]}"
        if self.kind == "namespace":
            return f"namespace {self.subject} labels"
        if self.kind == "endpoint" and self.change == "other":
            return "the inventory changed"
        return f"{self.subject} {self.change.replace('-', ' ')}"

    @property
    def key(self) -> tuple[object, ...]:
        """What identifies the cause across changes (one SARIF result, one row per cause)."""
        return (self.kind, self.change, self.subject, self.direction, self.rule, self.message)


# A change no rule, policy or object explains (it should not happen: the verdict is a function
# of exactly what the other causes compare); never left unexplained, and the same for every pair.
UNEXPLAINED = Cause("endpoint", "other", "", "the allowed set changed with the inventory, but no rule, policy or "
                                             "object change explains it (please report this)", SourceRef(""))


def _describe_labels(labels: tuple[tuple[str, str], ...]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels) or "(none)"


class Explainer:
    """Explains changed pairs; results are cached per endpoint and per pair of endpoints."""

    def __init__(self, base: Analysis, head: Analysis) -> None:
        self.base, self.head = base, head
        self._base_policies = {p.id: p for p in base.cluster.policies}
        self._head_policies = {p.id: p for p in head.cluster.policies}
        self._label_keys = base.label_keys | head.label_keys
        self._atoms = IPAtoms(ip_blocks(base.policies) + ip_blocks(head.policies))
        self._endpoint_causes: dict[str, tuple[Cause, ...]] = {}
        self._policy_status: dict[str, str] = {}
        # A pod's node matters only to node traffic, which needs a hostNetwork pod on that side.
        self._nodes_matter = any(e.host_network for e in base.endpoints) or any(e.host_network
                                                                               for e in head.endpoints)

    # --- pairs

    def pair(self, src: str, dst: str, before: ConnectionSet, after: ConnectionSet) -> tuple[Cause, ...]:
        """Rule and policy causes for src -> dst (the same for every pair of the same endpoint classes)."""
        gained, lost = after - before, before - after
        causes = self.direction(self._verdict(self.base, "egress", src, dst),
                                self._verdict(self.head, "egress", src, dst), gained, lost)
        causes += self.direction(self._verdict(self.base, "ingress", dst, src),
                                 self._verdict(self.head, "ingress", dst, src), gained, lost)
        return tuple(causes)

    @staticmethod
    def _verdict(analysis: Analysis, direction: str, subject: str, peer: str) -> DirectionVerdict:
        """What evaluate_pair says of one direction (its isolation and admitting rules, not why the
        others miss), read from the graph engine's classes: a few bit tests per rule, where the
        evaluator would match labels and parse addresses for each of tens of thousands of pairs."""
        g = analysis.graph
        subject_class, peer_class = g.class_of[subject], g.class_of[peer]
        key = g.selecting(direction)[subject_class]
        src = analysis.by_id[peer if direction == "ingress" else subject]
        dst = analysis.by_id[subject if direction == "ingress" else peer]
        node_traffic = direction == "ingress" and src.host_network and src.node_name and src.node_name == dst.node_name
        if not key or node_traffic:
            return DirectionVerdict(direction, subject, False, ConnectionSet.all())
        dst_class = g.class_of[dst.id]
        found = []
        allowed = ConnectionSet.none()
        for i in key:
            for rule in analysis.policies[i].rules(direction):
                conns = g.rule_admits(rule, peer_class, dst_class)
                if conns:
                    found.append(RuleMatch(rule.ref, conns))
                    allowed = allowed | conns
        return DirectionVerdict(direction, subject, True, allowed, tuple(analysis.policies[i].ref for i in key),
                                tuple(found))

    def direction(self, vb: DirectionVerdict, vh: DirectionVerdict, gained: ConnectionSet,
                  lost: ConnectionSet) -> list[Cause]:
        """The rules and policies of one direction (BASE's verdict `vb`, HEAD's `vh`) that account for
        part of what a pair gained or lost."""
        direction = vb.direction
        gained = (vh.allowed - vb.allowed) & gained
        lost = (vb.allowed - vh.allowed) & lost
        if not gained and not lost:
            return []
        role = _ROLE[direction]
        if not vb.isolated and vh.isolated:
            return [self._isolation(ref, HEAD, direction, f"now selects the {role}, isolating its {direction}")
                    for ref in vh.policies]
        if vb.isolated and not vh.isolated:
            return [self._isolation(ref, BASE, direction, f"no longer selects the {role}, whose {direction} "
                                                          "is not isolated any more")
                    for ref in vb.policies]
        before = {_rule_key(m): m for m in vb.matches}
        after = {_rule_key(m): m for m in vh.matches}
        causes = []
        for key, m in after.items():
            previous = before.get(key)
            part = (m.allowed - (previous.allowed if previous else ConnectionSet.none())) & gained
            if part:
                causes.append(self._rule(m, "admits", f"now admits {part.describe()}", HEAD))
        for key, m in before.items():
            current = after.get(key)
            part = (m.allowed - (current.allowed if current else ConnectionSet.none())) & lost
            if part:
                causes.append(self._rule(m, "stops-admitting", f"no longer admits {part.describe()}", BASE))
        return causes

    def _isolation(self, ref: PolicyRef, side: str, direction: str, what: str) -> Cause:
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

    def _locate(self, policy_id: str, direction: str, index: int, source: SourceRef,
                side: str) -> tuple[SourceRef, str]:
        """Prefer a location in HEAD (what the change author can edit) when the policy still exists there."""
        if side == HEAD:
            return source, HEAD
        policy = self._head_policies.get(policy_id)
        if policy is None:
            return source, BASE
        rules = policy.rules(direction) if direction else ()
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


def _status(base: NetworkPolicy | None, head: NetworkPolicy | None) -> str:
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
