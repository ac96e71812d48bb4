"""NV601 (inventory scope) under `--np-selection any`: removing a policy's last egress rule when the
policy declares no policyTypes.

The API server defaults policyTypes from the rules present, so without its last egress rule such a
policy is an Ingress policy: it no longer isolates its pods' egress, but it still selects them. Under
`--np-selection any` a pod any NetworkPolicy selects has the NetworkPolicy tier final in both
directions: its egress is then allowed by that tier (nothing isolates it), not passed on to the
Baseline tier. Each case is checked against the reference oracle as well as stated.

The world: namespace x with pods a and b, a Baseline ClusterNetworkPolicy denying egress from a to
every pod, and one NetworkPolicy `p` selecting a, without policyTypes, with an ingress rule from b
and one egress rule.
"""

from __future__ import annotations

from typing import Any

import yaml
from reference_oracle import tiered_allowed

from netverify.loaders.manifests import load_blobs
from netverify.queries.context import Analysis
from netverify.queries.lint.redundancy import redundancy_findings
from netverify.semantics.options import NetworkPolicySelection, Semantics

WORLD = """
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
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: a-no-egress}
spec:
  tier: Baseline
  priority: 1
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: a}}}}
  egress:
  - name: deny-pods
    action: Deny
    to: [{namespaces: {}}]
"""

FROM_B = {"from": [{"podSelector": {"matchLabels": {"app": "b"}}}]}


def policy(egress_rule: dict[str, Any]) -> dict[str, Any]:
    """NetworkPolicy x/p: selects a, no policyTypes, ingress from b, the one egress rule given."""
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "x"},
            "spec": {"podSelector": {"matchLabels": {"app": "a"}}, "ingress": [FROM_B], "egress": [egress_rule]}}


def redundant_rules(p: dict[str, Any], selection: NetworkPolicySelection, scope: str = "inventory") -> set[str]:
    """The rules lint reports as redundant (NV601), as `policy direction[index]`; `scope` "any": proved
    for any pod that could exist (the SMT engine)."""
    text = WORLD + "---\n" + yaml.safe_dump(p)
    loaded = load_blobs([("t.yaml", text.encode())])
    assert not loaded.errors, loaded.errors
    analysis = Analysis(loaded.cluster, Semantics(np_selection=selection))
    return {f.message.removeprefix("rule ").split(" is redundant")[0]
            for f in redundancy_findings(analysis, scope=scope) if f.code == "NV601"}


def oracle_unchanged_without_egress(p: dict[str, Any], selection: NetworkPolicySelection) -> bool:
    """The reference oracle: `p` without its egress rule (so, as the API server defaults it, an Ingress
    policy) decides every pod pair, both ways, as `p` does, on a few ports."""
    docs = list(yaml.safe_load_all(WORLD))
    without = {**p, "spec": {k: v for k, v in p["spec"].items() if k != "egress"}}
    pods = [d for d in docs if d["kind"] == "Pod"]
    return all(tiered_allowed(s, t, [*docs, p], "TCP", port, selection.value)
               == tiered_allowed(s, t, [*docs, without], "TCP", port, selection.value)
               for s in pods for t in pods if s is not t for port in (80, 443))


def test_under_np_selection_any_the_last_egress_rule_that_allows_everything_is_redundant() -> None:
    # With its egress rule, p isolates a's egress and admits everything. Without it, p still selects a
    # (for ingress), so the NetworkPolicy tier stays final for a's egress and allows everything: the
    # Baseline Deny is never reached. Nothing changes.
    p = policy({})
    assert oracle_unchanged_without_egress(p, NetworkPolicySelection.ANY)
    assert "x/p egress[0]" in redundant_rules(p, NetworkPolicySelection.ANY)
    assert "x/p egress[0]" in redundant_rules(p, NetworkPolicySelection.ANY, scope="any")  # --any agrees


def test_per_direction_the_same_rule_keeps_the_baseline_away_and_is_not_redundant() -> None:
    # Per direction, a is no longer isolated for egress without the rule: the Baseline Deny decides
    # a -> b, which the rule allowed.
    p = policy({})
    assert not oracle_unchanged_without_egress(p, NetworkPolicySelection.PER_DIRECTION)
    assert "x/p egress[0]" not in redundant_rules(p, NetworkPolicySelection.PER_DIRECTION)


def test_under_np_selection_any_a_narrow_last_egress_rule_is_not_redundant() -> None:
    # The rule admits only b: without it the tier, still final, allows a everything (outside addresses
    # included): a change.
    p = policy({"to": [{"podSelector": {"matchLabels": {"app": "b"}}}], "ports": [{"port": 80}]})
    assert not oracle_unchanged_without_egress(p, NetworkPolicySelection.ANY)
    assert "x/p egress[0]" not in redundant_rules(p, NetworkPolicySelection.ANY)
