"""Typos and unknown fields never vanish: every field of the kinds netverify reads is checked, as by
kubectl's strict field validation.

The property: take a valid object of any kind netverify reads, rename ANY one of its fields (at any
depth, not only the fields netverify analyses) to a misspelling or to an unknown name: the input is
refused (exit 2) at the line of that key, saying `unknown field`, and for a misspelling the hint names
a known field one edit away. The field table itself is checked against the official client's models,
so that no field a cluster accepts is ever refused.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers_robustness import EXIT_INPUT, parse_stderr, run_cli
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from netverify.loaders.fields import Fields
from netverify.loaders.schemas import CLIENT_KINDS, SchemaTable, check_unknown_fields, client_types, schema_table
from netverify.loaders.yamlio import iter_documents
from netverify.model import Diagnostic

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES: list[dict[str, Any]] = [
    d for p in sorted((ROOT / "fixtures" / "demo").glob("*.yaml"))
    for d in yaml.safe_load_all(p.read_text()) if isinstance(d, dict) and d.get("kind") in CLIENT_KINDS
] + [
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop", "labels": {"a": "b"}},
     "spec": {"type": "NodePort", "selector": {"app": "web"}, "externalTrafficPolicy": "Local",
              "ports": [{"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080, "protocol": "TCP"}]}},
    {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "report", "namespace": "shop"},
     "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {
         "metadata": {"labels": {"app": "report"}},
         "spec": {"restartPolicy": "Never", "containers": [{"name": "r", "image": "busybox",
                                                            "ports": [{"containerPort": 8080, "name": "metrics"}],
                                                            "resources": {"limits": {"cpu": "1"}}}]}}}}}},
    {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
     "metadata": {"name": "web-1", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}},
     "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": True},
                    "targetRef": {"kind": "Pod", "name": "web", "namespace": "shop"}}],
     "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]},
]


def field_paths(doc: dict[str, Any], table: SchemaTable) -> list[tuple[tuple[Any, ...], str]]:
    """(path to a mapping, its key) for every key of `doc` that is a field of the kind's schema (not a key of a
    free-form map such as labels), with the object type that mapping has."""
    out: list[tuple[tuple[Any, ...], str]] = []
    stack: list[tuple[Any, str, tuple[Any, ...]]] = [(doc, table.kinds[doc["kind"]], ())]
    while stack:
        node, type_name, path = stack.pop()
        known = table.fields_of(type_name)
        for key, value in node.items():
            out.append((path + (key,), type_name))
            shape = known.get(key)
            if shape is None:
                continue
            if shape.startswith("[") and isinstance(value, list):
                stack.extend((item, shape[1:-1], path + (key, i)) for i, item in enumerate(value)
                             if isinstance(item, dict))
            elif isinstance(value, dict):
                stack.append((value, shape, path + (key,)))
    return out


def renamed(doc: dict[str, Any], path: tuple[Any, ...], new: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    parent: Any = out
    for step in path[:-1]:
        parent = parent[step]
    items = list(parent.items())
    parent.clear()
    parent.update((new if k == path[-1] else k, v) for k, v in items)
    return out


@st.composite
def misspellings(draw: st.DrawFn, word: str) -> str:
    """One edit of `word`: a letter dropped, doubled or replaced, two neighbours swapped, a case changed."""
    i = draw(st.integers(0, len(word) - 1))
    edit = draw(st.sampled_from(["drop", "double", "replace", "swap", "case"]))
    if edit == "drop" and len(word) > 1:
        return word[:i] + word[i + 1:]
    if edit == "double":
        return word[:i] + word[i] + word[i:]
    if edit == "replace":
        return word[:i] + draw(st.sampled_from("aeiouxyz")) + word[i + 1:]
    if edit == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i].swapcase() + word[i + 1:]


def one_edit_apart(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) == 1 and any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def key_line(text: str, key: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.strip().lstrip("- ").startswith(f"{key}:")]
    assume(len(lines) == 1)
    return lines[0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_field_renamed_anywhere_is_refused_at_its_line(tmp_path: Path, data: st.DataObject) -> None:
    table = schema_table()
    doc = data.draw(st.sampled_from(EXAMPLES))
    # apiVersion and kind say what the object is: renaming them is another error (covered by the catalogue).
    candidates = [(p, t) for p, t in field_paths(doc, table) if p not in (("apiVersion",), ("kind",))]
    path, type_name = data.draw(st.sampled_from(candidates))
    original = path[-1]
    known = table.fields_of(type_name)
    typo = data.draw(st.booleans())
    new = data.draw(misspellings(original)) if typo else data.draw(
        st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzXYZ"), min_size=3, max_size=12))
    assume(new not in known and new not in ("<<",) and new != original)
    text = yaml.safe_dump(renamed(doc, path, new), sort_keys=False, default_flow_style=False)
    line = key_line(text, new)
    file = tmp_path / "typo.yaml"
    file.write_text(text)
    result = run_cli(["matrix", str(file), "--format", "json"])
    assert result.code == EXIT_INPUT, (path, new, result.err)
    assert result.out == ""
    located = [d for d in parse_stderr(result.err) if d.head.startswith(f"{file}:{line}: error: ")
               and f"{new}: unknown field" in d.head]
    assert located, (path, new, result.err)
    hints = [h for d in located for h in d.hints if h.startswith("hint: ")]
    assert hints
    if typo and len(original) > 2:
        suggested = hints[0].split("did you mean `", 1)[1].split("`", 1)[0] if "did you mean `" in hints[0] else None
        assert suggested is not None, (new, original, hints)
        assert suggested in known and one_edit_apart(suggested, new) or suggested.lower() == new.lower(), hints


def test_the_examples_themselves_are_accepted(tmp_path: Path) -> None:
    """The control: without a rename, every example loads (so the property above tests the rename)."""
    file = tmp_path / "examples.yaml"
    file.write_text(yaml.safe_dump_all(EXAMPLES, sort_keys=False))
    result = run_cli(["matrix", str(file), "--format", "json"])
    assert result.code == 0, result.err


def test_the_table_knows_every_field_of_the_installed_kubernetes_client() -> None:
    """A field the client knows but the table does not would be refused in a valid manifest. When a new
    client adds fields, regenerate: python -m netverify.loaders.schemas > netverify/loaders/k8s_fields.json"""
    table = schema_table()
    for name, fields in client_types(CLIENT_KINDS.values()).items():
        missing = set(fields) - set(table.types.get(name, {}))
        assert not missing, f"{name} lacks {sorted(missing)}: regenerate k8s_fields.json"


def test_a_kind_plugs_in_with_its_own_schema() -> None:
    """Kinds outside the client (custom resources) add a table entry; the same machinery checks them."""
    table = SchemaTable({"Widget": {"apiVersion": None, "kind": None, "metadata": None, "spec": "WidgetSpec"},
                         "WidgetSpec": {"priority": None, "rules": "[WidgetRule]"},
                         "WidgetRule": {"action": None}}, {"Widget": "Widget"})
    doc = next(iter_documents("kind: Widget\nspec:\n  priorty: 1\n  rules:\n    - acton: Allow\n")).data
    diagnostics: list[Diagnostic] = []
    check_unknown_fields(doc, "Widget", Fields("w.yaml", "Widget w", diagnostics), table)
    assert [(d.source.line, d.message, d.hint) for d in diagnostics] == [
        (3, "spec.priorty: unknown field", "did you mean `priority`?"),
        (5, "spec.rules[0].acton: unknown field", "did you mean `action`?"),
    ]


def test_objects_read_from_a_live_cluster_are_not_checked_for_unknown_fields() -> None:
    """The API server serves only fields it knows: one the table lacks is newer than the table, not a typo."""
    from netverify.loaders.manifests import load_objects
    from netverify.model import SourceRef

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
           "spec": {"containers": [{"name": "c", "image": "i"}], "fieldFromAFutureRelease": True}}
    assert load_objects([(pod, SourceRef("cluster:test/Pod/shop/web"))]).errors == []


@pytest.mark.parametrize("kind", sorted(CLIENT_KINDS))
def test_every_kind_read_has_a_schema(kind: str) -> None:
    assert kind in schema_table().kinds
