"""Read a live cluster through the official `kubernetes` client, read-only.

Only `get` and `list` are used, on Namespaces, Pods, Services, EndpointSlices (Endpoints
on clusters without discovery.k8s.io/v1), NetworkPolicies, the pod controllers
(Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs: they group pods
into workloads exactly as manifests do), Nodes and the admin policy custom resources
(loaders/admin.unread_notes says what could not be read). Never Secrets or ConfigMaps.

Lists are paginated (`limit`/`continue`), every request has a timeout, and progress is reported
through a callback: this module never prints. Objects are kept in their API JSON form and fed to
`load_objects` (the conversion of manifest files), with sources like `cluster:<context>/Pod/<ns>/<name>`.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from netverify.loaders.admin import unread_notes
from netverify.loaders.api_objects import as_mapping, located, slices_from_endpoints, source_ref
from netverify.loaders.credentials import Redactor
from netverify.loaders.deadline import RequestWatch
from netverify.loaders.kubeconfig import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
    DEFAULT_TOTAL_TIMEOUT,
    IN_CLUSTER,
    MAX_BODY_BYTES,
    MAX_OBJECTS,
    MAX_PAGES,
    ClusterError,
    ClusterSource,
    Connection,
    Progress,
    ProgressCallback,
    connect,
    display_url,
)
from netverify.loaders.manifests import LoadResult, load_objects
from netverify.model import SourceRef

__all__ = [  # the connection side lives in kubeconfig.py; callers import both from here
    "DEFAULT_PAGE_SIZE", "DEFAULT_TIMEOUT", "DEFAULT_TOTAL_TIMEOUT", "IN_CLUSTER", "MAX_BODY_BYTES", "MAX_OBJECTS",
    "MAX_PAGES", "RESOURCES", "ClusterError", "ClusterSource", "Connection", "Progress", "ProgressCallback", "Resource",
    "connect", "display_url", "load_cluster", "read_objects",
]


@dataclass(frozen=True)
class Resource:
    kind: str
    api_version: str  # of the objects: "v1", "apps/v1"...
    plural: str
    api: str  # kubernetes.client API class
    namespaced: bool = True

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    def method(self, namespace: str | None) -> str:
        snake = _SNAKE[self.kind]
        if not self.namespaced:
            return f"list_{snake}"
        return f"list_namespaced_{snake}" if namespace else f"list_{snake}_for_all_namespaces"


_SNAKE = {
    "Namespace": "namespace", "Pod": "pod", "Service": "service", "EndpointSlice": "endpoint_slice",
    "Endpoints": "endpoints", "NetworkPolicy": "network_policy", "Deployment": "deployment",
    "StatefulSet": "stateful_set", "DaemonSet": "daemon_set", "ReplicaSet": "replica_set", "Job": "job",
    "CronJob": "cron_job", "Node": "node",
}

NAMESPACES = Resource("Namespace", "v1", "namespaces", "CoreV1Api", namespaced=False)
ENDPOINT_SLICES = Resource("EndpointSlice", "discovery.k8s.io/v1", "endpointslices", "DiscoveryV1Api")
ENDPOINTS = Resource("Endpoints", "v1", "endpoints", "CoreV1Api")
RESOURCES = (
    Resource("Pod", "v1", "pods", "CoreV1Api"),
    Resource("Service", "v1", "services", "CoreV1Api"),
    ENDPOINT_SLICES,
    Resource("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies", "NetworkingV1Api"),
    Resource("Deployment", "apps/v1", "deployments", "AppsV1Api"),
    Resource("StatefulSet", "apps/v1", "statefulsets", "AppsV1Api"),
    Resource("DaemonSet", "apps/v1", "daemonsets", "AppsV1Api"),
    Resource("ReplicaSet", "apps/v1", "replicasets", "AppsV1Api"),
    Resource("Job", "batch/v1", "jobs", "BatchV1Api"),
    Resource("CronJob", "batch/v1", "cronjobs", "BatchV1Api"),
)

NODES = Resource("Node", "v1", "nodes", "CoreV1Api", namespaced=False)
_ADMIN = "policy.networking.k8s.io/v1alpha1", "policy.networking.k8s.io/v1alpha2", "CustomObjectsApi"
ADMIN_RESOURCES = (Resource("AdminNetworkPolicy", _ADMIN[0], "adminnetworkpolicies", _ADMIN[2], namespaced=False),
                   Resource("BaselineAdminNetworkPolicy", _ADMIN[0], "baselineadminnetworkpolicies", _ADMIN[2], False),
                   Resource("ClusterNetworkPolicy", _ADMIN[1], "clusternetworkpolicies", _ADMIN[2], namespaced=False))

MINIMAL_CLUSTER_ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: netverify-reader
rules:
  - apiGroups: [""]
    resources: [namespaces, pods, services, endpoints]  # endpoints: only read without discovery.k8s.io/v1
    verbs: [get, list]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [get, list]
  - apiGroups: [networking.k8s.io]
    resources: [networkpolicies]
    verbs: [get, list]
  - apiGroups: [apps]
    resources: [deployments, statefulsets, daemonsets, replicasets]
    verbs: [get, list]
  - apiGroups: [batch]
    resources: [jobs, cronjobs]
    verbs: [get, list]
  - apiGroups: [""]
    resources: [nodes]  # for nodes peers of admin policies
    verbs: [get, list]
  - apiGroups: [policy.networking.k8s.io]
    resources: [adminnetworkpolicies, baselineadminnetworkpolicies, clusternetworkpolicies]
    verbs: [get, list]
"""



