"""Answers about pods that could exist agree with a brute force over every pod that could exist (issue 14).

Small random clusters (two namespaces, a few loaded pods, policies over two label keys, ipBlocks
that include single loaded-pod addresses, numeric/named/protocol-only ports). The brute force
enumerates, independently of netverify, every endpoint a side can stand for: the loaded pods it
matches; every pod that could exist (each namespace it allows x every combination of the label
values policies can tell apart x an address of each address class, never a loaded pod's, x for a
destination each named-port layout); every address outside the cluster. A pair is a connection
only between two endpoints that can exist together: not two outside addresses, two different
addresses for two endpoints that are not loaded, never a single pod with itself. The reference
oracle (tests/reference_oracle.py) decides each pair on each probe port.

For `can --any`, `check` (scope any) and `equiv --any`: the verdict equals the brute force's, and
every witness and counterexample is one of the enumerated connections (its addresses can exist
together, its ports are the query's) and replays through the oracle as claimed.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterator
from typing import Any

from helpers_admin_strategies import ADMIN_KINDS, AdminShapes, orders, outside_admin_view
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from reference_oracle import direction_allows, direction_verdict

from netverify.engines.smt_types import Connection, Proved, Refuted
from netverify.loaders.manifests import load_objects
from netverify.model import SourceRef
from netverify.queries.assertions import Assertion, EndpointSpec, parse_port
from netverify.queries.context import Analysis
from netverify.queries.equivalence import compare
from netverify.queries.ports import PortQuery
from netverify.queries.prove import ProveOptions, can_reach_any, check_assertions
from netverify.semantics.endpoints import Endpoint

# Shrinking a failure over these universes takes minutes: report the example as found.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

NAMESPACES = {"x": {"team": "a"}, "y": {"team": "b"}}
KEYS, VALUES = ("app", "tier"), ("a", "b")
LABEL_CHOICES = (None, "a", "b", "zz")  # absent, each value a selector mentions, one no selector mentions
# Address classes of the blocks below, two addresses each (a loaded pod may take one of them).
CANDIDATES = ("10.0.0.5", "10.0.0.6", "10.0.1.5", "10.0.1.6", "10.0.2.5", "10.0.2.6", "10.9.0.5", "10.9.0.6",
              "8.8.8.8", "8.8.4.4")
LOADED_IPS = ("10.0.0.5", "10.0.1.5", "10.0.2.5", "8.8.8.8")
BLOCKS = [("10.0.0.0/16", ["10.0.1.0/24"]), ("10.0.2.0/24", []), ("0.0.0.0/0", ["10.0.0.0/8"]),
          ("10.0.0.5/32", []), ("10.0.1.5/32", []), ("8.8.8.8/32", []), ("10.9.0.5/32", [])]
NAMED_LAYOUTS = ((), (("http", "TCP", 80),), (("http", "TCP", 8080),), (("dns", "UDP", 53),), (("http", "UDP", 53),))
PROBES = (("TCP", 80), ("TCP", 443), ("TCP", 8080), ("TCP", 9999), ("UDP", 53), ("UDP", 9999), ("SCTP", 9999))

SIDES = ["x/*", "*/*", "*/app=a", "y/tier in (a,b)", "*/!app", "0.0.0.0/0", "8.8.4.4/32"]
PORTS = [None, "80", "http", "http/TCP", "dns/UDP", "53/UDP"]

labels_st = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2)
selector_st = st.one_of(
    st.builds(lambda ml: {"matchLabels": ml}, labels_st),
    st.builds(lambda k, v: {"matchExpressions": [{"key": k, "operator": "NotIn", "values": [v]}]},
              st.sampled_from(KEYS), st.sampled_from(VALUES)),
    st.builds(lambda k: {"matchExpressions": [{"key": k, "operator": "Exists"}]}, st.sampled_from(KEYS)),
)
peer_st = st.one_of(
    st.builds(lambda s: {"podSelector": s}, selector_st),
    st.builds(lambda s: {"namespaceSelector": s}, st.sampled_from([{}, {"matchLabels": {"team": "a"}}])),
    st.builds(lambda c: {"ipBlock": {"cidr": c[0], **({"except": c[1]} if c[1] else {})}}, st.sampled_from(BLOCKS)),
)
port_st = st.sampled_from([{"port": 80}, {"port": 443}, {"port": "http"}, {"port": "dns", "protocol": "UDP"},
                           {"protocol": "UDP"}])
rule_st = st.builds(lambda peers, ports: {**({"peers": peers} if peers else {}), **({"ports": ports} if ports else {})},
                    st.lists(peer_st, max_size=2), st.lists(port_st, max_size=2))


@st.composite
def policy_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": draw(selector_st),
                            "policyTypes": draw(st.sampled_from([["Ingress"], ["Egress"], ["Ingress", "Egress"]]))}
    for key, peers_key in (("ingress", "from"), ("egress", "to")):
        rules = draw(st.lists(rule_st, max_size=2))
        spec[key] = [{(peers_key if k == "peers" else k): v for k, v in r.items()} for r in rules]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": draw(st.sampled_from(sorted(NAMESPACES)))}, "spec": spec}


def make_pod(ns: str, name: str, labels: dict[str, str], ip: str | None,
             named: tuple[tuple[str, str, int], ...]) -> dict[str, Any]:
    ports = [{"name": n, "protocol": proto, "containerPort": number} for n, proto, number in named]
    pod: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": name, "namespace": ns, "labels": labels},
                           "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]},
                           "status": {"phase": "Running"}}
    if ip is not None:
        pod["status"]["podIP"] = ip
    return pod


@st.composite
def cluster_st(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ips = draw(st.lists(st.sampled_from(LOADED_IPS), min_size=1, max_size=3, unique=True))
    pods = [make_pod(draw(st.sampled_from(sorted(NAMESPACES))), f"p{i}", draw(labels_st), ip,
                     draw(st.sampled_from(NAMED_LAYOUTS))) for i, ip in enumerate(ips)]
    policies = [draw(policy_st(f"np{j}")) for j in range(draw(st.integers(0, 3)))]
    return pods, policies


# --- the brute force --------------------------------------------------------------------------------

OUTSIDE = "<outside>"


def external(ip: str) -> dict[str, Any]:
    return {"metadata": {"namespace": OUTSIDE, "name": ip, "labels": {}}, "spec": {"containers": [{"name": "c", "image": "i"}]},
            "status": {"podIP": ip}}


def outside_view(policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The policies as an address outside the cluster meets them as a peer: a rule with peers matches it
    only through its ipBlock peers (a rule without peers matches every peer)."""
    out = []
    for p in policies:
        spec = dict(p["spec"])
        for key, peers in (("ingress", "from"), ("egress", "to")):
            if key not in spec:
                continue
            rules = []
            for r in spec[key] or []:
                r = r or {}
                if not r.get(peers):
                    rules.append(r)
                    continue
                blocks = [x for x in r[peers] if "ipBlock" in x]
                if blocks:
                    rules.append({**r, peers: blocks})
            spec[key] = rules
        out.append({**p, "spec": spec})
    return out


