"""NV602 (inventory scope) when removing a policy changes both directions of a pair at once.

A connection a -> b is allowed when b's ingress and a's egress both let it through. A policy that
isolates b's ingress and a's egress (one policy selecting both pods, with both policyTypes) changes
both sides of a -> b when it is removed, so neither side alone, judged against the other side as it
was, tells what happens to a -> b: the pair may open only because both sides open together (the
policy is not redundant), or open on one side while the other closes (nothing changes there). Both
cases below are checked against the reference oracle as well as stated.

The world: two single pods `a` and `b` and every address outside the cluster. Each policy's rules
admit every outside address (IPv4 except the two pods, and IPv6) but neither pod, so outside traffic
never tells the policies apart: only a -> b and b -> a can.
"""

from __future__ import annotations

from typing import Any

import yaml
from reference_oracle import tiered_allowed

from netverify.loaders.manifests import load_blobs
from netverify.queries.context import Analysis
from netverify.queries.lint.redundancy import redundancy_findings

PODS = """
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {containers: [{name: c, image: i}]}
status: {phase: Running, podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: b}}
spec: {containers: [{name: c, image: i}]}
status: {phase: Running, podIP: 10.0.0.2}
"""

OUTSIDE = [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.1/32", "10.0.0.2/32"]}}, {"ipBlock": {"cidr": "::/0"}}]
TO_B = [{"podSelector": {"matchLabels": {"app": "b"}}}]


def policy(name: str, selector: dict[str, Any], ingress: list[list[dict[str, Any]]] | None = None,
           egress: list[list[dict[str, Any]]] | None = None) -> str:
    """A NetworkPolicy of namespace x; `ingress`/`egress`: each rule's peers (None: not a policyType)."""
    spec: dict[str, Any] = {"podSelector": selector, "policyTypes": []}
    for kind, key, peers_key, rules in (("Ingress", "ingress", "from", ingress), ("Egress", "egress", "to", egress)):
        if rules is not None:
            spec["policyTypes"].append(kind)
            spec[key] = [{peers_key: peers} for peers in rules]
    return yaml.safe_dump({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                           "metadata": {"name": name, "namespace": "x"}, "spec": spec})


def redundant_policies(*policies: str) -> set[str]:
    loaded = load_blobs([("t.yaml", "\n---\n".join((PODS, *policies)).encode())])
    assert not loaded.errors, loaded.errors
    return {f.obj.removeprefix("NetworkPolicy ") for f in redundancy_findings(Analysis(loaded.cluster))
            if f.code == "NV602"}


def oracle_unchanged(without: str, *policies: str) -> bool:
    """The reference oracle: removing `without` changes no verdict between the two pods (both ways,
    a few ports). Outside traffic is admitted by every rule, so it is left out."""
    docs: list[dict[str, Any]] = [d for text in (PODS, *policies) for d in yaml.safe_load_all(text)]
    pods = [d for d in docs if d["kind"] == "Pod"]
    rest = [d for d in docs if d["metadata"]["name"] != without or d["kind"] != "NetworkPolicy"]
    return all(tiered_allowed(s, t, docs, "TCP", port) == tiered_allowed(s, t, rest, "TCP", port)
               for s in pods for t in pods if s is not t for port in (80, 443))


def test_a_policy_whose_removal_opens_a_pair_only_on_both_sides_at_once_is_not_redundant() -> None:
    # `both` isolates a's and b's ingress and egress and admits only outside addresses: without it
    # a -> b (and b -> a) is allowed, because both sides open together.
    both = policy("both", {}, ingress=[OUTSIDE], egress=[OUTSIDE])
    assert not oracle_unchanged("both", both)
    assert "x/both" not in redundant_policies(both)


def test_a_policy_whose_removal_opens_one_side_of_a_pair_and_closes_the_other_is_redundant() -> None:
    # Before: a -> b is denied by b's ingress (`both` admits only outside addresses), though a's egress
    # (`both`'s rule to b) allows it. Without `both`: b's ingress is open, a's egress (`a-egress`) now
    # denies b. The pair is denied either way; the other policies keep everything else as it was.
    both = policy("both", {}, ingress=[OUTSIDE], egress=[TO_B, OUTSIDE])
    a, b = {"matchLabels": {"app": "a"}}, {"matchLabels": {"app": "b"}}
    others = (policy("a-ingress", a, ingress=[OUTSIDE]), policy("a-egress", a, egress=[OUTSIDE]),
              policy("b-egress", b, egress=[OUTSIDE]))
    assert oracle_unchanged("both", both, *others)
    assert "x/both" in redundant_policies(both, *others)
