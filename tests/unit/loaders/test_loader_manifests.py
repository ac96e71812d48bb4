"""Loading manifests: what is read, how pods map to endpoints, and located errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netverify.loaders.manifests import load_paths
from netverify.queries.context import Analysis


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {ns}
  labels: {{app: web{extra}}}
{owner}spec:
  containers:
    - name: c
      image: x
      ports: [{{name: http, containerPort: 80}}]
status:
  phase: {phase}
  podIP: {ip}
"""


def pod(name: str, ns: str = "shop", ip: str = "10.0.0.1", phase: str = "Running", owner: str = "", extra: str = "") -> str:
    owner_yaml = ""
    if owner:
        kind, oname = owner.split("/")
        owner_yaml = f"  ownerReferences:\n    - {{apiVersion: apps/v1, kind: {kind}, name: {oname}, controller: true, uid: u}}\n"
    return POD.format(name=name, ns=ns, ip=ip, phase=phase, owner=owner_yaml, extra=extra)


def test_directories_are_read_recursively_and_other_files_ignored(tmp_path: Path) -> None:
    write(tmp_path, "a/one.yaml", pod("p1"))
    write(tmp_path, "a/b/two.yml", pod("p2", ip="10.0.0.2"))
    write(tmp_path, "a/b/c/three.json", json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "q"}}))
    write(tmp_path, "a/README.md", "not yaml: [")
    result = load_paths([str(tmp_path / "a")])
    assert not result.errors
    assert {p.name for p in result.cluster.pods} == {"p1", "p2"}
    assert "q" in {n.name for n in result.cluster.namespaces}


def test_every_object_keeps_its_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", "# comment\n" + pod("p1") + "---\n" + pod("p2", ip="10.0.0.2"))
    pods = {p.name: p for p in load_paths([path]).cluster.pods}
    assert pods["p1"].source.line == 2
    assert pods["p2"].source.line == 2 + POD.count("\n") + 1


def test_list_and_typed_lists_as_kubectl_and_the_api_write_them(tmp_path: Path) -> None:
    kubectl = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}]}
    api = {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "1"}, "items": [
        {"metadata": {"name": "p", "namespace": "a"}, "spec": {"containers": [{"name": "c", "image": "i"}]}, "status": {"podIP": "10.1.1.1"}}]}
    path = write(tmp_path, "dump.json", json.dumps([kubectl][0]))
    path2 = write(tmp_path, "pods.json", json.dumps(api))
    result = load_paths([path, path2])
    assert not result.errors
    assert [p.name for p in result.cluster.pods] == ["p"]
    assert result.cluster.pods[0].ips == ("10.1.1.1",)


def test_namespaces_carry_the_name_label_and_undeclared_ones_exist_implicitly(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
                 "    kubernetes.io/metadata.name: spoofed\n---\n" + pod("p", ns="other"))
    cluster = load_paths([path]).cluster
    shop, other = cluster.namespace("shop"), cluster.namespace("other")
    assert dict(shop.labels)["kubernetes.io/metadata.name"] == "shop"  # the API server overrides it
    assert other is not None and other.implicit and dict(other.labels) == {"kubernetes.io/metadata.name": "other"}


