"""The security model: safe YAML only, no network unless --cluster, Secret and ConfigMap content
never read, and nothing secret or internal leaks into what the user sees.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers_robustness import EXIT_INPUT, EXIT_INTERNAL, available_commands, run_cli

from netverify.cli import cli
from netverify.loaders import yamlio

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo"
COMMANDS = available_commands()

# --- safe loading ------------------------------------------------------------------------------

PAYLOADS = {
    "apply-in-a-field":
        'metadata:\n  name: web\n  labels:\n    app: !!python/object/apply:os.system ["touch {mark}"]\n',
    "apply-as-the-document": 'metadata: {{name: web}}\n--- !!python/object/apply:os.system ["touch {mark}"]\n',
    "new-popen": "metadata: !!python/object/new:subprocess.Popen [[touch, '{mark}']]\n",
    "exec": "spec: !!python/object/apply:builtins.exec [\"open('{mark}', 'w')\"]\n",
    "object-mapping": "spec: !!python/object:pathlib.Path {{}}\n",
    "name": "spec: !!python/name:os.system\n",
    "module": "spec: !!python/module:os\n",
    "tuple": "spec:\n  podSelector: !!python/tuple [a, b]\n",
    "long-tag-form": 'spec: !<tag:yaml.org,2002:python/object/apply:os.system> ["touch {mark}"]\n',
}


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_python_tags_are_refused_and_nothing_runs(tmp_path: Path, payload: str) -> None:
    mark = tmp_path / "pwned"
    manifest = tmp_path / "evil.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\n" + PAYLOADS[payload].format(mark=mark))
    for name, line in COMMANDS.items():
        result = run_cli(line(str(manifest)))
        assert result.code == EXIT_INPUT, (name, result.err)
        assert re.search(rf"{re.escape(str(manifest))}:[0-9]+: error: unsupported YAML tag 'tag:yaml.org,2002:python/",
                         result.err), (name, result.err)
        assert not mark.exists(), f"{name} executed the payload"


def test_the_yaml_reader_knows_only_the_safe_constructors() -> None:
    assert issubclass(yamlio._Loader, (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    assert not [tag for tag in yamlio._Loader.yaml_constructors if tag and "python" in tag]
    assert not yamlio._Loader.yaml_multi_constructors, "no tag prefixes (python/object:...) are constructed"


UNSAFE = re.compile(r"yaml\.(load|load_all|unsafe_load|full_load|full_load_all)\(|(Unsafe|Full)Loader|yaml\.Loader\b")


def test_no_module_loads_yaml_unsafely() -> None:
    """yaml.load with a default or full loader would construct Python objects: never used."""
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "netverify").rglob("*.py"))
                 for n, text in enumerate(path.read_text().splitlines(), 1) if UNSAFE.search(text)]
    assert offenders == []


# --- network -----------------------------------------------------------------------------------


@pytest.fixture
def network_attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, ...]]]:
    """Make every outgoing connection or name lookup in this process fail, and record it.

    A guard around the code under test, not a stand-in for it: nothing is answered, only refused.
    """
    attempts: list[tuple[Any, ...]] = []

    def refuse(*args: Any, **_: Any) -> Any:
        attempts.append(args)
        raise PermissionError("network access is refused in this test")

    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        monkeypatch.setattr(socket.socket, name, refuse)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, refuse)
    yield attempts


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_command_touches_the_network_without_cluster(network_attempts: list[tuple[Any, ...]],
                                                         command: str) -> None:
    result = run_cli(COMMANDS[command](str(DEMO)))
    assert result.code != EXIT_INTERNAL, result.err
    assert network_attempts == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SECRETS = ("s3cr3t-bearer-token-0001", "hunter2-password-0002")


def _kubeconfig(tmp_path: Path, server: str) -> Path:
    token, password = SECRETS
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
        f"clusters:\n- name: prod\n  cluster: {{server: '{server}', insecure-skip-tls-verify: true}}\n"
        f"users:\n- name: admin\n  user: {{token: {token}, username: admin, password: {password}}}\n"
        "contexts:\n- name: prod\n  context: {cluster: prod, user: admin}\n")
    return path


def has_cluster_option(command: str) -> bool:
    return any("--cluster" in p.opts for p in cli.all_commands()[command].params)


@pytest.mark.skipif(not has_cluster_option("matrix"), reason="no --cluster yet")
def test_the_network_guard_sees_cluster_access(network_attempts: list[tuple[Any, ...]], tmp_path: Path) -> None:
    """The guard above can fail: --cluster does try to connect, and is refused cleanly."""
    kubeconfig = _kubeconfig(tmp_path, f"https://127.0.0.1:{_closed_port()}")
    result = run_cli(["matrix", "--cluster", "--kubeconfig", str(kubeconfig), "--request-timeout", "5"])
    assert network_attempts, "the cluster was not contacted"
    assert result.code == EXIT_INPUT, result.err
    assert "Traceback" not in result.err


# Credentials with every command, a server that answers, refuses (401, 403) or is unreachable, and
# --debug: test_robustness_cluster_security.py.


# --- Secret and ConfigMap content -------------------------------------------------------------

SECRET_VALUES = ("correct-horse-battery-staple", "db-password-value", "config-value-xyz")
SKIPPED_OBJECTS = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: data
type: Opaque
data:
  password: "%%% {SECRET_VALUES[0]} is not base64 %%%"
  nested: [1, {{deep: [{SECRET_VALUES[1]}]}}]
stringData: 42
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data: [{SECRET_VALUES[2]}, {{not: a string map}}]
binaryData: "@@@ not base64"
---
apiVersion: v1
kind: Secret
metadata: "not even a mapping"
data: {SECRET_VALUES[0]}
"""