# --- reading ------------------------------------------------------------------------------

def read_objects(source: ClusterSource, progress: ProgressCallback | None = None
                 ) -> tuple[str, list[tuple[dict[str, Any], SourceRef]]]:
    """(context, every object with where it came from), in API JSON form."""
    context, objects, _ = _read(source, progress)
    return context, objects


def _read(source: ClusterSource, progress: ProgressCallback | None) -> tuple[str, list[Any], _Reader]:
    conn = connect(source)
    reader = _Reader(conn, source, progress or (lambda _: None))
    try:
        return conn.context, list(reader.everything()), reader
    finally:
        conn.client.close()


def load_cluster(source: ClusterSource, progress: ProgressCallback | None = None,
                 default_namespace: str = "default") -> LoadResult:
    """Read the cluster and convert it exactly as manifest files are converted."""
    context, objects, reader = _read(source, progress)
    result = load_objects(((located(obj), where) for obj, where in objects), default_namespace)
    result.diagnostics.extend(unread_notes(f"cluster:{context}", reader.not_served, reader.nodes_forbidden,
                                           result.cluster.admin_policies))
    return result


class _Reader:
    def __init__(self, conn: Connection, source: ClusterSource, progress: ProgressCallback) -> None:
        self.conn = conn
        self.source = source
        self.progress = progress
        self.deadline = time.monotonic() + source.total_timeout
        self.watch = RequestWatch()  # each request's total time, headers included (a dripping server)
        self.watch.install(conn.client.rest_client.pool_manager)
        self.not_served: list[str] = []  # admin kinds whose CRD is not installed
        self.nodes_forbidden = False

    def everything(self) -> Iterator[tuple[dict[str, Any], SourceRef]]:
        yield from self._namespaces()
        scopes: list[str | None] = list(self.source.namespaces) or [None]
        for resource in RESOURCES:
            if resource is ENDPOINT_SLICES and not self._served(resource):
                resource = ENDPOINTS  # clusters before discovery.k8s.io/v1 (Kubernetes < 1.21)
            count = 0
            for namespace in scopes:
                for obj in self._list(resource, namespace, count):
                    count += 1
                    yield self._with_source(obj, resource)
            self.progress(Progress(resource.kind, count, done=True))
        yield from self._cluster_scoped()

    def _cluster_scoped(self) -> Iterator[tuple[dict[str, Any], SourceRef]]:
        """Nodes and the admin policy custom resources: listed once, whatever the namespace filter."""
        try:
            nodes = list(self._list(NODES, None, 0))
        except ClusterError as exc:
            if exc.status != 403:
                raise
            self.nodes_forbidden, nodes = True, []
        yield from (self._with_source(obj, NODES) for obj in nodes)
        self.progress(Progress(NODES.kind, len(nodes), done=True))
        for resource in ADMIN_RESOURCES:
            objects = list(self._list(resource, None, 0)) if self._served(resource) else None
            if objects is None:
                self.not_served.append(resource.kind)
                continue
            yield from (self._with_source(obj, resource) for obj in objects)
            self.progress(Progress(resource.kind, len(objects), done=True))

    def _namespaces(self) -> Iterator[tuple[dict[str, Any], SourceRef]]:
        if not self.source.namespaces:
            count = 0
            for obj in self._list(NAMESPACES, None, 0):
                count += 1
                yield self._with_source(obj, NAMESPACES)
            self.progress(Progress("Namespace", count, done=True))
            return
        api = self._api("CoreV1Api")
        for name in self.source.namespaces:
            raw = self._call(NAMESPACES, "get", None, lambda n=name: api.read_namespace(  # type: ignore[misc]
                n, _preload_content=False, _request_timeout=self._request_timeout()), name=name)
            yield self._with_source(raw, NAMESPACES)
        self.progress(Progress("Namespace", len(self.source.namespaces), done=True))

    def _served(self, resource: Resource) -> bool:
        """Whether the API group/version is served (a missing one answers 404 to a list)."""
        method = self._method(resource, None)
        try:
            self._call(resource, "list", None, lambda: method(
                limit=1, _preload_content=False, _request_timeout=self._request_timeout()))
        except ClusterError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def _method(self, resource: Resource, namespace: str | None) -> Callable[..., Any]:
        api = self._api(resource.api)
        if resource.api == "CustomObjectsApi":  # cluster-scoped custom resources
            group, _, version = resource.api_version.partition("/")
            return functools.partial(api.list_cluster_custom_object, group, version, resource.plural)
        return getattr(api, resource.method(namespace))  # type: ignore[no-any-return]

    def _list(self, resource: Resource, namespace: str | None, already: int) -> Iterator[dict[str, Any]]:
        method = self._method(resource, namespace)
        token: str | None = None
        tokens_seen: set[str] = set()
        count = already
        restarted = False
        pages = 0
        while True:
            kwargs: dict[str, Any] = {"limit": self.source.page_size, "_preload_content": False,
                                      "_request_timeout": self._request_timeout()}
            if token:
                kwargs["_continue"] = token
            args = (namespace,) if namespace else ()
            try:
                page = self._call(resource, "list", namespace, functools.partial(method, *args, **kwargs))
            except ClusterError as exc:
                if exc.status == 410 and not restarted:  # continue token expired: start over
                    restarted, token, count, pages = True, None, already, 0
                    tokens_seen.clear()
                    continue
                raise
            items = page.get("items")
            if items is None:
                items = []
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise self._malformed(resource, "its `items` is not a list of objects")
            metadata = page.get("metadata")
            if metadata is None:
                metadata = {}
            if not isinstance(metadata, dict):
                raise self._malformed(resource, "its list `metadata` is not an object")
            yield from items
            count += len(items)
            pages += 1
            token = metadata.get("continue") or None
            if token is None:
                return
            if not isinstance(token, str):
                raise self._malformed(resource, "its `continue` token is not a string")
            if token in tokens_seen or pages >= self.source.max_pages or count >= self.source.max_objects:
                raise ClusterError(
                    f"the API server at {self.conn.server} keeps answering list {resource.plural} with more pages "
                    f"({pages:,} pages, {count:,} objects"
                    + (", the same continue token twice" if token in tokens_seen else "") + "): stopped",
                    "check the API server (or an aggregating proxy in front of it): a list must end")
            tokens_seen.add(token)
            self.progress(Progress(resource.kind, count))

    def _malformed(self, resource: Resource, what: str) -> ClusterError:
        return ClusterError(f"the API server at {self.conn.server} answered list {resource.plural} with a malformed "
                            f"list: {what}", "check that the kubeconfig points at a Kubernetes API server")

    def _request_timeout(self) -> tuple[float, float]:
        """Each request's timeout: --request-timeout, or less when the whole read's time is nearly spent.

        As a (connect, read) pair, the form every supported `kubernetes` client honours: before 36 its REST
        client ignored a float `_request_timeout` (only int and tuple were read), so --request-timeout 0.5 and
        the 30.0 default meant no timeout at all with the oldest versions we support."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._out_of_time()
        seconds = min(self.source.request_timeout, left)
        return (seconds, seconds)

    def _out_of_time(self) -> ClusterError:
        return ClusterError(f"reading the cluster took longer than {self.source.total_timeout:g} s in all: stopped",
                            "read fewer namespaces (-n), or check the API server's health")

    def _with_source(self, obj: dict[str, Any], resource: Resource) -> tuple[dict[str, Any], SourceRef]:
        full = _kind_and_version(obj, resource)
        meta = as_mapping(full.get("metadata"))
        return full, source_ref(self.conn.context, full["kind"], str(meta.get("namespace") or ""),
                                str(meta.get("name") or "?"))

    def _api(self, name: str) -> Any:
        from kubernetes import client
        return getattr(client, name)(self.conn.client)

    def _call(self, resource: Resource, verb: str, namespace: str | None, request: Callable[[], Any],
              name: str | None = None) -> dict[str, Any]:
        seconds = self._request_timeout()[1]
        # The socket timeout (the same `seconds`) ends a silent server first and says so; the watch ends one
        # that keeps sending a byte now and then, a little later.
        try:
            with self.watch.limit(seconds + min(2.0, max(0.1, seconds / 4))):
                response = request()
                data = self._body(response, resource, verb)
        except ClusterError:
            raise
        except Exception as exc:  # noqa: BLE001 - classified below; anything else is re-raised
            if self.watch.expired:
                raise self._too_slow(resource, verb, seconds) from None
            raise self._explain(exc, resource, verb, namespace, name) from None
        if self.watch.expired:
            raise self._too_slow(resource, verb, seconds)
        try:
            parsed = json.loads(data)
        except (TypeError, ValueError, RecursionError):
            raise ClusterError(f"the API server at {self.conn.server} answered {verb} {resource.plural} with "
                               "something that is not JSON", "check that the kubeconfig points at a Kubernetes "
                               "API server") from None
        if not isinstance(parsed, dict):
            raise ClusterError(f"unexpected answer to {verb} {resource.plural} from {self.conn.server}")
        return parsed

    def _body(self, response: Any, resource: Resource, verb: str) -> bytes:
        """The whole body (the request's watch stops a server that drips it), refused past MAX_BODY_BYTES."""
        read1 = getattr(response, "read1", None)
        if read1 is None:
            return bytes(response.data if hasattr(response, "data") else response.read())
        chunks: list[bytes] = []
        size = 0
        try:
            while chunk := read1(1 << 16):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise ClusterError(f"the API server at {self.conn.server} answered {verb} {resource.plural} "
                                       f"with more than {MAX_BODY_BYTES >> 20} MB in one page: stopped",
                                       "check the API server")
        finally:
            response.release_conn()
        return b"".join(chunks)

    def _too_slow(self, resource: Resource, verb: str, seconds: float) -> ClusterError:
        if time.monotonic() >= self.deadline - 0.05:  # the request was given only what was left of the total
            return self._out_of_time()
        return ClusterError(f"the API server at {self.conn.server} (context {self.conn.context}) did not finish "
                            f"answering {verb} {resource.plural} within {seconds:g} s",
                            "check the connection (or a proxy in front of the API server), or raise "
                            "--request-timeout")

    def _explain(self, exc: Exception, resource: Resource, verb: str, namespace: str | None,
                 name: str | None) -> Exception:
        from kubernetes.client.exceptions import ApiException
        from urllib3 import exceptions as http

        server, context = self.conn.server, self.conn.context
        cause: BaseException = exc
        if isinstance(exc, http.MaxRetryError) and exc.reason is not None:
            cause = exc.reason
        # urllib3 makes a refused connection a kind of connect timeout (compatibility): not a timeout here.
        if isinstance(cause, http.TimeoutError) and not isinstance(cause, http.NewConnectionError):
            if time.monotonic() >= self.deadline - 0.05:  # the request was given only what was left of the total
                return self._out_of_time()
            return ClusterError(
                f"the API server at {server} (context {context}) did not answer {verb} {resource.plural} within "
                f"{self.source.request_timeout:g} s", "check the connection, or raise --request-timeout")
        if isinstance(cause, (http.HTTPError, OSError)):
            return ClusterError(f"cannot reach the API server at {server} (context {context}): "
                                f"{_reason(cause)}", "check that the cluster is running and the kubeconfig "
                                "points at it (kubectl cluster-info)")
        if isinstance(exc, ApiException):
            return _api_error(exc, resource, verb, namespace, name, server, context, self.source.redactor)
        if isinstance(exc, (ValueError, UnicodeError, http.HTTPError)):  # e.g. a header value the client refused
            return ClusterError(f"the request {verb} {resource.plural} to the API server at {server} (context "
                                f"{context}) failed ({type(exc).__name__})", "check the kubeconfig's server and user")
        return exc


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for known in ("Connection refused", "Name or service not known", "No route to host", "Network is unreachable",
                  "certificate verify failed"):
        if known.lower() in text.lower():
            return known.lower()
    return type(exc).__name__


def _status_message(exc: Any, redactor: Redactor) -> str:
    """The server's own words (a Status `message`), without credentials (a server may echo the request's
    Authorization header), unprintable characters escaped and at most 300 characters."""
    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError, RecursionError):
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    if not message:
        return ""
    text = redactor.redact(str(message)[:2000])
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return text if len(text) <= 300 else text[:300] + "..."


