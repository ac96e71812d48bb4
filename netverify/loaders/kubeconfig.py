"""Connecting to a cluster: the kubeconfig (or in-cluster) configuration handed to the official client.

Every credential of the kubeconfig is registered with the source's `Redactor` before the client sees
it; bearer tokens are trimmed as kubectl trims them and refused (exit 2, never shown) when they cannot
be sent; the client's own log records (an exec plugin's stderr) never reach the terminal; server URLs
are shown without user-info or query. This module never prints.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from netverify.errors import SourceError
from netverify.loaders.credentials import Redactor, kubeconfig_secrets

DEFAULT_PAGE_SIZE = 500
DEFAULT_TIMEOUT = 30.0
# Bounds on what a (broken or hostile) API server can make netverify do: a list that never ends
# (a `continue` token forever), pages or bodies without end, a body dripped a byte at a time.
DEFAULT_TOTAL_TIMEOUT = 900.0  # seconds for the whole read
MAX_PAGES = 20_000  # per list: 10 million objects at the default page size
MAX_OBJECTS = 5_000_000  # in all
MAX_BODY_BYTES = 512 << 20  # one page
IN_CLUSTER = "in-cluster"


@dataclass(frozen=True)
class ClusterSource:
    """Where and how to read: the command-line options of --cluster."""

    kubeconfig: str | None = None
    context: str | None = None
    namespaces: tuple[str, ...] = ()  # empty: every namespace
    request_timeout: float = DEFAULT_TIMEOUT
    page_size: int = DEFAULT_PAGE_SIZE
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT
    max_pages: int = MAX_PAGES  # per list
    max_objects: int = MAX_OBJECTS  # in all
    # Every credential handed to the client is registered here, for the CLI to keep out of what it prints.
    redactor: Redactor = field(default_factory=Redactor, compare=False)


@dataclass(frozen=True)
class Progress:
    """Reported after every page: `read` objects of `kind` so far; `done` after the last page."""

    kind: str
    read: int
    done: bool = False


ProgressCallback = Callable[[Progress], None]


class ClusterError(SourceError):
    """Reading the cluster failed; the message says what happened and the hint what to do.

    Never carries credentials: messages are built here, not copied from requests.
    """

    def __init__(self, message: str, hint: str = "", status: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.status = status  # the HTTP status when the API server answered


# --- connecting ---------------------------------------------------------------------------


@dataclass
class Connection:
    client: Any  # kubernetes.client.ApiClient
    context: str
    server: str


def connect(source: ClusterSource) -> Connection:
    """An ApiClient for the kubeconfig context (or the in-cluster service account); no global state.

    Every credential of the kubeconfig is registered with `source.redactor` before the client sees it."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    configuration = type.__call__(client.Configuration)  # a fresh one, not the library's default
    configuration.retries = False  # fail fast and quietly: urllib3 would log each retry
    path = _kubeconfig_path(source.kubeconfig)
    with _client_log() as logged:
        try:
            if path is None:
                config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
                context = IN_CLUSTER
            else:
                _register_kubeconfig_secrets(path, source.redactor)
                context = _check_context(path, source.context)
                config.load_kube_config(config_file=path, context=context,  # type: ignore[no-untyped-call]
                                        client_configuration=configuration, persist_config=False)
        except ConfigException as exc:
            raise ClusterError(f"cannot use the kubeconfig: {source.redactor.redact(_first_line(exc))}",
                               "check the file with `kubectl config view --kubeconfig FILE`") from None
        except ClusterError:
            raise
        except Exception as exc:  # noqa: BLE001 - the client does not validate the file's shape
            raise ClusterError(f"cannot use the kubeconfig: it is malformed ({type(exc).__name__} while reading it)",
                               "check the file with `kubectl config view --kubeconfig FILE`") from None
    if logged and not configuration.api_key and not configuration.cert_file:
        # The client logs an exec plugin's failure (its stderr, which may name a token) and goes on without
        # credentials: say that it failed, never what it said.
        raise ClusterError(f"the credential plugin of context {context} failed; its messages are not shown "
                           "(they may hold credentials)", "run the plugin's command (users[].user.exec in the "
                           "kubeconfig) yourself to see why")
    _guard_token(configuration, source.redactor)
    server = display_url(str(configuration.host))
    return Connection(client.ApiClient(configuration), context, server)


