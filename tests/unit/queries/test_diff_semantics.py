"""Specification of `netverify diff`: what counts as a change, and how each change is explained."""

from __future__ import annotations

import io
import json
import textwrap
from dataclasses import replace
from typing import Any

import pytest

from netverify import report
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


ANYWHERE = "any address"  # the one address block when no policy has an ipBlock


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
            (src, dst) for src in ("ops/Deployment/probe", "shop/Deployment/api", "shop/Deployment/web", ANYWHERE)
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
                                       ("shop/Deployment/api", "shop/Deployment/api"), (ANYWHERE, "shop/Deployment/api")}
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

    def test_a_replica_only_the_head_tells_apart_is_compared_not_removed_and_added(self) -> None:
        # api-2 carries a label no base policy reads; the head's policy selects it, so the head reports
        # api-2 alone. The base must draw the same endpoints, or api-2's changes hide behind a
        # "removed/added endpoint" instead of being compared pair by pair.
        canary_pods = API_PODS.replace("labels: {app: api, pod-template-hash: 5d4f}\n  ownerReferences: [{kind: "
                                       "ReplicaSet, name: api-5d4f, apiVersion: apps/v1, uid: u2",
                                       "labels: {app: api, pod-template-hash: 5d4f, canary: 'true'}\n  "
                                       "ownerReferences: [{kind: ReplicaSet, name: api-5d4f, apiVersion: apps/v1, uid: u2")
        assert canary_pods != API_PODS
        isolate_canary_egress = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: canary-egress, namespace: shop}
        spec:
          podSelector: {matchLabels: {canary: 'true'}}
          policyTypes: [Egress]
        """
        result = run([NAMESPACES, WORKLOADS, canary_pods, DENY_SHOP, API_FROM_WEB],
                     [NAMESPACES, WORKLOADS, canary_pods, DENY_SHOP, API_FROM_WEB, isolate_canary_egress])
        assert not result.endpoints_added and not result.endpoints_removed
        lost = pairs(result.removed)
        assert ("shop/api-2", "ops/Deployment/probe") in lost
        assert all(src == "shop/api-2" for src, _ in lost)
        assert not result.added

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


EGRESS_DENY_SHOP = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
"""


def egress_to(cidr: str, excepts: str = "") -> str:
    return f"""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: web-out, namespace: shop}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  policyTypes: [Egress]
  egress:
    - to: [{{ipBlock: {{cidr: "{cidr}"{f', except: [{excepts}]' if excepts else ''}}}}}]
      ports: [{{protocol: UDP, port: 53}}]
"""


class TestOutsideTheCluster:
    """Traffic with addresses outside the cluster is part of the diff: address blocks are endpoints."""

    @pytest.mark.parametrize(("cidr", "block"), [("8.8.8.8/32", "8.8.8.8/32"), ("0.0.0.0/0", "0.0.0.0/0")])
    def test_opening_egress_to_an_address_block_is_an_added_connection_with_its_rule(self, cidr: str,
                                                                                       block: str) -> None:
        base = [NAMESPACES, WORKLOADS, EGRESS_DENY_SHOP]
        result = run(base, [*base, egress_to(cidr)], fail_on="added")
        assert pairs(result.added) == {("shop/Deployment/web", block)}
        [change] = result.changes
        assert change.after == ConnectionSet.of("UDP", 53) and not change.before
        [cause] = change.causes
        assert (cause.kind, cause.change, cause.subject, cause.direction, cause.rule) == (
            "rule", "admits", "shop/web-out", "egress", 0)
        assert cause.source.file == "head.yaml" and cause.source.line
        assert result.fails()  # --fail-on added trips on the outside pair
        [described] = [b for b in result.outside if b.id == block]
        assert described.addresses.contains_address(cidr.split("/")[0])

    def test_blocks_are_what_the_ipblocks_of_both_versions_tell_apart(self) -> None:
        base = [NAMESPACES, WORKLOADS, EGRESS_DENY_SHOP]
        result = run(base, [*base, egress_to("0.0.0.0/0", '"10.0.0.0/8"')])
        assert pairs(result.added) == {("shop/Deployment/web", "0.0.0.0/0 except 10.0.0.0/8")}
        assert [b.id for b in result.outside] == ["0.0.0.0/0 except 10.0.0.0/8"]

    def test_an_ingress_lockdown_removes_traffic_from_every_address(self) -> None:
        result = run([NAMESPACES, WORKLOADS], [NAMESPACES, WORKLOADS, DENY_SHOP], fail_on="removed")
        outside = [c for c in result.changes if c.sources == (ANYWHERE,)]
        assert [(c.destinations, c.status) for c in outside] == [
            (("shop/Deployment/api", "shop/Deployment/web"), "removed")]
        assert [c.subject for c in outside[0].causes] == ["shop/deny-all"]
        assert result.fails()

    def test_a_hostnetwork_pod_is_not_governed_outside_either(self) -> None:
        host = WORKLOADS.replace("containers: [{name: probe, image: probe}]",
                                 "hostNetwork: true\n      containers: [{name: probe, image: probe}]")
        deny_ops = DENY_SHOP.replace("namespace: shop", "namespace: ops")
        result = run([NAMESPACES, host], [NAMESPACES, host, deny_ops])
        assert not any("ops/Deployment/probe" in c.destinations for c in result.changes)