def test_objects_without_namespace_go_to_the_default_namespace(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", pod("p").replace("  namespace: shop\n", ""))
    assert load_paths([path]).cluster.pods[0].namespace == "default"
    assert load_paths([path], default_namespace="team").cluster.pods[0].namespace == "team"


def test_finished_pods_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", pod("done", phase="Succeeded") + "---\n" + pod("failed", phase="Failed", ip="10.0.0.3"))
    assert load_paths([path]).cluster.pods == ()


def test_other_kinds_are_skipped_and_secret_content_is_never_read(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {x: [not, base64]}\n"
                 "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    result = load_paths([path])
    assert not result.errors
    assert [s.kind for s in result.cluster.skipped] == ["Secret", "ConfigMap"]


def test_a_duplicate_object_replaces_the_earlier_one_with_a_warning(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", pod("p", ip="10.0.0.1"))
    b = write(tmp_path, "b.yaml", pod("p", ip="10.0.0.9"))
    result = load_paths([a, b])
    assert [p.ips for p in result.cluster.pods] == [("10.0.0.9",)]
    (warning,) = result.warnings
    assert "duplicate Pod shop/p" in warning.message and f"{a}:1" in warning.message and warning.source.file == b


class TestWorkloads:
    DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: x, ports: [{name: http, containerPort: 80}]}]
"""

    def endpoints(self, tmp_path: Path, text: str, by: str = "workload") -> dict[str, object]:
        result = load_paths([write(tmp_path, "m.yaml", text)])
        assert not result.errors, [d.render() for d in result.errors]
        return {e.id: e for e in Analysis(result.cluster, by=by).endpoints}

    def test_a_workload_is_one_endpoint_with_its_template(self, tmp_path: Path) -> None:
        eps = self.endpoints(tmp_path, self.DEPLOY)
        assert list(eps) == ["shop/Deployment/web"]

    def test_its_pods_are_not_counted_twice(self, tmp_path: Path) -> None:
        text = self.DEPLOY + "---\n" + pod("web-5d8f-aaaaa", owner="ReplicaSet/web-5d8f", extra=", pod-template-hash: 5d8f") \
            + "---\n" + pod("web-5d8f-bbbbb", ip="10.0.0.2", owner="ReplicaSet/web-5d8f", extra=", pod-template-hash: 5d8f")
        eps = self.endpoints(tmp_path, text)
        assert list(eps) == ["shop/Deployment/web"]
        assert eps["shop/Deployment/web"].ips == ("10.0.0.1", "10.0.0.2")
        assert set(self.endpoints(tmp_path, text, by="pod")) == {"shop/web-5d8f-aaaaa", "shop/web-5d8f-bbbbb"}

    def test_pods_of_an_unloaded_deployment_are_reported_under_it(self, tmp_path: Path) -> None:
        text = pod("web-5d8f-aaaaa", owner="ReplicaSet/web-5d8f", extra=", pod-template-hash: 5d8f")
        assert list(self.endpoints(tmp_path, text)) == ["shop/Deployment/web"]

    def test_a_member_that_differs_in_a_label_a_policy_reads_is_reported_alone(self, tmp_path: Path) -> None:
        policy = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\n"
                  "spec:\n  podSelector: {matchLabels: {canary: 'true'}}\n")
        text = self.DEPLOY + "---\n" + pod("web-1", owner="StatefulSet/db") + "---\n" \
            + pod("web-2", ip="10.0.0.2", owner="StatefulSet/db", extra=", canary: 'true'") + "---\n" + policy
        eps = self.endpoints(tmp_path, text)
        assert "shop/StatefulSet/db" in eps and "shop/web-2" in eps
        assert "differs from the other members in labels" in eps["shop/web-2"].notes[0]

    def test_a_label_no_policy_reads_does_not_split_members(self, tmp_path: Path) -> None:
        text = pod("db-0", owner="StatefulSet/db", extra=", statefulset.kubernetes.io/pod-name: db-0") + "---\n" \
            + pod("db-1", ip="10.0.0.2", owner="StatefulSet/db", extra=", statefulset.kubernetes.io/pod-name: db-1")
        eps = self.endpoints(tmp_path, text)
        assert list(eps) == ["shop/StatefulSet/db"]
        assert "statefulset.kubernetes.io/pod-name" not in dict(eps["shop/StatefulSet/db"].labels)

    def test_cronjob_template_and_replicaset_of_a_loaded_deployment(self, tmp_path: Path) -> None:
        cron = ("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: backup, namespace: data}\nspec:\n  schedule: '* * * * *'\n"
                "  jobTemplate:\n    spec:\n      template:\n        metadata: {labels: {app: backup}}\n"
                "        spec: {containers: [{name: c, image: x}]}\n")
        rs = ("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: web-5d8f\n  namespace: shop\n  ownerReferences:\n"
              "    - {apiVersion: apps/v1, kind: Deployment, name: web, controller: true, uid: u}\nspec:\n"
              "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: x}]}\n")
        eps = self.endpoints(tmp_path, cron + "---\n" + self.DEPLOY + "---\n" + rs)
        assert sorted(eps) == ["data/CronJob/backup", "shop/Deployment/web"]
        assert dict(eps["data/CronJob/backup"].labels) == {"app": "backup"}


@pytest.mark.parametrize("text, line, fragment", [
    ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    version: 1\nspec: {containers: [{name: c, image: i}]}\n", 6,
     "label value 1 must be a string"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n"
     "    - from:\n        - ipBlock: {cidr: 10.0.0.0/33}\n", 8, "is not a valid CIDR"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n"
     "    - from:\n        - ipBlock:\n            cidr: 10.0.0.0/16\n            except: [10.1.0.0/24]\n", 10,
     "must be a strict subset of cidr"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector:\n"
     "    matchExpressions:\n      - {key: a, operator: Equals, values: [x]}\n", 7, "unknown operator 'Equals'"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector:\n"
     "    matchExpressions:\n      - key: a\n        operator: Exists\n        values: [x]\n", 9, "takes no values"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n"
     "    - ports:\n        - port: 0\n", 8, "out of range 1-65535"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n"
     "    - ports:\n        - {port: 80, protocol: ICMP}\n", 8, "unsupported protocol 'ICMP'"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n"
     "    - ports:\n        - {port: http, endPort: 90}\n", 8, "endPort cannot be used with a named port"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n"
     "    - ports:\n        - port: 90\n          endPort: 80\n", 9, "endPort 80 is less than port 90"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n"
     "    - ports:\n        - port: '80'\n", 8, "neither a port number nor a valid port name"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n"
     "    - from:\n        - {}\n", 8, "must specify podSelector, namespaceSelector or ipBlock"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n"
     "    - from:\n        - ipBlock: {cidr: 10.0.0.0/8}\n          podSelector: {}\n", 8, "cannot be combined"),
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n"
     "  policyTypes: [ingress]\n", 6, "unknown policy type 'ingress'"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.300}\n", 5,
     "is not a valid IP address"),
    ("kind: Pod\nmetadata:\n  name: p\n  name: q\n", 4, "duplicate key 'name'"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: p\n", 4, "invalid YAML"),
    ("metadata: {name: p}\n", 1, "has no `kind`"),
])
def test_invalid_input_is_located_and_explained(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    result = load_paths([path])
    assert result.errors, "expected an error"
    rendered = "\n".join(d.render() for d in result.errors)
    assert fragment in rendered
    assert any(d.source == type(d.source)(path, line) for d in result.errors), rendered


def test_all_errors_of_a_file_are_reported_together(tmp_path: Path) -> None:
    text = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n"
            "  ingress:\n    - ports:\n        - {port: 0}\n        - {port: 1, protocol: XTP}\n")
    errors = load_paths([write(tmp_path, "bad.yaml", text)]).errors
    assert len(errors) == 2
