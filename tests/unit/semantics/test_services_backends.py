"""Service semantics: backends, targetPort per backend, and the Services that do not proxy to pods."""

from __future__ import annotations

from pathlib import Path

import pytest

from netverify.loaders.manifests import load_paths
from netverify.queries.answers import can_answer
from netverify.queries.context import Analysis
from netverify.queries.endpoints import EndpointError, resolve
from netverify.queries.ports import PortError, PortQuery
from netverify.queries.services import ServiceReachResult
from netverify.semantics.services import ENDPOINT_SLICES, NO_BACKENDS, SELECTOR, translate, view_service
from netverify.sets import ConnectionSet

CLIENT = """
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: app, labels: {role: client}}
spec: {containers: [{name: c}]}
status: {podIP: 10.1.0.1}
"""


def deployment(name: str, labels: str, ports: str) -> str:
    return f"""
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: app}}
spec:
  selector: {{matchLabels: {labels}}}
  template:
    metadata: {{labels: {labels}}}
    spec: {{containers: [{{name: c, ports: {ports}}}]}}
"""


def service(name: str, spec: str) -> str:
    return f"\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: app}}\nspec: {spec}\n"


def analysis(tmp_path: Path, *docs: str) -> Analysis:
    path = tmp_path / "objects.yaml"
    path.write_text(CLIENT + "".join(docs))
    result = load_paths([str(path)])
    assert result.errors == [], [d.render() for d in result.errors]
    return Analysis(result.cluster)


def view(a: Analysis, name: str):  # type: ignore[no-untyped-def]
    svc = next(s for s in a.cluster.services if s.name == name)
    return view_service(svc, a.cluster, a.endpoints)


TWO_VERSIONS = (
    deployment("api-v1", "{app: api, version: v1}", "[{name: http, containerPort: 8000}]"),
    deployment("api-v2", "{app: api, version: v2}", "[{name: http, containerPort: 9000}]"),
    deployment("api-v3", "{app: api, version: v3}", "[{name: grpc, containerPort: 7000}]"),
    service("api", "{selector: {app: api}, ports: [{name: web, port: 80, targetPort: http}]}"),
)


def test_a_named_target_port_resolves_on_each_backend(tmp_path: Path) -> None:
    a = analysis(tmp_path, *TWO_VERSIONS)
    v = view(a, "api")
    assert v.origin == SELECTOR
    port = v.service.ports[0]
    targets = {b.endpoint.id: translate(v, port, b).target for b in v.backends}
    assert targets == {"app/Deployment/api-v1": ConnectionSet.of("TCP", 8000),
                       "app/Deployment/api-v2": ConnectionSet.of("TCP", 9000),
                       "app/Deployment/api-v3": ConnectionSet.none()}


def test_a_backend_without_the_named_port_does_not_serve_it_and_says_why(tmp_path: Path) -> None:
    v = view(analysis(tmp_path, *TWO_VERSIONS), "api")
    v3 = next(b for b in v.backends if b.endpoint.name == "api-v3")
    assert "has no TCP container port named 'http'" in translate(v, v.service.ports[0], v3).how


def test_a_numeric_target_port_and_a_missing_one(tmp_path: Path) -> None:
    a = analysis(tmp_path, deployment("web", "{app: web}", "[{containerPort: 8080}]"),
                 service("web", "{selector: {app: web}, ports: [{name: a, port: 80, targetPort: 8080}, {name: b, port: 81}]}"))
    v = view(a, "web")
    (backend,) = v.backends
    assert translate(v, v.service.ports[0], backend).target == ConnectionSet.of("TCP", 8080)
    assert translate(v, v.service.ports[1], backend).target == ConnectionSet.of("TCP", 81)  # targetPort = port


def test_a_selector_may_pick_single_members_of_a_workload(tmp_path: Path) -> None:
    pods = "".join(f"""
---
apiVersion: v1
kind: Pod
metadata:
  name: db-{i}
  namespace: app
  labels: {{app: db, statefulset.kubernetes.io/pod-name: db-{i}}}
  ownerReferences: [{{kind: StatefulSet, name: db, controller: true}}]
spec: {{containers: [{{name: c, ports: [{{containerPort: 5432}}]}}]}}
status: {{podIP: 10.1.1.{i}}}
""" for i in range(3))
    a = analysis(tmp_path, pods, service("db-0", "{selector: {statefulset.kubernetes.io/pod-name: db-0}, "
                                                 "ports: [{port: 5432}]}"))
    (backend,) = view(a, "db-0").backends
    assert backend.endpoint.id == "app/StatefulSet/db" and backend.pods == ("db-0",)


