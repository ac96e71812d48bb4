"""Specification of benchmarks/gen_cluster.py, run as a subprocess like a user would."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "gen_cluster.py"
FILES = ["cluster/namespaces.yaml", "cluster/workloads.yaml", "cluster/pods.yaml", "cluster/services.yaml",
         "policies/policies.yaml"]
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def generate(out: Path, *args: str | int) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(SCRIPT), "--out", str(out), *map(str, args)]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=300)


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [d for d in yaml.load_all(f, Loader=Loader) if d is not None]


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """LabelSelector semantics, written independently of the generator."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e["key"], e["operator"], e.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("small")
    return out, generate(out, "--pods", 60, "--policies", 12, "--seed", 3, "--mutate", 4)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("medium")
    generate(out, "--pods", 3000, "--policies", 400, "--seed", 11)
    return out


_cache: dict[Path, list[dict[str, Any]]] = {}


def load_cached(path: Path) -> list[dict[str, Any]]:
    """Tests only read the documents; parse each generated file once."""
    if path not in _cache:
        _cache[path] = load(path)
    return _cache[path]


# ---------------------------------------------------------------- files and determinism


def test_writes_the_documented_files(small: tuple[Path, Any]) -> None:
    out, _ = small
    for name in [*FILES, "policies-mutated/policies.yaml"]:
        assert (out / name).is_file(), name
        assert load(out / name), f"{name} is empty"


def test_same_seed_gives_byte_identical_output(small: tuple[Path, Any], tmp_path: Path) -> None:
    out, first = small
    again = generate(tmp_path, "--pods", 60, "--policies", 12, "--seed", 3, "--mutate", 4)
    for name in [*FILES, "policies-mutated/policies.yaml"]:
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name

    def summary(stderr: str, path: Path) -> str:  # drop the output path and the elapsed time
        return stderr.replace(str(path), "DIR").rsplit("(", 1)[0]

    assert summary(first.stderr, out) == summary(again.stderr, tmp_path)


def test_different_seed_gives_different_output(small: tuple[Path, Any], tmp_path: Path) -> None:
    out, _ = small
    generate(tmp_path, "--pods", 60, "--policies", 12, "--seed", 4)
    assert (out / "cluster/pods.yaml").read_bytes() != (tmp_path / "cluster/pods.yaml").read_bytes()


def test_output_is_plain_yaml_with_string_scalars(small: tuple[Path, Any]) -> None:
    out, _ = small
    for name in FILES:
        with (out / name).open(encoding="utf-8") as f:
            docs = list(yaml.safe_load_all(f))  # the pure-Python loader, as the brief requires
        assert all(isinstance(d, dict) and d["apiVersion"] and d["kind"] for d in docs)
        for d in docs:
            labels = d["metadata"].get("labels", {})
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()), labels


# ---------------------------------------------------------------- cluster


def test_pod_count_is_exact(small: tuple[Path, Any], tmp_path: Path) -> None:
    out, _ = small
    assert len(load(out / "cluster/pods.yaml")) == 60
    generate(tmp_path, "--pods", 7, "--policies", 3)
    assert len(load(tmp_path / "cluster/pods.yaml")) == 7


def test_pods_are_running_with_unique_ipv4_in_10_slash_8(small: tuple[Path, Any]) -> None:
    out, _ = small
    pods = load(out / "cluster/pods.yaml")
    ips = [p["status"]["podIP"] for p in pods]
    assert len(set(ips)) == len(ips)
    net = ipaddress.ip_network("10.0.0.0/8")
    assert all(ipaddress.ip_address(ip) in net for ip in ips)
    assert all(p["status"]["phase"] == "Running" for p in pods)
    assert all(p["status"]["podIPs"] == [{"ip": p["status"]["podIP"]}] for p in pods)
    assert all(p["spec"]["nodeName"] for p in pods)
    names = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods]
    assert len(set(names)) == len(names)


def test_every_pod_has_a_controller_or_is_bare_on_purpose(medium: Path) -> None:
    pods = load_cached(medium / "cluster/pods.yaml")
    workloads = {(w["kind"], w["metadata"]["namespace"], w["metadata"]["name"]): w
                 for w in load_cached(medium / "cluster/workloads.yaml")}
    kinds: Counter[str] = Counter()
    for p in pods:
        meta, labels = p["metadata"], p["metadata"]["labels"]
        owners = meta.get("ownerReferences", [])
        if not owners:
            assert meta.get("annotations", {}).get("gen-cluster/bare-pod") == "true", meta["name"]
            kinds["bare"] += 1
            continue
        (owner,) = owners
        assert owner["controller"] is True
        kinds[owner["kind"]] += 1
        ns = meta["namespace"]
        if owner["kind"] == "ReplicaSet":
            pod_hash = labels["pod-template-hash"]
            deploy, _, rs_hash = owner["name"].rpartition("-")
            assert rs_hash == pod_hash
            assert meta["name"].startswith(owner["name"] + "-")
            template = workloads[("Deployment", ns, deploy)]["spec"]["template"]
        else:
            template = workloads[(owner["kind"], ns, owner["name"])]["spec"]["template"]
            if owner["kind"] == "StatefulSet":
                assert meta["name"] == f"{owner['name']}-{labels['apps.kubernetes.io/pod-index']}"
        # pod labels = template labels + controller-added labels
        assert template["metadata"]["labels"].items() <= labels.items()
        assert p["spec"]["containers"] == template["spec"]["containers"]
    assert kinds["ReplicaSet"] > 0 and kinds["StatefulSet"] > 0 and kinds["DaemonSet"] > 0 and kinds["bare"] > 0