def _api_error(exc: Any, resource: Resource, verb: str, namespace: str | None, name: str | None, server: str,
               context: str, redactor: Redactor) -> ClusterError:
    status = int(getattr(exc, "status", 0) or 0)
    group = resource.group or "core"
    scope = f"in namespace {namespace}" if namespace else "in all namespaces" if resource.namespaced else ""
    what = f"{verb} {resource.plural}" + (f" {name}" if name else "") + f" (API group {group}) {scope}".rstrip()
    said = _status_message(exc, redactor)
    server_said = f"; the server said: {said}" if said else ""
    error: ClusterError
    if status == 401:
        error = ClusterError(f"401 Unauthorized: the API server at {server} rejected the credentials of context "
                             f"{context}", "the token or certificate is invalid or expired: refresh it (e.g. log in "
                             "again) and check with `kubectl auth whoami`")
    elif status == 403:
        error = ClusterError(
            f"403 Forbidden: context {context} may not {what}{server_said}",
            f"netverify needs get and list on what it reads; grant this read-only ClusterRole (and bind it with "
            f"kubectl create clusterrolebinding netverify-reader --clusterrole=netverify-reader "
            f"--user=<user> or --serviceaccount=<ns>:<name>):\n{MINIMAL_CLUSTER_ROLE}")
    elif status == 404 and name:
        error = ClusterError(f"namespace {name} not found in context {context}", "check the -n/--cluster-namespace "
                             "value (kubectl get namespaces)")
    elif status == 404:
        error = ClusterError(f"the API server at {server} does not serve {resource.plural} "
                             f"({resource.api_version}){server_said}")
    elif status == 410:
        error = ClusterError(f"the list of {resource.plural} changed too much while it was being read (410 Gone)",
                             "run the command again")
    else:
        reason = redactor.redact(str(getattr(exc, "reason", "") or ""))[:100]
        reason = "".join(ch if ch.isprintable() else " " for ch in reason)
        error = ClusterError(f"the API server at {server} answered {what} with {status or 'an error'} "
                             f"{reason}{server_said}".rstrip(),
                             "check the cluster's health (kubectl get --raw /readyz)")
    error.status = status
    return error


# --- objects ------------------------------------------------------------------------------


def _kind_and_version(obj: dict[str, Any], resource: Resource) -> dict[str, Any]:
    if resource is ENDPOINTS:
        return slices_from_endpoints(obj)
    out = dict(obj)
    out["kind"] = resource.kind  # items of a typed list come without them
    out["apiVersion"] = resource.api_version
    return out
