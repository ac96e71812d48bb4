"""Which fields each kind netverify reads may have: unknown fields are errors, as under kubectl's strict
field validation (`kubectl apply --validate=strict`, the default since Kubernetes 1.27).

A typo such as `form:` for `from:`, `exept:` for `except:` or `podSelector: {app: x}` (labels without
`matchLabels`) would otherwise be dropped without a word, and the policy would mean something else.

The table is data, one schema per kind: object types by name, each a mapping of field name to its
shape (`"T"`: an object of type T, `"[T]"`: a list of T, `null`: a scalar, a free-form map or anything
else whose keys are not fields). The kinds of the `kubernetes` API come from `k8s_fields.json`, generated
from the official client's models (`python -m netverify.loaders.schemas > netverify/loaders/k8s_fields.json`;
a test checks it still covers the installed client). Kinds not in that client (custom resources such as the
admin network policies) add their types to `EXTRA_TYPES` and their root type to `EXTRA_KINDS`: the checking
machinery is the same for every kind.

Invariants: every unknown field is reported once, at its own line, with the nearest known name as hint when
there is one; a container shared through YAML aliases is checked once per place in the schema; the walk
uses an explicit stack (the reader already bounds nesting) and costs one dict lookup per key.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from netverify.loaders.fields import Fields, line_of
from netverify.model.source import quoted

Shape = str | None  # "T", "[T]" or None
TypeTable = Mapping[str, Mapping[str, Shape]]

# Fields of older apiVersions that netverify still reads (a warning asks to move to the current one).
EXTRA_TYPES: dict[str, dict[str, Shape]] = {}
EXTRA_KINDS: dict[str, str] = {}
_LEGACY_FIELDS: dict[str, dict[str, Shape]] = {
    "V1DeploymentSpec": {"rollbackTo": None, "templateGeneration": None},  # extensions/v1beta1, apps/v1beta1
    "V1DaemonSetSpec": {"templateGeneration": None},  # extensions/v1beta1
}

# The kinds a manifest may hold, by the client model of their current apiVersion.
CLIENT_KINDS = {
    "Namespace": "V1Namespace", "Pod": "V1Pod", "Service": "V1Service", "NetworkPolicy": "V1NetworkPolicy",
    "EndpointSlice": "V1EndpointSlice", "Deployment": "V1Deployment", "StatefulSet": "V1StatefulSet",
    "DaemonSet": "V1DaemonSet", "ReplicaSet": "V1ReplicaSet", "ReplicationController": "V1ReplicationController",
    "Job": "V1Job", "CronJob": "V1CronJob",
}
_SELECTOR = "V1LabelSelector"


class SchemaTable:
    """Object types and the root type of each kind."""

    def __init__(self, types: TypeTable, kinds: Mapping[str, str]) -> None:
        self.types = types
        self.kinds = kinds
        # Per type, only the fields that hold objects or lists of objects: the walk descends through these.
        self.nested = {name: {key: shape for key, shape in fields.items() if shape} for name, fields in types.items()}
        # The same for `_all_known`, which visits every mapping loaded: each type's field names as a set-like view,
        # and per nesting field the type below and whether it holds a list of them (the shape's text read once).
        self.field_names = {name: fields.keys() for name, fields in types.items()}
        self.below: dict[str, dict[str, tuple[str, bool]]] = {
            name: {key: (shape.strip("[]"), shape[0] == "[") for key, shape in nested.items()}
            for name, nested in self.nested.items()}

    def fields_of(self, type_name: str) -> Mapping[str, Shape]:
        return self.types[type_name]


@functools.cache
def schema_table() -> SchemaTable:
    """The generated table of the `kubernetes` kinds, plus the hand-written extras (read once: constant data)."""
    data = json.loads(resources.files("netverify.loaders").joinpath("k8s_fields.json").read_text("utf-8"))
    types: dict[str, dict[str, Shape]] = {name: dict(fields) for name, fields in data["types"].items()}
    for name, extra in _LEGACY_FIELDS.items():
        types[name].update(extra)
    types.update(EXTRA_TYPES)
    kinds = {kind: root for kind, root in CLIENT_KINDS.items() if root in types}
    kinds.update(EXTRA_KINDS)
    return SchemaTable(types, kinds)


def check_unknown_fields(doc: Any, kind: str, f: Fields, table: SchemaTable | None = None) -> None:
    """Report every field of `doc` (an object of `kind`) that its schema does not know."""
    table = table or schema_table()
    root = table.kinds.get(kind)
    if root is None or not isinstance(doc, dict) or _all_known(doc, root, table):
        return
    types = table.types
    # A place is (parent place, key or index), built as tuples: its dotted text is only written out for a
    # field that is reported (this walk visits every key of every object loaded, so it stays lean).
    stack: list[tuple[Any, str, _Place]] = [(doc, root, None)]
    seen: set[tuple[int, str]] = set()
    found: list[tuple[int, _Place, Any, str]] = []  # reported in line order once the walk is done
    while stack:
        node, type_name, place = stack.pop()
        if (id(node), type_name) in seen:  # shared through an alias: already checked here
            continue
        seen.add((id(node), type_name))
        known = types[type_name]
        children: list[tuple[Any, str, _Place]] = []
        for key, value in node.items():
            shape: Any = known.get(key, _UNKNOWN) if type(key) is str else _UNKNOWN
            if shape is _UNKNOWN:
                found.append((line_of(node, key), place, key, type_name))
                continue
            if shape is None or value is None:
                continue
            if shape[0] == "[":
                if isinstance(value, list):
                    item_type, here = shape[1:-1], (place, key)
                    children.extend((item, item_type, (here, i)) for i, item in enumerate(value)
                                    if isinstance(item, dict))
            elif isinstance(value, dict):
                children.append((value, shape, (place, key)))
        stack.extend(reversed(children))  # depth first, in document order
    explain = kind.lower()
    for line, place, key, type_name in sorted(found, key=lambda item: item[0]):
        where, explain_path = _written(place, explain)
        shown = key if isinstance(key, str) and len(key) <= 100 else quoted(key)  # keys can be aliased values
        f.error(line, f"{where}.{shown}" if where else shown, "unknown field",
                unknown_field_hint(key, types[type_name], type_name, explain_path))


def _all_known(doc: Any, root: str, table: SchemaTable) -> bool:
    """Whether every field of `doc` is known: the common case, answered with a set comparison per mapping (in C)
    and a lookup per field of a type that nests objects. Only when it is not does the located walk run."""
    field_names, nesting = table.field_names, table.below
    stack: list[tuple[Any, str]] = [(doc, root)]
    push, pop = stack.append, stack.pop
    while stack:
        node, type_name = pop()
        if not field_names[type_name] >= node.keys():
            return False
        below = nesting[type_name]
        if not below:
            continue  # a type of scalars only (a port, an owner reference): nothing to descend into
        for key, value in node.items():
            nested = below.get(key)
            if nested is None or value is None:
                continue
            item_type, is_list = nested
            if is_list:
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, dict):
                            push((item, item_type))
            elif isinstance(value, dict):
                push((value, item_type))
    return True


_Place = tuple[Any, Any] | None  # (parent place, key or list index); None is the object itself
_UNKNOWN = object()


def _written(place: _Place, explain: str) -> tuple[str, str]:
    """A place as the field path shown in messages (`spec.ingress[0].from`) and as `kubectl explain`'s
    path (`networkpolicy.spec.ingress.from`: no indexes)."""
    parts: list[Any] = []
    while place is not None:
        place, step = place
        parts.append(step)
    where, explain_path = "", explain
    for step in reversed(parts):
        if isinstance(step, int):
            where += f"[{step}]"
            continue
        shown = step if len(step) <= 100 else quoted(step)
        where = f"{where}.{shown}" if where else shown
        explain_path = f"{explain_path}.{step}"
    return where, explain_path


def unknown_field_hint(key: Any, known: Iterable[str], type_name: str, explain_path: str) -> str:
    names = sorted(known)
    nearest = nearest_name(key if isinstance(key, str) else "", names)
    if type_name == _SELECTOR:
        labels = "labels go under matchLabels, e.g. `podSelector: {matchLabels: {app: web}}`"
        return f"did you mean `{nearest}`? ({labels})" if nearest else f"a selector has matchLabels and " \
            f"matchExpressions only: {labels}"
    if nearest:
        return f"did you mean `{nearest}`?"
    return (f"remove it, or check its spelling and indentation (fields here: `kubectl explain {explain_path}`)"
            if len(names) > 8 else f"remove it, or check its spelling and indentation; known here: {', '.join(names)}")


def nearest_name(word: str, names: Iterable[str]) -> str | None:
    """The known name closest to a misspelt one: same letters in another case, or at most one or two edits
    (insertions, deletions, substitutions, swaps of neighbours) for names long enough to tell apart."""
    if len(word) > 64:
        return None  # no field name is this long
    lowered = word.lower()
    best: tuple[int, str] | None = None
    for name in names:
        if name.lower() == lowered:
            return name
        limit = 1 if len(name) <= 4 else 2
        if abs(len(name) - len(word)) > limit:
            continue
        distance = _edit_distance(lowered, name.lower(), limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, name)
    return best[1] if best else None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without repeated edits), capped above `limit`."""
    if len(a) > 64 or len(b) > 64:
        return limit + 1  # no field name is this long: not worth comparing
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