def oracle(src: dict[str, Any], dst: dict[str, Any], policies: list[dict[str, Any]], proto: str, port: int) -> bool:
    """The reference oracle, with addresses outside the cluster: no policy of their own, and as peers
    matched by ipBlocks only."""
    src_out, dst_out = (ep["metadata"]["namespace"] == OUTSIDE for ep in (src, dst))
    if not src_out and not direction_allows("egress", src, dst, dst, outside_view(policies) if dst_out else policies,
                                            NAMESPACES, proto, port):
        return False
    return dst_out or direction_allows("ingress", dst, src, dst, outside_view(policies) if src_out else policies,
                                       NAMESPACES, proto, port)


def ip_in(ip: str, cidr: str) -> bool:
    return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)


def universe(side: str, pods: list[dict[str, Any]], is_dst: bool) -> list[dict[str, Any]]:
    """Every endpoint `side` can stand for (scope any)."""
    loaded_ips = {p["status"]["podIP"] for p in pods}
    free = [ip for ip in CANDIDATES if ip not in loaded_ips]
    if side[0].isdigit():
        return [external(ip) for ip in free if ip_in(ip, side)]
    ns, rest = side.split("/", 1)
    out = [p for p in pods if ns in ("*", p["metadata"]["namespace"]) and in_selector(rest, p["metadata"]["labels"])]
    for namespace in sorted(NAMESPACES) if ns == "*" else [ns]:
        for values in itertools.product(LABEL_CHOICES, repeat=len(KEYS)):
            labels = {k: v for k, v in zip(KEYS, values, strict=True) if v is not None}
            if not in_selector(rest, labels):
                continue
            for ip in free:
                for named in NAMED_LAYOUTS if is_dst else ((),):
                    out.append(make_pod(namespace, f"could-exist-{len(out)}", labels, ip, named))
    return out


