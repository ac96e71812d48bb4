"""Specification of `netverify diff`: what counts as a change, and how each change is explained."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from netverify.loaders.manifests import load_blobs
from netverify.queries.context import Analysis
from netverify.queries.diff import DiffResult, diff
from netverify.sets import ConnectionSet

NAMESPACES = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {team: ops}}
"""

WORKLOADS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx
          ports: [{name: http, containerPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: api
          ports: [{name: http, containerPort: 8000}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: probe, namespace: ops}
spec:
  replicas: 1
  selector: {matchLabels: {app: probe}}
  template:
    metadata: {labels: {app: probe}}
    spec:
      containers: [{name: probe, image: probe}]
"""

DENY_SHOP = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""

API_FROM_WEB = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{port: http}]
"""

API_FROM_PROBE = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-probe, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {team: ops}}}]
      ports: [{port: 8000}]
"""

API_FROM_WEB_AND_PROBE = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{port: http}]
    - from: [{namespaceSelector: {matchLabels: {team: ops}}}]
      ports: [{port: 8000}]
"""


def analysis(*docs: str, file: str = "manifests.yaml", by: str = "workload") -> Analysis:
    text = "\n---\n".join(textwrap.dedent(d).strip() for d in docs)
    result = load_blobs([(file, text.encode())])
    assert not result.errors, [e.render() for e in result.errors]
    return Analysis(result.cluster, by=by)


def run(base: list[str], head: list[str], **kw: str) -> DiffResult:
    return diff(analysis(*base, file="base.yaml"), analysis(*head, file="head.yaml"), **kw)


def pairs(changes: tuple[object, ...]) -> set[tuple[str, str]]:
    return {(c.src, c.dst) for c in changes}  # type: ignore[attr-defined]


TCP = ConnectionSet.of

API_PODS = "\n---\n".join(f"""
apiVersion: v1
kind: Pod
metadata:
  name: api-{i}
  namespace: shop
  labels: {{app: api, pod-template-hash: 5d4f}}
  ownerReferences: [{{kind: ReplicaSet, name: api-5d4f, apiVersion: apps/v1, uid: u{i}, controller: true}}]
spec: {{containers: [{{name: api, image: api, ports: [{{name: http, containerPort: 8000}}]}}]}}
""" for i in (1, 2))


