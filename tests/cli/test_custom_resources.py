"""Pods made by custom resources are endpoints: pod templates, prometheus-operator's resources (labels and
ports as the operator sets them), and kinds described in a --kinds file. --strict fails only on what changes
the answers; skipped pod-making resources are named where policies select nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_robustness import run_cli

from netverify.loaders.manifests import load_paths
from netverify.loaders.snapshot import write_snapshot

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = str(ROOT / "fixtures" / "custom-resources")


def workloads(*texts: str, tmp_path: Path, kinds: str | None = None) -> dict[str, object]:
    path = tmp_path / "m.yaml"
    path.write_text("---\n".join(texts))
    args = ["snapshot", str(path)] + (["--kinds", kinds] if kinds else [])
    result = run_cli(args)
    assert result.code == 0, result.err
    loaded = load_paths([str(path)] if kinds is None else [str(path)])
    return {f"{w.namespace}/{w.kind}/{w.name}": w for w in loaded.cluster.workloads}


def test_the_fixture_loads_whole_and_passes_strict() -> None:
    result = run_cli(["matrix", FIXTURE, "--strict", "--format", "json"])
    assert result.code == 0, result.err
    ids = [e["id"] for e in json.loads(result.out)["endpoints"]]
    assert ids == ["monitoring/Alertmanager/main", "monitoring/Deployment/grafana", "monitoring/Prometheus/k8s"]


def test_prometheus_pods_carry_the_operators_labels_and_ports() -> None:
    loaded = load_paths([FIXTURE])
    assert loaded.errors == []
    prom = {w.name: w for w in loaded.cluster.workloads}["k8s"]
    assert dict(prom.labels) == {
        "app.kubernetes.io/component": "prometheus", "app.kubernetes.io/part-of": "kube-prometheus",
        "app.kubernetes.io/managed-by": "prometheus-operator", "app.kubernetes.io/name": "prometheus",
        "app.kubernetes.io/instance": "k8s", "operator.prometheus.io/name": "k8s", "prometheus": "k8s",
        "operator.prometheus.io/shard": "0", "app.kubernetes.io/version": "3.1.0"}
    assert [(p.name, p.port, p.protocol) for p in prom.ports] == [("web", 9090, "TCP"), ("reloader-web", 8080, "TCP")]
    assert prom.replicas == 2
    am = {w.name: w for w in loaded.cluster.workloads}["main"]
    assert dict(am.labels)["alertmanager"] == "main" and dict(am.labels)["app.kubernetes.io/name"] == "alertmanager"
    assert [(p.name, p.port, p.protocol) for p in am.ports] == [
        ("web", 9093, "TCP"), ("mesh-tcp", 9094, "TCP"), ("mesh-udp", 9094, "UDP"), ("reloader-web", 8080, "TCP")]


@pytest.mark.parametrize(("src", "dst", "port", "allowed"), [
    ("monitoring/Deployment/grafana", "monitoring/Prometheus/k8s", "9090", True),
    ("monitoring/Deployment/grafana", "monitoring/Prometheus/k8s", "8080", False),
    ("monitoring/Prometheus/k8s", "monitoring/Prometheus/k8s", "reloader-web", True),
    ("monitoring/Prometheus/k8s", "monitoring/Alertmanager/main", "9093", True),
    ("monitoring/Deployment/grafana", "monitoring/Alertmanager/main", "9093", False),
    ("monitoring/Alertmanager/main", "monitoring/Alertmanager/main", "mesh-udp", True),
])
def test_traffic_to_operator_pods_follows_their_policies(src: str, dst: str, port: str, allowed: bool) -> None:
    protocol = ["--protocol", "UDP"] if port == "mesh-udp" else []
    result = run_cli(["can", src, dst, FIXTURE, "--port", port, *protocol])
    assert result.code == (0 if allowed else 1), result.out + result.err


OPERATOR_VARIANTS = """\
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: sharded, namespace: mon}
spec:
  shards: 2
  listenLocal: true
  thanos: {}
  portName: http-web
