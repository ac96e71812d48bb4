"""Read a live cluster through the official `kubernetes` client, read-only.

Only `get` and `list` are used, on Namespaces, Pods, Services, EndpointSlices (Endpoints
on clusters without discovery.k8s.io/v1), NetworkPolicies and the pod controllers
(Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs: they group pods
into workloads exactly as manifests do), Nodes and the admin policy custom resources
(AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy). Never Secrets or
ConfigMaps. A custom resource whose CRD is not installed is none, said once (an info
diagnostic); listing Nodes may be forbidden, which matters (a warning) only when an admin
policy has `nodes` peers.

Lists are paginated (`limit`/`continue`), every request has a timeout, and progress is
reported through a callback: this module never prints. Objects are kept in their API
JSON form and fed to `load_objects`, so a cluster is read by the very same conversion
code as manifest files, with sources like `cluster:<context>/Pod/<ns>/<name>`.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from netverify.loaders.manifests import LoadResult, load_objects
from netverify.loaders.yamlio import LocatedList, LocatedMap
from netverify.model import AdminPolicy, Diagnostic, PeerForm, Severity, SourceRef

DEFAULT_PAGE_SIZE = 500
DEFAULT_TIMEOUT = 30.0
IN_CLUSTER = "in-cluster"


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
ADMIN_RESOURCES = (
    Resource("AdminNetworkPolicy", "policy.networking.k8s.io/v1alpha1", "adminnetworkpolicies", "CustomObjectsApi",
             namespaced=False),
    Resource("BaselineAdminNetworkPolicy", "policy.networking.k8s.io/v1alpha1", "baselineadminnetworkpolicies",
             "CustomObjectsApi", namespaced=False),
    Resource("ClusterNetworkPolicy", "policy.networking.k8s.io/v1alpha2", "clusternetworkpolicies",
             "CustomObjectsApi", namespaced=False),
)

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


@dataclass(frozen=True)
class ClusterSource:
    """Where and how to read: the command-line options of --cluster."""

    kubeconfig: str | None = None
    context: str | None = None
    namespaces: tuple[str, ...] = ()  # empty: every namespace
    request_timeout: float = DEFAULT_TIMEOUT
    page_size: int = DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class Progress:
    """Reported after every page: `read` objects of `kind` so far; `done` after the last page."""

    kind: str
    read: int
    done: bool = False


ProgressCallback = Callable[[Progress], None]


class ClusterError(Exception):
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
    """An ApiClient for the kubeconfig context (or the in-cluster service account); no global state."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    configuration = type.__call__(client.Configuration)  # a fresh one, not the library's default
    configuration.retries = False  # fail fast and quietly: urllib3 would log each retry
    path = _kubeconfig_path(source.kubeconfig)
    try:
        if path is None:
            config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
            context = IN_CLUSTER
        else:
            context = _check_context(path, source.context)
            config.load_kube_config(config_file=path, context=context,  # type: ignore[no-untyped-call]
                                    client_configuration=configuration, persist_config=False)
    except ConfigException as exc:
        raise ClusterError(f"cannot use the kubeconfig: {_first_line(exc)}",
                           "check the file with `kubectl config view --kubeconfig FILE`") from None
    return Connection(client.ApiClient(configuration), context, str(configuration.host))


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


# --- reading ------------------------------------------------------------------------------


def read_objects(source: ClusterSource, progress: ProgressCallback | None = None
                 ) -> tuple[str, list[tuple[dict[str, Any], SourceRef]]]:
    """(context, every object with where it came from), in API JSON form."""
    conn = connect(source)
    reader = _Reader(conn, source, progress or (lambda _: None))
    try:
        return conn.context, list(reader.everything())
    finally:
        conn.client.close()