# --- generating the table from the official client ------------------------------------------------


def client_types(roots: Iterable[str]) -> dict[str, dict[str, Shape]]:
    """The object types reachable from `roots` in the `kubernetes` client's models, as schema shapes."""
    from kubernetes import client

    out: dict[str, dict[str, Shape]] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in out:
            continue
        model = getattr(client, name)
        fields: dict[str, Shape] = {}
        for attribute, openapi_type in model.openapi_types.items():
            shape = _shape(openapi_type, client)
            fields[model.attribute_map[attribute]] = shape
            if shape is not None:
                pending.append(shape.strip("[]"))
        out[name] = dict(sorted(fields.items()))
    return dict(sorted(out.items()))


def _shape(openapi_type: str, client: Any) -> Shape:
    if openapi_type.lower().startswith("list[") and openapi_type.endswith("]"):  # list[T] or List[T]
        inner = _shape(openapi_type[5:-1], client)
        return f"[{inner}]" if inner is not None and not inner.startswith("[") else None
    return openapi_type if hasattr(client, openapi_type) and openapi_type[:1] == "V" else None


def main() -> None:  # pragma: no cover - regenerates the data file
    from kubernetes import __version__

    table = {"generated_from": f"kubernetes {__version__}", "kinds": CLIENT_KINDS,
             "types": client_types(CLIENT_KINDS.values())}
    json.dump(table, sys.stdout, indent=0, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":  # pragma: no cover
    main()