class TestCosmeticChangesGiveAnEmptyDiff:
    BASE = [NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_WEB, API_FROM_PROBE]

    def test_identical_inventories(self) -> None:
        assert run(self.BASE, self.BASE).empty

    def test_reordering_documents(self) -> None:
        assert run(self.BASE, list(reversed(self.BASE))).empty

    def test_renaming_a_policy(self) -> None:
        renamed = API_FROM_WEB.replace("name: api-from-web", "name: web-to-api")
        assert run(self.BASE, [NAMESPACES, WORKLOADS, DENY_SHOP, renamed, API_FROM_PROBE]).empty

    def test_merging_two_policies_into_one_or_splitting_one_into_two(self) -> None:
        merged = [NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_WEB_AND_PROBE]
        assert run(self.BASE, merged).empty
        assert run(merged, self.BASE).empty

    def test_restyling_yaml_and_naming_a_port_by_its_number(self) -> None:
        block_style = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          namespace: shop
          name: api-from-web
        spec:
          podSelector:
            matchLabels:
              app: api
          policyTypes:
            - Ingress
          ingress:
            - from:
                - podSelector:
                    matchLabels:
                      app: web
              ports:
                - port: 8000
                  protocol: TCP
        """
        assert run(self.BASE, [NAMESPACES, WORKLOADS, DENY_SHOP, block_style, API_FROM_PROBE]).empty

    def test_changing_a_label_no_policy_looks_at(self) -> None:
        relabelled = WORKLOADS.replace("labels: {app: web}", "labels: {app: web, version: v2}")
        assert run(self.BASE, [NAMESPACES, relabelled, DENY_SHOP, API_FROM_WEB, API_FROM_PROBE]).empty


class TestAddedRemovedChanged:
    def test_a_new_rule_adds_a_connection_and_is_named_with_its_file_and_line(self) -> None:
        result = run([NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_WEB],
                     [NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_WEB, API_FROM_PROBE])
        assert pairs(result.added) == {("ops/Deployment/probe", "shop/Deployment/api")}
        change = result.added[0]
        assert change.after == TCP("TCP", 8000) and not change.before
        assert not result.removed and not result.changed
        [cause] = change.causes
        assert (cause.kind, cause.change, cause.subject, cause.direction, cause.rule) == (
            "rule", "admits", "shop/api-from-probe", "ingress", 0)
        assert cause.source.file == "head.yaml" and cause.side == "head"
        assert "new policy" in cause.message
        head_text = "\n---\n".join(textwrap.dedent(d).strip() for d in
                                   [NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_WEB, API_FROM_PROBE])
        assert "namespaceSelector: {matchLabels: {team: ops}}" in head_text.splitlines()[cause.source.line - 1]

    def test_a_new_default_deny_removes_connections_and_names_the_isolating_policy(self) -> None:
        result = run([NAMESPACES, WORKLOADS], [NAMESPACES, WORKLOADS, DENY_SHOP])
        assert pairs(result.removed) == {
            (src, dst) for src in ("ops/Deployment/probe", "shop/Deployment/api", "shop/Deployment/web")
            for dst in ("shop/Deployment/api", "shop/Deployment/web")}
        for change in result.removed:
            assert change.before == ConnectionSet.all()
            [cause] = change.causes
            assert (cause.kind, cause.change, cause.subject) == ("policy", "isolates", "shop/deny-all")
            assert "now selects the destination" in cause.message and "new policy" in cause.message
        assert not result.added and not result.changed

    def test_deleting_a_policy_lifts_isolation_and_points_at_base(self) -> None:
        result = run([NAMESPACES, WORKLOADS, API_FROM_WEB], [NAMESPACES, WORKLOADS])
        assert pairs(result.added) == {("ops/Deployment/probe", "shop/Deployment/api"),
                                       ("shop/Deployment/api", "shop/Deployment/api")}
        assert pairs(result.changed) == {("shop/Deployment/web", "shop/Deployment/api")}
        [cause] = result.changed[0].causes
        assert (cause.change, cause.subject, cause.side, cause.source.file) == (
            "stops-isolating", "shop/api-from-web", "base", "base.yaml")
        assert "policy removed" in cause.message

    def test_a_port_change_is_a_changed_connection_with_before_and_after(self) -> None:
        wider = API_FROM_PROBE.replace("ports: [{port: 8000}]", "ports: [{port: 8000, endPort: 8100}]")
        result = run([NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_PROBE], [NAMESPACES, WORKLOADS, DENY_SHOP, wider])
        [change] = result.changed
        assert (change.src, change.dst, change.status) == ("ops/Deployment/probe", "shop/Deployment/api", "changed")
        assert change.before == TCP("TCP", 8000) and change.after == TCP("TCP", 8000, 8100)
        assert change.gained == TCP("TCP", 8001, 8100) and not change.lost
        [cause] = change.causes
        assert cause.change == "admits" and "TCP:8001-8100" in cause.message and "policy modified" in cause.message

    def test_a_narrowed_rule_names_what_it_no_longer_admits(self) -> None:
        narrower = API_FROM_PROBE.replace("{team: ops}", "{team: nobody}")
        result = run([NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_PROBE], [NAMESPACES, WORKLOADS, DENY_SHOP, narrower])
        [change] = result.removed
        [cause] = change.causes
        assert (cause.change, cause.rule, cause.side) == ("stops-admitting", 0, "head")
        assert "no longer admits TCP:8000" in cause.message

    def test_a_label_change_on_a_workload_is_named_with_the_rule_it_now_matches(self) -> None:
        relabelled = WORKLOADS.replace("labels: {app: probe}", "labels: {app: web}").replace(
            "matchLabels: {app: probe}", "matchLabels: {app: web}")
        policy = API_FROM_WEB.replace("- from: [{podSelector: {matchLabels: {app: web}}}]",
                                      "- from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}]")
        result = run([NAMESPACES, WORKLOADS, DENY_SHOP, policy], [NAMESPACES, relabelled, DENY_SHOP, policy])
        assert pairs(result.added) == {("ops/Deployment/probe", "shop/Deployment/api")}
        kinds = {(c.kind, c.change) for c in result.added[0].causes}
        assert kinds == {("rule", "admits"), ("endpoint", "labels")}
        rule = next(c for c in result.added[0].causes if c.kind == "rule")
        assert "policy unchanged" in rule.message
        label = next(c for c in result.added[0].causes if c.kind == "endpoint")
        assert "app=probe -> app=web" in label.message

    def test_namespace_label_change_is_a_cause(self) -> None:
        relabelled = NAMESPACES.replace("labels: {team: ops}", "labels: {team: platform}")
        result = run([NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_PROBE],
                     [relabelled, WORKLOADS, DENY_SHOP, API_FROM_PROBE])
        [change] = result.removed
        assert {(c.kind, c.change) for c in change.causes} == {("rule", "stops-admitting"), ("namespace", "labels")}


class TestEndpoints:
    def test_added_and_removed_endpoints_come_with_their_connectivity(self) -> None:
        base_workloads = WORKLOADS.split("---")[0] + "---" + WORKLOADS.split("---")[1]
        result = run([NAMESPACES, base_workloads, DENY_SHOP, API_FROM_WEB, API_FROM_PROBE],
                     [NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_WEB, API_FROM_PROBE])
        [added] = result.endpoints_added
        assert added.id == "ops/Deployment/probe" and added.endpoint.source.file == "head.yaml"
        assert dict(added.egress) == {"shop/Deployment/api": TCP("TCP", 8000)}
        assert dict(added.ingress) == {"shop/Deployment/api": ConnectionSet.all(),
                                       "shop/Deployment/web": ConnectionSet.all()}
        assert not result.endpoints_removed and not result.added  # pairs are listed for endpoints on both sides
        reverse = run([NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_WEB, API_FROM_PROBE],
                      [NAMESPACES, base_workloads, DENY_SHOP, API_FROM_WEB, API_FROM_PROBE])
        assert [e.id for e in reverse.endpoints_removed] == ["ops/Deployment/probe"]
        assert reverse.endpoints_removed[0].endpoint.source.file == "base.yaml"

    def test_replicas_are_grouped_under_their_workload(self) -> None:
        result = run([NAMESPACES, WORKLOADS, API_PODS, DENY_SHOP, API_FROM_WEB],
                     [NAMESPACES, WORKLOADS, API_PODS, DENY_SHOP, API_FROM_WEB, API_FROM_PROBE])
        assert pairs(result.added) == {("ops/Deployment/probe", "shop/Deployment/api")}

    def test_per_pod_granularity_lists_each_replica(self) -> None:
        base = analysis(NAMESPACES, WORKLOADS, API_PODS, DENY_SHOP, API_FROM_WEB, file="b.yaml", by="pod")
        head = analysis(NAMESPACES, WORKLOADS, API_PODS, DENY_SHOP, API_FROM_WEB, API_FROM_PROBE, file="h.yaml",
                        by="pod")
        assert pairs(diff(base, head).added) == {("ops/Deployment/probe", "shop/api-1"),
                                                 ("ops/Deployment/probe", "shop/api-2")}

    def test_going_from_one_replica_to_several_opens_replica_to_replica_traffic(self) -> None:
        scaled = WORKLOADS.replace("replicas: 1", "replicas: 3")
        result = run([NAMESPACES, WORKLOADS], [NAMESPACES, scaled])
        [change] = result.added
        assert (change.src, change.dst) == ("ops/Deployment/probe", "ops/Deployment/probe")
        assert [c.change for c in change.causes] == ["replicas"]


class TestFailOn:
    BASE = [NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_PROBE]

    @pytest.mark.parametrize(("head_policy", "fails_on"), [
        (API_FROM_PROBE.replace("{port: 8000}", "{port: 8000, endPort: 8001}"), {"added", "any"}),
        (API_FROM_PROBE.replace("{team: ops}", "{team: nobody}"), {"removed", "any"}),
        (API_FROM_PROBE, set()),
    ], ids=["widened", "narrowed", "unchanged"])
    def test_each_fail_on_mode(self, head_policy: str, fails_on: set[str]) -> None:
        for mode in (None, "added", "removed", "any"):
            result = run(self.BASE, [NAMESPACES, WORKLOADS, DENY_SHOP, head_policy], fail_on=mode)  # type: ignore[arg-type]
            assert result.fails() == (mode in fails_on), mode

    def test_a_changed_connection_that_both_gains_and_loses_fails_both_ways(self) -> None:
        moved = API_FROM_PROBE.replace("{port: 8000}", "{port: 8000, endPort: 8001}")
        base = [NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_PROBE.replace("{port: 8000}", "{port: 7999, endPort: 8000}")]
        for mode in ("added", "removed", "any"):
            assert run(base, [NAMESPACES, WORKLOADS, DENY_SHOP, moved], fail_on=mode).fails()

    def test_a_new_endpoint_fails_only_any(self) -> None:
        base_workloads = WORKLOADS.split("---")[0]
        for mode, fails in (("added", False), ("removed", False), ("any", True)):
            result = run([NAMESPACES, base_workloads], [NAMESPACES, WORKLOADS], fail_on=mode)
            assert result.fails() == fails, mode


def test_json_follows_the_documented_contract() -> None:
    wider = API_FROM_PROBE.replace("ports: [{port: 8000}]", "ports: [{port: 8000, endPort: 8100}]")
    result = run([NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_PROBE], [NAMESPACES, WORKLOADS, DENY_SHOP, wider])
    data: dict[str, Any] = result.to_json()
    assert set(data) == {"added", "removed", "changed", "endpoints_added", "endpoints_removed"}
    [changed] = data["changed"]
    assert changed["src"] == "ops/Deployment/probe" and changed["dst"] == "shop/Deployment/api"
    assert changed["before"] == [{"protocol": "TCP", "ports": [[8000, 8000]]}]
    assert changed["after"] == [{"protocol": "TCP", "ports": [[8000, 8100]]}]
    [cause] = changed["cause"]
    assert {"kind", "change", "message", "file", "line", "policy", "direction", "rule"} <= set(cause)
