"""The SMT engine agrees with the graph engine, and its counterexamples are real.

Random clusters come from the same generator as the matrix-vs-reference test (labels,
selectors with every operator, AND/OR peers, ipBlocks with except, numeric/named/range ports,
both directions, policyTypes present or defaulted). For each cluster:

- every ordered pair of pods (some on nodes, some hostNetwork): in inventory scope the engine
  proves `allow` on exactly the set of connections the graph engine allows and `deny` on its
  complement (so the two agree on every port, not only on sampled ones), and agrees on sampled
  ports one at a time;
- random set queries (selectors, ports, expectations): the inventory-scope verdict is what the
  graph's pairs imply; an `any`-scope proof implies the inventory-scope answer; every witness or
  counterexample, including pods the solver synthesized, is replayed through the independent
  reference oracle and is allowed/denied as claimed, inside the query's sets and ports.
"""

from __future__ import annotations

from typing import Any

from helpers_admin_strategies import AdminShapes, in_every_order
from helpers_k8s import analyse
from helpers_k8s import load as load_k8s
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_oracle import allowed as oracle_allows
from reference_oracle import tiered_allowed
from test_matrix_vs_reference import cidr_st, cluster_st

from netverify.engines.smt_types import Connection, Proved, Query, Refuted, Side, SmtResult, Unknown
from netverify.queries.assertions import EndpointSpec, parse_port
from netverify.queries.context import Analysis
from netverify.queries.endpoints import resolve
from netverify.queries.prove import ProveOptions, Prover, build_side
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.options import NetworkPolicySelection, Semantics
from netverify.semantics.ports import PortSelection
from netverify.semantics.selectors import matches
from netverify.sets import PROTOCOLS, ConnectionSet

Cluster = tuple[dict[str, dict[str, str]], list[dict[str, Any]], list[dict[str, Any]]]
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SIDES = ["*/*", "x/*", "*/app=a", "*/app", "*/!tier", "*/tier in (a,b)", "x/env notin (c)", "*/app=b,env"]
PORTS = ["80/TCP", "81/TCP", "443/TCP", "8080/TCP", "53/UDP", "SCTP", "80-90/TCP", "http/TCP", "dns/UDP",
         "metrics/TCP"]
PROBES = [("TCP", 80), ("TCP", 480), ("TCP", 481), ("TCP", 8080), ("TCP", 8400), ("UDP", 53), ("UDP", 80),
          ("SCTP", 443), ("TCP", 65535)]
query_st = st.tuples(st.sampled_from(SIDES), st.sampled_from(SIDES), st.sampled_from(["deny", "allow", "reachable"]),
                     st.lists(st.sampled_from(PORTS), max_size=3, unique=True))


def load(cluster: Cluster) -> Analysis:
    namespaces, pods, policies = cluster
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
            for n, labels in namespaces.items()]
    return analyse(*docs, *pods, *policies)


def engine(a: Analysis, queries: list[Query] = (), hypothetical: bool = False,  # type: ignore[assignment]
           graph_first: bool = False) -> Prover:
    """The engine as `check` runs it: every witness and counterexample replayed through the evaluator.
    The solver is asked everything unless `graph_first` (as `check` does: loaded connections that
    decide a query are looked up in the graph first, queries/loaded_search.py)."""
    return Prover(a, queries, ProveOptions(hypothetical_namespaces=hypothetical, graph_first=graph_first))


def terms(conns: ConnectionSet) -> tuple[PortSelection, ...]:
    return tuple(PortSelection.of_range(proto, lo, hi) for proto, ports in conns.items() for lo, hi in ports)


def decided(result: SmtResult) -> bool:
    assert not isinstance(result, Unknown), result.reason
    return isinstance(result, Proved)


# --- every pair, every port ------------------------------------------------------------------


@st.composite
def cluster_with_nodes_st(draw: st.DrawFn) -> Cluster:
    """Random clusters whose pods run on nodes, some with hostNetwork (node traffic, ipBlock-only peers),
    plus a policy with ipBlock peers in both directions (how hostNetwork pods are matched)."""
    namespaces, pods, policies = draw(cluster_st())
    for p in pods:
        node = draw(st.sampled_from([None, "n1", "n2"]))
        if node is not None:
            p["spec"]["nodeName"] = node
        if draw(st.integers(0, 2)) == 0:
            p["spec"]["hostNetwork"] = True
    blocks = [{"ipBlock": {"cidr": cidr, **({"except": excepts} if excepts else {})}}
              for cidr, excepts in draw(st.lists(cidr_st, min_size=1, max_size=2))]
    policies = [*policies, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                            "metadata": {"name": "blocks", "namespace": draw(st.sampled_from(sorted(namespaces)))},
                            "spec": {"podSelector": {}, "ingress": [{"from": blocks}], "egress": [{"to": blocks}]}}]
    return namespaces, pods, policies


