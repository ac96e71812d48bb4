"""No credential is ever printed, and a hostile API server cannot hang netverify or make it crash.

Real `kubernetes` client over real HTTP against the stand-in API server. Each class of the attack
round is a test: tokens that need trimming (as kubectl trims them) or cannot be sent, credentials in
the server URL, an API server echoing the Authorization header in its error bodies, a failing exec
credential plugin whose stderr names a token, malformed kubeconfigs; then the bounds: an endless
`continue`, a body dripped one byte at a time, malformed list answers. Every run is checked with and
without --debug: the credential appears nowhere, and the exit code is 2 (never 4).
"""

from __future__ import annotations

import base64
import socket
import stat
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers_robustness import EXIT_INPUT, Outcome, run_cli
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from netverify.loaders.cluster import ClusterError, ClusterSource, load_cluster
from netverify.loaders.credentials import REDACTED, Redactor, kubeconfig_secrets
from netverify.loaders.manifests import load_paths

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from kubeapi_server import Hostile, KubeAPIServer, read_manifests  # noqa: E402 - the shared test server

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
TOKEN = "tok-77aa55-never-printed"


@pytest.fixture(autouse=True)
def no_ambient_kubeconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)


def kubeconfig(path: Path, server: str, user: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "prod",
        "clusters": [{"name": "prod", "cluster": {"server": server}}],
        "users": [{"name": "admin", "user": user}],
        "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "admin"}}],
    }, default_style=None))
    return path


def run_both(config: Path, *extra: str, command: tuple[str, ...] = ("matrix", "--format", "json")
             ) -> dict[str, Outcome]:
    return {mode: run_cli([*(["--debug"] if mode == "debug" else []), *command, "--cluster", "--kubeconfig",
                           str(config), "--request-timeout", "3", *extra]) for mode in ("plain", "debug")}


def assert_never_shown(results: dict[str, Outcome], capsys: pytest.CaptureFixture[str], *secrets: str) -> None:
    leaked = capsys.readouterr()
    for mode, result in results.items():
        for secret in secrets:
            assert secret not in result.out + result.err, (mode, secret, result.err)
            assert secret not in leaked.out + leaked.err, (mode, secret)
        assert "Traceback" not in result.err, (mode, result.err)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- tokens ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("written_as", ["block-scalar", "token-file-by-echo", "surrounding-spaces"])
def test_a_token_with_a_trailing_newline_is_trimmed_as_kubectl_does(
        tmp_path: Path, written_as: str, capsys: pytest.CaptureFixture[str]) -> None:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN) as api:
        if written_as == "token-file-by-echo":
            token_file = tmp_path / "token"
            token_file.write_text(TOKEN + "\n")
            user: dict[str, Any] = {"tokenFile": str(token_file)}
        else:
            user = {"token": TOKEN + "\n" if written_as == "block-scalar" else f"  {TOKEN}  "}
        results = run_both(kubeconfig(tmp_path / "config", api.url, user))
        assert {r.authorization for r in api.requests} == {f"Bearer {TOKEN}"}
    for mode, result in results.items():
        assert result.code == 0, (mode, result.err)
    assert_never_shown(results, capsys, TOKEN)


@pytest.mark.parametrize("token", [f"{TOKEN}\nsecond-line", f"{TOKEN}\u20ac", f"{TOKEN}\x07bell"],
                         ids=["inner-newline", "non-latin-1", "control-character"])
def test_a_token_that_cannot_be_sent_is_an_input_error_that_does_not_show_it(
        tmp_path: Path, token: str, capsys: pytest.CaptureFixture[str]) -> None:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN) as api:
        results = run_both(kubeconfig(tmp_path / "config", api.url, {"token": token}))
        assert api.requests == [], "nothing is sent with a token the client would have to mangle"
    for mode, result in results.items():
        assert result.code == EXIT_INPUT, (mode, result.err)
        assert "token" in result.err and "cannot be sent" in result.err
    assert_never_shown(results, capsys, TOKEN, token)


# --- server URLs, echoed headers, exec plugins -----------------------------------------------------


def test_user_info_and_token_parameters_of_the_server_url_are_never_printed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = f"http://admin:pw-in-url-1234@127.0.0.1:{_closed_port()}/?token=tok-in-query-5678"
    results = run_both(kubeconfig(tmp_path / "config", server, {"token": TOKEN}))
    for mode, result in results.items():
        assert result.code == EXIT_INPUT, (mode, result.err)
        assert "cannot reach the API server at http://127.0.0.1:" in result.err
    assert_never_shown(results, capsys, TOKEN, "pw-in-url-1234", "tok-in-query-5678")


@pytest.mark.parametrize("refusal", ["401", "403"])
def test_an_api_server_echoing_the_authorization_header_is_shown_without_it(
        tmp_path: Path, refusal: str, capsys: pytest.CaptureFixture[str]) -> None:
    sent = TOKEN if refusal == "403" else "tok-wrong-but-still-secret"
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN, forbidden={("list", "pods")},
                       hostile=Hostile(echo_authorization=True)) as api:
        results = run_both(kubeconfig(tmp_path / "config", api.url, {"token": sent}))
    for mode, result in results.items():
        assert result.code == EXIT_INPUT, (mode, result.err)
        if refusal == "403":
            assert REDACTED in result.err, "the server's own words are kept, the credential is not"
    assert_never_shown(results, capsys, sent)


