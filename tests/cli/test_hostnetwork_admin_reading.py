"""A hostNetwork pod under the admin tiers, in both readings (docs/admin-tiers.md, "Readings netverify chose"):
by default it is never an admin policy's subject (it is the node's network); `--hostnetwork pod` reads it as an
ordinary pod in every tier, so an admin Deny that selects its namespace then decides its ingress."""

from __future__ import annotations

from pathlib import Path

import pytest

from netverify.cli import main

INVENTORY = """\
apiVersion: v1
kind: Namespace
metadata: {name: infra, labels: {zone: infra}}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: infra, labels: {app: agent}}
spec: {hostNetwork: true, nodeName: n1, containers: [{name: c, image: i}]}
status: {podIP: 192.168.0.10, hostIP: 192.168.0.10}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: apps, labels: {app: web}}
spec: {nodeName: n2, containers: [{name: c, image: i}]}
status: {podIP: 10.0.2.5}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: seal-infra}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {zone: infra}}}
  ingress:
  - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
"""


@pytest.mark.parametrize(("reading", "code"), [("node", 0), ("pod", 1)])
def test_an_admin_deny_decides_a_hostnetwork_pod_only_when_it_is_read_as_a_pod(
        reading: str, code: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    assert main(["can", "apps/web", "infra/agent", str(tmp_path), "--port", "443",
                 "--hostnetwork", reading]) == code
    out = capsys.readouterr().out
    if reading == "pod":
        assert "seal-infra" in out, "the explanation names the admin policy that denied it"