def test_replica_counts_add_up_and_are_skewed(medium: Path) -> None:
    workloads = load_cached(medium / "cluster/workloads.yaml")
    pods = load_cached(medium / "cluster/pods.yaml")
    per_owner = Counter(
        p["metadata"]["ownerReferences"][0]["name"].rpartition("-")[0]
        if p["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet" else p["metadata"]["ownerReferences"][0]["name"]
        for p in pods if p["metadata"].get("ownerReferences")
    )
    replicas = [w["spec"]["replicas"] for w in workloads if w["kind"] != "DaemonSet"]
    for w in workloads:
        if w["kind"] != "DaemonSet":
            assert per_owner[w["metadata"]["name"]] >= w["spec"]["replicas"]  # names may repeat across namespaces
    assert sum(r <= 3 for r in replicas) / len(replicas) > 0.6
    assert max(replicas) >= 10


def test_namespaces_have_standard_and_team_labels(medium: Path) -> None:
    nss = {n["metadata"]["name"]: n["metadata"]["labels"] for n in load(medium / "cluster/namespaces.yaml")}
    assert "kube-system" in nss
    for name, labels in nss.items():
        assert labels["kubernetes.io/metadata.name"] == name
    app = [labels for name, labels in nss.items() if name not in ("kube-system", "monitoring")]
    assert all("team" in lab and "tier" in lab for lab in app)
    assert any("env" in lab for lab in app)


def test_namespaces_option_counts_application_namespaces(tmp_path: Path) -> None:
    generate(tmp_path, "--pods", 200, "--policies", 10, "--namespaces", 9)
    names = [n["metadata"]["name"] for n in load(tmp_path / "cluster/namespaces.yaml")]
    assert len(names) == 9 + 2 and {"kube-system", "monitoring"} <= set(names)


def test_coredns_in_kube_system(small: tuple[Path, Any]) -> None:
    out, _ = small
    dns = [p for p in load(out / "cluster/pods.yaml")
           if p["metadata"]["namespace"] == "kube-system" and p["metadata"]["labels"].get("k8s-app") == "kube-dns"]
    assert len(dns) == 2
    ports = {(cp["name"], cp["containerPort"], cp["protocol"])
             for c in dns[0]["spec"]["containers"] for cp in c.get("ports", [])}
    assert {("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")} <= ports


def test_container_ports_are_named_and_use_tcp_and_udp(medium: Path) -> None:
    ports = [cp for w in load_cached(medium / "cluster/workloads.yaml")
             for c in w["spec"]["template"]["spec"]["containers"] for cp in c.get("ports", [])]
    names = {p["name"] for p in ports}
    assert {"http", "metrics", "grpc", "dns"} <= names
    assert {p["protocol"] for p in ports} == {"TCP", "UDP"}
    assert all(len(p["name"]) <= 15 for p in ports)
    # the same port name means different numbers in different workloads
    assert len({p["containerPort"] for p in ports if p["name"] == "metrics"}) > 1


def test_services_select_workloads_with_named_and_numeric_target_ports(medium: Path) -> None:
    services = load(medium / "cluster/services.yaml")
    pods = load_cached(medium / "cluster/pods.yaml")
    labels_by_ns: dict[str, list[dict[str, str]]] = {}
    for p in pods:
        labels_by_ns.setdefault(p["metadata"]["namespace"], []).append(p["metadata"]["labels"])
    target_types = {type(port["targetPort"]) for s in services for port in s["spec"]["ports"]}
    assert target_types == {int, str}
    for s in services:
        sel = {"matchLabels": s["spec"]["selector"]}
        assert any(matches(sel, lab) for lab in labels_by_ns[s["metadata"]["namespace"]]), s["metadata"]


# ---------------------------------------------------------------- policies


def test_policy_count_and_kind(small: tuple[Path, Any], medium: Path) -> None:
    out, _ = small
    for path, n in ((out, 12), (medium, 400)):
        pols = load(path / "policies/policies.yaml")
        assert len(pols) == n
        assert all(p["apiVersion"] == "networking.k8s.io/v1" and p["kind"] == "NetworkPolicy" for p in pols)
        keys = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pols]
        assert len(set(keys)) == len(keys)


