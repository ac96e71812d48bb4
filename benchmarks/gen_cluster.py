#!/usr/bin/env python3
"""Deterministic generator of a realistic Kubernetes cluster dump plus NetworkPolicies.

Standalone (stdlib + PyYAML only for the tests; the generator itself only needs the
stdlib); it deliberately does not import netverify, so it can produce benchmark input
for any verifier.

    python benchmarks/gen_cluster.py --pods 100000 --policies 10000 --seed 7 --out generated
    python benchmarks/gen_cluster.py --pods 60 --policies 12 --mutate 3 --out /tmp/small

Output (multi-document YAML, one object per document):

    DIR/cluster/namespaces.yaml   Namespaces (labels team/env/tier + kubernetes.io/metadata.name)
    DIR/cluster/workloads.yaml    Deployments, StatefulSets, DaemonSets (with pod templates)
    DIR/cluster/pods.yaml         the concrete Pods, exactly --pods of them, status.phase Running,
                                  unique status.podIP in 10.0.0.0/8 (per-node /24s from 10.16.0.0)
    DIR/cluster/services.yaml     Services (targetPort by name or by number)
    DIR/policies/policies.yaml    NetworkPolicies (networking.k8s.io/v1), exactly --policies of them
    DIR/policies-mutated/policies.yaml   with --mutate N: the same policies with N semantic edits
    DIR/policies-heavy/policies.yaml     with --heavy N: another N edits of the same policies (drawn
                                  after --mutate's, so adding --heavy changes no other file)
    DIR/admin/admin.yaml          with --admin N: N admin network policies of the three kinds
                                  (policy.networking.k8s.io): per-tenant isolation (AdminNetworkPolicy:
                                  same team passes to NetworkPolicies, monitoring scrapes, others denied),
                                  a kube-system allow-list (ClusterNetworkPolicy, tier Admin: DNS from
                                  everyone, the rest of kube-system closed), per-environment baselines
                                  (ClusterNetworkPolicy, tier Baseline) and the singleton baseline default
                                  deny (BaselineAdminNetworkPolicy `default`: DNS allowed, the rest denied).
                                  Drawn from their own random stream: adding --admin changes no other file.

Pod ownership: Deployment pods are owned (ownerReferences, controller: true) by the
ReplicaSet `<deploy>-<hash>` and carry `pod-template-hash: <hash>` (the ReplicaSet
objects themselves are not written); StatefulSet pods are `<sts>-0..` owned by the
StatefulSet; DaemonSet pods (one per node) are owned by the DaemonSet. A few bare pods
(`kubectl run` style, label `run: <name>`) have no ownerReferences and are marked with
the annotation `gen-cluster/bare-pod: "true"`.

Namespaces: `kube-system` (coredns, labels k8s-app=kube-dns, ports dns 53/UDP and
dns-tcp 53/TCP) is always present; `monitoring` (prometheus, node-exporter) is added when
there are at least 22 pods; --namespaces counts the other, application namespaces.

Mutations (--mutate N): every edit touches a different policy (or adds a new one), so
exactly N policy documents differ between policies/ and policies-mutated/ (matched by
namespace/name). Edit kinds: change-port, add-peer, remove-peer, widen-selector,
delete-rule, add-policy. A summary is printed to stderr.

The same arguments always produce byte-identical files.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import math
import random
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

# --------------------------------------------------------------------------------------
# A small, fast block-style YAML emitter (PyYAML's pure-Python dumper is far too slow for
# 100k pods). Strings that YAML could read as anything but a string are JSON-quoted,
# which is valid YAML double-quoted style.

_PLAIN = re.compile(r"(?:[A-Za-z_/][A-Za-z0-9_./-]*|\d+\.\d+\.\d+\.\d+(?:/\d+)?)\Z")
_RESERVED = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})
_scalar_cache: dict[str, str] = {}


def _scalar(v: Any) -> str:
    if isinstance(v, str):
        out = _scalar_cache.get(v)
        if out is None:
            out = v if _PLAIN.match(v) and v.lower() not in _RESERVED else json.dumps(v)
            if len(_scalar_cache) < 200_000:
                _scalar_cache[v] = out
        return out
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if v is None:
        return "null"
    raise TypeError(f"cannot emit {type(v).__name__}")


def _emit_map(obj: dict[str, Any], indent: str, out: list[str]) -> None:
    for k, v in obj.items():
        key = _scalar(k)
        if isinstance(v, dict):
            if v:
                out.append(f"{indent}{key}:\n")
                _emit_map(v, indent + "  ", out)
            else:
                out.append(f"{indent}{key}: {{}}\n")
        elif isinstance(v, list):
            if v:
                out.append(f"{indent}{key}:\n")
                _emit_seq(v, indent, out)
            else:
                out.append(f"{indent}{key}: []\n")
        else:
            out.append(f"{indent}{key}: {_scalar(v)}\n")


def _emit_seq(items: list[Any], indent: str, out: list[str]) -> None:
    for it in items:
        if isinstance(it, dict) and it:
            sub: list[str] = []
            _emit_map(it, indent + "  ", sub)
            sub[0] = indent + "- " + sub[0][len(indent) + 2 :]
            out.extend(sub)
        elif isinstance(it, list) and it:
            sub = []
            _emit_seq(it, indent + "  ", sub)
            sub[0] = indent + "- " + sub[0][len(indent) + 2 :]
            out.extend(sub)
        elif isinstance(it, dict):
            out.append(f"{indent}- {{}}\n")
        elif isinstance(it, list):
            out.append(f"{indent}- []\n")
        else:
            out.append(f"{indent}- {_scalar(it)}\n")


def to_yaml(obj: dict[str, Any], indent: str = "") -> str:
    out: list[str] = []
    _emit_map(obj, indent, out)
    return "".join(out)


class DocWriter:
    """Streams YAML documents to a file, one `---`-prefixed document at a time."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._f: IO[str] = open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20)  # noqa: SIM115
        self.count = 0

    def write(self, doc: dict[str, Any]) -> None:
        self.write_raw(to_yaml(doc))

    def write_raw(self, text: str) -> None:
        self._f.write("---\n")
        self._f.write(text)
        self.count += 1

    def close(self) -> None:
        self._f.close()


# --------------------------------------------------------------------------------------
# Randomness helpers (everything flows from one random.Random(seed)).


class Zipf:
    """Pick from items with weight 1/rank**s (first items most common)."""

    def __init__(self, items: Sequence[Any], s: float = 1.1) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(len(self.items))))

    def pick(self, rng: random.Random) -> Any:
        return rng.choices(self.items, cum_weights=self.cum)[0]


def weighted(rng: random.Random, table: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([t[0] for t in table], [t[1] for t in table])[0]


_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def k8s_suffix(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_HASH_ALPHABET) for _ in range(n))


def new_uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# --------------------------------------------------------------------------------------
# Vocabulary

TEAMS = Zipf(
    ["payments", "checkout", "search", "identity", "platform", "data", "ml", "growth", "ads", "logistics",
     "mobile", "web", "risk", "billing", "support", "analytics", "messaging", "media", "catalog", "security"],
    s=0.9,
)
ENVS = [("prod", 5.0), ("staging", 3.0), ("dev", 2.0), ("qa", 1.0)]
NS_TIERS = Zipf(["backend", "frontend", "data", "platform"], s=1.0)
ROLES = Zipf(["api", "web", "worker", "cache", "db", "queue"], s=0.9)
APP_NAMES: dict[str, Zipf] = {
    "api": Zipf(["api", "gateway", "orders", "users", "auth", "cart", "checkout", "payments", "catalog", "search",
                 "inventory", "shipping", "pricing", "billing", "profile", "notifications", "recommendations",
                 "reviews", "ads", "quotes"], s=0.8),
    "web": Zipf(["frontend", "web", "ui", "storefront", "admin", "dashboard", "docs", "landing"]),
    "worker": Zipf(["worker", "scheduler", "indexer", "consumer", "mailer", "exporter", "cron", "etl"]),
    "cache": Zipf(["redis", "memcached"], s=1.5),
    "db": Zipf(["postgres", "mysql", "mongodb", "elasticsearch", "cassandra"], s=1.3),
    "queue": Zipf(["kafka", "rabbitmq", "nats", "zookeeper"], s=1.2),
}
ROLE_TIER = {"api": "backend", "web": "frontend", "worker": "backend", "cache": "cache", "db": "data",
             "queue": "messaging"}
