"""The user's kinds file (`--kinds FILE`): how to read custom resources netverify does not know.

Format (YAML; every entry names a kind, optionally its API group, and one of three readings):

    kinds:
      - kind: CloneSet                 # a pod template somewhere in the resource
        apiGroup: apps.kruise.io       # optional: without it the entry applies to the kind in any group
        podTemplate: spec.template     # dotted path to a PodTemplateSpec (metadata.labels, spec.containers)
      - kind: RabbitmqCluster          # pods an operator makes, described here
        apiGroup: rabbitmq.com
        pods:
          labels: {app.kubernetes.io/name: "{name}", app.kubernetes.io/component: rabbitmq}
          labelsFrom: spec.override.statefulSet.spec.template.metadata.labels   # optional: a map in the resource
          ports: [{name: amqp, containerPort: 5672}, {name: management, containerPort: 15672}]
          replicas: spec.replicas      # optional: a path to a number, or a number (default 1)
      - kind: Certificate              # makes no pods: skipped quietly, never a --strict error
        apiGroup: cert-manager.io
        createsPods: false

In `labels`, `{name}` and `{namespace}` stand for the resource's name and namespace. Fixed `labels` win over
`labelsFrom`, as operators' own labels do. An entry here takes precedence over netverify's built-in readings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netverify.loaders.convert import container_ports, convert_workload
from netverify.loaders.fields import (
    HINT_LABEL_KEY,
    HINT_LABEL_VALUE,
    Fields,
    label_key_problem,
    label_value_problem,
    line_of,
)
from netverify.loaders.yamlio import YAMLInputError, iter_documents
from netverify.model import ContainerPort, Diagnostic, Severity, SourceRef, Workload, freeze_labels


class KindMapError(Exception):
    """The kinds file cannot be used; `diagnostics` say where and why."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("invalid kinds file")
        self.diagnostics = diagnostics


@dataclass(frozen=True)
class PodsRule:
    labels: tuple[tuple[str, str], ...] = ()
    labels_from: tuple[str, ...] = ()
    ports: tuple[ContainerPort, ...] = ()
    replicas: int | tuple[str, ...] = 1


@dataclass(frozen=True)
class KindRule:
    kind: str
    group: str | None  # None: any group
    source: SourceRef
    creates_pods: bool = True
    pod_template: tuple[str, ...] = ()
    pods: PodsRule | None = None

    def read(self, doc: Any, kind: str, namespace: str, f: Fields) -> list[Workload]:
        if self.pod_template:
            workload = convert_workload(doc, kind, namespace, f, self.pod_template)
            return [workload] if workload is not None else []
        assert self.pods is not None  # parse() gives every pod-creating rule one of the two
        meta = f.map(doc, "metadata", "metadata", required=True)
        name = f.name(meta, "metadata.name") if meta is not None else None
        if name is None:
            return []
        labels: dict[str, str] = {}
        if self.pods.labels_from:
            parent = _walk(doc, self.pods.labels_from[:-1])
            labels.update(f.labels(parent, self.pods.labels_from[-1], ".".join(self.pods.labels_from)))
        labels.update({k: v.replace("{name}", name).replace("{namespace}", namespace) for k, v in self.pods.labels})
        replicas = self.pods.replicas
        if isinstance(replicas, tuple):
            parent = _walk(doc, replicas[:-1])
            count = f.int(parent, replicas[-1], ".".join(replicas), 0, 2**31 - 1)
            replicas = 1 if count is None else count
        if f.failed:
            return []
        return [Workload(kind, namespace, name, freeze_labels(labels), self.pods.ports, False, replicas, None,
                         f.ref())]


def _walk(doc: Any, path: tuple[str, ...]) -> Any:
    node = doc
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


@dataclass
class KindMap:
    """Rules by (group, kind); a rule without a group applies to the kind in any group."""

    rules: dict[tuple[str | None, str], KindRule] = field(default_factory=dict)

    def rule(self, group: str, kind: str) -> KindRule | None:
        return self.rules.get((group, kind)) or self.rules.get((None, kind))


