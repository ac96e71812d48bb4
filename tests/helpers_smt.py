"""Helpers for the SMT engine's tests: state an assertion, get the engine's result object.

`prove(analysis, FROM, TO, EXPECT, ...)` goes through the same path as `netverify check`
(assertion -> engine sides -> one solver). `rules(result)` names the rules a proof needed, or
the rules a counterexample's explanation cites, as "ns/policy direction[i]".
"""

from __future__ import annotations

import random
from typing import Any

from helpers_k8s import ns, pod, policy

from netverify.engines.smt_types import Connection, Proved, Refuted, SmtResult, Unknown
from netverify.queries.assertions import Assertion, EndpointSpec, parse_port
from netverify.queries.context import Analysis
from netverify.queries.prove import ProveOptions, check_assertions
from netverify.sets import IPSet

Endpoints = str | EndpointSpec


def spec(value: Endpoints) -> EndpointSpec:
    return value if isinstance(value, EndpointSpec) else EndpointSpec(text=value)


def prove(analysis: Analysis, src: Endpoints, dst: Endpoints, expect: str, ports: tuple[str, ...] = (),
          scope: str = "inventory", relation: str | None = None, hypothetical: bool = False,
          timeout_s: float = 30.0, pod_cidr: str | None = None, rlimit: int | None = None) -> SmtResult:
    assertion = Assertion("under-test", spec(src), spec(dst), expect, scope, tuple(parse_port(p) for p in ports),
                          relation)
    options = ProveOptions(hypothetical, timeout_s, IPSet.from_cidr(pod_cidr) if pod_cidr else None, rlimit)
    (outcome,) = check_assertions(analysis, [assertion], options).outcomes
    return outcome.result


def rule_id(ref: dict[str, Any]) -> str:
    return f"{ref['policy']} {ref['direction']}[{ref['rule']}]"


def rules(result: SmtResult) -> set[str]:
    """The rules a proof needed, or those a witness / counterexample cites."""
    if isinstance(result, Unknown):
        return set()
    conn = connection(result)
    if conn is not None:
        return {rule_id(r) for r in conn.rules()}
    assert result.proof is not None
    return {f"{r.policy} {r.direction}[{r.index}]" for r in result.proof.rules}


def policies(result: SmtResult) -> set[str]:
    """The policies whose selecting the subject a proof needed, as "ns/name direction"."""
    assert isinstance(result, (Proved, Refuted)) and result.proof is not None
    return {f"{p.id} {direction}" for p, direction in result.proof.policies}


def connection(result: SmtResult) -> Connection | None:
    if isinstance(result, Proved):
        return result.witness
    if isinstance(result, Refuted):
        return result.counterexample
    return None


def holds(result: SmtResult) -> bool:
    """Proved, and (for deny/allow) not merely because the query covers nothing."""
    return isinstance(result, Proved) and not result.notes


def hard_objects(policies: int = 40) -> list[dict[str, Any]]:
    """Many overlapping ipBlocks with excepts and port ranges: far more than a millisecond of solving
    for `allow 0.0.0.0/0 -> x/* on every TCP port` in any scope (so a 1 ms timeout is Unknown)."""
    rng = random.Random(1)
    objects = [ns("x"), pod("x", "a", "10.0.0.1", app="a")]
    for i in range(policies):
        peers = []
        for _ in range(3):
            a, b = rng.randrange(256), rng.randrange(256)
            excepts = sorted({f"{a}.{b}.{rng.randrange(256)}.{rng.randrange(0, 256, 16)}/28" for _ in range(4)})
            peers.append({"ipBlock": {"cidr": f"{a}.{b}.0.0/16", "except": excepts}})
        objects.append(policy("x", f"p{i}", {"podSelector": {"matchLabels": {f"k{i % 7}": f"v{i % 5}"}},
                                             "ingress": [{"from": peers,
                                                          "ports": [{"port": 1000 + i, "endPort": 2000 + 3 * i}]}]}))
    return objects