STATEFUL_ROLES = frozenset({"db", "queue"})
VERSIONS = Zipf(["v1", "v2", "v3", "v4", "v5", "v6"], s=1.4)
POD_TIERS = ["frontend", "backend", "batch", "cache", "data", "messaging", "monitoring"]
FIXED_PORTS: dict[str, list[tuple[str, int, str, float]]] = {
    # app: (name, port, protocol, probability)
    "redis": [("redis", 6379, "TCP", 1.0), ("metrics", 9121, "TCP", 0.6)],
    "memcached": [("memcache", 11211, "TCP", 1.0), ("metrics", 9150, "TCP", 0.5)],
    "postgres": [("postgres", 5432, "TCP", 1.0), ("metrics", 9187, "TCP", 0.5)],
    "mysql": [("mysql", 3306, "TCP", 1.0), ("metrics", 9104, "TCP", 0.5)],
    "mongodb": [("mongodb", 27017, "TCP", 1.0), ("metrics", 9216, "TCP", 0.4)],
    "elasticsearch": [("http", 9200, "TCP", 1.0), ("transport", 9300, "TCP", 1.0)],
    "cassandra": [("cql", 9042, "TCP", 1.0), ("gossip", 7000, "TCP", 1.0)],
    "kafka": [("kafka", 9092, "TCP", 1.0), ("metrics", 9308, "TCP", 0.6)],
    "rabbitmq": [("amqp", 5672, "TCP", 1.0), ("management", 15672, "TCP", 0.8)],
    "nats": [("client", 4222, "TCP", 1.0), ("cluster", 6222, "TCP", 1.0), ("monitor", 8222, "TCP", 0.7)],
    "zookeeper": [("client", 2181, "TCP", 1.0), ("peer", 2888, "TCP", 1.0), ("leader-election", 3888, "TCP", 1.0)],
}
IMAGES = {"redis": "redis:7.2", "memcached": "memcached:1.6", "postgres": "postgres:16.2", "mysql": "mysql:8.0",
          "mongodb": "mongo:7.0", "elasticsearch": "elasticsearch:8.12.2", "cassandra": "cassandra:4.1",
          "kafka": "bitnami/kafka:3.6", "rabbitmq": "rabbitmq:3.13-management", "nats": "nats:2.10",
          "zookeeper": "zookeeper:3.9"}

PRIVATE_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
NAME_SUFFIXES = ["internal", "public", "admin", "v2", "grpc", "batch", "edge", "sync", "events", "legacy"]
BARE_POD_NAMES = ["debug", "netshoot", "toolbox", "curl", "psql-client"]

PodPort = tuple[str, int, str]  # name, number, protocol


@dataclass
class Namespace:
    name: str
    labels: dict[str, str]
    team: str
    budget: int = 0
    workloads: list[Workload] = field(default_factory=list)


@dataclass
class Workload:
    ns: str
    name: str
    kind: str  # Deployment | StatefulSet | DaemonSet | Pod (bare pods)
    replicas: int
    labels: dict[str, str]
    selector: dict[str, str]
    containers: list[dict[str, Any]]
    ports: list[PodPort]
    role: str
    uid: str
    revision: str  # pod-template-hash / controller-revision-hash


def ports_for(rng: random.Random, role: str, app: str) -> list[PodPort]:
    ports: list[PodPort] = []
    if app in FIXED_PORTS:
        ports = [(n, p, proto) for n, p, proto, prob in FIXED_PORTS[app] if prob >= 1.0 or rng.random() < prob]
    elif role == "web":
        ports.append(("http", rng.choice([8080, 8080, 80, 3000]), "TCP"))
        if rng.random() < 0.5:
            ports.append(("metrics", 9113, "TCP"))
    elif role == "api":
        ports.append(("http", rng.choice([8080, 8080, 8000, 5000]), "TCP"))
        if rng.random() < 0.45:
            ports.append(("grpc", rng.choice([9090, 50051]), "TCP"))
        if rng.random() < 0.7:
            ports.append(("metrics", rng.choice([9100, 9102, 8081]), "TCP"))
        if rng.random() < 0.05:
            ports.append(("syslog", 514, "UDP"))
    else:  # worker
        if rng.random() < 0.8:
            ports.append(("metrics", rng.choice([9100, 9102, 8080]), "TCP"))
        if rng.random() < 0.25:
            ports.append(("statsd", 8125, "UDP"))
        if rng.random() < 0.1:
            ports.append(("grpc", 9090, "TCP"))
    seen_num: set[tuple[int, str]] = set()
    seen_name: set[str] = set()
    out: list[PodPort] = []
    for n, p, proto in ports:
        if (p, proto) in seen_num or n in seen_name:
            continue
        seen_num.add((p, proto))
        seen_name.add(n)
        out.append((n, p, proto))
    return out