def in_selector(text: str, labels: dict[str, str]) -> bool:
    if text == "*":
        return True
    if text.startswith("!"):
        return text[1:] not in labels
    if " in " in text:
        key, values = text.split(" in ", 1)
        return labels.get(key) in values.strip("()").split(",")
    key, value = text.split("=")
    return labels.get(key) == value


def is_loaded(ep: dict[str, Any], pods: list[dict[str, Any]]) -> bool:
    return any(ep is p for p in pods)


def can_coexist(s: dict[str, Any], d: dict[str, Any], pods: list[dict[str, Any]]) -> bool:
    if s["metadata"]["namespace"] == OUTSIDE and d["metadata"]["namespace"] == OUTSIDE:
        return False  # two outside addresses: not a connection NetworkPolicy speaks of
    if s is d:
        return False  # a pod with itself
    if not is_loaded(s, pods) and not is_loaded(d, pods):
        return s["status"]["podIP"] != d["status"]["podIP"]
    return True


def query_ports(port: str | None, dst: dict[str, Any],
                probes: tuple[tuple[str, int], ...] = PROBES) -> list[tuple[str, int]]:
    """The probes a `can --port` question covers on this destination (a name resolves on it)."""
    if port is None:
        return list(probes)
    name, _, proto = port.partition("/")
    if name.isdigit():
        return [(proto or "TCP", int(name))]
    declared = [(cp.get("protocol", "TCP"), cp["containerPort"]) for c in dst["spec"]["containers"]
                for cp in c.get("ports") or [] if cp.get("name") == name]
    return [(pr, n) for pr, n in declared if not proto or pr == proto]


def brute_pairs(src: str, dst: str, pods: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    srcs, dsts = universe(src, pods, False), universe(dst, pods, True)
    return [(s, d) for s in srcs for d in dsts if can_coexist(s, d, pods)]


# --- netverify -----------------------------------------------------------------------------------------

def analyse(pods: list[dict[str, Any]], policies: list[dict[str, Any]]) -> Analysis:
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
            for n, labels in NAMESPACES.items()]
    result = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs + pods + policies))
    assert not result.errors, result.errors
    return Analysis(result.cluster, by="pod")


def as_dict(ep: Endpoint, pods: list[dict[str, Any]]) -> dict[str, Any]:
    """The brute force's view of an endpoint in a witness (a loaded pod is that very pod)."""
    if ep.external:
        return external(ep.ips[0])
    for p in pods:
        if f"{p['metadata']['namespace']}/{p['metadata']['name']}" == ep.id:
            return p
    return make_pod(ep.namespace, ep.name, dict(ep.labels), ep.ips[0] if ep.ips else None,
                    tuple((p.name, p.protocol, p.port) for p in ep.ports if p.name))


def check_connection(conn: Connection, src: str, dst: str, port: str | None, pods: list[dict[str, Any]],
                     policies: list[dict[str, Any]], expect_allowed: bool) -> None:
    """A witness or counterexample is a connection the brute force knows, on the query's ports, and
    replays through the oracle as claimed."""
    s, d = as_dict(conn.src, pods), as_dict(conn.dst, pods)
    loaded_ips = {p["status"]["podIP"] for p in pods}
    for ep, made in ((s, conn.src_synthesized), (d, conn.dst_synthesized)):
        if made or ep["metadata"]["namespace"] == OUTSIDE:
            assert ep["status"]["podIP"] not in loaded_ips, f"{ep['metadata']['name']} takes a loaded pod's IP"
    assert can_coexist(s, d, pods), f"{conn.src.id} -> {conn.dst.id} cannot exist together"
    for ep, side in ((s, src), (d, dst)):
        if side[0].isdigit():
            assert ep["metadata"]["namespace"] == OUTSIDE and ip_in(ep["status"]["podIP"], side)
        else:
            ns, rest = side.split("/", 1)
            assert ns in ("*", ep["metadata"]["namespace"]) and in_selector(rest, ep["metadata"]["labels"])
    assert (conn.protocol, conn.port) in query_ports(port, d) or port is None, \
        f"{conn.port}/{conn.protocol} is not what --port {port} asks about on {conn.dst.id}"
    assert oracle(s, d, policies, conn.protocol, conn.port) is expect_allowed


