"""Specification of the NV6xx lint checks: redundant rules (NV601), redundant policies (NV602) and
rules shadowed by an allow-all (NV603), in both scopes: the loaded inventory (graph engine) and
any pod that could exist (SMT engine)."""

from __future__ import annotations

import textwrap

import pytest

from netverify.loaders.manifests import load_blobs
from netverify.queries.context import Analysis
from netverify.queries.lint.findings import Finding
from netverify.queries.lint.redundancy import redundancy_findings

INVENTORY = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web, tier: frontend}}
spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 80}]}]}
status: {phase: Running, podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api, tier: backend}}
spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8000}]}]}
status: {phase: Running, podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db, tier: backend}}
spec: {containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.0.0.3}
"""


def policy(name: str, selector: str, body: str) -> str:
    return textwrap.dedent(f"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {{name: {name}, namespace: shop}}
        spec:
          podSelector: {selector}
        """) + textwrap.indent(textwrap.dedent(body), "  ")


def findings(*policies: str, scope: str = "inventory") -> list[Finding]:
    text = "\n---\n".join((INVENTORY, *policies))
    loaded = load_blobs([("t.yaml", text.encode())])
    assert not loaded.errors, loaded.errors
    return redundancy_findings(Analysis(loaded.cluster), scope=scope)


def codes(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.obj) for f in found]


API_FROM_WEB_80 = """
policyTypes: [Ingress]
ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 8000}]
"""
API_FROM_FRONTEND_RANGE = """
policyTypes: [Ingress]
ingress:
  - from: [{podSelector: {matchLabels: {tier: frontend}}}]
    ports: [{port: 8000, endPort: 8080}]
"""

BOTH_SCOPES = pytest.mark.parametrize("scope", ["inventory", "any"])


@BOTH_SCOPES
def test_a_rule_covered_by_a_wider_rule_of_the_same_policy_is_redundant(scope: str) -> None:
    p = policy("api", "{matchLabels: {app: api}}", """
        policyTypes: [Ingress]
        ingress:
          - from: [{podSelector: {matchExpressions: [{key: app, operator: In, values: [web, db]}]}}]
            ports: [{port: 8000, endPort: 8010}]
          - from: [{podSelector: {matchLabels: {app: web}}}]
            ports: [{port: 8000}]
        """)
    found = findings(p, scope=scope)
    assert codes(found) == [("NV601", "NetworkPolicy shop/api")]
    f = found[0]
    assert "shop/api ingress[1]" in f.message and "covered by shop/api ingress[0]" in f.message
    assert len(f.related) == 1 and 0 < f.related[0].line < f.source.line  # the covering rule comes first


@BOTH_SCOPES
def test_a_rule_covered_by_another_policy_for_the_same_pods_is_redundant(scope: str) -> None:
    narrow = policy("api-from-web", "{matchLabels: {app: api}}", API_FROM_WEB_80)
    wide = policy("api-wide", "{matchLabels: {app: api}}", """
        policyTypes: [Ingress]
        ingress:
          - from: [{podSelector: {matchLabels: {app: web}}}, {podSelector: {matchLabels: {app: db}}}]
        """)
    found = findings(narrow, wide, scope=scope)
    # the narrow policy as a whole: removing it keeps api isolated (api-wide) and web admitted
    assert codes(found) == [("NV602", "NetworkPolicy shop/api-from-web")]
    assert "shop/api-wide" in found[0].message


@BOTH_SCOPES
def test_a_rule_that_admits_a_port_no_other_rule_does_is_not_redundant(scope: str) -> None:
    p = policy("api", "{matchLabels: {app: api}}", """
        policyTypes: [Ingress]
        ingress:
          - from: [{podSelector: {matchLabels: {app: web}}}]
            ports: [{port: 8000}]
          - from: [{podSelector: {matchLabels: {app: web}}}]
            ports: [{port: 8001}]
        """)
    assert findings(p, scope=scope) == []


@BOTH_SCOPES
def test_a_rule_covered_only_for_some_of_its_pods_is_not_redundant(scope: str) -> None:
    # web-only covers api's traffic only on web; the backend policy also selects db.
    backend = policy("backend", "{matchLabels: {tier: backend}}", API_FROM_WEB_80)
    api_only = policy("api-only", "{matchLabels: {app: api}}", """
        policyTypes: [Ingress]
        ingress:
          - from: [{podSelector: {matchLabels: {app: web}}}]
        """)
    found = findings(backend, api_only, scope=scope)
    assert ("NV601", "NetworkPolicy shop/backend") not in codes(found)
    assert ("NV602", "NetworkPolicy shop/backend") not in codes(found)


