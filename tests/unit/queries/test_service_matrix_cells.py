"""The matrix by Service, computed per client class and per part of the classes (queries/service_cells), is
exactly what asking every (client, Service) pair of the one verdict gives: a port is `allowed` when every
backend serving it admits the client on its translated target, `partial` when only some do. Checked on
generated clusters and on the corner cases: a pod that backs the Service it calls (it reaches itself), a
headless Service, an EndpointSlice naming an address outside the cluster, a port filter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netverify.loaders.manifests import load_paths
from netverify.queries.context import Analysis
from netverify.queries.ports import PortQuery
from netverify.queries.services import ServiceMatrixResult
from netverify.semantics.evaluate import decide_pair
from netverify.semantics.services import direct, translate
from netverify.sets import ConnectionSet

GENERATOR = Path(__file__).resolve().parents[3] / "benchmarks" / "gen_cluster.py"
DEMO = Path(__file__).resolve().parents[3] / "fixtures" / "demo"
CORNERS = """\
apiVersion: v1
kind: Pod
metadata: {name: self-caller, namespace: shop, labels: {tier: frontend, app: self-caller}}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 9090, name: m}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: fronts, namespace: shop}
spec: {selector: {tier: frontend}, ports: [{name: m, port: 9090, targetPort: m}, {name: w, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: fronts-headless, namespace: shop}
spec: {clusterIP: None, selector: {tier: frontend}, ports: [{name: m, port: 9090}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {ports: [{port: 5432, name: pg}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-1, namespace: shop, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
endpoints: [{addresses: ["192.0.2.10"]}]
ports: [{name: pg, port: 5432, protocol: TCP}]
"""


def pair_by_pair(result: ServiceMatrixResult) -> list[tuple[str, str, ConnectionSet, ConnectionSet]]:
    """The reference: every client against every Service, each backend decided by `decide_pair`."""
    tiers = result.analysis.tiers
    out = []
    for src in result.analysis.endpoints:
        for view, svc in zip(result.views, result.services, strict=True):
            allowed, partial = ConnectionSet.none(), ConnectionSet.none()
            for port in view.service.ports:
                targets = [(b, t.target) for b in view.backends
                           for t in [direct(port, b) if view.kind == "headless" else translate(view, port, b)]
                           if t.target]
                if not targets:
                    continue
                got = [decide_pair(tiers, src, b.endpoint).allowed & target for b, target in targets]
                conns = ConnectionSet.of(port.protocol, port.port, port.port)
                if all(g == target for g, (_, target) in zip(got, targets, strict=True)):
                    allowed = allowed | conns
                elif any(got):
                    partial = partial | conns
            if not result.query.is_all:
                wanted = result.query.connections(svc)
                allowed, partial = allowed & wanted, partial & wanted
            if allowed or partial:
                out.append((src.id, svc.id, allowed, partial))
    return out


def computed(result: ServiceMatrixResult) -> list[tuple[str, str, ConnectionSet, ConnectionSet]]:
    return [(c.src.id, c.dst.id, c.allowed, c.partial) for c in result.connections()]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_clusters_give_the_cells_of_every_pair(seed: int, tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(GENERATOR), "--pods", "120", "--policies", "30", "--seed", str(seed),
                    "--out", str(tmp_path)], check=True, capture_output=True, timeout=120)
    analysis = Analysis(load_paths([str(tmp_path / "cluster"), str(tmp_path / "policies")]).cluster)
    result = ServiceMatrixResult(analysis, PortQuery.parse(None, None))
    assert result.views, "the generated cluster has Services with backends"
    assert computed(result) == pair_by_pair(result)


@pytest.mark.parametrize("port", [None, "9090", "53/UDP"])
def test_corner_cases_give_the_cells_of_every_pair(port: str | None, tmp_path: Path) -> None:
    (tmp_path / "corners.yaml").write_text(CORNERS)
    analysis = Analysis(load_paths([str(DEMO), str(tmp_path / "corners.yaml")]).cluster)
    result = ServiceMatrixResult(analysis, PortQuery.parse(port, None))
    cells = computed(result)
    assert cells == pair_by_pair(result)
    if port is None:
        mine = {(s, d): (a, p) for s, d, a, p in cells}
        assert ("monitoring/Deployment/prometheus", "shop/Service/db") in mine, "an outside address is a backend too"
        assert mine[("shop/self-caller", "shop/Service/fronts")][1], "it reaches itself: one of the backends"