@SETTINGS
@given(cluster_st(), st.sampled_from(SIDES), st.sampled_from(SIDES), st.sampled_from(PORTS))
def test_can_any_agrees_with_the_brute_force(cluster: tuple[list[dict[str, Any]], list[dict[str, Any]]],
                                            src: str, dst: str, port: str | None) -> None:
    pods, policies = cluster
    a = analyse(pods, policies)
    result = can_reach_any(a, src, dst, PortQuery.parse(port, None), ProveOptions())
    expected = any(oracle(s, d, policies, proto, n) for s, d in brute_pairs(src, dst, pods)
                   for proto, n in query_ports(port, d))
    assert result.reachable is expected, f"netverify says {result.reachable}, the brute force {expected}"
    if isinstance(result.result, Proved) and result.result.witness is not None:
        check_connection(result.result.witness, src, dst, port, pods, policies, True)


def assertion(src: str, dst: str, expect: str, port: str | None) -> Assertion:
    return Assertion(name="a", expect=expect, src=EndpointSpec(text=src), dst=EndpointSpec(text=dst),
                     ports=(parse_port(port),) if port else (), scope="any")


@SETTINGS
@given(cluster_st(), st.sampled_from(SIDES), st.sampled_from(SIDES), st.sampled_from(["allow", "deny", "reachable"]),
       st.sampled_from([None, "80/TCP", "http/TCP", "53/UDP"]))
def test_check_scope_any_agrees_with_the_brute_force(cluster: tuple[list[dict[str, Any]], list[dict[str, Any]]],
                                                     src: str, dst: str, expect: str, port: str | None) -> None:
    pods, policies = cluster
    a = analyse(pods, policies)
    outcome = check_assertions(a, [assertion(src, dst, expect, port)], ProveOptions()).outcomes[0]
    cells = [oracle(s, d, policies, proto, n) for s, d in brute_pairs(src, dst, pods)
             for proto, n in query_ports(port, d)]
    holds = {"reachable": any(cells), "deny": not any(cells), "allow": bool(cells) and all(cells)}[expect]
    assert outcome.status == ("holds" if holds else "fails"), f"netverify: {outcome.status}; brute force: {holds}"
    r = outcome.result
    conn = r.witness if isinstance(r, Proved) else r.counterexample if isinstance(r, Refuted) else None
    if conn is not None:
        check_connection(conn, src, dst, port, pods, policies, expect != "allow")


@settings(max_examples=8, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cluster_st(), st.lists(policy_st("alt"), max_size=1))
def test_equiv_any_agrees_with_the_brute_force(cluster: tuple[list[dict[str, Any]], list[dict[str, Any]]],
                                               extra: list[dict[str, Any]]) -> None:
    pods, policies = cluster
    right = policies[1:] + extra  # drop one policy, maybe add another
    left_a, right_a = analyse(pods, policies), analyse(pods, right)
    result = compare(left_a.cluster, right_a.cluster, ("A", "B"), "equiv", "any", "smt", by="pod",
                     options=ProveOptions())
    if result.status == "fails":  # a valid witness is the proof of a difference
        assert result.distinction is not None
        w = result.distinction.left
        s, d = as_dict(w.src, pods), as_dict(w.dst, pods)
        assert can_coexist(s, d, pods), f"{w.src.id} -> {w.dst.id} cannot exist together"
        loaded_ips = {p["status"]["podIP"] for p in pods}
        for ep, made in ((s, w.src_synthesized), (d, w.dst_synthesized)):
            if made:
                assert ep["status"]["podIP"] not in loaded_ips, f"{ep['metadata']['name']} takes a loaded pod's IP"
        assert oracle(s, d, policies, w.protocol, w.port) != oracle(s, d, right, w.protocol, w.port)
        return
    assert result.status == "holds", result.reason
    everyone = "*/*"
    for s, d in brute_pairs(everyone, everyone, pods) + brute_pairs("0.0.0.0/0", everyone, pods) + \
            brute_pairs(everyone, "0.0.0.0/0", pods):
        for proto, n in PROBES:
            assert oracle(s, d, policies, proto, n) == oracle(s, d, right, proto, n), \
                f"netverify: equivalent; the brute force: {s['metadata']} -> {d['metadata']} {n}/{proto} differs"


# --- with admin tiers: check (scope any) over every pod that could exist and every order --------------

ADMIN = AdminShapes(teams="ab", keys=KEYS, values=VALUES, networks=[cidr for cidr, _ in BLOCKS],
                    named=("http", "dns"))