def load_cluster(source: ClusterSource, progress: ProgressCallback | None = None,
                 default_namespace: str = "default") -> LoadResult:
    """Read the cluster and convert it exactly as manifest files are converted."""
    conn = connect(source)
    reader = _Reader(conn, source, progress or (lambda _: None))
    try:
        objects = list(reader.everything())
    finally:
        conn.client.close()
    result = load_objects(((located(obj), where) for obj, where in objects), default_namespace)
    result.diagnostics.extend(reader.notes(result.cluster.admin_policies))
    return result


class _Reader:
    def __init__(self, conn: Connection, source: ClusterSource, progress: ProgressCallback) -> None:
        self.conn = conn
        self.source = source
        self.progress = progress
        self.not_served: list[Resource] = []
        self.nodes_forbidden = False

    def notes(self, admin_policies: tuple[AdminPolicy, ...]) -> list[Diagnostic]:
        """What the cluster did not let us read, said once."""
        where = SourceRef(f"cluster:{self.conn.context}")
        out = []
        if self.not_served:
            kinds = ", ".join(r.kind for r in self.not_served)
            out.append(Diagnostic(Severity.INFO, where, f"{kinds}: not served by this cluster (CRD not installed): "
                                                        "none read"))
        uses_nodes = any(p.form is PeerForm.NODES for a in admin_policies for r in a.egress for p in r.peers)
        if self.nodes_forbidden and uses_nodes:
            out.append(Diagnostic(Severity.WARNING, where, "listing Nodes is forbidden: `nodes` peers of admin "
                                  "policies match no address", "grant get and list on nodes (see docs/cluster.md)"))
        return out

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
            if not self._served(resource):
                self.not_served.append(resource)
                continue
            count = 0
            for obj in self._list(resource, None, 0):
                count += 1
                yield self._with_source(obj, resource)
            self.progress(Progress(resource.kind, count, done=True))

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
                n, _preload_content=False, _request_timeout=self.source.request_timeout), name=name)
            yield self._with_source(raw, NAMESPACES)
        self.progress(Progress("Namespace", len(self.source.namespaces), done=True))

    def _served(self, resource: Resource) -> bool:
        """Whether the API group/version is served (a missing one answers 404 to a list)."""
        method = self._method(resource, None)
        try:
            self._call(resource, "list", None, lambda: method(
                limit=1, _preload_content=False, _request_timeout=self.source.request_timeout))
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
        count = already
        restarted = False
        while True:
            kwargs: dict[str, Any] = {"limit": self.source.page_size, "_preload_content": False,
                                      "_request_timeout": self.source.request_timeout}
            if token:
                kwargs["_continue"] = token
            args = (namespace,) if namespace else ()
            try:
                page = self._call(resource, "list", namespace, functools.partial(method, *args, **kwargs))
            except ClusterError as exc:
                if exc.status == 410 and not restarted:  # continue token expired: start over
                    restarted, token, count = True, None, already
                    continue
                raise
            items = page.get("items") or []
            for item in items:
                if isinstance(item, dict):
                    yield item
            count += len(items)
            token = (page.get("metadata") or {}).get("continue") or None
            if not token:
                return
            self.progress(Progress(resource.kind, count))

    def _with_source(self, obj: dict[str, Any], resource: Resource) -> tuple[dict[str, Any], SourceRef]:
        full = _kind_and_version(obj, resource)
        meta = full.get("metadata") or {}
        return full, source_ref(self.conn.context, full["kind"], str(meta.get("namespace") or ""),
                                str(meta.get("name") or "?"))

    def _api(self, name: str) -> Any:
        from kubernetes import client
        return getattr(client, name)(self.conn.client)

    def _call(self, resource: Resource, verb: str, namespace: str | None, request: Callable[[], Any],
              name: str | None = None) -> dict[str, Any]:
        try:
            response = request()
            data = response.data if hasattr(response, "data") else response.read()
        except Exception as exc:  # noqa: BLE001 - classified below; anything else is re-raised
            raise self._explain(exc, resource, verb, namespace, name) from None
        try:
            parsed = json.loads(data)
        except (TypeError, ValueError):
            raise ClusterError(f"the API server at {self.conn.server} answered {verb} {resource.plural} with "
                               "something that is not JSON", "check that the kubeconfig points at a Kubernetes "
                               "API server") from None
        if not isinstance(parsed, dict):
            raise ClusterError(f"unexpected answer to {verb} {resource.plural} from {self.conn.server}")
        return parsed

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
            return ClusterError(
                f"the API server at {server} (context {context}) did not answer {verb} {resource.plural} within "
                f"{self.source.request_timeout:g} s", "check the connection, or raise --request-timeout")
        if isinstance(cause, (http.HTTPError, OSError)):
            return ClusterError(f"cannot reach the API server at {server} (context {context}): "
                                f"{_reason(cause)}", "check that the cluster is running and the kubeconfig "
                                "points at it (kubectl cluster-info)")
        if isinstance(exc, ApiException):
            return _api_error(exc, resource, verb, namespace, name, server, context)
        return exc


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for known in ("Connection refused", "Name or service not known", "No route to host", "Network is unreachable",
                  "certificate verify failed"):
        if known.lower() in text.lower():
            return known.lower()
    return type(exc).__name__