@SETTINGS
@given(cluster_with_nodes_st(), st.lists(st.sampled_from(PROBES), min_size=2, max_size=3, unique=True))
def test_inventory_scope_equals_the_graph_on_every_pair_and_port(cluster: Cluster,
                                                                  probes: list[tuple[str, int]]) -> None:
    a = load(cluster)
    pods = [e for e in a.endpoints if not e.external]
    queries: list[tuple[str, Query]] = []
    for s in pods:
        for d in pods:
            if s.id == d.id:
                continue
            allowed = a.graph.allowed(s, d)
            src, dst = Side(s.id, (s,)), Side(d.id, (d,))
            if allowed:
                queries.append((f"{s.id} -> {d.id} allowed on {allowed}", Query(src, dst, "allow", terms(allowed))))
            denied = ConnectionSet.all() - allowed
            if denied:
                queries.append((f"{s.id} -> {d.id} denied on {denied}", Query(src, dst, "deny", terms(denied))))
            for proto, port in probes:  # sampled ports one at a time too: range ends, named-port numbers
                expect = "reachable" if allowed.allows(proto, port) else "deny"
                queries.append((f"{s.id} -> {d.id} {expect} on {port}/{proto}",
                                Query(src, dst, expect, (PortSelection.of_range(proto, port, port),))))
    smt = engine(a, [q for _, q in queries])
    wrong = [claim for claim, q in queries if not decided(smt.solve(q))]
    assert not wrong, wrong


# --- set queries -----------------------------------------------------------------------------


def query_conns(ports: list[str], dst: Endpoint) -> ConnectionSet:
    """The connections a query's ports stand for on one destination (named ports resolve on it)."""
    if not ports:
        return ConnectionSet.all()
    out = ConnectionSet.none()
    for text in ports:
        t = parse_port(text)
        assert t.protocol is not None
        if t.name is None:
            out = out | ConnectionSet.of(t.protocol, t.lo, t.hi)
        else:
            for p in dst.ports:
                if p.name == t.name and p.protocol == t.protocol:
                    out = out | ConnectionSet.of(t.protocol, p.port, p.port)
    return out


def graph_verdict(a: Analysis, src: str, dst: str, expect: str, ports: list[str]) -> bool:
    pairs = [(s, d, query_conns(ports, d)) for s in resolve(a, src).members for d in resolve(a, dst).members
             if not (s.id == d.id and s.single_pod)]
    pairs = [(s, d, q) for s, d, q in pairs if q]
    if expect == "deny":
        return all(not (a.graph.allowed(s, d) & q) for s, d, q in pairs)
    if expect == "allow":
        return bool(pairs) and all(q <= a.graph.allowed(s, d) for s, d, q in pairs)
    return any(a.graph.allowed(s, d) & q for s, d, q in pairs)


def in_set(a: Analysis, text: str, ep: Endpoint) -> bool:
    found = resolve(a, text)
    if ep.id in {m.id for m in found.members}:
        return True
    assert found.selector is not None
    return (found.namespace in (None, ep.namespace) and ep.namespace in {n.name for n in a.cluster.namespaces}
            and matches(found.selector, ep.labels_map))


def as_manifest(ep: Endpoint, cluster: Cluster) -> dict[str, Any]:
    """The oracle's view of an endpoint: the loaded pod, or a manifest for a synthesized one."""
    for p in cluster[1]:
        if f"{p['metadata']['namespace']}/{p['metadata']['name']}" == ep.id:
            return p
    ports = [{"name": p.name, "containerPort": p.port, "protocol": p.protocol} for p in ep.ports]
    return {"metadata": {"namespace": ep.namespace, "name": ep.name, "labels": dict(ep.labels)},
            "spec": {"containers": [{"ports": ports}]}, "status": {"podIP": ep.ips[0] if ep.ips else None}}