class TestGrouping:
    """Changes are rectangles: sources x destinations that changed the same way, for the same causes."""

    def test_a_default_deny_is_one_change_per_kind_of_peer(self) -> None:
        result = run([NAMESPACES, WORKLOADS], [NAMESPACES, WORKLOADS, DENY_SHOP])
        inside, outside = result.changes
        assert inside.sources == ("ops/Deployment/probe", "shop/Deployment/api", "shop/Deployment/web")
        assert inside.destinations == ("shop/Deployment/api", "shop/Deployment/web")
        assert inside.size == 6 and inside.status == "removed" and inside.before == ConnectionSet.all()
        assert outside.sources == (ANYWHERE,) and outside.size == 2
        assert result.count("removed") == 8 and len(list(result.pairs())) == 8

    def test_single_pods_of_one_class_never_list_a_pod_with_itself(self) -> None:
        pods = "\n---\n".join(f"""
apiVersion: v1
kind: Pod
metadata: {{name: cache-{i}, namespace: shop, labels: {{app: cache}}}}
spec: {{containers: [{{name: c, image: c}}]}}
""" for i in range(5))
        base = analysis(NAMESPACES, pods, file="b.yaml", by="pod")
        head = analysis(NAMESPACES, pods, DENY_SHOP, file="h.yaml", by="pod")
        result = diff(base, head)
        listed = [(p.src, p.dst) for p in result.pairs() if p.src != ANYWHERE]
        assert len(listed) == len(set(listed)) == 20  # 5 x 4: every ordered pair of distinct pods
        assert all(src != dst for src, dst in listed)
        assert len(result.changes) <= 2 * 4 + 1  # halving: 2(n - 1) rectangles, plus the outside one

    def test_an_endpoint_that_changed_is_its_own_group_with_its_cause(self) -> None:
        relabelled = WORKLOADS.replace("labels: {app: probe}", "labels: {app: web}").replace(
            "matchLabels: {app: probe}", "matchLabels: {app: web}")
        policy = API_FROM_WEB.replace("- from: [{podSelector: {matchLabels: {app: web}}}]",
                                      "- from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}]")
        result = run([NAMESPACES, WORKLOADS, DENY_SHOP, policy], [NAMESPACES, relabelled, DENY_SHOP, policy])
        [change] = result.changes
        assert change.sources == ("ops/Deployment/probe",)
        assert [c.kind for c in change.causes] == ["rule", "endpoint"]


def test_json_follows_the_documented_contract() -> None:
    wider = API_FROM_PROBE.replace("ports: [{port: 8000}]", "ports: [{port: 8000, endPort: 8100}]")
    result = run([NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_PROBE], [NAMESPACES, WORKLOADS, DENY_SHOP, wider])
    data: dict[str, Any] = result.to_json()
    assert set(data) == {"summary", "changes", "sets", "outside", "endpoints_added", "endpoints_removed"}
    assert data["summary"] == {"pairs": {"added": 0, "removed": 0, "changed": 1}, "changes": 1, "causes": 1,
                               "outside_blocks": 0, "endpoints": {"compared": 3, "added": 0, "removed": 0},
                               "sets": 2, "named": 2}
    [changed] = data["changes"]
    assert set(changed) == {"status", "pairs", "sources", "destinations", "before", "after", "cause"}
    assert changed["status"] == "changed" and changed["pairs"] == 1
    assert changed["sources"] == {"count": 1, "sets": [0]} and changed["destinations"] == {"count": 1, "sets": [1]}
    assert data["sets"] == [
        {"id": 0, "count": 1, "namespaces": {"ops": 1}, "members": ["ops/Deployment/probe"]},
        {"id": 1, "count": 1, "namespaces": {"shop": 1}, "members": ["shop/Deployment/api"]}]
    assert changed["before"] == [{"protocol": "TCP", "ports": [[8000, 8000]]}]
    assert changed["after"] == [{"protocol": "TCP", "ports": [[8000, 8100]]}]
    [cause] = changed["cause"]
    assert {"kind", "change", "message", "file", "line", "policy", "direction", "rule"} <= set(cause)


def test_the_pairs_listing_keeps_the_per_pair_contract() -> None:
    wider = API_FROM_PROBE.replace("ports: [{port: 8000}]", "ports: [{port: 8000, endPort: 8100}]")
    result = replace(run([NAMESPACES, WORKLOADS, DENY_SHOP, API_FROM_PROBE],
                         [NAMESPACES, WORKLOADS, DENY_SHOP, wider]), listing="pairs")
    out = io.StringIO()
    report.write(result, "json", out)
    data = json.loads(out.getvalue())
    assert set(data) == {"added", "removed", "changed", "endpoints_added", "endpoints_removed", "outside"}
    [changed] = data["changed"]
    assert (changed["src"], changed["dst"]) == ("ops/Deployment/probe", "shop/Deployment/api")
    assert set(changed) == {"src", "dst", "before", "after", "cause"}