def container_ports(ports: Iterable[PodPort]) -> list[dict[str, Any]]:
    return [{"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports]


def draw_replicas(rng: random.Random, role: str) -> int:
    if role in STATEFUL_ROLES:
        return int(weighted(rng, [(1, 4.0), (2, 1.0), (3, 3.0), (5, 1.0)]))
    u = rng.random()
    if u < 0.42:
        return 1
    if u < 0.68:
        return 2
    if u < 0.82:
        return 3
    if u < 0.95:
        return rng.randint(4, 10)
    return min(400, int(10 * rng.paretovariate(1.1)))


# --------------------------------------------------------------------------------------
# Cluster planning


@dataclass
class Cluster:
    namespaces: list[Namespace]
    workloads: list[Workload]
    nodes: int
    by_ns: dict[str, Namespace]
    teams: list[str]


def make_workload(
    rng: random.Random, ns: Namespace, name: str, kind: str, replicas: int, role: str, app: str,
    labels: dict[str, str], ports: list[PodPort], image: str,
) -> Workload:
    containers: list[dict[str, Any]] = [{"name": app if len(app) <= 63 else "app", "image": image}]
    if ports:
        containers[0]["ports"] = container_ports(ports)
    all_ports = list(ports)
    if kind != "DaemonSet" and role in ("api", "web") and rng.random() < 0.12:
        sidecar = [("envoy-admin", 15000, "TCP"), ("http-envoy-prom", 15090, "TCP")]
        sidecar = [p for p in sidecar if p[0] not in {q[0] for q in ports} and p[1] not in {q[1] for q in ports}]
        containers.append({"name": "envoy", "image": "envoyproxy/envoy:v1.29.1", "ports": container_ports(sidecar)})
        all_ports += sidecar
    selector: dict[str, str] = {k: labels[k] for k in ("app", "k8s-app") if k in labels} or dict(labels)
    return Workload(ns.name, name, kind, replicas, labels, selector, containers, all_ports, role, new_uid(rng),
                    k8s_suffix(rng, 10))


def unique(used: dict[str, int], base: str) -> str:
    n = used.get(base, 0) + 1
    used[base] = n
    if n == 1:
        return base
    candidate = f"{base}-{n}"
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    used[base] = n
    used[candidate] = 1
    return candidate


def plan_cluster(rng: random.Random, n_pods: int, n_namespaces: int) -> Cluster:
    # --- namespaces
    ns_used: dict[str, int] = {"kube-system": 1, "monitoring": 1, "default": 1}
    app_namespaces: list[Namespace] = []
    for _ in range(n_namespaces):
        team = TEAMS.pick(rng)
        env = weighted(rng, ENVS)
        name = unique(ns_used, f"{team}-{env}")
        labels = {"kubernetes.io/metadata.name": name, "team": team}
        if rng.random() < 0.9:
            labels["env"] = env
        labels["tier"] = NS_TIERS.pick(rng)
        if rng.random() < 0.3:
            labels["istio-injection"] = "enabled"
        app_namespaces.append(Namespace(name, labels, team))

    kube_system = Namespace("kube-system", {"kubernetes.io/metadata.name": "kube-system"}, "platform")
    namespaces = [kube_system]
    coredns_replicas = min(2, n_pods)
    rest = n_pods - coredns_replicas
    monitoring: Namespace | None = None
    prometheus_replicas = 0
    if rest >= 20:
        monitoring = Namespace("monitoring", {"kubernetes.io/metadata.name": "monitoring", "team": "platform",
                                              "env": "prod", "tier": "platform"}, "platform")
        namespaces.append(monitoring)
        prometheus_replicas = 1 if rest < 1000 else 2
        rest -= prometheus_replicas
    nodes = max(1, math.ceil(n_pods / 60))
    daemonsets: list[tuple[Namespace, str]] = []
    if monitoring is not None and nodes <= rest * 0.1:
        daemonsets.append((monitoring, "node-exporter"))
        rest -= nodes
        if nodes <= rest * 0.1:
            daemonsets.append((kube_system, "fluent-bit"))
            rest -= nodes
    n_bare = 0 if rest < 10 or not app_namespaces else max(1, rest // 400)
    rest -= n_bare
    namespaces.extend(app_namespaces)

    # --- system workloads
    workloads: list[Workload] = []
    if coredns_replicas:
        coredns = make_workload(
            rng, kube_system, "coredns", "Deployment", coredns_replicas, "dns", "coredns",
            {"k8s-app": "kube-dns"},
            [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")],
            "registry.k8s.io/coredns/coredns:v1.11.1",
        )
        coredns.containers[0]["name"] = "coredns"
        kube_system.workloads.append(coredns)
    if monitoring is not None:
        monitoring.workloads.append(make_workload(
            rng, monitoring, "prometheus", "StatefulSet", prometheus_replicas, "monitoring", "prometheus",
            {"app": "prometheus", "app.kubernetes.io/name": "prometheus", "tier": "monitoring", "team": "platform"},
            [("http", 9090, "TCP")], "prom/prometheus:v2.50.1",
        ))
    for ns, ds in daemonsets:
        if ds == "node-exporter":
            w = make_workload(rng, ns, ds, "DaemonSet", nodes, "monitoring", ds,
                              {"app": ds, "app.kubernetes.io/name": ds, "tier": "monitoring", "team": "platform"},
                              [("metrics", 9100, "TCP")], "prom/node-exporter:v1.7.0")
        else:
            w = make_workload(rng, ns, ds, "DaemonSet", nodes, "logging", ds, {"k8s-app": ds},
                              [("http", 2020, "TCP")], "fluent/fluent-bit:2.2")
        ns.workloads.append(w)

    # --- application pods: Zipf-skewed namespace sizes, skewed replica counts
    if app_namespaces:
        weights = [1.0 / (i + 1) ** 0.9 for i in range(len(app_namespaces))]
        rng.shuffle(weights)
        total_w = sum(weights)
        budgets = [int(rest * w / total_w) for w in weights]
        for i in range(rest - sum(budgets)):
            budgets[i % len(budgets)] += 1
        for ns, budget in zip(app_namespaces, budgets, strict=True):
            ns.budget = budget
            used: dict[str, int] = {}
            while budget > 0:
                role = ROLES.pick(rng)
                app = APP_NAMES[role].pick(rng)
                name = app
                for _ in range(3):  # a second redis in a namespace is "cart-redis", not "redis-2"
                    if name not in used:
                        break
                    name = (f"{APP_NAMES['api'].pick(rng)}-{app}" if role != "api"
                            else f"{app}-{rng.choice(NAME_SUFFIXES)}")
                name = unique(used, name)
                replicas = min(draw_replicas(rng, role), budget)
                budget -= replicas
                kind = "StatefulSet" if role in STATEFUL_ROLES or (role == "cache" and rng.random() < 0.5) \
                    else "Deployment"
                team = ns.team if rng.random() < 0.9 else TEAMS.pick(rng)
                tier = ROLE_TIER[role] if not (role == "worker" and rng.random() < 0.3) else "batch"
                labels = {"app": name, "app.kubernetes.io/name": app, "tier": tier, "team": team,
                          "version": VERSIONS.pick(rng)}
                if rng.random() < 0.04:
                    labels["canary"] = "true"
                if rng.random() < 0.2:
                    labels["app.kubernetes.io/part-of"] = f"{ns.team}-platform"
                ports = ports_for(rng, role, app)
                image = IMAGES.get(app, f"registry.example.com/{ns.team}/{app}:{labels['version']}.{rng.randint(0, 9)}")
                ns.workloads.append(make_workload(rng, ns, name, kind, replicas, role, app, labels, ports, image))
        for _ in range(n_bare):
            ns = app_namespaces[rng.randrange(len(app_namespaces))]
            name = f"{rng.choice(BARE_POD_NAMES)}-{k8s_suffix(rng, 5)}"
            ports = [("http", 8080, "TCP")] if rng.random() < 0.3 else []
            w = make_workload(rng, ns, name, "Pod", 1, "debug", "shell", {"run": name}, ports, "nicolaka/netshoot")
            ns.workloads.append(w)

    namespaces.sort(key=lambda n: n.name)
    for ns in namespaces:
        workloads.extend(ns.workloads)
    teams = sorted({ns.team for ns in app_namespaces}) or ["platform"]
    return Cluster(namespaces, workloads, nodes, {ns.name: ns for ns in namespaces}, teams)


# --------------------------------------------------------------------------------------
# Cluster output


def workload_doc(w: Workload) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": w.name, "namespace": w.ns, "uid": w.uid,
                            "labels": {k: w.labels[k] for k in ("app", "k8s-app", "team") if k in w.labels}}
    spec: dict[str, Any] = {}
    if w.kind != "DaemonSet":
        spec["replicas"] = w.replicas
    if w.kind == "StatefulSet":
        spec["serviceName"] = f"{w.name}-headless"
    spec["selector"] = {"matchLabels": w.selector}
    spec["template"] = {"metadata": {"labels": w.labels}, "spec": {"containers": w.containers}}
    return {"apiVersion": "apps/v1", "kind": w.kind, "metadata": meta, "spec": spec}


class IPAllocator:
    """Node i owns 10.(16 + i // 256).(i % 256).0/24 and hands out .2 .. .254 in order."""

    CAPACITY = 253

    def __init__(self, nodes: int) -> None:
        if nodes > 256 * 200:
            raise SystemExit("too many nodes for the 10.16.0.0/8 pod address plan")
        self.nodes = nodes
        self.used = [0] * nodes

    def node_name(self, i: int) -> str:
        return f"node-{i:04d}"

    def allocate(self, node: int) -> tuple[int, str]:
        for _ in range(self.nodes):
            if self.used[node] < self.CAPACITY:
                break
            node = (node + 1) % self.nodes
        else:
            raise SystemExit("pod address space exhausted")
        self.used[node] += 1
        host = self.used[node] + 1
        return node, f"10.{16 + node // 256}.{node % 256}.{host}"


def write_pods(rng: random.Random, cluster: Cluster, path: Path) -> int:
    out = DocWriter(path)
    ips = IPAllocator(cluster.nodes)
    for w in cluster.workloads:
        spec_text = to_yaml({"containers": w.containers}, "  ")
        if w.kind == "Deployment":
            rs = f"{w.name}-{w.revision}"
            owner: dict[str, Any] | None = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs,
                                            "uid": new_uid(rng), "controller": True, "blockOwnerDeletion": True}
        elif w.kind in ("StatefulSet", "DaemonSet"):
            owner = {"apiVersion": "apps/v1", "kind": w.kind, "name": w.name, "uid": w.uid,
                     "controller": True, "blockOwnerDeletion": True}
        else:
            owner = None
        for i in range(w.replicas):
            labels = dict(w.labels)
            annotations: dict[str, str] = {}
            if w.kind == "Deployment":
                name = f"{w.name}-{w.revision}-{k8s_suffix(rng, 5)}"
                labels["pod-template-hash"] = w.revision
            elif w.kind == "StatefulSet":
                name = f"{w.name}-{i}"
                labels["apps.kubernetes.io/pod-index"] = str(i)
                labels["controller-revision-hash"] = f"{w.name}-{w.revision}"
                labels["statefulset.kubernetes.io/pod-name"] = name
            elif w.kind == "DaemonSet":
                name = f"{w.name}-{k8s_suffix(rng, 5)}"
                labels["controller-revision-hash"] = w.revision
                labels["pod-template-generation"] = "1"
            else:
                name = w.name
                annotations["gen-cluster/bare-pod"] = "true"
            meta: dict[str, Any] = {"name": name, "namespace": w.ns, "uid": new_uid(rng), "labels": labels}
            if annotations:
                meta["annotations"] = annotations
            if owner is not None:
                meta["ownerReferences"] = [owner]
            node, ip = ips.allocate(i if w.kind == "DaemonSet" else rng.randrange(cluster.nodes))
            out.write_raw(
                "apiVersion: v1\nkind: Pod\nmetadata:\n" + to_yaml(meta, "  ")
                + f"spec:\n  nodeName: {ips.node_name(node)}\n" + spec_text
                + f"status:\n  phase: Running\n  podIP: {ip}\n  podIPs:\n  - ip: {ip}\n"
            )
    out.close()
    return out.count


def write_services(rng: random.Random, cluster: Cluster, path: Path) -> int:
    out = DocWriter(path)
    next_ip = [int.from_bytes(bytes([10, 96, 0, 11]), "big")]

    def cluster_ip() -> str:
        v = next_ip[0]
        next_ip[0] += 1
        return ".".join(str(b) for b in v.to_bytes(4, "big"))

    def service(ns: str, name: str, selector: dict[str, str], ports: list[dict[str, Any]], ip: str,
                svc_type: str = "ClusterIP") -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
                "spec": {"type": svc_type, "clusterIP": ip, "selector": selector, "ports": ports}}

    for w in cluster.workloads:
        if w.kind in ("Pod", "DaemonSet") and w.name != "node-exporter":
            continue
        if w.name == "coredns" and w.ns == "kube-system":
            out.write(service("kube-system", "kube-dns", {"k8s-app": "kube-dns"}, [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": "dns"},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": "dns-tcp"},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
            ], "10.96.0.10"))
            continue
        if not w.ports:
            continue
        if w.kind == "StatefulSet":
            out.write(service(w.ns, f"{w.name}-headless", dict(w.selector), [
                {"name": n, "port": p, "protocol": proto, "targetPort": p} for n, p, proto in w.ports
            ], "None"))
        if w.kind != "StatefulSet" and rng.random() > 0.8:
            continue
        selector = dict(w.selector)
        if "tier" in w.labels and rng.random() < 0.15:
            selector["tier"] = w.labels["tier"]
        ports: list[dict[str, Any]] = []
        svc_type = "NodePort" if rng.random() < 0.04 else "ClusterIP"
        for n, p, proto in w.ports[:3]:
            svc_port = 80 if n == "http" else p
            if any(q["port"] == svc_port and q["protocol"] == proto for q in ports):
                svc_port = p
            entry: dict[str, Any] = {"name": n, "port": svc_port, "protocol": proto,
                                     "targetPort": n if rng.random() < 0.5 else p}
            if svc_type == "NodePort":
                entry["nodePort"] = rng.randint(30000, 32767)
            ports.append(entry)
        out.write(service(w.ns, w.name, selector, ports, cluster_ip(), svc_type))
    out.close()
    return out.count