def test_a_failing_exec_plugin_is_reported_without_what_it_said(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plugin = tmp_path / "get-token"
    plugin.write_text("#!/bin/sh\necho 'refreshing tok-exec-stderr-4242 failed' >&2\nexit 3\n")
    plugin.chmod(plugin.stat().st_mode | stat.S_IEXEC)
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(plugin),
                     "interactiveMode": "Never"}}
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN) as api:
        results = run_both(kubeconfig(tmp_path / "config", api.url, user))
    for mode, result in results.items():
        assert result.code == EXIT_INPUT, (mode, result.err)
        assert "credential plugin" in result.err and "failed" in result.err
    assert_never_shown(results, capsys, "tok-exec-stderr-4242")


@pytest.mark.parametrize("content", [
    "users: 5\nclusters: []\ncontexts: []\n",
    "apiVersion: v1\nkind: Config\ncurrent-context: prod\ncontexts:\n- name: prod\n  context: 7\n",
    "apiVersion: v1\nkind: Config\ncurrent-context: prod\nclusters: [{name: prod, cluster: {server: 5}}]\n"
    "users: [{name: a, user: [tok-malformed-9999]}]\ncontexts: [{name: prod, context: {cluster: prod, user: a}}]\n",
    "[unclosed: tok-malformed-9999\n",
], ids=["users-a-number", "context-a-number", "user-a-list", "not-yaml"])
def test_a_malformed_kubeconfig_is_an_input_error(tmp_path: Path, content: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config"
    config.write_text(content)
    results = run_both(config)
    for mode, result in results.items():
        assert result.code == EXIT_INPUT, (mode, result.err)
        assert "kubeconfig" in result.err
    assert_never_shown(results, capsys)


# --- bounds on what an API server can make netverify do ----------------------------------------------


def test_a_continue_token_repeated_forever_is_stopped(tmp_path: Path) -> None:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN, hostile=Hostile(endless_continue="same")) as api:
        result = run_cli(["matrix", "--cluster", "--kubeconfig", str(api.write_kubeconfig(tmp_path / "c")),
                          "--request-timeout", "3"])
        asked = len(api.requests)
    assert result.code == EXIT_INPUT, result.err
    assert "continue token twice" in result.err and "a list must end" in result.err
    assert asked < 10


def test_fresh_continue_tokens_forever_stop_at_the_page_bound(tmp_path: Path) -> None:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN, hostile=Hostile(endless_continue="fresh")) as api:
        source = ClusterSource(str(api.write_kubeconfig(tmp_path / "c")), max_pages=25)
        with pytest.raises(ClusterError, match="keeps answering list .* with more pages"):
            load_cluster(source)
        assert len(api.requests) <= 30


def test_a_body_dripped_byte_by_byte_is_stopped_at_the_request_timeout(tmp_path: Path) -> None:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN, hostile=Hostile(drip_seconds=0.02)) as api:
        result = run_cli(["matrix", "--cluster", "--kubeconfig", str(api.write_kubeconfig(tmp_path / "c")),
                          "--request-timeout", "1"])
    assert result.code == EXIT_INPUT, result.err
    assert "did not finish answering" in result.err and "within 1 s" in result.err