def replay(conn: Connection, cluster: Cluster, a: Analysis, src: str, dst: str, ports: list[str]) -> None:
    """The connection lies inside the query, and the independent oracle agrees it is (not) allowed."""
    assert in_set(a, src, conn.src) and in_set(a, dst, conn.dst), (conn.src, conn.dst)
    assert not (conn.src.id == conn.dst.id and conn.src.single_pod)
    assert conn.protocol in PROTOCOLS and query_conns(ports, conn.dst).allows(conn.protocol, conn.port)
    namespaces, _, policies = cluster
    by_oracle = oracle_allows(as_manifest(conn.src, cluster), as_manifest(conn.dst, cluster), policies,
                              namespaces, conn.protocol, conn.port)
    assert by_oracle == conn.allowed, f"oracle says {by_oracle} for {conn.to_json()}"


@SETTINGS
@given(cluster_st(), st.lists(query_st, min_size=1, max_size=4))
def test_set_queries_agree_and_counterexamples_replay(cluster: Cluster, queries: list[Any]) -> None:
    a = load(cluster)
    for src, dst, expect, ports in queries:
        built = {}
        for scope in ("inventory", "any"):
            sides = [build_side(a, EndpointSpec(text=t), scope, ProveOptions())[0] for t in (src, dst)]
            built[scope] = Query(sides[0], sides[1], expect, tuple(parse_port(p) for p in ports))
        smt, first = engine(a, list(built.values())), engine(a, list(built.values()), graph_first=True)
        inventory, anywhere = smt.solve(built["inventory"]), smt.solve(built["any"])
        claim = f"{expect} {src} -> {dst} on {ports or 'any port'}"
        # As `check` asks: the graph first, the solver for the rest; the same verdicts.
        by_graph = first.solve(built["inventory"]), first.solve(built["any"])
        assert [decided(r) for r in by_graph] == [decided(inventory), decided(anywhere)], claim
        assert decided(inventory) == graph_verdict(a, src, dst, expect, ports), claim
        if decided(anywhere) and expect != "reachable":  # a proof for every pod that could exist ...
            assert decided(inventory) or "covers nothing" in " ".join(inventory.notes), claim  # ... covers these
        if expect == "reachable" and decided(inventory):  # a loaded witness is a witness of the wider set
            assert decided(anywhere), claim
        for result in (inventory, anywhere, *by_graph):
            conn = result.witness if isinstance(result, Proved) else result.counterexample \
                if isinstance(result, Refuted) else None
            if conn is not None:
                assert conn.allowed == (expect != "allow"), claim
                replay(conn, cluster, a, src, dst, ports)


@SETTINGS
@given(cluster_st(), query_st)
def test_hypothetical_namespace_counterexamples_replay(cluster: Cluster, query: Any) -> None:
    a = load(cluster)
    src, dst, expect, ports = query
    options = ProveOptions(hypothetical_namespaces=True)
    sides = [build_side(a, EndpointSpec(text=t), "any", options)[0] for t in (src, dst)]
    q = Query(sides[0], sides[1], expect, tuple(parse_port(p) for p in ports))
    result = engine(a, [q], hypothetical=True).solve(q)
    assert not isinstance(result, Unknown)
    conn = result.witness if isinstance(result, Proved) else result.counterexample if isinstance(result, Refuted) \
        else None
    if conn is None:
        return
    namespaces = dict(cluster[0])
    for ep in (conn.src, conn.dst):
        if ep.namespace not in namespaces:  # a new namespace: the oracle learns its labels
            namespaces[ep.namespace] = {k: v for k, v in ep.ns_labels if k != "kubernetes.io/metadata.name"}
    by_oracle = oracle_allows(as_manifest(conn.src, cluster), as_manifest(conn.dst, cluster), cluster[2],
                              namespaces, conn.protocol, conn.port)
    assert by_oracle == conn.allowed == (expect != "allow")


# --- admin tiers: every pair, every order of equal priorities: SMT vs graph vs oracle ----------------

TIER_NAMESPACES = {"x": {"team": "a"}, "y": {"team": "b"}}
TIER_PROBES = [("TCP", 80), ("UDP", 53), ("TCP", 8080)]
ADMIN = AdminShapes(teams="ab", keys=["app", "tier"], values=["a", "b"],
                    networks=["10.0.0.0/24", "0.0.0.0/0", "10.0.1.2/32", "192.168.0.0/24", "::/0"],
                    node_roles=["worker", "infra"])
