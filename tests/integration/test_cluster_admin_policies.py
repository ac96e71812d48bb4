"""`--cluster` reads Nodes and the admin policy custom resources through the real kubernetes client
(CustomObjectsApi over HTTP to the stand-in API server), as the same objects as from files."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubeapi_server import KubeAPIServer, read_manifests

from netverify.cli import main
from netverify.loaders.cluster import ClusterSource, load_cluster
from netverify.loaders.manifests import load_paths
from netverify.model import Severity, without_sources

ROOT = Path(__file__).resolve().parents[2]
NPA = ROOT / "fixtures" / "conformance" / "network-policy-api"
TOKEN = "t0ken"
MANIFESTS = [NPA / "v1alpha2" / "topology.yaml", NPA / "examples" / "pass-to-networkpolicy.yaml",
             NPA / "v1alpha1" / "admin_network_policy" / "experimental-egress-selector-rules.yaml"]


@pytest.fixture(autouse=True)
def no_ambient_kubeconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_admin_policies_and_nodes_from_the_cluster_equal_those_from_files(tmp_path: Path) -> None:
    with KubeAPIServer(read_manifests(*MANIFESTS), token=TOKEN) as api:
        kubeconfig = str(api.write_kubeconfig(tmp_path / "kc", context="kind"))
        live = load_cluster(ClusterSource(kubeconfig=kubeconfig))
        paths = api.paths_requested()
    files = load_paths([str(m) for m in MANIFESTS])
    assert live.errors == []
    assert {p.kind for p in live.cluster.admin_policies} == {"ClusterNetworkPolicy", "AdminNetworkPolicy"}
    assert without_sources(live.cluster.admin_policies) == without_sources(files.cluster.admin_policies)
    assert without_sources(live.cluster.nodes) == without_sources(files.cluster.nodes)
    assert "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies" in paths
    assert "/api/v1/nodes" in paths
    assert all(s.source.file.startswith("cluster:kind/") for s in live.cluster.admin_policies)


def test_not_installed_crds_are_none_said_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with KubeAPIServer(read_manifests(NPA / "v1alpha2" / "topology.yaml"), token=TOKEN,
                       missing_groups={"policy.networking.k8s.io"}) as api:
        kubeconfig = str(api.write_kubeconfig(tmp_path / "kc"))
        result = load_cluster(ClusterSource(kubeconfig=kubeconfig))
        code = main(["matrix", "--cluster", "--kubeconfig", kubeconfig, "--verbose", "-f", "json"])
    assert result.errors == [] and result.cluster.admin_policies == ()
    (info,) = [d for d in result.diagnostics if "not served" in d.message]
    assert info.severity is Severity.INFO
    assert "AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy" in info.message
    assert code == 0
    assert capsys.readouterr().err.count("not served by this cluster") == 1


def test_forbidden_nodes_matter_only_for_nodes_peers(tmp_path: Path) -> None:
    with_nodes_peer = [*MANIFESTS]
    with KubeAPIServer(read_manifests(*with_nodes_peer), token=TOKEN, forbidden={("list", "nodes")}) as api:
        result = load_cluster(ClusterSource(kubeconfig=str(api.write_kubeconfig(tmp_path / "kc"))))
    assert result.errors == [] and result.cluster.nodes == ()
    assert any("listing Nodes is forbidden" in w.message for w in result.warnings)
    without = [NPA / "v1alpha2" / "topology.yaml", NPA / "examples" / "pass-to-networkpolicy.yaml"]
    with KubeAPIServer(read_manifests(*without), token=TOKEN, forbidden={("list", "nodes")}) as api:
        result = load_cluster(ClusterSource(kubeconfig=str(api.write_kubeconfig(tmp_path / "kc2"))))
    assert not any("Nodes" in w.message for w in result.warnings)


def test_forbidden_admin_policies_are_an_error_with_the_role_to_grant(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with KubeAPIServer(read_manifests(*MANIFESTS), token=TOKEN,
                       forbidden={("list", "clusternetworkpolicies")}) as api:
        code = main(["matrix", "--cluster", "--kubeconfig", str(api.write_kubeconfig(tmp_path / "kc"))])
    err = capsys.readouterr().err
    assert code == 2
    assert "403 Forbidden" in err and "clusternetworkpolicies" in err and "policy.networking.k8s.io" in err