def _status_message(exc: Any) -> str:
    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError):
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return str(message)[:300] if message else ""


def _api_error(exc: Any, resource: Resource, verb: str, namespace: str | None, name: str | None, server: str,
               context: str) -> ClusterError:
    status = int(getattr(exc, "status", 0) or 0)
    group = resource.group or "core"
    scope = f"in namespace {namespace}" if namespace else "in all namespaces" if resource.namespaced else ""
    what = f"{verb} {resource.plural}" + (f" {name}" if name else "") + f" (API group {group}) {scope}".rstrip()
    said = _status_message(exc)
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
        error = ClusterError(f"the API server at {server} answered {what} with {status or 'an error'} "
                             f"{getattr(exc, 'reason', '') or ''}{server_said}".rstrip(),
                             "check the cluster's health (kubectl get --raw /readyz)")
    error.status = status
    return error


# --- objects ------------------------------------------------------------------------------


def source_ref(context: str, kind: str, namespace: str, name: str) -> SourceRef:
    return SourceRef(f"cluster:{context}/{kind}/{namespace + '/' if namespace else ''}{name}")


def located(value: Any) -> Any:
    """Plain JSON -> LocatedMap/LocatedList (line 0), the shape the converters read."""
    if isinstance(value, dict):
        out = LocatedMap()
        for k, v in value.items():
            out[k] = located(v)
        return out
    if isinstance(value, list):
        items = LocatedList()
        items.extend(located(v) for v in value)
        return items
    return value


def _slices_from_endpoints(obj: dict[str, Any]) -> dict[str, Any]:
    """An Endpoints object as one EndpointSlice per subset would show it (ready addresses only)."""
    meta = obj.get("metadata") or {}
    endpoints, ports = [], []
    for subset in obj.get("subsets") or []:
        for address in subset.get("addresses") or []:
            entry: dict[str, Any] = {"addresses": [address.get("ip")], "conditions": {"ready": True}}
            if isinstance(address.get("targetRef"), dict):
                entry["targetRef"] = address["targetRef"]
            endpoints.append(entry)
        for p in subset.get("ports") or []:
            if p not in ports:
                ports.append(p)
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": meta.get("name"), "namespace": meta.get("namespace"),
                         "labels": {"kubernetes.io/service-name": meta.get("name")}},
            "addressType": "IPv4", "endpoints": endpoints, "ports": ports}


def _kind_and_version(obj: dict[str, Any], resource: Resource) -> dict[str, Any]:
    if resource is ENDPOINTS:
        return _slices_from_endpoints(obj)
    out = dict(obj)
    out["kind"] = resource.kind  # items of a typed list come without them
    out["apiVersion"] = resource.api_version
    return out