def test_most_policies_select_real_pods(medium: Path) -> None:
    pods = load_cached(medium / "cluster/pods.yaml")
    labels_by_ns: dict[str, list[dict[str, str]]] = {}
    for p in pods:
        labels_by_ns.setdefault(p["metadata"]["namespace"], []).append(p["metadata"]["labels"])
    pols = load(medium / "policies/policies.yaml")
    selecting = sum(
        any(matches(p["spec"]["podSelector"], lab) for lab in labels_by_ns.get(p["metadata"]["namespace"], []))
        for p in pols
    )
    assert selecting / len(pols) > 0.8
    assert selecting < len(pols)  # a few stale policies on purpose


def _walk_peers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [peer for d, key in (("ingress", "from"), ("egress", "to"))
            for r in spec.get(d) or [] for peer in r.get(key) or []]


def _walk_ports(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for d in ("ingress", "egress") for r in spec.get(d) or [] for p in r.get("ports") or []]


def test_policies_mix_all_features(medium: Path) -> None:
    pols = [p["spec"] for p in load(medium / "policies/policies.yaml")]
    peers = [peer for s in pols for peer in _walk_peers(s)]
    ports = [port for s in pols for port in _walk_ports(s)]
    selectors = [s["podSelector"] for s in pols] + [
        peer[k] for peer in peers for k in ("podSelector", "namespaceSelector") if k in peer
    ]
    operators = {e["operator"] for sel in selectors for e in sel.get("matchExpressions") or []}
    assert operators == {"In", "NotIn", "Exists", "DoesNotExist"}

    # default deny, ingress and egress
    assert any(s["podSelector"] == {} and "ingress" not in s and s.get("policyTypes", ["Ingress"]) == ["Ingress"]
               for s in pols)
    assert any(s["podSelector"] == {} and s.get("policyTypes") == ["Egress"] and "egress" not in s for s in pols)
    # policyTypes both explicit and absent
    assert any("policyTypes" in s for s in pols) and any("policyTypes" not in s for s in pols)
    # peer shapes
    assert any(set(p) == {"podSelector"} for p in peers)
    assert any(set(p) == {"namespaceSelector"} for p in peers)
    assert any(set(p) == {"namespaceSelector", "podSelector"} for p in peers)
    blocks = [p["ipBlock"] for p in peers if "ipBlock" in p]
    assert any(b.get("except") and ipaddress.ip_network(b["cidr"], strict=False).version == 4 for b in blocks)
    assert any(ipaddress.ip_network(b["cidr"], strict=False).version == 6 for b in blocks)
    # ports: numeric, named, ranges, UDP DNS
    assert any(isinstance(p.get("port"), int) and "endPort" not in p for p in ports)
    assert any(isinstance(p.get("port"), str) for p in ports)
    assert any("endPort" in p and p["endPort"] >= p["port"] for p in ports)
    assert any(p.get("protocol") == "UDP" and p.get("port") == 53 for p in ports)
    dns_egress = [peer for s in pols for r in s.get("egress") or [] for peer in r.get("to") or []
                  if any(p.get("port") == 53 for p in r.get("ports") or [])]
    assert any(peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
               == "kube-system" for peer in dns_egress)


# ---------------------------------------------------------------- mutations


def _by_key(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in load(path)}


@pytest.mark.parametrize("n", [1, 4, 30])
def test_mutate_changes_exactly_n_policy_documents(n: int, tmp_path: Path) -> None:
    result = generate(tmp_path, "--pods", 60, "--policies", 12, "--seed", 5, "--mutate", n)
    before = _by_key(tmp_path / "policies/policies.yaml")
    after = _by_key(tmp_path / "policies-mutated/policies.yaml")
    changed = [k for k in before.keys() | after.keys() if before.get(k) != after.get(k)]
    assert len(changed) == n
    assert set(before) <= set(after)  # edits never delete a whole policy
    edit_lines = [line for line in result.stderr.splitlines() if line.startswith("  [")]
    assert len(edit_lines) == n
    if n > len(before):  # at most one edit per existing policy; the rest add policies
        assert len(after) >= n


def test_mutate_summary_names_edit_kinds(tmp_path: Path) -> None:
    result = generate(tmp_path, "--pods", 400, "--policies", 80, "--seed", 2, "--mutate", 40)
    kinds = {line.split()[1] for line in result.stderr.splitlines() if line.startswith("  [")}
    assert kinds <= {"change-port", "add-peer", "remove-peer", "widen-selector", "delete-rule", "add-policy"}
    assert len(kinds) >= 5


def test_no_mutated_directory_without_mutate(medium: Path) -> None:
    assert not (medium / "policies-mutated").exists()


def test_heavy_writes_its_own_edits_and_changes_no_other_file(small: tuple[Path, Any], tmp_path: Path) -> None:
    out, _ = small
    generate(tmp_path, "--pods", 60, "--policies", 12, "--seed", 3, "--mutate", 4, "--heavy", 6)
    for name in [*FILES, "policies-mutated/policies.yaml"]:  # the same as without --heavy
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name
    before = _by_key(tmp_path / "policies/policies.yaml")
    heavy = _by_key(tmp_path / "policies-heavy/policies.yaml")
    assert len([k for k in before.keys() | heavy.keys() if before.get(k) != heavy.get(k)]) == 6