# --------------------------------------------------------------------------------------
# Selector matching (used to make sure app-level policies select the pods they target)


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for k, v in selector.get("matchLabels", {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions", []):
        key, op = expr["key"], expr["operator"]
        if op == "In" and labels.get(key) not in expr["values"]:
            return False
        if op == "NotIn" and key in labels and labels[key] in expr["values"]:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


# --------------------------------------------------------------------------------------
# NetworkPolicies

DNS_PEER = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
DNS_PORTS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]


class PolicyGen:
    def __init__(self, rng: random.Random, cluster: Cluster) -> None:
        self.rng = rng
        self.cluster = cluster
        self.names: dict[str, dict[str, int]] = {}
        self.app_ns = [ns for ns in cluster.namespaces if ns.name not in ("kube-system", "monitoring")]
        self.targets: list[Workload] = [w for w in cluster.workloads
                                        if w.kind != "Pod" and w.ns not in ("kube-system",)]
        self.ns_cum = list(itertools.accumulate(len(ns.workloads) + 1 for ns in self.app_ns))
        self.has_monitoring = "monitoring" in cluster.by_ns

    # ---- helpers
    def policy(self, ns: str, base: str, spec: dict[str, Any]) -> dict[str, Any]:
        name = unique(self.names.setdefault(ns, {}), base)
        meta: dict[str, Any] = {"name": name, "namespace": ns}
        if self.rng.random() < 0.25:
            meta["labels"] = {"app.kubernetes.io/managed-by": weighted(self.rng, [("helm", 3), ("argocd", 1)])}
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta, "spec": spec}

    def other_in_ns(self, w: Workload) -> Workload | None:
        cands = [o for o in self.cluster.by_ns[w.ns].workloads if o is not w and o.kind != "Pod"]
        return self.rng.choice(cands) if cands else None

    def remote(self, w: Workload) -> Workload | None:
        for _ in range(8):
            o = self.rng.choice(self.targets)
            if o.ns != w.ns:
                return o
        return None

    def target_selector(self, w: Workload) -> dict[str, Any]:
        rng, lab = self.rng, w.labels
        if "app" not in lab:
            return {"matchLabels": dict(w.selector)}
        choice = weighted(rng, [("app", 55), ("app-tier", 15), ("version-in", 10), ("tier-expr", 8),
                                ("notin", 7), ("team", 5)])
        sel: dict[str, Any]
        if choice == "app-tier" and "tier" in lab:
            sel = {"matchLabels": {"app": lab["app"], "tier": lab["tier"]}}
        elif choice == "version-in" and "version" in lab:
            versions = sorted({lab["version"], VERSIONS.pick(rng)})
            sel = {"matchLabels": {"app": lab["app"]},
                   "matchExpressions": [{"key": "version", "operator": "In", "values": versions}]}
        elif choice == "tier-expr" and "tier" in lab:
            sel = {"matchExpressions": [{"key": "tier", "operator": "In", "values": [lab["tier"]]},
                                        {"key": "canary", "operator": "DoesNotExist"}]}
        elif choice == "notin" and "tier" in lab:
            other = rng.choice([t for t in POD_TIERS if t != lab["tier"]])
            sel = {"matchExpressions": [{"key": "app", "operator": "Exists"},
                                        {"key": "tier", "operator": "NotIn", "values": [other]}]}
        elif choice == "team" and "team" in lab:
            sel = {"matchLabels": {"team": lab["team"]}}
        else:
            sel = {"matchLabels": {"app": lab["app"]}}
        return sel if matches(sel, lab) else {"matchLabels": {"app": lab["app"]}}

    def pod_peer_selector(self, s: Workload) -> dict[str, Any]:
        rng, lab = self.rng, s.labels
        if "app" not in lab:
            return {"matchLabels": dict(s.selector)}
        choice = weighted(rng, [("app", 70), ("app-tier", 10), ("in", 8), ("expr", 6), ("canary", 6)])
        if choice == "app-tier":
            return {"matchLabels": {"app": lab["app"], "tier": lab["tier"]}}
        if choice == "in":
            other = APP_NAMES[rng.choice(list(APP_NAMES))].pick(rng)
            return {"matchExpressions": [{"key": "app", "operator": "In", "values": sorted({lab["app"], other})}]}
        if choice == "expr":
            return {"matchExpressions": [{"key": "tier", "operator": "In", "values": [lab["tier"]]},
                                         {"key": "version", "operator": "NotIn", "values": ["v0"]}]}
        if choice == "canary":
            return {"matchLabels": {"app": lab["app"]},
                    "matchExpressions": [{"key": "canary", "operator": "DoesNotExist"}]}
        return {"matchLabels": {"app": lab["app"]}}

    def ns_selector(self) -> dict[str, Any]:
        rng = self.rng
        names = [ns.name for ns in self.app_ns] or ["default"]
        choice = weighted(rng, [("name", 30), ("team", 20), ("env", 10), ("env-in", 10), ("env-notin", 8),
                                ("team-exists", 5), ("istio-dne", 5), ("names-in", 7), ("all", 5)])
        if choice == "name":
            return {"matchLabels": {"kubernetes.io/metadata.name": rng.choice(names)}}
        if choice == "team":
            return {"matchLabels": {"team": rng.choice(self.cluster.teams)}}
        if choice == "env":
            return {"matchLabels": {"env": "prod"}}
        if choice == "env-in":
            return {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "staging"]}]}
        if choice == "env-notin":
            return {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]}
        if choice == "team-exists":
            return {"matchExpressions": [{"key": "team", "operator": "Exists"}]}
        if choice == "istio-dne":
            return {"matchExpressions": [{"key": "istio-injection", "operator": "DoesNotExist"}]}
        if choice == "names-in":
            picked = sorted({rng.choice(names) for _ in range(rng.randint(1, 3))})
            return {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": picked}]}
        return {}

    def port_entry(self, p: PodPort, style: str) -> dict[str, Any]:
        name, num, proto = p
        entry: dict[str, Any] = {}
        if proto != "TCP" or self.rng.random() < 0.6:
            entry["protocol"] = proto
        if style == "named":
            entry["port"] = name
        elif style == "range":
            lo = max(1, num - self.rng.choice([0, 0, 10, 100]))
            entry["port"] = lo
            entry["endPort"] = min(65535, max(lo + 1, num + self.rng.choice([5, 10, 100, 1000])))
        else:
            entry["port"] = num
        return entry

    def ports_for_rule(self, dest: Workload | None) -> list[dict[str, Any]] | None:
        rng = self.rng
        if dest is None or not dest.ports:
            return [{"protocol": "TCP", "port": rng.choice([80, 443, 8080])}] if rng.random() < 0.7 else None
        style = weighted(rng, [("numeric", 45), ("named", 30), ("range", 10), ("multi", 10), ("none", 5)])
        if style == "none":
            return None
        if style == "multi":
            return [self.port_entry(p, rng.choice(["numeric", "named"])) for p in dest.ports]
        p = dest.ports[0] if rng.random() < 0.6 else rng.choice(dest.ports)
        return [self.port_entry(p, style)]

    @staticmethod
    def rule(peer_key: str, peers: list[dict[str, Any]] | None, ports: list[dict[str, Any]] | None) -> dict[str, Any]:
        r: dict[str, Any] = {}
        if peers is not None:
            r[peer_key] = peers
        if ports:
            r["ports"] = ports
        return r

    def with_types(self, spec: dict[str, Any], types: list[str], p_explicit: float = 0.5) -> dict[str, Any]:
        # Absent policyTypes means Ingress (+ Egress if egress rules exist); keep it absent only
        # when that is what `types` says, so the default is exercised without changing meaning
        # (except for a few deliberately egress-only-without-types policies, a classic pitfall).
        implied = ["Ingress"] + (["Egress"] if "egress" in spec else [])
        if types != implied or self.rng.random() < p_explicit:
            spec["policyTypes"] = types
        return spec

    # ---- namespace baselines
    def baseline(self, ns: Namespace) -> list[dict[str, Any]]:
        rng, out = self.rng, []
        deny = weighted(rng, [("ingress", 55), ("all", 15), ("none", 30)])
        if deny == "all":
            out.append(self.policy(ns.name, "default-deny-all",
                                   {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}))
        elif deny == "ingress":
            spec: dict[str, Any] = {"podSelector": {}}
            out.append(self.policy(ns.name, "default-deny-ingress", self.with_types(spec, ["Ingress"])))
        egress_denied = deny == "all"
        if deny != "all" and rng.random() < 0.35:
            out.append(self.policy(ns.name, "default-deny-egress", {"podSelector": {}, "policyTypes": ["Egress"]}))
            egress_denied = True
        if egress_denied and rng.random() < 0.9:
            out.append(self.policy(ns.name, "allow-dns", {
                "podSelector": {}, "policyTypes": ["Egress"],
                "egress": [{"to": [copy.deepcopy(DNS_PEER)], "ports": copy.deepcopy(DNS_PORTS)}]}))
        if rng.random() < 0.3:
            out.append(self.policy(ns.name, "allow-same-namespace", self.with_types(
                {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}, ["Ingress"])))
        if self.has_monitoring and rng.random() < 0.3:
            out.append(self.policy(ns.name, "allow-prometheus-scrape", self.with_types({
                "podSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name":
                                                                             "monitoring"}},
                                       "podSelector": {"matchLabels": {"app": "prometheus"}}}],
                             "ports": [{"protocol": "TCP", "port": "metrics"}]}]}, ["Ingress"])))
        return out

    def kube_system(self) -> dict[str, Any]:
        return self.policy("kube-system", "allow-dns-from-cluster", {
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"namespaceSelector": {}}],
                         "ports": [{"protocol": "UDP", "port": "dns"}, {"protocol": "TCP", "port": "dns-tcp"},
                                   {"protocol": "TCP", "port": 9153}]}]})

    # ---- app-level policies
    def pick_target(self) -> Workload | None:
        if not self.targets:
            return None
        if self.app_ns and self.rng.random() < 0.85:
            ns = self.rng.choices(self.app_ns, cum_weights=self.ns_cum)[0]
            cands = [w for w in ns.workloads if w.kind != "Pod"]
            if cands:
                return self.rng.choice(cands)
        return self.rng.choice(self.targets)

    def app_policy(self) -> dict[str, Any]:
        rng = self.rng
        w = self.pick_target()
        if w is None:
            ns = rng.choice(self.app_ns) if self.app_ns else self.cluster.namespaces[0]
            return self.policy(ns.name, "default-deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]})
        kind = weighted(rng, [
            ("from-app", 22), ("from-namespaces", 14), ("from-ns-app", 14), ("to-app", 12), ("to-remote", 8),
            ("internet", 6), ("ipblock", 5), ("metrics", 6), ("dns", 5), ("combo", 6), ("ports-only", 3),
            ("nodeport", 2), ("stale", 4), ("allow-all", 1),
        ])
        sel = self.target_selector(w)
        app = w.labels.get("app", w.name)
        if kind == "from-app":
            s = self.other_in_ns(w)
            peers = [{"podSelector": self.pod_peer_selector(s)}] if s else [{"podSelector": {}}]
            if rng.random() < 0.3:
                s2 = self.other_in_ns(w)
                if s2 is not None and s2 is not s:
                    peers.append({"podSelector": self.pod_peer_selector(s2)})
            spec = {"podSelector": sel, "ingress": [self.rule("from", peers, self.ports_for_rule(w))]}
            src = s.labels.get("app", s.name) if s else "namespace"
            return self.policy(w.ns, f"allow-{src}-to-{app}", self.with_types(spec, ["Ingress"]))
        if kind == "from-namespaces":
            peers = [{"namespaceSelector": self.ns_selector()}]
            if rng.random() < 0.2:
                peers.append({"namespaceSelector": self.ns_selector()})
            spec = {"podSelector": sel, "ingress": [self.rule("from", peers, self.ports_for_rule(w))]}
            return self.policy(w.ns, f"allow-namespaces-to-{app}", self.with_types(spec, ["Ingress"]))
        if kind == "from-ns-app":
            s = self.remote(w) or w
            ns_sel = ({"matchLabels": {"kubernetes.io/metadata.name": s.ns}} if rng.random() < 0.7
                      else {"matchLabels": {"team": self.cluster.by_ns[s.ns].team}})
            peers = [{"namespaceSelector": ns_sel, "podSelector": self.pod_peer_selector(s)}]
            spec = {"podSelector": sel, "ingress": [self.rule("from", peers, self.ports_for_rule(w))]}
            return self.policy(w.ns, f"allow-{s.ns}-{s.labels.get('app', s.name)}-to-{app}",
                               self.with_types(spec, ["Ingress"]))
        if kind in ("to-app", "to-remote"):
            d = self.other_in_ns(w) if kind == "to-app" else self.remote(w)
            if d is None:
                d = w
            peer: dict[str, Any] = {"podSelector": self.pod_peer_selector(d)}
            if kind == "to-remote":
                peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": d.ns}}, **peer}
            egress = [self.rule("to", [peer], self.ports_for_rule(d))]
            if rng.random() < 0.4:
                egress.append({"to": [copy.deepcopy(DNS_PEER)], "ports": copy.deepcopy(DNS_PORTS)})
            spec = {"podSelector": sel, "egress": egress}
            types = ["Egress"] if rng.random() < 0.85 else ["Ingress", "Egress"]
            return self.policy(w.ns, f"allow-{app}-to-{d.labels.get('app', d.name)}", self.with_types(spec, types))
        if kind == "internet":
            peers = [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_V4)}}]
            if rng.random() < 0.3:
                peers.append({"ipBlock": {"cidr": "::/0", "except": ["fc00::/7", "fe80::/10"]}})
            ports = [{"protocol": "TCP", "port": 443}] + ([{"protocol": "TCP", "port": 80}] if rng.random() < 0.4
                                                          else [])
            spec = {"podSelector": sel, "egress": [{"to": peers, "ports": ports}]}
            return self.policy(w.ns, f"allow-{app}-internet-egress", self.with_types(spec, ["Egress"], 0.9))
        if kind == "ipblock":
            node = rng.randrange(self.cluster.nodes)
            block = weighted(rng, [
                ({"cidr": "203.0.113.0/24"}, 3),
                ({"cidr": f"10.{16 + node // 256}.{node % 256}.0/24",
                  "except": [f"10.{16 + node // 256}.{node % 256}.{rng.choice([0, 64, 128])}/26"]}, 3),
                ({"cidr": "10.0.0.0/8", "except": ["10.96.0.0/12", f"10.{16 + node // 256}.0.0/16"]}, 2),
                ({"cidr": f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}/24"}, 1),  # host bits set
                ({"cidr": "2001:db8::/32", "except": ["2001:db8:ff::/48"]}, 2),
                ({"cidr": "fd00:10::/32"}, 1),
            ])
            spec = {"podSelector": sel,
                    "ingress": [self.rule("from", [{"ipBlock": copy.deepcopy(block)}], self.ports_for_rule(w))]}
            return self.policy(w.ns, f"allow-cidr-to-{app}", self.with_types(spec, ["Ingress"]))
        if kind == "metrics" and self.has_monitoring and any(p[0] == "metrics" for p in w.ports):
            peers = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                      "podSelector": {"matchLabels": {"app": "prometheus"}}}]
            spec = {"podSelector": sel, "ingress": [{"from": peers, "ports": [{"port": "metrics"}]}]}
            return self.policy(w.ns, f"allow-metrics-{app}", self.with_types(spec, ["Ingress"]))
        if kind in ("dns", "metrics"):
            style = weighted(rng, [("and", 6), ("ns-only", 2), ("named", 2)])
            if style == "and":
                rule_ = {"to": [copy.deepcopy(DNS_PEER)], "ports": copy.deepcopy(DNS_PORTS)}
            elif style == "ns-only":
                rule_ = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                         "ports": [{"protocol": "UDP", "port": 53}]}
            else:
                rule_ = {"to": [copy.deepcopy(DNS_PEER)], "ports": [{"protocol": "UDP", "port": "dns"},
                                                                    {"protocol": "TCP", "port": "dns-tcp"}]}
            return self.policy(w.ns, f"allow-{app}-dns", {"podSelector": sel, "policyTypes": ["Egress"],
                                                           "egress": [rule_]})
        if kind == "combo":
            s, d = self.other_in_ns(w), self.other_in_ns(w)
            ingress = [self.rule("from", [{"podSelector": self.pod_peer_selector(s)} if s else {"podSelector": {}},
                                          {"namespaceSelector": self.ns_selector(),
                                           "podSelector": {"matchLabels": {"app": app}}}],
                                 self.ports_for_rule(w))]
            if rng.random() < 0.5:
                ingress.append(self.rule("from", [{"ipBlock": {"cidr": "172.16.0.0/12", "except": ["172.16.5.0/24"]}}],
                                         self.ports_for_rule(w)))
            egress = [self.rule("to", [{"podSelector": self.pod_peer_selector(d)} if d else {"podSelector": {}}],
                                self.ports_for_rule(d)),
                      {"to": [copy.deepcopy(DNS_PEER)], "ports": copy.deepcopy(DNS_PORTS)}]
            spec = {"podSelector": sel, "policyTypes": ["Ingress", "Egress"], "ingress": ingress, "egress": egress}
            return self.policy(w.ns, f"{app}-network-policy", spec)
        if kind == "ports-only":
            spec = {"podSelector": sel, "ingress": [self.rule("from", None, self.ports_for_rule(w)
                                                              or [{"protocol": "TCP", "port": 8080}])]}
            return self.policy(w.ns, f"allow-any-to-{app}-ports", self.with_types(spec, ["Ingress"]))
        if kind == "nodeport":
            spec = {"podSelector": sel, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                                                     "ports": [{"protocol": "TCP", "port": 30000, "endPort": 32767}]}]}
            return self.policy(w.ns, f"allow-nodeports-{app}", self.with_types(spec, ["Ingress"]))
        if kind == "stale":
            legacy = f"legacy-{APP_NAMES[rng.choice(list(APP_NAMES))].pick(rng)}"
            spec = {"podSelector": {"matchLabels": {"app": legacy}},
                    "ingress": [self.rule("from", [{"podSelector": {"matchLabels": {"app": app}}}],
                                          [{"protocol": "TCP", "port": 8080}])]}
            return self.policy(w.ns, f"allow-{app}-to-{legacy}", self.with_types(spec, ["Ingress"]))
        spec = {"podSelector": sel, "ingress": [{}]}
        return self.policy(w.ns, f"allow-all-to-{app}", self.with_types(spec, ["Ingress"]))

    def generate(self, m: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        budget = int(m * 0.35)
        if m >= 5 and "kube-system" in self.cluster.by_ns and self.cluster.by_ns["kube-system"].workloads:
            out.append(self.kube_system())
        for ns in self.app_ns:
            if len(out) >= budget:
                break
            out.extend(self.baseline(ns)[: max(0, budget - len(out))])
        while len(out) < m:
            out.append(self.app_policy())
        out.sort(key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))
        return out


