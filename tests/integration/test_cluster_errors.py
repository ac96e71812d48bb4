"""`--cluster` failures: exit 2, a clear message and what to do, no traceback, never the token."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubeapi_server import KubeAPIServer, read_manifests

from netverify.cli import main

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
TOKEN = "s3cr3t-t0ken-never-printed"


@pytest.fixture(autouse=True)
def no_ambient_kubeconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)


def fails_cleanly(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run netverify, expect exit 2 with an error and no traceback or token; return stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in err and "internal error" not in err
    assert TOKEN not in out and TOKEN not in err
    assert "error:" in err
    return err


@pytest.fixture
def server() -> Iterator[KubeAPIServer]:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN) as api:
        yield api


def test_no_kubeconfig_anywhere(capsys: pytest.CaptureFixture[str]) -> None:
    err = fails_cleanly(capsys, "matrix", "--cluster")
    assert "no kubeconfig found" in err and "--kubeconfig" in err


def test_a_kubeconfig_path_that_does_not_exist(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = fails_cleanly(capsys, "matrix", "--cluster", "--kubeconfig", str(tmp_path / "nope"))
    assert "does not exist" in err


def test_kubeconfig_from_the_environment(capsys: pytest.CaptureFixture[str], server: KubeAPIServer, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(server.write_kubeconfig(tmp_path / "kc")))
    assert main(["matrix", "--cluster"]) == 0
    assert "shop/Deployment/web" in capsys.readouterr().out


def test_unknown_context_lists_the_known_ones(capsys: pytest.CaptureFixture[str], server: KubeAPIServer,
                                             tmp_path: Path) -> None:
    kc = server.write_kubeconfig(tmp_path / "kc", context="staging")
    err = fails_cleanly(capsys, "matrix", "--cluster", "--kubeconfig", str(kc), "--context", "prod")
    assert "unknown context 'prod'" in err and "staging" in err


def test_unreachable_server(capsys: pytest.CaptureFixture[str], server: KubeAPIServer, tmp_path: Path) -> None:
    kc = server.write_kubeconfig(tmp_path / "kc")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        free_port = s.getsockname()[1]
    kc.write_text(kc.read_text().replace(server.url, f"http://127.0.0.1:{free_port}"))
    err = fails_cleanly(capsys, "matrix", "--cluster", "--kubeconfig", str(kc))
    assert f"cannot reach the API server at http://127.0.0.1:{free_port}" in err
    assert "connection refused" in err


def test_a_slow_server_times_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN, delays={"pods": 30}) as api:
        kc = api.write_kubeconfig(tmp_path / "kc")
        err = fails_cleanly(capsys, "matrix", "--cluster", "--kubeconfig", str(kc), "--request-timeout", "0.2")
    assert "did not answer list pods within 0.2 s" in err and "--request-timeout" in err


def test_rejected_credentials(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with KubeAPIServer(read_manifests(DEMO), token="the-server-wants-another-token") as api:
        kc = api.write_kubeconfig(tmp_path / "kc")
        kc.write_text(kc.read_text().replace("the-server-wants-another-token", TOKEN))
        err = fails_cleanly(capsys, "matrix", "--cluster", "--kubeconfig", str(kc))
    assert "401 Unauthorized" in err and "context test" in err


def test_forbidden_names_the_verb_and_resource_and_prints_the_cluster_role(capsys: pytest.CaptureFixture[str],
                                                                         tmp_path: Path) -> None:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN, forbidden={("list", "networkpolicies")}) as api:
        kc = api.write_kubeconfig(tmp_path / "kc")
        err = fails_cleanly(capsys, "matrix", "--cluster", "--kubeconfig", str(kc))
    assert "403 Forbidden" in err
    assert "may not list networkpolicies (API group networking.k8s.io) in all namespaces" in err
    assert "kind: ClusterRole" in err and "verbs: [get, list]" in err and "networkpolicies" in err
    assert "secrets" not in err


def test_forbidden_namespace_get_with_a_namespace_filter(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN, forbidden={("get", "namespaces")}) as api:
        kc = api.write_kubeconfig(tmp_path / "kc")
        err = fails_cleanly(capsys, "matrix", "--cluster", "--kubeconfig", str(kc), "-n", "shop")
    assert "may not get namespaces shop (API group core)" in err


def test_a_namespace_that_does_not_exist(capsys: pytest.CaptureFixture[str], server: KubeAPIServer,
                                         tmp_path: Path) -> None:
    kc = server.write_kubeconfig(tmp_path / "kc")
    err = fails_cleanly(capsys, "matrix", "--cluster", "--kubeconfig", str(kc), "-n", "nowhere")
    assert "namespace nowhere not found" in err


def test_cluster_options_need_cluster_and_exclude_paths(capsys: pytest.CaptureFixture[str], server: KubeAPIServer,
                                                        tmp_path: Path) -> None:
    kc = str(server.write_kubeconfig(tmp_path / "kc"))
    assert "only apply with --cluster" in fails_cleanly(capsys, "matrix", str(DEMO), "--kubeconfig", kc)
    assert main(["matrix", str(DEMO), "-n", "shop"]) == 0  # without --cluster, -n filters the files (kubectl habit)
    capsys.readouterr()
    assert "not both" in fails_cleanly(capsys, "matrix", str(DEMO), "--cluster", "--kubeconfig", kc)


def test_the_default_namespace_option_is_unchanged(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """-N stays the namespace for manifests without one; -n is the cluster filter."""
    pod = tmp_path / "pod.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n")
    assert main(["matrix", str(pod), "-N", "team-a", "-f", "json"]) == 0
    assert '"team-a/p"' in capsys.readouterr().out