def test_covered_on_the_loaded_pods_but_not_for_any_pod() -> None:
    """Every loaded app=web pod is tier=frontend, so the tier rule covers the app rule on the inventory;
    a new app=web pod without the tier label would lose access: not redundant for any pod. On the
    inventory each of the two rules covers the other, so each alone is redundant (not both at once)."""
    p = policy("api", "{matchLabels: {app: api}}", """
        policyTypes: [Ingress]
        ingress:
          - from: [{podSelector: {matchLabels: {tier: frontend}}}]
            ports: [{port: 8000}]
          - from: [{podSelector: {matchLabels: {app: web}}}]
            ports: [{port: 8000}]
        """)
    found = findings(p, scope="inventory")
    assert codes(found) == [("NV601", "NetworkPolicy shop/api")] * 2
    assert ["covered by shop/api ingress[1]" in found[0].message, "covered by shop/api ingress[0]" in found[1].message
            ] == [True, True]
    assert findings(p, scope="any") == []


@BOTH_SCOPES
def test_a_rule_whose_peers_are_denied_in_the_other_direction_is_redundant(scope: str) -> None:
    # api admits web on 8000, but web may send only to db: the ingress rule lets nothing through.
    api = policy("api", "{matchLabels: {app: api}}", API_FROM_WEB_80)
    web_out = policy("web-egress", "{matchLabels: {app: web}}", """
        policyTypes: [Egress]
        egress:
          - to: [{podSelector: {matchLabels: {app: db}}}]
        """)
    found = findings(api, web_out, scope=scope)
    assert ("NV601", "NetworkPolicy shop/api") in codes(found)
    msg = next(f.message for f in found if f.code == "NV601")
    assert "is denied by the peers' policies in the other direction" in msg and "covered" not in msg


@BOTH_SCOPES
def test_removing_the_last_egress_rule_of_a_policy_without_policy_types_also_removes_its_isolation(
        scope: str) -> None:
    """Without policyTypes the API server derives Egress from the rule itself: removing the rule opens
    web's egress to everything, so the rule is not redundant even though db denies what it admits."""
    web_out = policy("web-egress", "{matchLabels: {app: web}}", """
        egress:
          - to: [{podSelector: {matchLabels: {app: db}}}]
        """)
    db_deny = policy("db-deny", "{matchLabels: {app: db}}", "policyTypes: [Ingress]\n")
    found = findings(web_out, db_deny, scope=scope)
    assert all(f.obj != "NetworkPolicy shop/web-egress" for f in found)


def test_a_default_deny_is_not_reported_on_the_inventory_even_when_other_policies_isolate_every_pod() -> None:
    deny = policy("default-deny", "{}", "policyTypes: [Ingress]\n")
    from_outside = "policyTypes: [Ingress]\ningress:\n  - from: [{ipBlock: {cidr: 203.0.113.0/24}}]\n"
    every = [policy(f"{app}-in", f"{{matchLabels: {{app: {app}}}}}", from_outside) for app in ("web", "api", "db")]
    assert findings(deny, *every, scope="inventory") == []
    # for any pod: a new pod with other labels is isolated only by the default-deny
    assert findings(deny, *every, scope="any") == []


def test_a_default_deny_is_redundant_for_any_pod_when_another_policy_selects_every_pod_too() -> None:
    deny = policy("default-deny", "{}", "policyTypes: [Ingress]\n")
    all_from_web = policy("from-web", "{}", API_FROM_WEB_80)
    found = findings(deny, all_from_web, scope="any")
    assert codes(found) == [("NV602", "NetworkPolicy shop/default-deny")]
    assert "shop/from-web" in found[0].message


@BOTH_SCOPES
def test_a_policy_that_isolates_pods_nothing_else_isolates_is_not_redundant(scope: str) -> None:
    assert findings(policy("api", "{matchLabels: {app: api}}", API_FROM_WEB_80), scope=scope) == []