SLICE = """
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-abc, namespace: app, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
endpoints:
  - addresses: [10.1.0.1]
    conditions: {ready: true}
    targetRef: {kind: Pod, name: client, namespace: app}
  - addresses: [10.1.0.200]
    conditions: {ready: false}
ports: [{name: web, port: 6000, protocol: TCP}]
"""


def test_endpoint_slices_win_over_the_selector_and_skip_unready_endpoints(tmp_path: Path) -> None:
    a = analysis(tmp_path, *TWO_VERSIONS, SLICE)
    v = view(a, "api")
    assert v.origin == ENDPOINT_SLICES
    (backend,) = v.backends
    assert backend.endpoint.id == "app/client"
    assert translate(v, v.service.ports[0], backend).target == ConnectionSet.of("TCP", 6000)


def test_an_empty_selector_is_no_selector(tmp_path: Path) -> None:
    v = view(analysis(tmp_path, service("manual", "{selector: {}, ports: [{port: 80}]}")), "manual")
    assert v.origin == NO_BACKENDS and not v.backends
    assert "has no selector and no EndpointSlices" in v.notes[0]


def test_external_name_has_no_backends_and_cannot_be_asked_about(tmp_path: Path) -> None:
    a = analysis(tmp_path, service("ext", "{type: ExternalName, externalName: db.example.com}"))
    v = view(a, "ext")
    assert v.kind == "ExternalName" and not v.backends and "CNAME to db.example.com" in v.notes[0]
    with pytest.raises(EndpointError, match="ExternalName"):
        can_answer(a, resolve(a, "app/client"), resolve(a, "svc/app/ext"), PortQuery())


def test_a_service_without_backends_denies_and_explains(tmp_path: Path) -> None:
    a = analysis(tmp_path, service("none", "{selector: {app: nothing}, ports: [{port: 80}]}"))
    result = can_answer(a, resolve(a, "app/client"), resolve(a, "svc/app/none"), PortQuery())
    assert isinstance(result, ServiceReachResult) and not result.allowed and result.pairs == ()
    assert result.view is not None and "has no backends" in result.view.notes[-1]


def test_headless_uses_port_numbers_as_is_and_names_through_the_target_port(tmp_path: Path) -> None:
    a = analysis(tmp_path, deployment("db", "{app: db}", "[{name: pg, containerPort: 5432}]"),
                 service("db", "{clusterIP: None, selector: {app: db}, ports: [{name: sql, port: 80, "
                               "targetPort: pg}]}"))
    client, db = resolve(a, "app/client"), resolve(a, "svc/app/db")
    as_is = can_answer(a, client, db, PortQuery.parse("80", None))
    assert isinstance(as_is, ServiceReachResult) and as_is.direct_ports
    assert as_is.pairs[0].queried == ConnectionSet.of("TCP", 80)
    named = can_answer(a, client, db, PortQuery.parse("sql", None))
    assert named.pairs[0].queried == ConnectionSet.of("TCP", 5432)


DENY_V2 = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-v1-open, namespace: app}
spec:
  podSelector: {matchLabels: {version: v2}}
  policyTypes: [Ingress]
"""


def test_a_service_is_reachable_only_when_every_serving_backend_admits(tmp_path: Path) -> None:
    a = analysis(tmp_path, *TWO_VERSIONS, DENY_V2)
    result = can_answer(a, resolve(a, "app/client"), resolve(a, "svc/app/api"), PortQuery.parse("80", None))
    assert isinstance(result, ServiceReachResult)
    assert set(result.backends_served) == {"app/Deployment/api-v1", "app/Deployment/api-v2"}
    assert result.admitted_backends() == {"app/client": ["app/Deployment/api-v1"]}
    assert not result.allowed
    open_a = analysis(tmp_path, *TWO_VERSIONS)
    assert can_answer(open_a, resolve(open_a, "app/client"), resolve(open_a, "svc/app/api"), PortQuery()).allowed


def test_a_port_the_service_does_not_declare_is_a_usage_error(tmp_path: Path) -> None:
    a = analysis(tmp_path, *TWO_VERSIONS)
    with pytest.raises(PortError, match=r"no port TCP 8000; its ports: 80/TCP \(web\)"):
        can_answer(a, resolve(a, "app/client"), resolve(a, "svc/app/api"), PortQuery.parse("8000", None))


def test_both_service_expressions_resolve_alike_and_unknown_ones_list_the_known(tmp_path: Path) -> None:
    a = analysis(tmp_path, *TWO_VERSIONS)
    assert resolve(a, "svc/app/api").members == resolve(a, "app/Service/api").members
    assert resolve(a, "app/svc/api").service is not None
    with pytest.raises(EndpointError, match="unknown Service app/nope; Services in app: api"):
        resolve(a, "svc/app/nope")