---
apiVersion: monitoring.coreos.com/v1alpha1
kind: PrometheusAgent
metadata: {name: agent, namespace: mon}
spec: {mode: DaemonSet}
---
apiVersion: monitoring.coreos.com/v1
kind: ThanosRuler
metadata: {name: ruler, namespace: mon}
spec:
  version: v0.36
  podMetadata: {labels: {app.kubernetes.io/version: old, team: obs}}
  containers: [{name: proxy, ports: [{name: https, containerPort: 8443}]}]
"""


def test_operator_options_change_the_pods_as_the_operator_does(tmp_path: Path) -> None:
    path = tmp_path / "ops.yaml"
    path.write_text(OPERATOR_VARIANTS)
    loaded = load_paths([str(path)])
    assert loaded.errors == []
    found = {f"{w.kind}/{w.name}": w for w in loaded.cluster.workloads}
    assert sorted(found) == ["Prometheus/sharded", "Prometheus/sharded-shard-1", "PrometheusAgent/agent",
                             "ThanosRuler/ruler"]
    shard1 = found["Prometheus/sharded-shard-1"]
    assert dict(shard1.labels)["operator.prometheus.io/shard"] == "1"
    # listenLocal: no web port and no reloader port; the Thanos sidecar serves http and grpc.
    assert [(p.name, p.port) for p in shard1.ports] == [("http", 10902), ("grpc", 10901)]
    agent = found["PrometheusAgent/agent"]
    assert "operator.prometheus.io/shard" not in dict(agent.labels)
    assert dict(agent.labels)["app.kubernetes.io/name"] == "prometheus-agent"
    ruler = found["ThanosRuler/ruler"]
    assert dict(ruler.labels)["app.kubernetes.io/version"] == "0.36.0"  # the operator's version label wins
    assert dict(ruler.labels)["team"] == "obs"
    assert [(p.name, p.port) for p in ruler.ports] == [("grpc", 10901), ("web", 10902), ("reloader-web", 8080),
                                                       ("https", 8443)]


TEMPLATED = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 4
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: example.com/v1
kind: ScheduledTask
metadata: {name: report, namespace: shop}
spec:
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: report}}
        spec: {containers: [{name: r, image: busybox}]}
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello, namespace: shop}
spec:
  template:
    metadata: {labels: {app: hello}}
    spec: {containers: [{image: hello, ports: [{containerPort: 8080}]}]}
"""


def test_any_kind_with_a_pod_template_is_a_workload(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATED)
    result = run_cli(["matrix", str(path), "--strict", "--format", "json"])
    assert result.code == 0, result.err
    ids = [e["id"] for e in json.loads(result.out)["endpoints"]]
    assert ids == ["shop/Rollout/web", "shop/ScheduledTask/report", "shop/Service.serving.knative.dev/hello"]
    loaded = load_paths([str(path)])
    assert {w.name: w.replicas for w in loaded.cluster.workloads} == {"web": 4, "report": None, "hello": 1}


def test_a_snapshot_keeps_custom_resource_workloads(tmp_path: Path) -> None:
    import io

    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATED + "---\n" + OPERATOR_VARIANTS)
    original = load_paths([str(path)]).cluster
    out = io.StringIO()
    write_snapshot(original, out, "test")
    again = tmp_path / "snap.yaml"
    again.write_text(out.getvalue())
    reread = load_paths([str(again)])
    assert reread.errors == []
    key = lambda w: (w.namespace, w.kind, w.name)  # noqa: E731
    assert sorted((key(w), w.labels, w.ports) for w in reread.cluster.workloads) == sorted(
        (key(w), w.labels, w.ports) for w in original.workloads)


KINDS_FILE = """\
kinds:
  - kind: RabbitmqCluster
    apiGroup: rabbitmq.com
    pods:
      labels: {app.kubernetes.io/name: "{name}", app.kubernetes.io/part-of: rabbitmq}
      labelsFrom: spec.override.labels
      ports: [{name: amqp, containerPort: 5672}]
      replicas: spec.replicas
  - kind: Widget
    createsPods: false
  - kind: Machine
    podTemplate: spec.vm.template
"""