def load_kind_map(path: str) -> KindMap:
    """Read and check a kinds file; raise KindMapError with located diagnostics."""
    diagnostics: list[Diagnostic] = []
    try:
        with open(path, "rb") as handle:
            docs = list(iter_documents(handle))
    except OSError as exc:
        raise KindMapError([Diagnostic(Severity.ERROR, SourceRef(path), f"cannot read the kinds file: {exc.strerror}",
                                       "check the path given to --kinds")]) from None
    except YAMLInputError as exc:
        raise KindMapError([Diagnostic(Severity.ERROR, SourceRef(path, exc.line), exc.message, exc.hint)]) from None
    kind_map = KindMap()
    for doc in docs:
        f = Fields(path, "kinds file", diagnostics, doc.line)
        entries = f.list(doc.data, "kinds", "kinds") if isinstance(doc.data, dict) else None
        if entries is None:
            f.error(doc.line, "kinds", "the kinds file needs a `kinds:` list",
                    "see docs/custom-resources.md for the format")
            continue
        for i, entry in enumerate(entries):
            rule = _rule(entry, f"kinds[{i}]", line_of(entries, i), path, f)
            if rule is not None:
                kind_map.rules[(rule.group, rule.kind)] = rule
    if diagnostics:
        raise KindMapError(diagnostics)
    return kind_map


_KEYS = {"kind", "apiGroup", "podTemplate", "pods", "createsPods"}
_POD_KEYS = {"labels", "labelsFrom", "ports", "replicas"}


def _rule(entry: Any, where: str, line: int, path: str, f: Fields) -> KindRule | None:
    if not isinstance(entry, dict):
        f.error(line, where, "must be a mapping with kind and podTemplate, pods or createsPods: false",
                "see docs/custom-resources.md for the format")
        return None
    unknown = sorted(str(k) for k in entry if k not in _KEYS)
    if unknown:
        f.error(line, where, f"unknown key {unknown[0]!r}", f"use {', '.join(sorted(_KEYS))}")
    kind = f.str(entry, "kind", f"{where}.kind", required=True)
    group = f.str(entry, "apiGroup", f"{where}.apiGroup")
    creates = f.bool(entry, "createsPods", f"{where}.createsPods")
    template = f.str(entry, "podTemplate", f"{where}.podTemplate")
    pods = f.map(entry, "pods", f"{where}.pods")
    given = [name for name, value in (("podTemplate", template), ("pods", pods)) if value is not None]
    if creates is False and given:
        f.error(line, where, f"createsPods: false cannot have {given[0]}", "keep one of them")
    elif creates is not False and len(given) != 1:
        f.error(line, where, "give exactly one of podTemplate, pods, or createsPods: false",
                "podTemplate: spec.template, or pods: {labels: ..., ports: ...}")
    if kind is None or f.failed:
        return None
    source = SourceRef(path, line)
    if creates is False:
        return KindRule(kind, group, source, creates_pods=False)
    if template is not None:
        return KindRule(kind, group, source, pod_template=tuple(template.split(".")))
    return KindRule(kind, group, source, pods=_pods_rule(pods, f"{where}.pods", f))


def _pods_rule(pods: Any, where: str, f: Fields) -> PodsRule | None:
    unknown = sorted(str(k) for k in pods if k not in _POD_KEYS)
    if unknown:
        f.error(line_of(pods, unknown[0]), where, f"unknown key {unknown[0]!r}", f"use {', '.join(sorted(_POD_KEYS))}")
    labels = _template_labels(pods, f"{where}.labels", f)
    labels_from = f.str(pods, "labelsFrom", f"{where}.labelsFrom")
    ports = container_ports({"containers": [{"ports": pods.get("ports") or []}]}, where, f)
    raw = pods.get("replicas", 1)
    replicas: int | tuple[str, ...]
    if isinstance(raw, str):
        replicas = tuple(raw.split("."))
    elif isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        replicas = raw
    else:
        f.error(line_of(pods, "replicas"), f"{where}.replicas", "must be a number or a path such as spec.replicas")
        replicas = 1
    return PodsRule(tuple(labels.items()), tuple(labels_from.split(".")) if labels_from else (), ports, replicas)


def _template_labels(pods: Any, where: str, f: Fields) -> dict[str, str]:
    """Labels whose values may hold {name} and {namespace}: checked with a stand-in for each placeholder."""
    raw = f.map(pods, "labels", where)
    out: dict[str, str] = {}
    for key, value in (raw or {}).items():
        line = line_of(raw, key)
        problem = label_key_problem(key) if isinstance(key, str) else "a label key must be a string"
        if problem:
            f.error(line, f"{where}.{key}", f"invalid label key: {problem}", HINT_LABEL_KEY)
        elif not isinstance(value, str):
            f.error(line, f"{where}.{key}", "a label value must be a string", f'quote it: {key}: "..."')
        elif problem := label_value_problem(value.replace("{name}", "x").replace("{namespace}", "x")):
            f.error(line, f"{where}.{key}", f"invalid label value {value!r}: {problem}", HINT_LABEL_VALUE)
        else:
            out[key] = value
    return out