def _demo_plus_skipped(tmp_path: Path) -> Path:
    folder = tmp_path / "cluster"
    folder.mkdir()
    for manifest in DEMO.iterdir():
        (folder / manifest.name).write_text(manifest.read_text())
    (folder / "zz-secrets.yaml").write_text(SKIPPED_OBJECTS)
    return folder


def test_secrets_and_configmaps_with_malformed_content_load_and_are_only_listed_as_skipped(tmp_path: Path) -> None:
    folder = _demo_plus_skipped(tmp_path)
    with_secrets = run_cli(["matrix", str(folder), "--format", "json", "--verbose"])
    without = run_cli(["matrix", str(DEMO), "--format", "json"])
    assert with_secrets.code == 0, with_secrets.err
    assert json.loads(with_secrets.out) == json.loads(without.out)
    skipped = [line for line in with_secrets.err.splitlines() if ": skipped " in line]
    where = folder / "zz-secrets.yaml"
    starts = [n for n, text in enumerate(SKIPPED_OBJECTS.splitlines(), 1) if text.startswith("apiVersion:")]
    assert skipped == [f"{where}:{line}: skipped {ref}: not relevant to NetworkPolicy"
                       for line, ref in zip(starts, ["data/Secret/db", "shop/ConfigMap/settings", "Secret/?"],
                                            strict=True)]


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_secret_and_configmap_content_never_reaches_any_output(tmp_path: Path, strict: bool) -> None:
    folder = _demo_plus_skipped(tmp_path)
    for name, line in COMMANDS.items():
        result = run_cli(line(str(folder)) + ["--verbose"] + (["--strict"] if strict else []))
        assert result.code != EXIT_INTERNAL, (name, result.err)
        if strict:  # Secrets and ConfigMaps never change traffic: not an error even for CI
            strict_errors = [line for line in result.err.splitlines() if "(--strict)" in line]
            assert not any("Secret" in line or "ConfigMap" in line for line in strict_errors), (name, result.err)
        for value in SECRET_VALUES:
            assert value not in result.out + result.err, (name, value)


# --- internal errors ---------------------------------------------------------------------------


def _explode(*_: Any, **__: Any) -> Any:
    raise RuntimeError(f"token={SECRETS[0]}")


def test_an_internal_error_is_exit_4_without_traceback_or_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("netverify.cli.cmd_reach.matrix_answer", _explode)
    result = run_cli(["matrix", str(DEMO)])
    assert result.code == EXIT_INTERNAL
    assert re.search(r"internal error: RuntimeError at netverify/[a-z_/]+\.py:[0-9]+", result.err), result.err
    assert "Traceback" not in result.err
    assert SECRETS[0] not in result.err, "an exception's message may quote input: it is not shown"
    assert "--debug" in result.err


def test_debug_shows_the_traceback_of_an_internal_error(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("netverify.cli.cmd_reach.matrix_answer", _explode)
    result = run_cli(["--debug", "matrix", str(DEMO)])
    err = result.err + capsys.readouterr().err  # traceback.print_exc writes to the real stderr
    assert result.code == EXIT_INTERNAL
    assert "Traceback" in err and "RuntimeError" in err


# --- output cannot be forged by input --------------------------------------------------------

FORGING = """\
apiVersion: v1
kind: Pod
metadata:
  name: "web\\e[2K\\rshop.yaml:1: error: forged"
  namespace: "shop\\u2028fake line\\x1b]0;title\\x07"
  labels: {"app\\e[31m": "web\\x85"}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: "Widget\\e[8m"
metadata: {name: w}
"""


@pytest.mark.parametrize("extra", [[], ["--verbose"], ["--strict"]], ids=["default", "verbose", "strict"])
def test_control_characters_from_the_input_are_escaped_in_every_output(tmp_path: Path, extra: list[str]) -> None:
    """Messages quote names, keys and kinds: a terminal escape or a line separator in one is shown
    escaped, so a manifest cannot rewrite the terminal or forge a `file:line: error:` line in CI logs."""
    manifest = tmp_path / "forging.yaml"
    manifest.write_text(FORGING)
    for name, line in COMMANDS.items():
        result = run_cli(line(str(manifest)) + extra)
        assert result.code == EXIT_INPUT, (name, result.err)
        shown = result.out + result.err
        assert not [ch for ch in shown if not ch.isprintable() and ch != "\n"], (name, shown)
        assert len(shown.splitlines()) == shown.count("\n"), "no line separator other than newline"
        assert not [h for h in shown.splitlines() if h.startswith("shop.yaml:1:")], (name, shown)
        assert "\\x1b[2K" in result.err and "\\u2028" in result.err, (name, result.err)
