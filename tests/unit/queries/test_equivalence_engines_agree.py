"""The inventory-scope answer of `equiv`/`contains` is the same from the graph engine and the SMT
engine: on hand-written differences (ipBlocks, named ports, egress, hostNetwork) and on a generated
cluster where each policy in turn is removed (some removals change nothing, most do)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from netverify.loaders.manifests import load_blobs, load_paths
from netverify.model import Cluster
from netverify.queries.equivalence import compare

ROOT = Path(__file__).resolve().parents[3]

INVENTORY = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 80}]}]}
status: {phase: Running, podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8000}]}]}
status: {phase: Running, podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: shop, labels: {app: agent}}
spec: {hostNetwork: true, nodeName: n1, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 192.168.0.1}
"""


def cluster(policies: str) -> Cluster:
    loaded = load_blobs([("t.yaml", (INVENTORY + "\n---\n" + textwrap.dedent(policies)).encode())])
    assert not loaded.errors, loaded.errors
    return loaded.cluster


def egress(to: str, name: str = "web-out") -> str:
    return f"""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {name}, namespace: shop}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  policyTypes: [Egress]
  egress:
    - {to}
"""


PAIRS = {
    "same ipBlock written differently": (egress("to: [{ipBlock: {cidr: 0.0.0.0/0}}]"),
                                         egress("to: [{ipBlock: {cidr: 0.0.0.0/1}}, {ipBlock: {cidr: 128.0.0.0/1}}]")),
    "internet narrowed to a private range": (egress("to: [{ipBlock: {cidr: 0.0.0.0/0}}]"),
                                             egress("to: [{ipBlock: {cidr: 10.0.0.0/8}}]")),
    "an except cut out": (egress("to: [{ipBlock: {cidr: 0.0.0.0/0}}]"),
                          egress("to: [{ipBlock: {cidr: 0.0.0.0/0, except: [203.0.113.0/24]}}]")),
    "named port vs its number": (egress("{to: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: http}]}"),
                                 egress("{to: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 8000}]}")),
    "named port vs a wrong number": (egress("{to: [{podSelector: {}}], ports: [{port: http}]}"),
                                     egress("{to: [{podSelector: {}}], ports: [{port: 80}]}")),
    "IPv6 opened": (egress("to: [{ipBlock: {cidr: 0.0.0.0/0}}]"),
                    egress("to: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: '::/0'}}]")),
    "hostNetwork agent only by ipBlock": (egress("to: [{podSelector: {}}]"),
                                          egress("to: [{podSelector: {}}, {ipBlock: {cidr: 192.168.0.1/32}}]")),
    "no policy at all": ("", egress("to: [{podSelector: {}}]")),
}


@pytest.mark.parametrize("relation", ["equiv", "contains"])
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_graph_and_smt_agree_on_the_inventory(name: str, relation: str) -> None:
    a, b = (cluster(p) for p in PAIRS[name])
    for left, right in ((a, b), (b, a)):
        graph = compare(left, right, ("A", "B"), relation, "inventory", "graph")
        smt = compare(left, right, ("A", "B"), relation, "inventory", "smt")
        assert graph.status == smt.status, name


def test_the_hand_written_pairs_cover_both_outcomes() -> None:
    statuses = {name: compare(cluster(PAIRS[name][0]), cluster(PAIRS[name][1]), ("A", "B")).status for name in PAIRS}
    assert statuses["same ipBlock written differently"] == "holds"
    assert statuses["named port vs its number"] == "holds"
    assert {statuses[n] for n in ("internet narrowed to a private range", "an except cut out", "IPv6 opened",
                                  "named port vs a wrong number", "no policy at all")} == {"fails"}


def test_an_outside_address_is_the_distinguishing_connection_when_only_the_internet_differs() -> None:
    a, b = (cluster(p) for p in PAIRS["an except cut out"])
    d = compare(a, b, ("A", "B")).distinction
    assert d is not None and d.left.dst.external
    assert d.left.dst.ips[0].startswith("203.0.113.")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Cluster:
    out = tmp_path_factory.mktemp("gen")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_cluster.py"), "--pods", "150", "--policies", "16",
                    "--seed", "11", "--out", str(out)], check=True, capture_output=True, timeout=300)
    return load_paths([str(out)]).cluster


def test_graph_and_smt_agree_when_each_generated_policy_is_removed(generated: Cluster) -> None:
    statuses = []
    for p in generated.policies:
        without = dataclasses.replace(generated, policies=tuple(q for q in generated.policies if q is not p))
        graph = compare(generated, without, ("all", f"without {p.id}"), "equiv", "inventory", "graph")
        smt = compare(generated, without, ("all", f"without {p.id}"), "equiv", "inventory", "smt")
        assert graph.status == smt.status, p.id
        contains = compare(without, generated, ("without", "all"), "contains", "inventory", "graph")
        assert contains.status == compare(without, generated, ("without", "all"), "contains", "inventory",
                                          "smt").status, p.id
        statuses.append(graph.status)
    assert set(statuses) == {"holds", "fails"}  # both outcomes were compared