@contextlib.contextmanager
def _client_log() -> Iterator[list[logging.LogRecord]]:
    """The `kubernetes` client logs through the root logger (exec plugin errors with their stderr): keep
    those records from reaching stderr through logging's last-resort handler while the client is set up."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield records
    finally:
        root.removeHandler(handler)


def _register_kubeconfig_secrets(paths: str, redactor: Redactor) -> None:
    import yaml

    for path in paths.split(os.pathsep):
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                parsed = yaml.safe_load(handle)
        except (OSError, yaml.YAMLError):
            continue  # the client reports it; nothing could be registered anyway
        redactor.add_all(kubeconfig_secrets(parsed, os.path.dirname(os.path.abspath(path))))


def _guard_token(configuration: Any, redactor: Redactor) -> None:
    """Bearer tokens trimmed as kubectl trims them (a token file written by `echo`, `token: |`), refused
    (exit 2, never shown) when they cannot be an HTTP header value; re-applied whenever the client
    refreshes the token (an exec plugin, an expiring token file)."""
    refresh = configuration.refresh_api_key_hook

    def normalise(cfg: Any) -> None:
        if refresh is not None:
            refresh(cfg)
            cfg.refresh_api_key_hook = normalise  # the client's hook re-installs itself: stay in front of it
        for key, value in list(cfg.api_key.items()):
            if not isinstance(value, str):
                continue
            redactor.add(value)
            scheme, space, token = value.strip().partition(" ")
            if not space:
                scheme, token = "", scheme
            token = token.strip()
            if any(ch.isspace() or not ch.isprintable() or ord(ch) > 0xFF for ch in token):
                raise ClusterError("the token of the kubeconfig user holds characters that cannot be sent in an "
                                   "HTTP header (a line break, a control or non-Latin-1 character)",
                                   "check the token (or token file) of the context's user: it is not shown here")
            cfg.api_key[key] = f"{scheme} {token}" if scheme else token

    normalise(configuration)
    configuration.refresh_api_key_hook = normalise if refresh is not None else None
    redactor.add_all(v for v in (configuration.password, configuration.username) if v)


def display_url(url: str) -> str:
    """The server URL as shown in messages: without user-info (user:password@) or query (?token=...)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<the kubeconfig's server>"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _kubeconfig_path(explicit: str | None) -> str | None:
    """The kubeconfig to read; None means in-cluster configuration."""
    if explicit is not None:
        if not os.path.isfile(explicit):
            raise ClusterError(f"kubeconfig {explicit} does not exist", "pass the path of a kubeconfig file")
        return explicit
    env = os.environ.get("KUBECONFIG", "")
    candidates = [p for p in env.split(os.pathsep) if p] or [os.path.expanduser("~/.kube/config")]
    existing = [p for p in candidates if os.path.isfile(p)]
    if existing:
        return os.pathsep.join(existing)
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return None
    raise ClusterError("no kubeconfig found (looked at " + ", ".join(candidates) + ") and not running in a pod",
                       "pass --kubeconfig FILE, or set KUBECONFIG")


def _check_context(path: str, wanted: str | None) -> str:
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    try:
        contexts, current = config.list_kube_config_contexts(config_file=path)  # type: ignore[no-untyped-call]
    except ConfigException as exc:
        raise ClusterError(f"cannot read kubeconfig {path}: {_first_line(exc)}",
                           "check it with `kubectl config view`") from None
    names = [c.get("name") for c in contexts or [] if isinstance(c, dict)]
    if wanted is None:
        if not current:
            raise ClusterError(f"kubeconfig {path} has no current context",
                               "pass --context NAME (one of: " + ", ".join(map(str, names)) + ")")
        return str(current.get("name"))
    if wanted not in names:
        raise ClusterError(f"unknown context {wanted!r} in kubeconfig {path}",
                           "use one of: " + (", ".join(map(str, names)) or "(none defined)"))
    return wanted


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