# One port of each class the admin rules (53, 80, 8080 per protocol; 50-100) and the policies tell apart.
ADMIN_PROBES = tuple((proto, n) for proto, ports in (("TCP", (53, 60, 80, 443, 8080, 9999)),
                                                     ("UDP", (53, 60, 80, 8080, 9999)), ("SCTP", (53, 80, 8080, 9999)))
                     for n in ports)
ADMIN_SIDES = ["x/*", "*/app=a", "y/tier in (a,b)", "0.0.0.0/0", "8.8.4.4/32"]  # smaller universes than */*
ADMIN_SETTINGS = settings(max_examples=15, deadline=None, derandomize=True, database=None, phases=NO_SHRINK,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def tiered_oracle(src: dict[str, Any], dst: dict[str, Any], docs: list[dict[str, Any]], proto: str,
                  port: int) -> bool:
    """The reference oracle's tier walk, with addresses outside the cluster: no policy of their own, and
    as peers matched by ipBlocks and admin `networks`/`nodes` only."""
    src_out, dst_out = (ep["metadata"]["namespace"] == OUTSIDE for ep in (src, dst))

    def seen_by(other_out: bool) -> list[dict[str, Any]]:
        if not other_out:
            return docs
        nps = outside_view([d for d in docs if d["kind"] == "NetworkPolicy"])
        return [d for d in docs if d["kind"] == "Namespace"] + nps + outside_admin_view(
            [d for d in docs if d["kind"] in ADMIN_KINDS])

    if not src_out and not direction_verdict("egress", src, dst, dst, seen_by(dst_out), proto, port):
        return False
    return dst_out or direction_verdict("ingress", dst, src, dst, seen_by(src_out), proto, port)


def analyse_docs(pods: list[dict[str, Any]], docs: list[dict[str, Any]]) -> Analysis:
    result = load_objects((d, SourceRef("gen.yaml", i + 1)) for i, d in enumerate(docs + pods))
    assert not result.errors, result.errors
    return Analysis(result.cluster, by="pod")


@ADMIN_SETTINGS
@given(cluster_st(), ADMIN.admin_set(least=1, most=2), st.sampled_from(ADMIN_SIDES), st.sampled_from(ADMIN_SIDES),
       st.sampled_from(["allow", "deny", "reachable"]), st.sampled_from([None, "80/TCP", "http/TCP", "53/UDP"]))
def test_check_scope_any_with_admin_tiers_agrees_with_the_brute_force(
        cluster: tuple[list[dict[str, Any]], list[dict[str, Any]]], admin: list[dict[str, Any]], src: str, dst: str,
        expect: str, port: str | None) -> None:
    """Every (order of equal priorities, enumerated pair, port) is a cell: `deny` holds when no cell is
    allowed, `reachable` when one is, `allow` when all are; a counterexample replays in some order."""
    pods, policies = cluster
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
                  for n, labels in NAMESPACES.items()]
    docs = namespaces + policies + admin
    a = analyse_docs(pods, docs)
    outcome = check_assertions(a, [assertion(src, dst, expect, port)], ProveOptions()).outcomes[0]
    pairs = [(s, d, proto, n) for s, d in brute_pairs(src, dst, pods)
             for proto, n in query_ports(port, d, ADMIN_PROBES)]
    variants = list(orders(docs))

    def cells() -> Iterator[bool]:  # lazily: any() and all() stop at the first cell that decides
        return (tiered_oracle(s, d, v, proto, n) for v in variants for s, d, proto, n in pairs)

    holds = {"reachable": lambda: any(cells()), "deny": lambda: not any(cells()),
             "allow": lambda: bool(pairs) and all(cells())}[expect]()
    assert outcome.status == ("holds" if holds else "fails"), f"netverify: {outcome.status}; brute force: {holds}"
    r = outcome.result
    conn = r.witness if isinstance(r, Proved) else r.counterexample if isinstance(r, Refuted) else None
    if conn is not None:
        s, d = as_dict(conn.src, pods), as_dict(conn.dst, pods)
        assert can_coexist(s, d, pods), f"{conn.src.id} -> {conn.dst.id} cannot exist together"
        assert port is None or (conn.protocol, conn.port) in query_ports(port, d, ADMIN_PROBES)
        assert any(tiered_oracle(s, d, variant, conn.protocol, conn.port) is (expect != "allow")
                   for variant in orders(docs)), "no order of equal priorities gives the replayed verdict"
