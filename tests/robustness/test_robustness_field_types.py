"""Wrong types in every field of Pod, Service, NetworkPolicy and a workload are rejected at their line.

Each object below sets every field netverify reads. The tests replace one field at a time with a
value of the wrong shape (a list or mapping where a plain value belongs, a plain value or the other
kind of collection where a list or mapping belongs) and expect what the catalogue expects of a
bad file: exit 2, the error at that field's line, a hint, no traceback. The API server rejects all
of these, so reading any of them silently would analyse a cluster that cannot exist.

The YAML is written by a small emitter here (one key or list item per line), which also records
each field's line: the expectation does not come from the reader under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_robustness import EXIT_INPUT, error_lines, parse_stderr, run_cli

FieldPath = tuple[Any, ...]

POD: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {
        "name": "web-1", "namespace": "shop", "labels": {"app": "web", "tier": "front"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "controller": True}],
    },
    "spec": {
        "hostNetwork": False, "nodeName": "node-1",
        "containers": [{"name": "app", "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}]}],
        "initContainers": [{"name": "proxy", "restartPolicy": "Always",
                            "ports": [{"containerPort": 15001, "name": "proxy", "protocol": "TCP"}]}],
    },
    "status": {"phase": "Running", "podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}, {"ip": "fd00::5"}]},
}

SERVICE: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
    "spec": {
        "type": "LoadBalancer", "selector": {"app": "web"},
        "ports": [{"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080, "protocol": "TCP"}],
        "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "externalTrafficPolicy": "Local",
        "loadBalancerSourceRanges": ["203.0.113.0/24"], "externalIPs": ["198.51.100.7"],
    },
}

NETWORK_POLICY: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"team": "shop"}},
    "spec": {
        "podSelector": {"matchLabels": {"app": "web"},
                        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{
            "from": [
                {"podSelector": {"matchLabels": {"app": "client"}},
                 "namespaceSelector": {"matchExpressions": [{"key": "env", "operator": "Exists"}]}},
                {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
            ],
            "ports": [{"protocol": "TCP", "port": 8000, "endPort": 8100}, {"protocol": "TCP", "port": "http"}],
        }],
        "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"team": "data"}}}],
                    "ports": [{"protocol": "TCP", "port": 5432}]}],
    },
}

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"},
                 "ownerReferences": [{"apiVersion": "example.com/v1", "kind": "App", "name": "shop",
                                      "controller": True}]},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"hostNetwork": False, "containers": [{"name": "app", "ports": [{"containerPort": 8080}]}]},
        },
    },
}

OBJECTS = {"Pod": POD, "Service": SERVICE, "NetworkPolicy": NETWORK_POLICY, "Deployment": DEPLOYMENT}

# Fields that accept more than one shape, and what else they accept (so it is not a wrong type).
# Everything not listed has exactly one shape: the one in the objects above.
NOT_CHECKED: set[FieldPath] = {
    ("apiVersion",), ("kind",),  # what the object is: covered by the catalogue (obj-*, api-* cases)
    ("spec", "containers", 0, "name"), ("spec", "initContainers", 0, "name"),  # not read: no meaning for traffic
    ("spec", "template", "spec", "containers", 0, "name"),
    ("metadata", "ownerReferences", 0, "apiVersion"),  # not read: the owner is identified by kind and name
}


def emit(value: Any, indent: int, path: FieldPath, out: list[str], lines: dict[FieldPath, int]) -> None:
    """Block YAML, one key per line, a list item's first key on its dash line (`- name: app`), as people
    write it; `lines` receives the line of every field and list item."""
    pad = " " * indent
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        lines[path + (key,)] = start = len(out) + 1
        if isinstance(item, (dict, list)) and item:
            if isinstance(value, dict):
                out.append(f"{pad}{key}:")
                emit(item, indent + 2, path + (key,), out, lines)
            else:
                emit(item, indent + 2, path + (key,), out, lines)
                out[start - 1] = f"{pad}- {out[start - 1][indent + 2:]}"
        else:  # JSON scalars and {} / [] are YAML flow values
            out.append(f"{pad}{key}: {json.dumps(item)}" if isinstance(value, dict) else f"{pad}- {json.dumps(item)}")


def render(obj: dict[str, Any]) -> tuple[str, dict[FieldPath, int]]:
    out: list[str] = []
    lines: dict[FieldPath, int] = {}
    emit(obj, 0, (), out, lines)
    return "\n".join(out) + "\n", lines


def fields(value: Any, path: FieldPath = ()) -> Iterator[FieldPath]:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield path + (key,)
        yield from fields(item, path + (key,))


def replaced(obj: Any, path: FieldPath, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(obj, dict):
        return {k: replaced(v, rest, new) if k == head else v for k, v in obj.items()}
    return [replaced(v, rest, new) if i == head else v for i, v in enumerate(obj)]


def value_at(obj: Any, path: FieldPath) -> Any:
    for key in path:
        obj = obj[key]
    return obj


def wrong_shapes(value: Any) -> dict[str, Any]:
    """Values of another shape than `value`'s, by name."""
    if isinstance(value, dict):
        return {"list": ["x"], "scalar": "x"}
    if isinstance(value, list):
        return {"mapping": {"x": "y"}, "scalar": "x"}
    wrong: dict[str, Any] = {"list": [value], "mapping": {"x": value}}
    if isinstance(value, bool):
        wrong["string"] = "yes"
    return wrong


CASES = [
    pytest.param(kind, path, shape, new, id=f"{kind}.{'.'.join(map(str, path))}={shape}")
    for kind, obj in OBJECTS.items()
    for path in fields(obj) if path not in NOT_CHECKED
    for shape, new in wrong_shapes(value_at(obj, path)).items()
]


def test_the_objects_are_valid_as_written(tmp_path: Path) -> None:
    """The baseline: without a mutation the objects load without even a warning (together: the policy's
    named port is the pod's), and each alone without an error, so each error below is the mutation's."""
    together = tmp_path / "all.yaml"
    together.write_text("---\n".join(render(obj)[0] for obj in OBJECTS.values()))
    result = run_cli(["matrix", str(together), "--format", "json", "--strict"])
    assert result.code == 0, result.err
    for kind, obj in OBJECTS.items():
        manifest = tmp_path / f"{kind}.yaml"
        manifest.write_text(render(obj)[0])
        result = run_cli(["matrix", str(manifest), "--format", "json"])
        assert result.code == 0, (kind, result.err)


@pytest.mark.parametrize(("kind", "path", "shape", "new"), CASES)
def test_a_wrong_type_in_any_field_is_an_error_at_its_line(tmp_path: Path, kind: str, path: FieldPath, shape: str,
                                                           new: Any) -> None:
    text, lines = render(replaced(OBJECTS[kind], path, new))
    manifest = tmp_path / "object.yaml"
    manifest.write_text(text)
    result = run_cli(["matrix", str(manifest), "--format", "json"])
    assert result.code == EXIT_INPUT, f"{'.'.join(map(str, path))} as a {shape} was accepted:\n{text}"
    assert "Traceback" not in result.err
    assert lines[path] in error_lines(result.err, str(manifest)), f"not located at line {lines[path]}:\n{result.err}"
    errors = [d for d in parse_stderr(result.err) if d.is_error]
    assert all(any(h.startswith("hint: ") for h in d.hints) for d in errors), result.err