CUSTOM = """\
apiVersion: rabbitmq.com/v1beta1
kind: RabbitmqCluster
metadata: {name: broker, namespace: queue}
spec: {replicas: 3, override: {labels: {tier: data, app.kubernetes.io/name: ignored}}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: queue}
---
apiVersion: infra.example.com/v1
kind: Machine
metadata: {name: vm, namespace: queue}
spec: {vm: {template: {metadata: {labels: {app: vm}}, spec: {containers: [{name: c, image: x}]}}}}
"""


def test_a_kinds_file_maps_further_kinds(tmp_path: Path) -> None:
    kinds = tmp_path / "kinds.yaml"
    kinds.write_text(KINDS_FILE)
    path = tmp_path / "c.yaml"
    path.write_text(CUSTOM)
    without = run_cli(["matrix", str(path), "--strict"])
    assert without.code == 2 and "queue/RabbitmqCluster/broker is a custom resource that may create pods" in without.err
    result = run_cli(["matrix", str(path), "--strict", "--kinds", str(kinds), "--format", "json", "--by", "workload"])
    assert result.code == 0, result.err
    endpoints = {e["id"]: e for e in json.loads(result.out)["endpoints"]}
    assert sorted(endpoints) == ["queue/Machine/vm", "queue/RabbitmqCluster/broker"]
    snap = run_cli(["snapshot", str(path), "--kinds", str(kinds)])
    assert "app.kubernetes.io/name: broker" in snap.out and "tier: data" in snap.out and "replicas: 3" in snap.out


@pytest.mark.parametrize(("text", "message"), [
    ("kinds: [{kind: X}]\n", "give exactly one of podTemplate, pods, or createsPods: false"),
    ("kinds: [{kind: X, createsPods: false, podTemplate: spec.template}]\n", "createsPods: false cannot have"),
    ("kinds: [{kind: X, pods: {labels: {a: 'b c'}}}]\n", "invalid label value"),
    ("kinds: [{kind: X, podTemplate: spec.t, extra: 1}]\n", "unknown key 'extra'"),
    ("nothing: here\n", "needs a `kinds:` list"),
])
def test_a_bad_kinds_file_is_an_input_error_at_its_line(tmp_path: Path, text: str, message: str) -> None:
    kinds = tmp_path / "kinds.yaml"
    kinds.write_text(text)
    result = run_cli(["matrix", FIXTURE, "--kinds", str(kinds)])
    assert result.code == 2 and message in result.err and f"{kinds}:1:" in result.err, result.err


UNKNOWN = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]
---
apiVersion: databases.example.com/v1
kind: PostgresCluster
metadata: {name: main, namespace: data}
spec: {instances: 2}
---
apiVersion: crd.projectcalico.org/v1
kind: NetworkPolicy
metadata: {name: calico, namespace: data}
spec: {selector: all()}
"""


def test_strict_fails_on_unknown_pod_makers_and_foreign_policies_only(tmp_path: Path) -> None:
    path = tmp_path / "u.yaml"
    path.write_text(UNKNOWN + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: data}\n")
    result = run_cli(["matrix", str(path), "--strict"])
    assert result.code == 2
    errors = [line for line in result.err.splitlines() if "(--strict)" in line]
    assert len(errors) == 2, result.err
    assert "data/PostgresCluster/main is a custom resource that may create pods" in errors[0]
    assert "data/NetworkPolicy.crd.projectcalico.org/calico" not in result.err  # a foreign policy keeps its kind
    assert "data/NetworkPolicy/calico is a network policy of crd.projectcalico.org" in errors[1]


def test_skipped_pod_makers_are_named_where_policies_select_nothing(tmp_path: Path) -> None:
    path = tmp_path / "u.yaml"
    path.write_text(UNKNOWN)
    result = run_cli(["matrix", str(path)])
    assert result.code == 0
    assert ("note: namespace data: 1 custom resource that may create pods was skipped (PostgresCluster/main), and "
            "policy db select no loaded pod") in result.err
    assert "--kinds" in result.err
    path.write_text(UNKNOWN + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: web}\n"
                    "spec: {containers: [{name: c, image: x}]}\n")  # lint checks selectors when pods are loaded
    lint = run_cli(["lint", str(path), "--select", "NV101"])
    assert "PostgresCluster/main" in lint.out and "their pods may match" in lint.out, lint.out
