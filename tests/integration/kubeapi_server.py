"""A small Kubernetes API server for tests: real HTTP on 127.0.0.1, real API JSON.

It serves what `netverify --cluster` reads, the way kube-apiserver does: discovery
(/api, /apis, /version), typed List objects (kind, apiVersion, metadata.resourceVersion,
items without kind/apiVersion), cluster-wide and namespaced collections, `get` of a
namespace, `limit`/`continue` pagination with opaque tokens, bearer-token authentication
(401 Status), per-resource authorization (403 Status naming verb, resource and group)
and per-resource delays. Every request is recorded so tests can assert what was asked.

    with KubeAPIServer(objects, token="t0ken") as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml


@dataclass(frozen=True)
class Kind:
    group: str  # "" for the core group
    version: str
    plural: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


KINDS: dict[str, Kind] = {
    "Namespace": Kind("", "v1", "namespaces", namespaced=False),
    "Pod": Kind("", "v1", "pods"),
    "Service": Kind("", "v1", "services"),
    "Endpoints": Kind("", "v1", "endpoints"),
    "Secret": Kind("", "v1", "secrets"),
    "ConfigMap": Kind("", "v1", "configmaps"),
    "EndpointSlice": Kind("discovery.k8s.io", "v1", "endpointslices"),
    "NetworkPolicy": Kind("networking.k8s.io", "v1", "networkpolicies"),
    "Deployment": Kind("apps", "v1", "deployments"),
    "StatefulSet": Kind("apps", "v1", "statefulsets"),
    "DaemonSet": Kind("apps", "v1", "daemonsets"),
    "ReplicaSet": Kind("apps", "v1", "replicasets"),
    "Job": Kind("batch", "v1", "jobs"),
    "CronJob": Kind("batch", "v1", "cronjobs"),
    "Node": Kind("", "v1", "nodes", namespaced=False),
    "AdminNetworkPolicy": Kind("policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies", namespaced=False),
    "BaselineAdminNetworkPolicy": Kind("policy.networking.k8s.io", "v1alpha1", "baselineadminnetworkpolicies",
                                       namespaced=False),
    "ClusterNetworkPolicy": Kind("policy.networking.k8s.io", "v1alpha2", "clusternetworkpolicies", namespaced=False),
}
_BY_PATH = {(k.group, k.version, k.plural): name for name, k in KINDS.items()}
USER = "system:serviceaccount:netverify:reader"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None


def read_manifests(*paths: Path) -> list[dict[str, Any]]:
    """Every object in the YAML files/directories, List kinds expanded."""
    out: list[dict[str, Any]] = []
    files = [f for p in paths for f in (sorted(p.rglob("*.y*ml")) if p.is_dir() else [p])]
    for file in files:
        with file.open(encoding="utf-8") as handle:
            for doc in yaml.load_all(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
                if isinstance(doc, dict):
                    out.extend(doc.get("items") or [] if doc.get("kind", "").endswith("List") else [doc])
    return out


class KubeAPIServer:
    """Threaded HTTP server; start with `with` or `start()`, stop with `stop()`."""

    def __init__(self, objects: Iterable[dict[str, Any]], token: str = "test-token",
                 forbidden: Iterable[tuple[str, str]] = (), delays: dict[str, float] | None = None,
                 unauthorized: bool = False, missing_groups: Iterable[str] = (), expire_continue: bool = False,
                 hostile: Hostile | None = None) -> None:
        self.token = token
        self.forbidden = set(forbidden)  # (verb, plural)
        self.delays = dict(delays or {})  # plural -> seconds before answering
        self.unauthorized = unauthorized
        self.missing_groups = set(missing_groups)  # e.g. {"discovery.k8s.io"}: answer 404 like an old cluster
        self.expire_continue = expire_continue  # answer the first continued request with 410 Gone
        self.hostile = hostile or Hostile()
        self.requests: list[Request] = []
        self.resource_version = 1000
        self.store: dict[str, list[dict[str, Any]]] = {}
        for obj in objects:
            self.add(obj)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- content

    def add(self, obj: dict[str, Any]) -> None:
        kind = obj.get("kind")
        if kind not in KINDS:
            return
        self.resource_version += 1
        item = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
        meta = dict(item.get("metadata") or {})
        if KINDS[kind].namespaced:
            meta.setdefault("namespace", "default")
        meta.setdefault("resourceVersion", str(self.resource_version))
        meta.setdefault("uid", f"uid-{self.resource_version}")
        item["metadata"] = meta
        self.store.setdefault(kind, []).append(item)

    # --- lifecycle

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start(self) -> KubeAPIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> KubeAPIServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def write_kubeconfig(self, path: Path, context: str = "test", namespace: str = "default") -> Path:
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": context, "preferences": {},
            "clusters": [{"name": "test-cluster", "cluster": {"server": self.url}}],
            "users": [{"name": "test-user", "user": {"token": self.token}}],
            "contexts": [{"name": context, "context": {"cluster": "test-cluster", "user": "test-user",
                                                       "namespace": namespace}}],
        }
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        return path

    def paths_requested(self) -> list[str]:
        return [r.path for r in self.requests]

    # --- HTTP

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:  # quiet: tests read `requests` instead
                return

            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                status, body = api._answer("GET", self.path, self.headers.get("Authorization"))
                self._send(status, body)

            def _refuse(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status, body = api._answer(self.command, self.path, self.headers.get("Authorization"))
                self._send(405 if status < 400 else status, body if status >= 400 else _status(
                    405, "MethodNotAllowed", f"{self.command} is not allowed by this test server"))

            do_POST = do_PUT = do_PATCH = do_DELETE = _refuse  # noqa: N815

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    if api.hostile.drip_headers_seconds:
                        _drip_headers(self.wfile, api._stopping, api.hostile.drip_headers_seconds, status, len(data))
                        return
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if api.hostile.drip_seconds and status == 200:
                        for i in range(len(data)):  # one byte at a time: each read is quick, the body never ends
                            if api._stopping.wait(api.hostile.drip_seconds):
                                return
                            self.wfile.write(data[i:i + 1])
                            self.wfile.flush()
                        return
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

        return Handler

    def _answer(self, method: str, raw_path: str, authorization: str | None) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query)
        with self._lock:
            self.requests.append(Request(method, parts.path, query, authorization))
        if self.unauthorized or authorization != f"Bearer {self.token}":
            said = f"Unauthorized (you sent Authorization: {authorization})" if self.hostile.echo_authorization \
                else "Unauthorized"
            return 401, _status(401, "Unauthorized", said)
        segments = [s for s in parts.path.split("/") if s]
        if segments in (["api"], ["apis"], ["version"]):
            return 200, self._discovery(segments[0])
        route = self._route(segments)
        if route is None:
            return 404, _status(404, "NotFound", "the server could not find the requested resource")
        kind, namespace, name = route
        k = KINDS[kind]
        if k.group in self.missing_groups:
            return 404, _status(404, "NotFound", "the server could not find the requested resource")
        verb = "get" if name else "list"
        delay = self.delays.get(k.plural, 0.0)
        if delay:
            self._stopping.wait(delay)
        if (verb, k.plural) in self.forbidden:
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            echoed = f" (request headers: {{'authorization': '{authorization}'}})" if self.hostile.echo_authorization \
                else ""
            return 403, _status(403, "Forbidden", f'{k.plural} is forbidden: User "{USER}" cannot {verb} resource '
                                                  f'"{k.plural}" in API group "{k.group}" {scope}{echoed}',
                                {"kind": k.plural, "group": k.group})
        items = [o for o in self.store.get(kind, []) if namespace is None or o["metadata"].get("namespace") ==
                 namespace]
        if name:
            found = [o for o in items if o["metadata"].get("name") == name]
            if not found:
                return 404, _status(404, "NotFound", f'{k.plural} "{name}" not found')
            return 200, {"kind": kind, "apiVersion": k.api_version, **found[0]}
        status, answer = self._page(kind, k, items, query)
        if self.hostile.endless_continue and status == 200:
            answer["metadata"]["continue"] = self.hostile.next_token(answer["metadata"].get("continue"))
        if self.hostile.rewrite is not None and status == 200:
            answer = self.hostile.rewrite(kind, answer)
        return status, answer

    def _page(self, kind: str, k: Kind, items: list[dict[str, Any]], query: dict[str, list[str]]
              ) -> tuple[int, dict[str, Any]]:
        offset = 0
        token = (query.get("continue") or [""])[0]
        if token and self.hostile.endless_continue:
            token = ""  # every page starts over: the list never ends
        if token:
            if self.expire_continue:
                self.expire_continue = False
                return 410, _status(410, "Expired", "The provided continue parameter is too old to display a "
                                                    "consistent list result.")
            try:
                offset = int(json.loads(base64.urlsafe_b64decode(token.encode()))["start"])
            except (ValueError, KeyError, TypeError):
                return 400, _status(400, "BadRequest", "continue key is not valid")
        limit = int((query.get("limit") or ["0"])[0] or 0)
        page = items[offset:offset + limit] if limit else items[offset:]
        meta: dict[str, Any] = {"resourceVersion": str(self.resource_version)}
        end = offset + len(page)
        if limit and end < len(items):
            meta["continue"] = base64.urlsafe_b64encode(json.dumps({"rv": self.resource_version,
                                                                    "start": end}).encode()).decode()
            meta["remainingItemCount"] = len(items) - end
        return 200, {"kind": f"{kind}List", "apiVersion": k.api_version, "metadata": meta, "items": page}

    def _route(self, seg: list[str]) -> tuple[str, str | None, str | None] | None:
        """(kind, namespace, name) for /api/v1/... and /apis/G/V/... collection and object paths."""
        if seg[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", seg[2:]
        elif len(seg) >= 3 and seg[0] == "apis":
            group, version, rest = seg[1], seg[2], seg[3:]
        else:
            return None
        namespace = name = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if len(rest) == 2 and rest[0] == "namespaces" and not group:
            return "Namespace", None, rest[1]
        if len(rest) == 2:
            rest, name = rest[:1], rest[1]
        if len(rest) != 1:
            return None
        kind = _BY_PATH.get((group, version, rest[0]))
        if kind is None or (namespace is not None and not KINDS[kind].namespaced):
            return None
        return kind, namespace, name

    def _discovery(self, what: str) -> dict[str, Any]:
        if what == "version":
            return {"major": "1", "minor": "31", "gitVersion": "v1.31.0-netverify-test", "platform": "linux/amd64"}
        if what == "api":
            return {"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}
        groups = sorted({k.group for k in KINDS.values() if k.group} - self.missing_groups)
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": g, "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}],
             "preferredVersion": {"groupVersion": f"{g}/v1", "version": "v1"}} for g in groups]}


@dataclass
class Hostile:
    """How a broken or hostile API server misbehaves (the robustness tests): each off by default."""

    echo_authorization: bool = False  # error messages quote the request's Authorization header
    drip_seconds: float = 0.0  # send each 200 body one byte at a time, this long apart
    drip_headers_seconds: float = 0.0  # send the status line and endless headers one byte at a time
    endless_continue: str = ""  # "same": every page repeats one continue token; "fresh": a new one each time
    rewrite: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None  # (kind, list answer) -> answer
    pages: int = 0

    def next_token(self, token: Any) -> str:
        self.pages += 1
        if self.endless_continue == "same":
            return "c2FtZQ=="
        return base64.urlsafe_b64encode(json.dumps({"start": 0, "page": self.pages}).encode()).decode()


def _drip_headers(wfile: Any, stopping: threading.Event, seconds: float, status: int, length: int) -> None:
    """A status line and headers that never end, one byte at a time: each read is quick, the answer never is."""
    head = (f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n").encode()
    while True:
        for i in range(len(head)):
            if stopping.wait(seconds):
                return
            wfile.write(head[i:i + 1])
            wfile.flush()
        head = b"X-Slow: " + b"a" * 20 + b"\r\n"


def _status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body