# --------------------------------------------------------------------------------------
# Mutations: each edit returns a description, or None when it does not apply to the policy.

Mutator = Callable[[dict[str, Any], random.Random, PolicyGen], "str | None"]


def _rules(spec: dict[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
    return [(d, i, r) for d in ("ingress", "egress") for i, r in enumerate(spec.get(d) or [])]


def _peer_key(direction: str) -> str:
    return "from" if direction == "ingress" else "to"


def mut_change_port(pol: dict[str, Any], rng: random.Random, gen: PolicyGen) -> str | None:
    entries = [(d, i, j, e) for d, i, r in _rules(pol["spec"]) for j, e in enumerate(r.get("ports") or [])]
    if not entries:
        return None
    d, i, j, e = rng.choice(entries)
    where = f"{d}[{i}].ports[{j}]"
    if "endPort" in e:
        old = e["endPort"]
        e["endPort"] = old + 1 if old < 65535 else old - 1
        if e["endPort"] < e["port"]:
            e["endPort"] = e["port"]
        return f"{where}.endPort {old} -> {e['endPort']}"
    old = e.get("port")
    if isinstance(old, int):
        e["port"] = rng.choice([p for p in (80, 443, 8080, 8443, 9090, 5432, 6379, old + 1) if p != old and p <= 65535])
    elif isinstance(old, str):
        e["port"] = rng.choice([n for n in ("http", "metrics", "grpc", "https", "admin") if n != old])
    else:
        e["port"] = 443
    return f"{where}.port {old} -> {e['port']}"


def mut_add_peer(pol: dict[str, Any], rng: random.Random, gen: PolicyGen) -> str | None:
    rules = [(d, i, r) for d, i, r in _rules(pol["spec"]) if r.get(_peer_key(d))]
    if not rules:
        return None
    d, i, r = rng.choice(rules)
    ns = gen.cluster.by_ns.get(pol["metadata"]["namespace"])
    apps = sorted({w.labels["app"] for w in ns.workloads if "app" in w.labels}) if ns else []
    candidates: list[dict[str, Any]] = [{"podSelector": {"matchLabels": {"app": a}}} for a in apps]
    candidates += [{"ipBlock": {"cidr": f"192.168.{rng.randint(0, 255)}.0/24"}},
                   {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    candidates = [c for c in candidates if c not in r[_peer_key(d)]]
    peer = rng.choice(candidates)
    r[_peer_key(d)].append(peer)
    return f"{d}[{i}].{_peer_key(d)} += {json.dumps(peer, sort_keys=True)}"


def mut_remove_peer(pol: dict[str, Any], rng: random.Random, gen: PolicyGen) -> str | None:
    rules = [(d, i, r) for d, i, r in _rules(pol["spec"]) if len(r.get(_peer_key(d)) or []) >= 2]
    if not rules:
        return None
    d, i, r = rng.choice(rules)
    peers = r[_peer_key(d)]
    gone = peers.pop(rng.randrange(len(peers)))
    return f"{d}[{i}].{_peer_key(d)} -= {json.dumps(gone, sort_keys=True)}"


def _widen(sel: dict[str, Any], rng: random.Random) -> str:
    if sel.get("matchExpressions"):
        exprs = sel["matchExpressions"]
        gone = exprs.pop(rng.randrange(len(exprs)))
        if not exprs:
            del sel["matchExpressions"]
        return f"drop expression {gone['key']} {gone['operator']}"
    labels = sel["matchLabels"]
    key = rng.choice(sorted(labels))
    del labels[key]
    if not labels:
        del sel["matchLabels"]
    return f"drop label {key}"


def mut_widen_selector(pol: dict[str, Any], rng: random.Random, gen: PolicyGen) -> str | None:
    spec = pol["spec"]
    cands: list[tuple[str, dict[str, Any]]] = []
    if spec.get("podSelector"):
        cands.append(("spec.podSelector", spec["podSelector"]))
    for d, i, r in _rules(spec):
        for j, peer in enumerate(r.get(_peer_key(d)) or []):
            for key in ("podSelector", "namespaceSelector"):
                if peer.get(key):
                    cands.append((f"{d}[{i}].{_peer_key(d)}[{j}].{key}", peer[key]))
            if peer.get("ipBlock", {}).get("except"):
                cands.append((f"{d}[{i}].{_peer_key(d)}[{j}].ipBlock", peer["ipBlock"]))
    if not cands:
        return None
    where, sel = rng.choice(cands)
    if "cidr" in sel:
        gone = sel["except"].pop(rng.randrange(len(sel["except"])))
        if not sel["except"]:
            del sel["except"]
        return f"{where}: drop except {gone}"
    return f"{where}: {_widen(sel, rng)}"


def mut_delete_rule(pol: dict[str, Any], rng: random.Random, gen: PolicyGen) -> str | None:
    spec = pol["spec"]
    rules = _rules(spec)
    if not rules:
        return None
    d, i, _ = rng.choice(rules)
    if "policyTypes" not in spec:  # keep the isolation the policy had before the edit
        spec["policyTypes"] = ["Ingress"] + (["Egress"] if "egress" in spec else [])
    del spec[d][i]
    if not spec[d]:
        del spec[d]
    return f"delete {d}[{i}]"


MUTATORS: list[tuple[str, Mutator, float]] = [
    ("change-port", mut_change_port, 3.0),
    ("add-peer", mut_add_peer, 2.0),
    ("remove-peer", mut_remove_peer, 2.0),
    ("widen-selector", mut_widen_selector, 2.0),
    ("delete-rule", mut_delete_rule, 2.0),
    ("add-policy", lambda pol, rng, gen: None, 1.0),  # handled separately
]


def mutate(policies: list[dict[str, Any]], n: int, rng: random.Random, gen: PolicyGen,
           log: IO[str]) -> list[dict[str, Any]]:
    out = list(policies)
    edited: set[int] = set()
    added: list[dict[str, Any]] = []
    names = [m[0] for m in MUTATORS]
    weights = [m[2] for m in MUTATORS]
    by_name = {m[0]: m[1] for m in MUTATORS}
    print(f"gen_cluster: {n} policy mutation(s):", file=log)
    for k in range(n):
        first = rng.choices(names, weights)[0]
        order = [first] + [x for x in names if x != first and x != "add-policy"] + ["add-policy"]
        done = False
        for kind in order:
            if kind == "add-policy":
                break
            free = len(out) - len(edited)
            if free <= 0:
                continue
            start = rng.randrange(len(out))
            tries = itertools.chain([rng.randrange(len(out)) for _ in range(48)],
                                    ((start + t) % len(out) for t in range(len(out))))
            for idx in tries:
                if idx in edited:
                    continue
                candidate = copy.deepcopy(out[idx])
                desc = by_name[kind](candidate, rng, gen)
                if desc is None or candidate == out[idx]:
                    continue
                meta = out[idx]["metadata"]
                print(f"  [{k + 1}] {kind} {meta['namespace']}/{meta['name']}: {desc}", file=log)
                out[idx] = candidate
                edited.add(idx)
                done = True
                break
            if done:
                break
        if not done:
            pol = gen.app_policy()
            pol["metadata"]["name"] = unique(gen.names.setdefault(pol["metadata"]["namespace"], {}),
                                             pol["metadata"]["name"] + "-hotfix")
            added.append(pol)
            meta = pol["metadata"]
            print(f"  [{k + 1}] add-policy {meta['namespace']}/{meta['name']}", file=log)
    return out + added


# --------------------------------------------------------------------------------------


def _ns_selector(**labels: str) -> dict[str, Any]:
    return {"matchLabels": labels} if labels else {}


def _dns_peer() -> dict[str, Any]:
    return {"pods": {"namespaceSelector": _ns_selector(**{"kubernetes.io/metadata.name": "kube-system"}),
                     "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}}


def admin_policies(rng: random.Random, cluster: Cluster, n: int) -> list[dict[str, Any]]:
    """`n` admin network policies a platform team would write (see the module doc), in a fixed order."""
    if n <= 0:
        return []
    out: list[dict[str, Any]] = [{
        "apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": "default"},
        "spec": {
            "subject": {"namespaces": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                                             "values": ["kube-system"]}]}},
            "ingress": [{"name": "default-deny-ingress", "action": "Deny", "from": [{"namespaces": {}}]}],
            "egress": [{"name": "allow-dns", "action": "Allow", "to": [_dns_peer()],
                        "ports": [{"portNumber": {"protocol": "UDP", "port": 53}},
                                  {"portNumber": {"protocol": "TCP", "port": 53}}]},
                       {"name": "default-deny-egress", "action": "Deny", "to": [{"namespaces": {}}]}],
        }}]
    if n > 1:
        out.append({
            "apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
            "metadata": {"name": "kube-system-allow-list"},
            "spec": {"tier": "Admin", "priority": 1,
                     "subject": {"namespaces": _ns_selector(**{"kubernetes.io/metadata.name": "kube-system"})},
                     "ingress": [{"name": "dns-from-everyone", "action": "Accept", "from": [{"namespaces": {}}],
                                  "protocols": [{"udp": {"destinationPort": {"number": 53}}},
                                                {"tcp": {"destinationPort": {"number": 53}}}]},
                                 {"name": "monitoring-scrapes", "action": "Accept",
                                  "from": [{"namespaces": _ns_selector(**{"kubernetes.io/metadata.name":
                                                                          "monitoring"})}]},
                                 {"name": "same-namespace", "action": "Pass",
                                  "from": [{"namespaces": _ns_selector(**{"kubernetes.io/metadata.name":
                                                                          "kube-system"})}]},
                                 {"name": "the-rest-closed", "action": "Deny", "from": [{"namespaces": {}}]}]}})
    teams = sorted({ns.team for ns in cluster.namespaces if ns.name not in ("kube-system", "monitoring")})
    envs = sorted({ns.labels["env"] for ns in cluster.namespaces if "env" in ns.labels})
    rng.shuffle(teams)
    i = 0
    while len(out) < n:
        team = teams[i % len(teams)] if teams else "platform"
        round_ = i // max(len(teams), 1)
        if i % 3 != 2 or not envs:  # two tenant isolations for every environment baseline
            out.append({
                "apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
                "metadata": {"name": f"tenant-{team}-isolation" + (f"-{round_}" if round_ else "")},
                "spec": {"priority": 10 + i, "subject": {"namespaces": _ns_selector(team=team)},
                         "ingress": [{"name": "same-tenant", "action": "Pass",
                                      "from": [{"namespaces": _ns_selector(team=team)}]},
                                     {"name": "monitoring-scrapes", "action": "Allow",
                                      "from": [{"pods": {"namespaceSelector": _ns_selector(
                                          **{"kubernetes.io/metadata.name": "monitoring"}),
                                          "podSelector": {"matchLabels": {"app": "prometheus"}}}}],
                                      "ports": [{"portRange": {"protocol": "TCP", "start": 8080, "end": 9999}}]},
                                     {"name": "other-tenants", "action": "Deny", "from": [{"namespaces": {}}]}],
                         "egress": [{"name": "same-tenant", "action": "Pass",
                                     "to": [{"namespaces": _ns_selector(team=team)}]},
                                    {"name": "dns", "action": "Allow", "to": [_dns_peer()],
                                     "ports": [{"portNumber": {"protocol": "UDP", "port": 53}}]}]}})
        else:
            env = envs[(i // 3) % len(envs)]
            others = [e for e in envs if e != env]
            out.append({
                "apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                "metadata": {"name": f"baseline-{env}-isolation" + (f"-{i}" if i >= 3 * len(envs) else "")},
                "spec": {"tier": "Baseline", "priority": 10 + i, "subject": {"namespaces": _ns_selector(env=env)},
                         "ingress": [{"name": "other-environments", "action": "Deny",
                                      "from": [{"namespaces": {"matchExpressions": [
                                          {"key": "env", "operator": "In", "values": others or [env + "-other"]}]}}]}],
                         "egress": [{"name": "internet-https", "action": "Accept",
                                     "to": [{"networks": ["0.0.0.0/0"]}],
                                     "protocols": [{"tcp": {"destinationPort": {"number": 443}}}]}]}})
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--pods", type=int, required=True, help="exact number of pods to generate")
    ap.add_argument("--policies", type=int, required=True, help="exact number of NetworkPolicies")
    ap.add_argument("--namespaces", type=int, default=None,
                    help="application namespaces (default: about sqrt(pods)/1.5, 2..500; "
                         "kube-system and monitoring come on top)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("generated"))
    ap.add_argument("--mutate", type=int, default=0, metavar="N",
                    help="also write policies-mutated/ with N edits (each to a different policy)")
    ap.add_argument("--heavy", type=int, default=0, metavar="N",
                    help="also write policies-heavy/ with N edits (a heavy mutation, e.g. one policy in ten)")
    ap.add_argument("--admin", type=int, default=0, metavar="N",
                    help="also write admin/ with N admin network policies of the three kinds (admin tiers)")
    args = ap.parse_args(argv)
    if args.pods < 0 or args.policies < 0 or args.mutate < 0 or args.heavy < 0 or args.admin < 0:
        ap.error("counts must be >= 0")
    k = args.namespaces if args.namespaces is not None else max(2, min(500, int(math.sqrt(args.pods) / 1.5)))
    if k < 1:
        ap.error("--namespaces must be >= 1")

    t0 = time.perf_counter()
    rng = random.Random(args.seed)
    cluster = plan_cluster(rng, args.pods, k)
    out: Path = args.out

    w = DocWriter(out / "cluster" / "namespaces.yaml")
    for ns in cluster.namespaces:
        w.write({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns.name, "labels": ns.labels}})
    w.close()
    w = DocWriter(out / "cluster" / "workloads.yaml")
    for wl in cluster.workloads:
        if wl.kind != "Pod":
            w.write(workload_doc(wl))
    w.close()
    n_workloads = w.count
    n_pods = write_pods(random.Random(rng.getrandbits(64)), cluster, out / "cluster" / "pods.yaml")
    n_services = write_services(random.Random(rng.getrandbits(64)), cluster, out / "cluster" / "services.yaml")

    gen = PolicyGen(random.Random(rng.getrandbits(64)), cluster)
    policies = gen.generate(args.policies)
    w = DocWriter(out / "policies" / "policies.yaml")
    for pol in policies:
        w.write(pol)
    w.close()
    if args.mutate:
        mutated = mutate(policies, args.mutate, random.Random(rng.getrandbits(64)), gen, sys.stderr)
        w = DocWriter(out / "policies-mutated" / "policies.yaml")
        for pol in mutated:
            w.write(pol)
        w.close()
    if args.heavy:
        heavy = mutate(policies, args.heavy, random.Random(rng.getrandbits(64)), gen, sys.stderr)
        w = DocWriter(out / "policies-heavy" / "policies.yaml")
        for pol in heavy:
            w.write(pol)
        w.close()
    if args.admin:
        # Its own stream, drawn from a fixed seed derived from --seed: the other files stay byte-identical.
        w = DocWriter(out / "admin" / "admin.yaml")
        for doc in admin_policies(random.Random(args.seed * 7919 + 1), cluster, args.admin):
            w.write(doc)
        w.close()
    assert n_pods == args.pods, (n_pods, args.pods)
    print(f"gen_cluster: {n_pods} pods, {n_workloads} workloads, {len(cluster.namespaces)} namespaces, "
          f"{cluster.nodes} nodes, {n_services} services, {len(policies)} policies -> {out} "
          f"({time.perf_counter() - t0:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