@BOTH_SCOPES
def test_an_exact_duplicate_policy_is_redundant_and_so_is_its_original(scope: str) -> None:
    a = policy("api", "{matchLabels: {app: api}}", API_FROM_WEB_80)
    b = policy("api-copy", "{matchLabels: {app: api}}", API_FROM_WEB_80)
    assert codes(findings(a, b, scope=scope)) == [("NV602", "NetworkPolicy shop/api"),
                                                  ("NV602", "NetworkPolicy shop/api-copy")]


@BOTH_SCOPES
def test_rules_under_an_allow_all_of_a_policy_selecting_a_superset_are_shadowed(scope: str) -> None:
    narrow = policy("api", "{matchLabels: {app: api}}", API_FROM_WEB_80)
    allow_all = policy("allow-all", "{}", """
        policyTypes: [Ingress]
        ingress:
          - {}
        """)
    found = findings(narrow, allow_all, scope=scope)
    assert codes(found) == [("NV603", "NetworkPolicy shop/api")]
    assert "allow-all rule shop/allow-all ingress[0]" in found[0].message
    assert found[0].related[0].line > 0


@BOTH_SCOPES
def test_an_allow_all_rule_shadows_the_other_rules_of_its_own_policy(scope: str) -> None:
    p = policy("api", "{matchLabels: {app: api}}", """
        policyTypes: [Ingress]
        ingress:
          - from: [{podSelector: {matchLabels: {app: web}}}]
            ports: [{port: 8000}]
          - {}
        """)
    found = findings(p, scope=scope)
    assert codes(found) == [("NV603", "NetworkPolicy shop/api")]
    assert "its own allow-all rule shop/api ingress[1]" in found[0].message


@BOTH_SCOPES
def test_an_allow_all_for_other_pods_or_the_other_direction_shadows_nothing(scope: str) -> None:
    narrow = policy("api", "{matchLabels: {app: api}}", API_FROM_WEB_80)
    web_all = policy("web-all", "{matchLabels: {app: web}}", "policyTypes: [Ingress]\ningress:\n  - {}\n")
    egress_all = policy("egress-all", "{}", "policyTypes: [Egress]\negress:\n  - {}\n")
    assert "NV603" not in {f.code for f in findings(narrow, web_all, egress_all, scope=scope)}


def test_an_ipblock_rule_for_outside_addresses_is_not_redundant_on_the_inventory() -> None:
    """Addresses outside the cluster are part of the inventory scope: a rule admitting them matters
    even though it admits no loaded pod."""
    p = policy("web", "{matchLabels: {app: web}}", """
        policyTypes: [Ingress]
        ingress:
          - from: [{podSelector: {matchLabels: {app: api}}}]
          - from: [{ipBlock: {cidr: 203.0.113.0/24}}]
        """)
    assert findings(p, scope="inventory") == []


def test_the_demo_has_no_redundant_rules() -> None:
    from netverify.loaders.manifests import load_paths

    analysis = Analysis(load_paths(["fixtures/demo"]).cluster)
    assert redundancy_findings(analysis) == []


def test_every_message_is_one_line_ending_with_its_docs_link() -> None:
    narrow = policy("api", "{matchLabels: {app: api}}", API_FROM_WEB_80)
    copy = policy("api-copy", "{matchLabels: {app: api}}", API_FROM_WEB_80)
    allow_all = policy("web", "{matchLabels: {app: web}}", "ingress:\n  - from: [{podSelector: {}}]\n  - {}\n")
    p = policy("db", "{matchLabels: {app: db}}", """
        ingress:
          - from: [{podSelector: {}}]
          - from: [{podSelector: {matchLabels: {app: web}}}]
        """)
    found = findings(narrow, copy, allow_all, p)
    assert {f.code for f in found} == {"NV601", "NV602", "NV603"}
    for f in found:
        assert "\n" not in f.message and f.message.endswith(f"(see docs/lint/{f.code}.md)")
        assert f.to_json()["docs"] == f"docs/lint/{f.code}.md"


@BOTH_SCOPES
def test_an_allow_all_policy_alone_is_redundant_as_an_info(scope: str) -> None:
    """Isolating pods and then admitting everything is the same as not isolating them."""
    found = findings(policy("db-open", "{matchLabels: {app: db}}", "policyTypes: [Ingress]\ningress:\n  - {}\n"),
                     scope=scope)
    assert codes(found) == [("NV602", "NetworkPolicy shop/db-open")]
    assert found[0].severity.value == "info" and "without it they are simply not isolated" in found[0].message
