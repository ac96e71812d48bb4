"""`netverify lint --any` (redundancy proved for any pod that could exist) folds every tier, as the
inventory scope does: Admin -> NetworkPolicy -> Baseline, with equal admin priorities in every order.

The world: namespace shop (pods api and web), namespace blocked (a pod), an admin Deny of ingress
from `blocked` to shop, a Baseline Deny of ingress from every namespace to shop, and two
NetworkPolicies in shop: `open` (web: allow-all ingress) and `from-blocked` (api: ingress from
`blocked` only). Each test changes one thing and says what lint must answer."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from netverify.cli import main

WORLD = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: blocked}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c}]}
status: {podIP: 10.5.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c}]}
status: {podIP: 10.5.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: intruder, namespace: blocked, labels: {app: x}}
spec: {containers: [{name: c}]}
status: {podIP: 10.5.1.1}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-blocked, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: blocked}}}]
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: no-blocked}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}
  ingress:
  - name: deny-blocked
    action: Deny
    from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: blocked}}}]
"""

BASELINE = """
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: shop-closed}
spec:
  tier: Baseline
  priority: 1
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}
  ingress:
  - name: deny-pods
    action: Deny
    from: [{namespaces: {}}]
"""

# The same priority as no-blocked: the API leaves the order of the two undefined.
PASS_TIE = """
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: pass-blocked}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}
  ingress:
  - name: pass-blocked
    action: Pass
    from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: blocked}}}]
"""

OPEN = "NetworkPolicy shop/open"
FROM_BLOCKED = "NetworkPolicy shop/from-blocked"


def lint_any(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, *extra: str
             ) -> tuple[list[dict[str, Any]], str]:
    (tmp_path / "world.yaml").write_text(text)
    code = main(["lint", str(tmp_path), "--any", "--by", "pod", "--format", "json", *extra])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return json.loads(out)["findings"], err


def objects(found: list[dict[str, Any]], code: str) -> list[str]:
    return sorted(f["object"] for f in found if f["code"] == code)


def test_an_allow_all_policy_is_not_redundant_when_the_baseline_would_deny_without_it(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    found, err = lint_any(capsys, tmp_path, WORLD + BASELINE, "--select", "NV6")
    assert OPEN not in objects(found, "NV602"), "without shop/open, web's ingress falls to the Baseline Deny"
    assert "NV601/NV602" not in err, "nothing is skipped with admin policies loaded"


def test_without_the_baseline_the_allow_all_policy_is_redundant(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The contrast: nothing below the NetworkPolicy tier, so web admits everything with or without it."""
    found, _ = lint_any(capsys, tmp_path, WORLD, "--select", "NV6")
    assert objects(found, "NV602") == [OPEN]


def test_a_rule_an_admin_deny_voids_for_any_pod_is_reported_once_as_nv707(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    found, _ = lint_any(capsys, tmp_path, WORLD + BASELINE, "--select", "NV6", "--select", "NV707")
    assert objects(found, "NV707") == [FROM_BLOCKED]
    assert FROM_BLOCKED not in objects(found, "NV601"), "NV707 says it, naming the admin Deny"
    # from-blocked as a whole still isolates api from outside addresses, which the Baseline leaves allowed
    assert FROM_BLOCKED not in objects(found, "NV602")
    found, _ = lint_any(capsys, tmp_path, WORLD + BASELINE, "--select", "NV6")
    (rule,) = [f for f in found if f["code"] == "NV601"]
    assert rule["object"] == FROM_BLOCKED and "any pod" in rule["message"]
    assert "ClusterNetworkPolicy/no-blocked (Admin)" in rule["message"], "the proof names the admin Deny"


def test_with_an_admin_pass_of_undefined_order_the_rule_matters(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """no-blocked (Deny) and pass-blocked (Pass) share priority 10: in the order where the Pass comes
    first, the NetworkPolicy tier decides and from-blocked's rule is what admits `blocked`."""
    found, _ = lint_any(capsys, tmp_path, WORLD + BASELINE + PASS_TIE, "--select", "NV6")
    assert FROM_BLOCKED not in objects(found, "NV601")
    found, _ = lint_any(capsys, tmp_path, WORLD + BASELINE + PASS_TIE.replace("priority: 10", "priority: 11"),
                        "--select", "NV6")
    assert objects(found, "NV601") == [FROM_BLOCKED], "with the Deny first in every order the rule is void again"


EGRESS_BASELINE = """
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: shop-no-egress}
spec:
  tier: Baseline
  priority: 2
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}
  egress:
  - name: deny-pods
    action: Deny
    to: [{namespaces: {}}]
"""


def test_under_np_selection_any_an_ingress_policy_also_keeps_egress_from_the_baseline(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`--np-selection any`: shop/open (ingress only) makes the NetworkPolicy tier final for web's
    egress too, so without it web's egress to pods falls to the Baseline Deny: not redundant. Under
    the per-direction reading the NetworkPolicy tier never decided web's egress: redundant."""
    world = WORLD + EGRESS_BASELINE
    found, _ = lint_any(capsys, tmp_path, world, "--select", "NV602", "--np-selection", "any")
    assert OPEN not in objects(found, "NV602")
    found, _ = lint_any(capsys, tmp_path, world, "--select", "NV602", "--np-selection", "direction")
    assert OPEN in objects(found, "NV602")


TIE_NOTE = ("equal-priority admin policies have no defined order; redundancy (NV601/NV602) was decided for every "
            "order of Admin tier, priority 10: ClusterNetworkPolicy/no-blocked, ClusterNetworkPolicy/pass-blocked")


def lint_any_as(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, fmt: str) -> str:
    (tmp_path / "world.yaml").write_text(text)
    code = main(["lint", str(tmp_path), "--any", "--select", "NV6", "--format", fmt])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return out


def sarif_notes(out: str) -> list[str]:
    from test_diff_sarif_schema import LEVEL, MESSAGE, SCHEMA, obj

    schema = copy.deepcopy(SCHEMA)
    # invocations[].toolExecutionNotifications[] as SARIF 2.1.0 defines them (the subset leaves them out)
    notification = obj({"level": LEVEL, "message": MESSAGE}, ["message"])
    invocation = obj({"executionSuccessful": {"type": "boolean"},
                      "toolExecutionNotifications": {"type": "array", "items": notification}}, ["executionSuccessful"])
    run = schema["properties"]["runs"]["items"]
    run["properties"]["invocations"] = {"type": "array", "items": invocation}
    run["properties"]["tool"]["properties"]["driver"]["properties"]["rules"]["items"]["properties"]["helpUri"] = {
        "type": "string"}
    log = json.loads(out)
    jsonschema.validate(log, schema)
    return [n["message"]["text"] for i in log["runs"][0].get("invocations", ()) for n in i["toolExecutionNotifications"]]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "md"])
def test_lint_any_notes_the_equal_priorities_it_decided_in_every_order(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str) -> None:
    """As `check` notes the tie groups its proofs assumed, in every format lint writes."""
    tied = lint_any_as(capsys, tmp_path, WORLD + BASELINE + PASS_TIE, fmt)
    untied = lint_any_as(capsys, tmp_path, WORLD + BASELINE + PASS_TIE.replace("priority: 10", "priority: 11"), fmt)
    if fmt == "json":
        assert json.loads(tied)["notes"] == [TIE_NOTE] and json.loads(untied)["notes"] == []
    elif fmt == "sarif":
        assert sarif_notes(tied) == [TIE_NOTE] and sarif_notes(untied) == []
    else:
        assert TIE_NOTE in tied.replace("\n", " ") and "no defined order" not in untied
