"""Hypothesis strategies for random admin policy sets (ClusterNetworkPolicy of both tiers, v1alpha1
AdminNetworkPolicy and the baseline), and the reference oracle's answer in every order of equal
priorities, for the SMT engine's property tests.

Equal priorities that overlap are undefined upstream; the oracle raises UndefinedOrder for them.
`in_every_order` answers instead for each order of the tied policies (each order is written as
distinct priorities, which the oracle reads), so a test can check "holds in every order" and
"some order allows" exactly.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from hypothesis import strategies as st

ADMIN_KINDS = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")

Doc = dict[str, Any]


def ns_selector_st(labels: Sequence[str]) -> st.SearchStrategy[dict[str, Any]]:
    """{} or matchLabels over the namespace label `team`."""
    return st.one_of(st.just({}), st.builds(lambda t: {"matchLabels": {"team": t}}, st.sampled_from(list(labels))))


def pod_selector_st(keys: Sequence[str], values: Sequence[str]) -> st.SearchStrategy[dict[str, Any]]:
    labels = st.dictionaries(st.sampled_from(list(keys)), st.sampled_from(list(values)), max_size=2)
    return st.one_of(
        st.just({}), st.builds(lambda ml: {"matchLabels": ml}, labels),
        st.builds(lambda k, v: {"matchExpressions": [{"key": k, "operator": "NotIn", "values": [v]}]},
                  st.sampled_from(list(keys)), st.sampled_from(list(values))))


class AdminShapes:
    """The strategies over one topology: namespace label values, pod label keys/values, the networks
    and node selectors egress peers may use."""

    def __init__(self, teams: Sequence[str], keys: Sequence[str], values: Sequence[str], networks: Sequence[str],
                 node_roles: Sequence[str] = (), named: Sequence[str] = ("web", "dns"),
                 numbers: dict[str, Sequence[int]] | None = None, port_range: tuple[int, int] = (50, 100)) -> None:
        """`numbers`: the port numbers rules name, per protocol (default 53, 80, 8080 for each);
        `port_range`: the one range they use (TCP and UDP)."""
        self.ns = ns_selector_st(teams)
        self.pods = pod_selector_st(keys, values)
        self.networks, self.node_roles, self.named = list(networks), list(node_roles), list(named)
        self.numbers = {p: list(n) for p, n in (numbers or {p: (53, 80, 8080) for p in ("tcp", "udp", "sctp")}).items()}
        self.port_range = port_range

    def subject(self) -> st.SearchStrategy[dict[str, Any]]:
        return st.one_of(st.builds(lambda s: {"namespaces": s}, self.ns),
                         st.builds(lambda n, p: {"pods": {"namespaceSelector": n, "podSelector": p}}, self.ns,
                                   self.pods))

    def peer(self, direction: str) -> st.SearchStrategy[dict[str, Any]]:
        forms = [st.builds(lambda s: {"namespaces": s}, self.ns),
                 st.builds(lambda n, p: {"pods": {"namespaceSelector": n, "podSelector": p}}, self.ns, self.pods)]
        if direction == "egress" and self.networks:
            forms.append(st.builds(lambda cs: {"networks": cs},
                                   st.lists(st.sampled_from(self.networks), min_size=1, max_size=2, unique=True)))
        if direction == "egress" and self.node_roles:
            forms.append(st.builds(lambda r: {"nodes": {"matchLabels": {"role": r}}}, st.sampled_from(self.node_roles)))
        return st.one_of(*forms)

    def _number(self) -> st.SearchStrategy[tuple[str, int]]:
        return st.sampled_from([(p, n) for p, ns in self.numbers.items() for n in ns])

    def protocols(self) -> st.SearchStrategy[list[dict[str, Any]]]:
        start, end = self.port_range
        return st.lists(st.one_of(
            st.builds(lambda pn: {pn[0]: {"destinationPort": {"number": pn[1]}}}, self._number()),
            st.builds(lambda p: {p: {"destinationPort": {"range": {"start": start, "end": end}}}},
                      st.sampled_from(["tcp", "udp"])),
            st.builds(lambda n: {"destinationNamedPort": n}, st.sampled_from(self.named)),
        ), min_size=1, max_size=2)

    def v1alpha1_ports(self) -> st.SearchStrategy[list[dict[str, Any]]]:
        start, end = self.port_range
        return st.lists(st.one_of(
            st.builds(lambda pn: {"portNumber": {"protocol": pn[0].upper(), "port": pn[1]}}, self._number()),
            st.just({"portRange": {"protocol": "TCP", "start": start, "end": end}}),
            st.builds(lambda n: {"namedPort": n}, st.sampled_from(self.named)),
        ), min_size=1, max_size=2)

    @st.composite
    def rule(draw: st.DrawFn, self: AdminShapes, direction: str, actions: Sequence[str], ports_key: str) -> Doc:
        peers = draw(st.lists(self.peer(direction), min_size=1, max_size=2))
        rule: Doc = {"action": draw(st.sampled_from(list(actions))),
                     "from" if direction == "ingress" else "to": peers}
        if draw(st.booleans()):
            rule[ports_key] = draw(self.protocols() if ports_key == "protocols" else self.v1alpha1_ports())
            if any("networks" in p or "nodes" in p for p in peers):  # the experimental CRD's CEL rule
                rule[ports_key] = [e for e in rule[ports_key] if "destinationNamedPort" not in e
                                   and "namedPort" not in e]
                if not rule[ports_key]:
                    del rule[ports_key]
        return rule

    @st.composite
    def cnp(draw: st.DrawFn, self: AdminShapes, name: str, priorities: Sequence[int] = (0, 0, 1)) -> Doc:
        """A ClusterNetworkPolicy of either tier; few priorities, so equal ones are common."""
        spec: Doc = {"tier": draw(st.sampled_from(["Admin", "Baseline"])),
                     "priority": draw(st.sampled_from(list(priorities))), "subject": draw(self.subject())}
        for direction in ("ingress", "egress"):
            rules = draw(st.lists(self.rule(direction, ["Accept", "Deny", "Pass"], "protocols"), max_size=2))
            if rules:
                spec[direction] = rules
        return {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                "metadata": {"name": name}, "spec": spec}

    @st.composite
    def anp(draw: st.DrawFn, self: AdminShapes, name: str, priorities: Sequence[int] = (1, 1, 2)) -> Doc:
        spec: Doc = {"priority": draw(st.sampled_from(list(priorities))), "subject": draw(self.subject())}
        for direction in ("ingress", "egress"):
            rules = draw(st.lists(self.rule(direction, ["Allow", "Deny", "Pass"], "ports"), max_size=2))
            if rules:
                spec[direction] = rules
        return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
                "metadata": {"name": name}, "spec": spec}

    @st.composite
    def banp(draw: st.DrawFn, self: AdminShapes) -> Doc:
        spec: Doc = {"subject": draw(self.subject())}
        for direction in ("ingress", "egress"):
            rules = draw(st.lists(self.rule(direction, ["Allow", "Deny"], "ports"), max_size=2))
            if rules:
                spec[direction] = rules
        return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
                "metadata": {"name": "default"}, "spec": spec}

    def admin_set(self, least: int = 0, most: int = 3) -> st.SearchStrategy[list[Doc]]:
        """least..most policies: ClusterNetworkPolicies, or v1alpha1 ANPs (with the baseline)."""
        cnps = st.integers(least, most).flatmap(lambda n: st.tuples(*[self.cnp(f"cnp{i}") for i in range(n)]))
        v1 = st.tuples(st.integers(min(least, 2), 2).flatmap(
            lambda n: st.tuples(*[self.anp(f"anp{i}") for i in range(n)])),
                       st.lists(self.banp(), max_size=1))
        return st.one_of(cnps.map(list), v1.map(lambda t: [*t[0], *t[1]]))


def _tier(doc: Doc) -> str:
    if doc["kind"] == "ClusterNetworkPolicy":
        return str(doc["spec"]["tier"])
    return "Baseline" if doc["kind"] == "BaselineAdminNetworkPolicy" else "Admin"


def orders(docs: Sequence[Doc]) -> Iterator[list[Doc]]:
    """The documents once per order of equal-priority admin policies, each order written as distinct
    priorities (priority * 10 + rank) so that the oracle reads it."""
    groups: dict[tuple[str, int], list[int]] = {}
    for i, d in enumerate(docs):
        if d["kind"] in ADMIN_KINDS and d["kind"] != "BaselineAdminNetworkPolicy":
            groups.setdefault((_tier(d), d["spec"]["priority"]), []).append(i)
    tied = [g for g in groups.values() if len(g) > 1]
    for choice in itertools.product(*[itertools.permutations(g) for g in tied]):
        out = copy.deepcopy(list(docs))
        for d in out:
            if d["kind"] in ADMIN_KINDS and d["kind"] != "BaselineAdminNetworkPolicy":
                d["spec"]["priority"] = d["spec"]["priority"] * 10
        for ranked in choice:
            for rank, i in enumerate(ranked):
                out[i]["spec"]["priority"] += rank
        yield out


def in_every_order(docs: Sequence[Doc], decide: Callable[[list[Doc]], bool]) -> list[bool]:
    """`decide` under each order of the equal-priority admin policies."""
    return [decide(variant) for variant in orders(docs)]


def outside_admin_view(docs: Sequence[Doc]) -> list[Doc]:
    """Admin policies as an address outside the cluster meets them as a peer: only `networks` and
    `nodes` peers can match it (rules left without peers match nothing and are dropped)."""
    out = []
    for d in docs:
        if d["kind"] not in ADMIN_KINDS:
            out.append(d)
            continue
        d = copy.deepcopy(d)
        for direction, key in (("ingress", "from"), ("egress", "to")):
            rules = []
            for r in d["spec"].get(direction) or []:
                peers = [p for p in r[key] if "networks" in p or "nodes" in p]
                if peers:
                    rules.append({**r, key: peers})
            d["spec"][direction] = rules
        out.append(d)
    return out