TIER_SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def tier_topology() -> list[dict[str, Any]]:
    """Two namespaces, four pods on node n1 (named ports web and dns), a hostNetwork pod on n2, and the
    two Nodes (labelled by role) whose addresses `nodes` peers select."""
    docs: list[dict[str, Any]] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels}}
                                  for n, labels in TIER_NAMESPACES.items()]
    docs += [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": n, "labels": {"role": role}},
              "status": {"addresses": [{"type": "InternalIP", "address": ip}]}}
             for n, ip, role in (("n1", "192.168.0.1", "worker"), ("n2", "192.168.0.2", "infra"))]
    for i, (ns, app, ip) in enumerate([("x", "a", "10.0.0.1"), ("x", "b", "10.0.0.2"), ("y", "a", "10.0.1.1"),
                                       ("y", "b", "10.0.1.2")]):
        docs.append({"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"namespace": ns, "name": f"p{i}", "labels": {"app": app, "tier": "ab"[i % 2]}},
                     "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [
                         {"containerPort": 80, "name": "web"}, {"containerPort": 53, "protocol": "UDP", "name": "dns"}]}]},
                     "status": {"podIP": ip}})
    docs.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "y", "name": "host", "labels": {"app": "a"}},
                 "spec": {"hostNetwork": True, "nodeName": "n2", "containers": [{"name": "c"}]},
                 "status": {"podIP": "192.168.0.2"}})
    return docs


@st.composite
def tier_np_st(draw: st.DrawFn, name: str) -> dict[str, Any]:
    types = draw(st.sampled_from([["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    spec: dict[str, Any] = {"podSelector": draw(ADMIN.pods), "policyTypes": types}
    for t in types:
        key, peers = ("ingress", "from") if t == "Ingress" else ("egress", "to")
        spec[key] = [{peers: [{"namespaceSelector": draw(ADMIN.ns)}]}] if draw(st.booleans()) else []
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"namespace": draw(st.sampled_from(["x", "y"])), "name": name}, "spec": spec}


@TIER_SETTINGS
@given(ADMIN.admin_set(least=2), st.integers(0, 2).flatmap(lambda n: st.tuples(*[tier_np_st(f"np{i}") for i in range(n)])),
       st.sampled_from(list(NetworkPolicySelection)))
def test_admin_tiers_equal_the_oracle_on_every_pair_in_every_order(admin: list[dict[str, Any]],
                                                                   network: tuple[dict[str, Any], ...],
                                                                   reading: NetworkPolicySelection) -> None:
    """`reachable` on one port is proved exactly when some order of equal priorities allows it, and
    `allow` exactly when every order does (the oracle answers each order); every witness and
    counterexample replays through the evaluator in the order it names (Prover raises otherwise).
    Both readings of "selected by a NetworkPolicy" (--np-selection)."""
    docs = tier_topology() + admin + list(network)
    a = Analysis(load_k8s(*docs).cluster, Semantics(np_selection=reading), "pod")
    raw = {f"{d['metadata']['namespace']}/{d['metadata']['name']}": d for d in docs if d["kind"] == "Pod"}
    eps = {e.id: e for e in a.endpoints}
    queries = []
    for s in raw:
        for d in raw:
            if s == d:
                continue
            for proto, port in TIER_PROBES:
                answers = in_every_order(docs, lambda v, s=s, d=d, proto=proto, port=port:
                                         tiered_allowed(raw[s], raw[d], v, proto, port, reading.value))
                sides = Side(s, (eps[s],)), Side(d, (eps[d],))
                term = (PortSelection.of_range(proto, port, port),)
                queries.append((f"{s} -> {d} {port}/{proto} in some order", Query(*sides, "reachable", term),
                                any(answers)))
                queries.append((f"{s} -> {d} {port}/{proto} in every order", Query(*sides, "allow", term),
                                all(answers)))
                if all(answers) or not any(answers):  # the order does not matter: the graph agrees too
                    graph_allows = a.graph.allowed(eps[s], eps[d]).allows(proto, port)
                    assert graph_allows == all(answers), f"graph: {s} -> {d} {port}/{proto}"
    prover = engine(a, [q for _, q, _ in queries])
    wrong = [claim for claim, q, want in queries if decided(prover.solve(q)) != want]
    assert not wrong, wrong
