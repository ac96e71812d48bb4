"""--cluster under the security model: read-only, never Secrets or ConfigMaps, never a credential shown.

Every command that has --cluster runs against the test API server (real HTTP, real kubernetes
client), which records each request: the verbs and paths asked are what is asserted. The
kubeconfig carries a bearer token, a basic-auth password and a client key, each a marker that must
never appear on stdout or stderr, whether the server answers, refuses (401, 403), is unreachable,
or --debug is given.
"""

from __future__ import annotations

import base64
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers_robustness import ASSERTIONS, EXIT_INPUT, Outcome, run_cli

from netverify.cli import cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from kubeapi_server import KubeAPIServer, read_manifests  # noqa: E402 - the shared test server lives there

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
TOKEN = "tok-0f1e2d3c-never-shown"
PASSWORD = "pw-9a8b7c-never-shown"
KEY_MARKER = "KEY-5e4d3c-never-shown"
CLIENT_KEY = f"-----BEGIN PRIVATE KEY-----\n{KEY_MARKER}\n-----END PRIVATE KEY-----\n"
SECRET_VALUE = "c2VjcmV0LXZhbHVlLW5ldmVyLXJlYWQ="  # base64 of secret-value-never-read
CONFIG_VALUE = "config-value-never-read"
NEVER_SHOWN = (TOKEN, PASSWORD, KEY_MARKER, base64.b64encode(CLIENT_KEY.encode()).decode(), SECRET_VALUE,
               "secret-value-never-read", CONFIG_VALUE)

HIDDEN_OBJECTS = [
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"},
     "data": {"password": SECRET_VALUE}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "shop"},
     "data": {"mode": CONFIG_VALUE}},
]


def command_lines(assertions: str) -> dict[str, list[str]]:
    """Every command that has --cluster, as argv reading the cluster."""
    lines = {
        "matrix": ["matrix", "--format", "json"],
        "can": ["can", "shop/web", "shop/api", "--format", "json"],
        "can --any": ["can", "--any", "shop/web", "shop/api", "--format", "json"],
        "check": ["check", "--assertions", assertions, "--format", "json"],
        "exposure": ["exposure", "--format", "json"],
        "snapshot": ["snapshot"],
        "lint": ["lint", "--format", "json"],
    }
    return {name: argv + ["--cluster"] for name, argv in lines.items() if has_cluster_option(name.split()[0])}


def has_cluster_option(command: str) -> bool:
    return command in cli.all_commands() and any("--cluster" in p.opts for p in cli.all_commands()[command].params)


@pytest.fixture(autouse=True)
def no_ambient_kubeconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)


def write_kubeconfig(path: Path, server: str, token: str = TOKEN) -> Path:
    key = base64.b64encode(CLIENT_KEY.encode()).decode()
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
        f"clusters:\n- name: prod\n  cluster: {{server: '{server}'}}\n"
        f"users:\n- name: admin\n  user:\n    token: {token}\n    username: admin\n    password: {PASSWORD}\n"
        f"    client-key-data: {key}\n"
        "contexts:\n- name: prod\n  context: {cluster: prod, user: admin}\n")
    return path


@pytest.fixture
def assertions(tmp_path: Path) -> str:
    path = tmp_path / "assertions.yaml"
    path.write_text(ASSERTIONS)
    return str(path)


@pytest.fixture
def api() -> Iterator[KubeAPIServer]:
    with KubeAPIServer(read_manifests(DEMO) + HIDDEN_OBJECTS, token=TOKEN) as server:
        yield server


def run_everywhere(kubeconfig: Path, assertions: str, debug: bool = False) -> dict[str, Outcome]:
    prefix = ["--debug"] if debug else []
    return {name: run_cli(prefix + argv + ["--kubeconfig", str(kubeconfig), "--request-timeout", "5"])
            for name, argv in command_lines(assertions).items()}


def assert_nothing_secret(results: dict[str, Outcome], capsys: pytest.CaptureFixture[str]) -> None:
    leaked = capsys.readouterr()  # what bypassed the captured streams (e.g. a --debug traceback)
    for name, result in results.items():
        for value in NEVER_SHOWN:
            assert value not in result.out + result.err, (name, value)
    for value in NEVER_SHOWN:
        assert value not in leaked.out + leaked.err, value


def test_there_are_cluster_commands_to_check() -> None:
    assert {"matrix", "can", "check", "snapshot", "exposure"} <= set(command_lines("a.yaml"))


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_every_command_reads_the_cluster_with_get_only_and_never_secrets_or_configmaps(
        api: KubeAPIServer, tmp_path: Path, assertions: str, debug: bool, capsys: pytest.CaptureFixture[str]) -> None:
    results = run_everywhere(write_kubeconfig(tmp_path / "kubeconfig", api.url), assertions, debug)
    for name, result in results.items():
        assert result.code in (0, 1), (name, result.err)
    assert {r.method for r in api.requests} == {"GET"}, "read-only: only GET, never a write verb or a watch"
    assert not [r.query for r in api.requests if "watch" in r.query]
    touched = [r.path for r in api.requests if "secrets" in r.path or "configmaps" in r.path]
    assert touched == [], "Secrets and ConfigMaps are never listed, not even to be skipped"
    assert_nothing_secret(results, capsys)


Scenario = Callable[[Path], tuple[Path, KubeAPIServer | None]]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("refusal", ["401", "403", "unreachable"])
def test_credentials_never_appear_when_the_cluster_refuses(tmp_path: Path, assertions: str, refusal: str,
                                                          debug: bool, capsys: pytest.CaptureFixture[str]) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    if refusal == "unreachable":
        write_kubeconfig(kubeconfig, f"http://127.0.0.1:{_closed_port()}")
        results = run_everywhere(kubeconfig, assertions, debug)
    else:
        options = {"unauthorized": True} if refusal == "401" else {"forbidden": {("list", "pods")}}
        with KubeAPIServer(read_manifests(DEMO), token=TOKEN, **options) as server:  # type: ignore[arg-type]
            write_kubeconfig(kubeconfig, server.url)
            results = run_everywhere(kubeconfig, assertions, debug)
        assert {r.method for r in server.requests} == {"GET"}
    for name, result in results.items():
        assert result.code == EXIT_INPUT, (name, result.err)
        assert "Traceback" not in result.err and "error:" in result.err, (name, result.err)
    assert_nothing_secret(results, capsys)
