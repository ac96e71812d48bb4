"""Pods that widely used operators make from their custom resources, as the operators make them.

A custom resource such as prometheus-operator's `Prometheus` has no pod template: the operator writes a
StatefulSet whose pods carry labels and container ports chosen in the operator's code. Each reader below
rebuilds those labels and ports from the resource, citing the operator's source (prometheus-operator
6adcebc50, `pkg/...` paths) for every label and port, so that policies selecting the pods are evaluated
against what the cluster will run. What is not modelled: the operator's own `--labels` flag (config.Labels,
merged into every pod) and its default image version (`app.kubernetes.io/version` is set only when
`spec.version` says it); the init containers' ports (init containers serve nothing).

Every reader returns one Workload per StatefulSet/DaemonSet the operator makes (one per shard).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netverify.loaders.convert import container_ports
from netverify.loaders.fields import Fields
from netverify.model import ContainerPort, Workload, freeze_labels

PROMETHEUS_OPERATOR_GROUP = "monitoring.coreos.com"
_MANAGED_BY = ("app.kubernetes.io/managed-by", "prometheus-operator")  # pkg/operator/kubernetes.go:29,32
_NAME = "app.kubernetes.io/name"  # pkg/operator/kubernetes.go:26
_INSTANCE = "app.kubernetes.io/instance"  # pkg/operator/kubernetes.go:35
_VERSION = "app.kubernetes.io/version"  # pkg/operator/kubernetes.go:38
_OPERATOR_NAME = "operator.prometheus.io/name"  # pkg/prometheus/common.go:68
_SHARD = "operator.prometheus.io/shard"  # pkg/prometheus/common.go:65
# The config-reloader sidecar of every kind: reloader-web 8080/TCP unless it listens on localhost
# (pkg/operator/config_reloader.go:228 name, :30 port, :261-281 only without listenLocal).
_RELOADER = ContainerPort(8080, "TCP", "reloader-web")

Reader = Callable[[Any, str, Fields], list[Workload]]


def _spec(doc: Any, f: Fields) -> dict[str, Any]:
    return f.map(doc, "spec", "spec") or {}


def _pod_metadata_labels(spec: dict[str, Any], f: Fields) -> dict[str, str]:
    meta = f.map(spec, "podMetadata", "spec.podMetadata")
    return f.labels(meta, "labels", "spec.podMetadata.labels") if meta is not None else {}


def _version(spec: dict[str, Any], f: Fields) -> str | None:
    """spec.version as semver.ParseTolerant prints it (a leading v dropped, missing parts as .0), else None."""
    text = f.str(spec, "version", "spec.version")
    if not text:
        return None
    parts = text.strip().removeprefix("v").split("-", 1)[0].split("+", 1)[0].split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return None
    core = ".".join([str(int(p)) for p in parts] + ["0"] * (3 - len(parts)))
    rest = text.strip().removeprefix("v")[len(".".join(parts)):]
    return core + rest


def _port_name(spec: dict[str, Any], f: Fields) -> str:
    return f.str(spec, "portName", "spec.portName") or "web"  # defaultPortName / DefaultPortName


def _extra_ports(spec: dict[str, Any], f: Fields) -> tuple[ContainerPort, ...]:
    """Ports of spec.containers: the operator merges them into its pod spec (k8s.MergePatchContainers)."""
    return container_ports(spec, "spec", f)


def _replicas(spec: dict[str, Any], f: Fields) -> int:
    replicas = f.int(spec, "replicas", "spec.replicas", 0, 2**31 - 1)
    return 1 if replicas is None else replicas  # pkg/prometheus/common.go:124 ReplicasNumberPtr: default 1


def _shards(spec: dict[str, Any], f: Fields) -> int:
    shards = f.int(spec, "shards", "spec.shards", 0, 2**31 - 1)
    return max(shards or 1, 1)


def _listen_local(spec: dict[str, Any], f: Fields) -> bool:
    return bool(f.bool(spec, "listenLocal", "spec.listenLocal"))


def _labels(base: dict[str, str], selector: dict[str, str], version: str | None,
            version_wins: bool = False) -> dict[str, str]:
    labels = dict(base)
    if version is not None and (version_wins or _VERSION not in labels):
        labels[_VERSION] = version
    labels.update(selector)  # selector labels last: the operator never lets podMetadata override them
    return labels


def _workload(kind: str, doc: Any, namespace: str, f: Fields, name: str, labels: dict[str, str],
              ports: list[ContainerPort], replicas: int | None) -> Workload:
    unique: list[ContainerPort] = []
    for port in ports:
        if port not in unique:
            unique.append(port)
    return Workload(kind, namespace, name, freeze_labels(labels), tuple(unique), False, replicas, None, f.ref())


def _name(doc: Any, f: Fields) -> str | None:
    meta = f.map(doc, "metadata", "metadata", required=True)
    return f.name(meta, "metadata.name") if meta is not None else None


def _prometheus_like(kind: str, app_name: str, extra_selector: bool) -> Reader:
    """Prometheus (pkg/prometheus/server) and PrometheusAgent (pkg/prometheus/agent)."""

    def read(doc: Any, namespace: str, f: Fields) -> list[Workload]:
        name = _name(doc, f)
        spec = _spec(doc, f)
        if name is None or f.failed:
            return []
        # Pod labels: version + podMetadata.labels (pkg/prometheus/promcfg.go:1345-1361), then the selector
        # labels (server/operator.go:1696-1703; agent/operator.go:1262-1268) and the shard
        # (server/statefulset.go:223-226; agent/statefulset.go:197-198).
        selector = {_MANAGED_BY[0]: _MANAGED_BY[1], _NAME: app_name, _INSTANCE: name, _OPERATOR_NAME: name}
        if extra_selector:
            selector["prometheus"] = name  # server/operator.go:1702
        base = _pod_metadata_labels(spec, f)
        version = _version(spec, f)
        listen_local = _listen_local(spec, f)
        ports: list[ContainerPort] = []
        if not listen_local:  # pkg/prometheus/common.go:449-461: web (portName) 9090/TCP
            ports.append(ContainerPort(9090, "TCP", _port_name(spec, f)))
        signal = f.str(spec, "reloadStrategy", "spec.reloadStrategy") == "ProcessSignal"
        if not listen_local or signal:  # common.go:383-406: listenLocal only applies to HTTP reloads
            ports.append(_RELOADER)
        if kind == "Prometheus" and isinstance(spec.get("thanos"), dict):
            # The Thanos sidecar (server/statefulset.go:540-543 only with spec.thanos; ports :621-630).
            ports += [ContainerPort(10902, "TCP", "http"), ContainerPort(10901, "TCP", "grpc")]
        ports += _extra_ports(spec, f)
        if f.failed:
            return []
        if kind == "PrometheusAgent" and f.str(spec, "mode", "spec.mode") == "DaemonSet":
            # agent/daemonset.go:119-127: no shard label; one pod per node.
            return [_workload(kind, doc, namespace, f, name, _labels(base, selector, version), ports, None)]
        out = []
        for shard in range(_shards(spec, f)):
            labels = _labels(base, {**selector, _SHARD: str(shard)}, version)
            # One StatefulSet per shard: prometheus-NAME, then prometheus-NAME-shard-N (prompkg.ResourceName).
            out.append(_workload(kind, doc, namespace, f, name if shard == 0 else f"{name}-shard-{shard}",
                                 labels, ports, _replicas(spec, f)))
        return out

    return read


def _alertmanager(doc: Any, namespace: str, f: Fields) -> list[Workload]:
    name = _name(doc, f)
    spec = _spec(doc, f)
    if name is None or f.failed:
        return []
    # pkg/alertmanager/statefulset.go:398-411: version, podMetadata.labels, then the selector labels of
    # pkg/alertmanager/operator.go:796-802.
    selector = {_NAME: "alertmanager", _MANAGED_BY[0]: _MANAGED_BY[1], _INSTANCE: name, "alertmanager": name}
    labels = _labels(_pod_metadata_labels(spec, f), selector, _version(spec, f))
    listen_local = _listen_local(spec, f)
    # statefulset.go:435-455: web (portName) 9093/TCP unless listenLocal; mesh-tcp 9094/TCP, mesh-udp 9094/UDP.
    ports = [] if listen_local else [ContainerPort(9093, "TCP", _port_name(spec, f))]
    ports += [ContainerPort(9094, "TCP", "mesh-tcp"), ContainerPort(9094, "UDP", "mesh-udp")]
    if not listen_local:  # statefulset.go:747-755: the config-reloader with ListenLocal(spec.listenLocal)
        ports.append(_RELOADER)
    ports += _extra_ports(spec, f)
    if f.failed:
        return []
    return [_workload("Alertmanager", doc, namespace, f, name, labels, ports, _replicas(spec, f))]


def _thanos_ruler(doc: Any, namespace: str, f: Fields) -> list[Workload]:
    name = _name(doc, f)
    spec = _spec(doc, f)
    if name is None or f.failed:
        return []
    # pkg/thanos/statefulset.go:419-434: podMetadata.labels, the selector labels (pkg/thanos/operator.go:914-920),
    # then the version label, which here wins over podMetadata's.
    selector = {_NAME: "thanos-ruler", _MANAGED_BY[0]: _MANAGED_BY[1], _INSTANCE: name, "thanos-ruler": name}
    labels = _labels(_pod_metadata_labels(spec, f), selector, _version(spec, f), version_wins=True)
    listen_local = _listen_local(spec, f)
    # statefulset.go:216-232: grpc 10901/TCP always; web (portName) 10902/TCP unless listenLocal.
    ports = [ContainerPort(10901, "TCP", "grpc")]
    if not listen_local:
        ports.append(ContainerPort(10902, "TCP", _port_name(spec, f)))
        ports.append(_RELOADER)  # statefulset.go:398-407, ListenLocal(spec.listenLocal)
    ports += _extra_ports(spec, f)
    if f.failed:
        return []
    return [_workload("ThanosRuler", doc, namespace, f, name, labels, ports, _replicas(spec, f))]


# (API group, kind) -> reader. The table in docs/custom-resources.md lists the same entries.
OPERATOR_KINDS: dict[tuple[str, str], Reader] = {
    (PROMETHEUS_OPERATOR_GROUP, "Prometheus"): _prometheus_like("Prometheus", "prometheus", True),
    (PROMETHEUS_OPERATOR_GROUP, "PrometheusAgent"): _prometheus_like("PrometheusAgent", "prometheus-agent", False),
    (PROMETHEUS_OPERATOR_GROUP, "Alertmanager"): _alertmanager,
    (PROMETHEUS_OPERATOR_GROUP, "ThanosRuler"): _thanos_ruler,
}
