"""NV3xx: what the API server would reject is reported at its line, and the rest is still linted."""

from __future__ import annotations

import pytest
from helpers_lint import Severity, codes, line_of, only, pod, policy, run

WEB = pod("shop", "web", "{app: web}", "10.0.0.1")
LEGACY = policy("shop", "legacy", "podSelector: {matchLabels: {app: legacy}}")  # valid, selects nothing (NV101)


@pytest.mark.parametrize(("code", "spec", "needle"), [
    ("NV301", "podSelector: {}\negress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/33}}]", "10.0.0.0/33"),
    ("NV301", "podSelector: {}\negress:\n  - to:\n      - ipBlock: {cidr: 10.0.0.0/8, except: [nope]}", "nope"),
    ("NV302", "podSelector: {}\negress:\n  - to:\n      - ipBlock:\n          cidr: 10.0.0.0/16\n"
              "          except: [192.168.0.0/24]", "192.168.0.0/24"),
    ("NV302", "podSelector: {}\negress:\n  - to:\n      - ipBlock:\n          cidr: 10.0.0.0/16\n"
              "          except: [10.0.0.0/16]", "except: [10.0.0.0/16]"),
    ("NV303", "podSelector: {}\ningress:\n  - ports: [{port: 8080, endPort: 8000}]", "endPort: 8000"),
    ("NV303", "podSelector: {}\ningress:\n  - ports: [{port: http, endPort: 8000}]", "endPort: 8000"),
    ("NV304", "podSelector:\n  matchExpressions: [{key: app, operator: Equals, values: [web]}]", "Equals"),
    ("NV305", "podSelector:\n  matchExpressions:\n    - key: app\n      operator: Exists\n      values: [web]",
     "values: [web]"),
    ("NV305", "podSelector:\n  matchExpressions:\n    - {key: app, operator: In, values: []}", "operator: In"),
    ("NV306", "podSelector: {}\npolicyTypes: [ingress]", "policyTypes"),
])
def test_an_invalid_policy_is_an_error_finding_at_its_line(code: str, spec: str, needle: str) -> None:
    docs = (WEB, policy("shop", "bad", spec))
    result = run(*docs, select="NV3")
    f = only(result, code)
    assert f.severity is Severity.ERROR and f.obj == "NetworkPolicy shop/bad"
    assert f.source.line == line_of(docs, needle)
    assert result.input_errors == 1


def test_other_findings_are_still_reported_next_to_an_invalid_policy() -> None:
    bad = policy("shop", "bad", "podSelector: {}\negress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/33}}]")
    result = run(WEB, bad, LEGACY, select="NV1,NV3")
    assert codes(result) == ["NV301", "NV101"]
    assert result.notes == []


def test_the_invalid_policy_is_left_out_of_the_other_checks_as_the_api_server_would() -> None:
    # Were it loaded, its `podSelector: {}` would make web isolated for ingress.
    bad = policy("shop", "deny",
                 "podSelector: {}\npolicyTypes: [Ingress]\ningress:\n  - ports: [{port: a, endPort: 9}]")
    assert "NV402" in codes(run(WEB, bad, select="NV3,NV4"))


def test_an_unreadable_non_policy_object_skips_the_inventory_checks_with_a_note() -> None:
    broken_pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: [not, a, mapping]\n"
    result = run(broken_pod, LEGACY)
    assert codes(result) == ["NV300"]  # not NV101: the pod it would select may be the broken one
    assert "inventory checks skipped" in result.notes[0]


def test_a_valid_inventory_has_no_validity_findings() -> None:
    result = run(WEB, LEGACY, select="NV3")
    assert codes(result) == [] and result.input_errors == 0
