"""A snapshot loads back to the very same model (sources aside), for every field the analysis reads."""

from __future__ import annotations

import io
from pathlib import Path

from netverify.loaders.manifests import load_paths
from netverify.loaders.snapshot import write_snapshot
from netverify.model import without_sources

DEMO = Path(__file__).resolve().parents[3] / "fixtures" / "demo"

EDGES = """
apiVersion: v1
kind: Pod
metadata:
  name: dual
  namespace: edge
  labels: {app: dual}
  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: once, controller: true}]
spec:
  hostNetwork: true
  nodeName: node-1
  initContainers: [{name: side, restartPolicy: Always, ports: [{name: admin, containerPort: 9000, protocol: UDP}]}]
  containers: [{name: c, ports: [{containerPort: 80}]}]
status: {podIPs: [{ip: 10.0.0.5}, {ip: "fd00::5"}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: edge}
spec:
  parallelism: 3
  template:
    metadata: {labels: {app: dual}}
    spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: edge}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  loadBalancerSourceRanges: [203.0.113.0/24]
  externalIPs: [198.51.100.7]
  clusterIPs: [10.96.0.9, "fd00::9"]
  selector: {app: dual}
  ports: [{name: a, port: 80, targetPort: 8080, nodePort: 30001}, {name: b, port: 53, protocol: UDP}]
---
apiVersion: v1
kind: Service
metadata: {name: alias, namespace: edge}
spec: {type: ExternalName, externalName: db.example.com}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: lb-1, namespace: edge, labels: {kubernetes.io/service-name: lb}}
addressType: IPv4
endpoints:
  - {addresses: [10.0.0.5], targetRef: {kind: Pod, name: dual}}
  - {addresses: [10.0.0.6]}
ports: [{name: a, port: 8080, protocol: TCP}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: edges, namespace: edge}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: Exists}, {key: tier, operator: NotIn, values: [b, a]}]
  policyTypes: [Egress]
  egress:
    - {}
    - to:
        - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
        - namespaceSelector: {}
          podSelector: {matchLabels: {x: "y"}}
      ports: [{port: 1000, endPort: 2000}, {protocol: SCTP}, {port: admin, protocol: UDP}]
"""


def roundtrip(tmp_path: Path, *paths: str) -> None:
    original = load_paths(list(paths))
    assert original.errors == []
    out = io.StringIO()
    count = write_snapshot(original.cluster, out, "test")
    snap = tmp_path / "snapshot.yaml"
    snap.write_text(out.getvalue())
    again = load_paths([str(snap)])
    assert again.errors == [] and again.warnings == []
    assert without_sources(again.cluster) == without_sources(original.cluster)
    assert count == out.getvalue().count("\n---\n") + out.getvalue().startswith("---\n")


def test_the_demo_round_trips(tmp_path: Path) -> None:
    roundtrip(tmp_path, str(DEMO))


def test_every_field_the_analysis_reads_round_trips(tmp_path: Path) -> None:
    edges = tmp_path / "edges.yaml"
    edges.write_text(EDGES)
    roundtrip(tmp_path, str(edges))


def test_a_snapshot_keeps_nothing_the_analysis_does_not_read(tmp_path: Path) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, annotations: {note: private}}\n"
                   "spec: {containers: [{name: c, image: registry/secret-app:1, env: [{name: PASSWORD, "
                   "value: hunter2}]}]}\n")
    out = io.StringIO()
    write_snapshot(load_paths([str(pod)]).cluster, out, "test")
    assert "hunter2" not in out.getvalue() and "registry" not in out.getvalue() and "private" not in out.getvalue()
