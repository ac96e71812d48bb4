"""`check` asks the reachability graph first: a loaded connection that refutes a claim (or witnesses
`reachable`) decides it without the solver, and is replayed through the evaluator like a model.

A solver with a resource budget of one unit gives up on every query, so a claim it decides under that
budget was decided by the graph; a claim that holds still needs the solver's proof (unknown there);
with equal-priority admin policies the graph is not asked (a claim must hold in every order).
"""

from __future__ import annotations

from typing import Any

from helpers_k8s import analyse, ns, pod, policy
from helpers_smt import holds, prove, rules

from netverify.engines.smt_types import Proved, Refuted, Unknown
from netverify.queries.context import Analysis

NO_BUDGET = 1  # z3 rlimit units: the solver decides nothing


def cluster(*extra: dict[str, Any]) -> Analysis:
    """x/web takes ingress on 8080 from y only; y/client and z/client exist, z has no policy."""
    return analyse(ns("x"), ns("y"), ns("z"),
                   pod("x", "web", "10.0.1.1", [{"name": "http", "containerPort": 8080}], app="web"),
                   pod("y", "client", "10.0.2.1", app="client"), pod("z", "client", "10.0.3.1", app="client"),
                   policy("x", "web-from-y", {"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [
                       {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}}],
                        "ports": [{"port": 8080}]}]}),
                   *extra)


class TestDecidedByTheGraph:
    def test_an_allow_claim_refuted_by_a_loaded_pair_needs_no_solver(self) -> None:
        r = prove(cluster(), "*/app=client", "x/app=web", "allow", ("8080/TCP",), rlimit=NO_BUDGET)
        assert isinstance(r, Refuted) and r.counterexample is not None
        conn = r.counterexample
        assert (conn.src.id, conn.dst.id, conn.protocol, conn.port, conn.allowed) == \
            ("z/client", "x/web", "TCP", 8080, False)
        assert rules(r) == {"x/web-from-y ingress[0]"}  # the rule that does not admit it, with its reason

    def test_a_deny_claim_refuted_by_an_allowed_pair_in_the_any_scope(self) -> None:
        r = prove(cluster(), "*/*", "x/*", "deny", ("http/TCP",), scope="any", rlimit=NO_BUDGET)
        assert isinstance(r, Refuted) and r.counterexample is not None
        conn = r.counterexample
        assert conn.allowed and (conn.src.id, conn.dst.id, conn.port) == ("y/client", "x/web", 8080)
        assert not conn.src_synthesized and not conn.dst_synthesized

    def test_reachable_is_witnessed_by_a_loaded_pair(self) -> None:
        r = prove(cluster(), "y/*", "x/*", "reachable", rlimit=NO_BUDGET)
        assert isinstance(r, Proved) and r.witness is not None and r.witness.allowed
        assert r.witness.protocol == "TCP" and r.witness.port == 8080  # TCP first, its lowest allowed port

    def test_relations_and_a_pod_with_itself_are_respected(self) -> None:
        # Only z/client -> z/client would be a same-namespace pair of z (allowed: no policy there), but a
        # single pod with itself is no question: not a witness, and the claim is refuted as vacuous.
        r = prove(cluster(), "z/*", "z/*", "reachable", relation="same-namespace")
        assert isinstance(r, Refuted) and r.counterexample is None and "no connection matches" in r.notes[0]
        r = prove(cluster(), "*/*", "*/*", "deny", relation="different-namespace", rlimit=NO_BUDGET)
        assert isinstance(r, Refuted) and r.counterexample is not None
        assert r.counterexample.src.namespace != r.counterexample.dst.namespace


class TestLeftToTheSolver:
    def test_a_claim_that_holds_needs_the_solvers_proof(self) -> None:
        assert isinstance(prove(cluster(), "y/*", "x/*", "allow", ("8080/TCP",), rlimit=NO_BUDGET), Unknown)
        r = prove(cluster(), "y/*", "x/*", "allow", ("8080/TCP",))
        assert holds(r) and rules(r) == {"x/web-from-y ingress[0]"}

    def test_equal_priority_admin_policies_leave_every_claim_to_the_solver(self) -> None:
        deny_z = {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                  "metadata": {"name": "deny-z"},
                  "spec": {"tier": "Admin", "priority": 5, "subject": {"namespaces": {}}, "ingress": [
                      {"action": "Deny", "from": [{"namespaces": {"matchLabels": {
                          "kubernetes.io/metadata.name": "z"}}}]}]}}
        accept_z = {**deny_z, "metadata": {"name": "accept-z"},
                    "spec": {**deny_z["spec"], "ingress": [{**deny_z["spec"]["ingress"][0], "action": "Accept"}]}}
        a = cluster(deny_z, accept_z)
        assert isinstance(prove(a, "z/*", "x/*", "reachable", rlimit=NO_BUDGET), Unknown)
        r = prove(a, "z/*", "x/*", "reachable")  # some order of the two lets z in
        assert isinstance(r, Proved) and r.witness is not None and r.witness.order