def _bounded(call: Any, seconds: float = 120) -> Any:
    """call() in a thread that must end within `seconds` (a guard against a hang, not a timing)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "the read did not end: it is not bounded in time"
    return outcome[0]


def test_headers_dripped_byte_by_byte_are_stopped_at_the_request_timeout(tmp_path: Path) -> None:
    # each byte arrives well within the socket's read timeout, and the headers never end
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN, hostile=Hostile(drip_headers_seconds=0.02)) as api:
        config = str(api.write_kubeconfig(tmp_path / "c"))
        result = _bounded(lambda: run_cli(["matrix", "--cluster", "--kubeconfig", config, "--request-timeout", "1"]))
    assert result.code == EXIT_INPUT, result.err
    assert "did not finish answering list namespaces within 1 s" in result.err, result.err
    assert "--request-timeout" in result.err and "Traceback" not in result.err


@pytest.mark.parametrize("hostile", [Hostile(drip_headers_seconds=0.02), Hostile(drip_seconds=0.02)],
                         ids=["headers", "body"])
def test_a_dripping_server_is_stopped_at_the_total_deadline(tmp_path: Path, hostile: Hostile) -> None:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN, hostile=hostile) as api:
        source = ClusterSource(str(api.write_kubeconfig(tmp_path / "c")), request_timeout=30, total_timeout=1)
        outcome = _bounded(lambda: load_cluster(source))
    assert isinstance(outcome, ClusterError), outcome
    assert "took longer than 1 s in all" in outcome.message


def test_a_quick_server_is_read_whole_under_the_watch(tmp_path: Path) -> None:
    # the watch ends slow requests only: every page of a healthy server is read, over reused connections
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN) as api:
        source = ClusterSource(str(api.write_kubeconfig(tmp_path / "c")), request_timeout=0.5, page_size=2)
        result = load_cluster(source)
    files = load_paths([str(DEMO)]).cluster
    assert not result.errors
    assert (len(result.cluster.pods), len(result.cluster.workloads), len(result.cluster.policies)) == \
        (len(files.pods), len(files.workloads), len(files.policies))
    assert len(files.pods) + len(files.workloads) > 2


def test_the_whole_read_is_bounded_in_time(tmp_path: Path) -> None:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN, delays={"pods": 0.5, "services": 0.5}) as api:
        source = ClusterSource(str(api.write_kubeconfig(tmp_path / "c")), request_timeout=5, total_timeout=0.6)
        with pytest.raises(ClusterError, match="took longer than 0.6 s in all"):
            load_cluster(source)


def _items_a_mapping(kind: str, answer: dict[str, Any]) -> dict[str, Any]:
    return {**answer, "items": {"a": 1}} if kind == "Pod" else answer


def _items_with_a_string(kind: str, answer: dict[str, Any]) -> dict[str, Any]:
    return {**answer, "items": [*answer["items"], "not an object"]} if kind == "Pod" else answer


def _continue_a_number(kind: str, answer: dict[str, Any]) -> dict[str, Any]:
    return {**answer, "metadata": {"continue": 12}} if kind == "Service" else answer


def _metadata_a_string(kind: str, answer: dict[str, Any]) -> dict[str, Any]:
    return {**answer, "metadata": "rv"} if kind == "NetworkPolicy" else answer


@pytest.mark.parametrize("rewrite", [_items_a_mapping, _items_with_a_string, _continue_a_number, _metadata_a_string],
                         ids=["items-a-mapping", "items-with-a-string", "continue-a-number", "metadata-a-string"])
def test_a_malformed_list_answer_is_an_input_error_not_objects_silently_lost(tmp_path: Path, rewrite: Any) -> None:
    with KubeAPIServer(read_manifests(DEMO), token=TOKEN, hostile=Hostile(rewrite=rewrite)) as api:
        result = run_cli(["matrix", "--cluster", "--kubeconfig", str(api.write_kubeconfig(tmp_path / "c")),
                          "--request-timeout", "3"])
    assert result.code == EXIT_INPUT, result.err
    assert "malformed list" in result.err and "Traceback" not in result.err


# --- the redactor, as a property ----------------------------------------------------------------------

_secret = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF), min_size=8, max_size=40)
_prose = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=60)


@settings(max_examples=200, deadline=None)
@given(secret=_secret, before=_prose, after=_prose, newline=st.booleans())
@example(secret="0000000\x85", before="", after="", newline=True)  # U+0085 is whitespace to str.strip()
def test_a_registered_secret_never_survives_redaction(secret: str, before: str, after: str, newline: bool) -> None:
    assume(secret not in REDACTED)  # a "secret" such as '<redacte' is in the marker that replaces it, by definition
    redactor = Redactor()
    redactor.add(secret + ("\n" if newline else ""))
    encoded = base64.b64encode(secret.encode()).decode()
    for shown in (before + secret + after, f"{before}Bearer {secret}{after}", before + encoded + after):
        assert secret not in redactor.redact(shown)
        assert encoded not in redactor.redact(shown)


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF).filter(str.isalnum), max_size=80))
def test_text_without_credentials_is_left_alone(text: str) -> None:
    assert Redactor().redact(text) == text


@pytest.mark.parametrize("shaped", [
    "Authorization: Bearer abcdefgh12345678", "{'authorization': 'Basic YWRtaW46cHc='}",
    "https://user:secret-pw@example.com/api", "GET /api?access_token=abc123def&x=1", '"password": "hunter2hunter2"',
])
def test_credential_shapes_are_redacted_even_when_not_registered(shaped: str) -> None:
    shown = Redactor().redact(shaped)
    assert REDACTED in shown
    for part in ("abcdefgh12345678", "YWRtaW46cHc=", "secret-pw", "abc123def", "hunter2hunter2"):
        assert part not in shown


def test_every_credential_field_of_a_kubeconfig_is_registered(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("tok-from-file\n")
    config = {"users": [{"name": "a", "user": {
        "token": "t1-inline", "tokenFile": "token", "password": "p1-pass", "client-key-data":
        base64.b64encode(b"KEY-MATERIAL").decode(),
        "auth-provider": {"config": {"id-token": "id-1-tok", "refresh-token": "rf-1-tok", "client-secret": "cs-1"}},
        "exec": {"env": [{"name": "VAULT_TOKEN", "value": "env-tok-1"}, {"name": "REGION", "value": "eu-west-1"}]},
    }}]}
    found = kubeconfig_secrets(config, str(tmp_path))
    for value in ("t1-inline", "tok-from-file\n", "p1-pass", "KEY-MATERIAL", "id-1-tok", "rf-1-tok", "cs-1",
                  "env-tok-1"):
        assert value in found
    assert "eu-west-1" not in found, "only credentials are redacted, not every value of the user entry"
