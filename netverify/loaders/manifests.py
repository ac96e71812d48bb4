"""Load manifests (files, directories, stdin) into a Cluster plus located diagnostics."""

from __future__ import annotations

import hashlib
import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO, Any

from netverify.loaders import fastyaml
from netverify.loaders.admin import convert_admin_policy, convert_node
from netverify.loaders.api_versions import API_VERSIONS, CLUSTER_SCOPED, CURRENT_API, FAST_KINDS, fast_kind
from netverify.loaders.convert import (
    convert_namespace,
    convert_network_policy,
    convert_pod,
    convert_service,
    convert_workload,
)
from netverify.loaders.convert_slices import convert_endpoint_slice
from netverify.loaders.discovery import MANIFEST_SUFFIXES as MANIFEST_SUFFIXES  # re-exported: callers import it here
from netverify.loaders.discovery import STDIN
from netverify.loaders.discovery import discover as discover  # re-exported
from netverify.loaders.fields import HINT_DNS_LABEL, Fields, bounded, is_dns_label, line_of, type_name
from netverify.loaders.kindmap import KindMap
from netverify.loaders.kinds import api_group, read_custom
from netverify.loaders.references import unresolved_references as unresolved_references  # re-exported
from netverify.loaders.schemas import check_unknown_fields
from netverify.loaders.streams import parse_located, spooled
from netverify.loaders.validate import validate_object
from netverify.loaders.yamlio import Document, LocatedMap, YAMLInputError
from netverify.model import (
    ADMIN_POLICY_KINDS,
    NAMESPACE_NAME_LABEL,
    Cluster,
    Diagnostic,
    Namespace,
    Severity,
    SkippedObject,
    SourceRef,
    Workload,
    relocated,
)
from netverify.model.source import printable, quoted


@dataclass
class LoadResult:
    cluster: Cluster
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


def _result(inventory: _Inventory) -> LoadResult:
    cluster = inventory.cluster()
    return LoadResult(cluster, displayable(inventory.diagnostics + unresolved_references(cluster)))


def displayable(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics with every unprintable character escaped: messages quote names, keys and values
    from the input, and a control character in one must neither forge lines of output nor reach the
    terminal as an escape sequence (a manifest could otherwise recolour or rewrite what is shown)."""
    out: dict[tuple[str, ...], Diagnostic] = {}
    for d in diagnostics:
        shown = Diagnostic(d.severity, SourceRef(printable(bounded(d.source.file)), d.source.line),
                           printable(bounded(d.message)), printable(bounded(d.hint)), printable(bounded(d.obj)))
        # One value repeated through aliases gives the same error at the same line many times: say it once.
        out.setdefault((shown.severity.value, str(shown.source), shown.message, shown.obj), shown)
    return list(out.values())


Entry = tuple[str, str, str, Any, SourceRef]  # what `_Inventory.add` takes: kind, namespace, name, object, where


@dataclass
class _Inventory:
    """Objects keyed by (kind, namespace, name); later definitions replace earlier ones."""

    default_namespace: str
    # Unknown fields are errors in manifests; the API server has already dropped them from what it serves,
    # so a field it serves that the table lacks is newer than the table, not a typo.
    check_fields: bool = True
    diagnostics: list[Diagnostic] = field(default_factory=list)
    objects: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    skipped: list[SkippedObject] = field(default_factory=list)
    kinds: KindMap | None = None  # the user's --kinds file
    staged: list[Entry] | None = None  # see stage()
    outer: list[list[Entry] | None] = field(default_factory=list)  # the stages that `stage` interrupted

    def stage(self) -> list[Entry]:
        """Until `unstage`, objects added are only recorded in the returned list (the caller adds them, or not).
        Stages nest: what the inner caller adds once it unstages goes to the stage it interrupted."""
        self.outer.append(self.staged)
        self.staged = []
        return self.staged

    def unstage(self) -> None:
        self.staged = self.outer.pop()

    def add(self, kind: str, namespace: str, name: str, obj: Any, where: SourceRef) -> None:
        """Add `obj`; None stands for a definition that replaces an earlier one but is not analysed (a
        finished pod): the later definition wins whatever it is."""
        if self.staged is not None:
            self.staged.append((kind, namespace, name, obj, where))
            return
        key = (kind, namespace, name)
        previous = self.objects.get(key)
        if previous is not None:
            self.diagnostics.append(Diagnostic(
                Severity.WARNING, where,
                f"duplicate {kind} {namespace + '/' if namespace else ''}{name}: this definition replaces the one at "
                f"{previous.source}", "remove one of the two definitions",
            ))
        if obj is None:
            self.objects.pop(key, None)
        else:
            self.objects[key] = obj

    def cluster(self) -> Cluster:
        by_kind: dict[str, list[Any]] = {}
        for (kind, _, _), obj in self.objects.items():
            by_kind.setdefault("Workload" if isinstance(obj, Workload) else kind, []).append(obj)
        namespaces = {ns.name: ns for ns in by_kind.get("Namespace", [])}
        for kind in ("Pod", "Workload", "Service", "NetworkPolicy", "EndpointSlice"):
            for obj in by_kind.get(kind, []):
                if obj.namespace not in namespaces:  # referenced but not declared: exists implicitly
                    namespaces[obj.namespace] = Namespace(
                        obj.namespace, ((NAMESPACE_NAME_LABEL, obj.namespace),), implicit=True)

        def ordered(kind: str) -> tuple[Any, ...]:
            return tuple(sorted(by_kind.get(kind, []), key=lambda o: (o.namespace, getattr(o, "kind", ""), o.name)))

        admin = [obj for kind in ADMIN_POLICY_KINDS for obj in by_kind.get(kind, [])]
        return Cluster(
            namespaces=tuple(sorted(namespaces.values(), key=lambda n: n.name)),
            pods=ordered("Pod"), workloads=ordered("Workload"), services=ordered("Service"),
            policies=ordered("NetworkPolicy"), endpoint_slices=ordered("EndpointSlice"), skipped=tuple(self.skipped),
            admin_policies=tuple(sorted(admin, key=lambda p: (p.kind, p.name))),
            nodes=tuple(sorted(by_kind.get("Node", []), key=lambda n: n.name)),
        )


class DocumentCache:
    """Parsed documents by file content, and what reading each added, shared by the loads of one command.

    `diff` and `equiv` read two versions in which most files are byte-identical: each is parsed
    once, and each of its documents of a kind that cites only its first line (Pods, workloads,
    Services, Namespaces, Nodes) is converted once: the other version takes the same objects, moved
    to its own file name (`relocated`). Only documents read without a diagnostic are reused, so every
    warning and error is reported by each load that reads it. Only files while the cache is under its
    byte budget are kept (the others stream as usual), and files that fail to parse are never cached.
    """

    def __init__(self, max_bytes: int = 256 << 20) -> None:
        self._documents: dict[bytes, list[Document]] = {}
        self._room = max_bytes
        # id() of a document the cache holds (so the id stays its own) -> (file it was read from, namespace
        # defaulted to, what reading it added)
        self._readings: dict[int, tuple[str, str, tuple[Entry, ...]]] = {}
        self._held: set[int] = set()

    def clear(self) -> None:
        """Forget every parse (once both versions are loaded: at 100,000 pods they hold a gigabyte)."""
        self._documents.clear()
        self._readings.clear()
        self._held.clear()

    def has_room(self, size: int) -> bool:
        return size <= self._room

    def documents(self, data: bytes) -> list[Document]:
        key = hashlib.sha256(data).digest()
        found = self._documents.get(key)
        if found is None:
            found = list(_parse_stream(io.BytesIO(data)))  # raises YAMLInputError: nothing is kept
            if self.has_room(len(data)):
                self._documents[key] = found
                self._room -= len(data)
                self._held.update(id(doc) for doc in found)
        return found

    def add(self, doc: Document, file: str, inventory: _Inventory) -> None:
        """Add the objects of one document, read once per content and namespace default."""
        if not (id(doc) in self._held and inventory.check_fields and fast_kind(doc.data)):
            add_document(doc.data, file, doc.line, inventory, doc.problems, doc.relocate)
            return
        known = self._readings.get(id(doc))
        if known is not None and known[1] == inventory.default_namespace:
            was, _, entries = known
            for kind, namespace, name, obj, where in entries:
                inventory.add(kind, namespace, name, obj if was == file else relocated(obj, file),
                              SourceRef(file, where.line))
            return
        mark, skipped = len(inventory.diagnostics), len(inventory.skipped)
        staged = inventory.stage()
        try:
            add_document(doc.data, file, doc.line, inventory, doc.problems, doc.relocate)
        finally:
            inventory.unstage()
        for args in staged:
            inventory.add(*args)
        if len(inventory.diagnostics) == mark and len(inventory.skipped) == skipped:
            self._readings[id(doc)] = (file, inventory.default_namespace, tuple(staged))


def load_paths(paths: Iterable[str], default_namespace: str = "default", stdin: IO[bytes] | None = None,
               cache: DocumentCache | None = None, kinds: KindMap | None = None) -> LoadResult:
    """Load files and directories (`-` is stdin); `kinds` says how to read further custom resources."""
    inventory = _Inventory(default_namespace, kinds=kinds)
    for path in discover(paths, inventory.diagnostics):
        label = "<stdin>" if path == STDIN else printable(path)  # names the file in every message and report
        for doc in _read_documents(path, label, stdin, inventory.diagnostics, cache):
            if cache is not None:
                cache.add(doc, label, inventory)
            else:
                add_document(doc.data, label, doc.line, inventory, doc.problems, doc.relocate)
    return _result(inventory)


def load_objects(objects: Iterable[tuple[Any, SourceRef]], default_namespace: str = "default") -> LoadResult:
    """Load already-parsed objects (e.g. from the live API), each with where it came from."""
    inventory = _Inventory(default_namespace, check_fields=False)
    for obj, where in objects:
        add_document(obj, where.file, where.line, inventory)
    return _result(inventory)


def load_blobs(blobs: Iterable[tuple[str, bytes]], default_namespace: str = "default",
               cache: DocumentCache | None = None, kinds: KindMap | None = None) -> LoadResult:
    """Load manifest files given as (label, content) pairs, e.g. read from git; labels name them in messages."""
    inventory = _Inventory(default_namespace, kinds=kinds)
    for raw_label, data in blobs:
        label = printable(raw_label)
        try:
            if cache is not None:
                for doc in cache.documents(data):
                    cache.add(doc, label, inventory)
            else:
                for doc in _parse_stream(io.BytesIO(data)):
                    add_document(doc.data, label, doc.line, inventory, doc.problems, doc.relocate)
        except YAMLInputError as exc:
            inventory.diagnostics.append(Diagnostic(Severity.ERROR, SourceRef(label, exc.line), exc.message, exc.hint))
    return _result(inventory)


def _read_documents(path: str, label: str, stdin: IO[bytes] | None, diagnostics: list[Diagnostic],
                    cache: DocumentCache | None = None) -> Iterator[Document]:
    try:
        if path == STDIN:
            source = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
            if source is None:  # started with stdin closed (`<&-`)
                diagnostics.append(Diagnostic(Severity.ERROR, SourceRef(label), "standard input is closed",
                                              "pipe manifests in (e.g. helm template . | netverify matrix -) "
                                              "or pass files"))
                return
            with spooled(source) as handle:
                yield from _parse_stream(handle)
            return
        with open(path, "rb") as handle:
            if cache is not None and cache.has_room(os.fstat(handle.fileno()).st_size):
                yield from cache.documents(handle.read())
            else:
                yield from _parse_stream(handle)
    except YAMLInputError as exc:
        diagnostics.append(Diagnostic(Severity.ERROR, SourceRef(label, exc.line), exc.message, exc.hint))
    except OSError as exc:
        hint = ("it is a symbolic link: fix its target or remove the link" if os.path.islink(path)
                else "check that it exists and is readable")
        diagnostics.append(Diagnostic(Severity.ERROR, SourceRef(label), f"cannot read file: {exc.strerror}", hint))


def _parse_stream(handle: IO[bytes]) -> Iterator[Document]:
    return parse_documents(handle)


def parse_documents(handle: IO[bytes], fast: bool | None = None) -> Iterator[Document]:
    """The documents of a seekable binary stream, one at a time: never the whole text and every object at once.

    Through the fast parser where it is installed and not switched off (`fast` None: as the environment says; see
    fastyaml), giving the same documents with lines recovered on demand; else through the located reader."""
    if fastyaml.enabled() if fast is None else fast and fastyaml.available():
        return fastyaml.read(handle, parse_located, fast_kind, FAST_KINDS)
    return parse_located(handle)




def add_document(data: Any, file: str, line: int, inventory: _Inventory,
                 problems: tuple[YAMLInputError, ...] = (), relocate: Callable[[], Document] | None = None) -> None:
    """Add one object (or a List's items). `problems` are the reader's refusals inside it: reported only
    when the object is analysed, so a document of a kind netverify skips never fails the run.

    `relocate` (documents of the fast path, read without inner lines): when the object has anything to report,
    it is read again from the located document, so every diagnostic names its exact line."""
    if relocate is not None:
        mark, staged = len(inventory.diagnostics), inventory.stage()
        try:
            _add_document(data, file, line, inventory, problems)
        finally:
            inventory.unstage()
        if len(inventory.diagnostics) == mark:
            for args in staged:
                inventory.add(*args)
            return
        del inventory.diagnostics[mark:]
        try:
            located = relocate()
        except YAMLInputError as exc:  # only if the readers disagree on the text; said where, never a traceback
            inventory.diagnostics.append(Diagnostic(Severity.ERROR, SourceRef(file, exc.line), exc.message, exc.hint))
            return
        data, line, problems = located.data, located.line, located.problems
    _add_document(data, file, line, inventory, problems)


def _add_document(data: Any, file: str, line: int, inventory: _Inventory,
                  problems: tuple[YAMLInputError, ...] = ()) -> None:
    if data is None:
        return
    if not isinstance(data, dict):
        _report(problems, file, inventory)
        inventory.diagnostics.append(Diagnostic(
            Severity.ERROR, SourceRef(file, line), "this document is not a Kubernetes object (not a mapping)",
            "each YAML document must be a mapping with apiVersion, kind and metadata"))
        return
    line = getattr(data, "line", line) or line
    kind = data.get("kind")
    if not isinstance(kind, str) or not kind:
        _report(problems, file, inventory)
        inventory.diagnostics.append(Diagnostic(
            Severity.ERROR, SourceRef(file, line), "the object has no `kind`",
            "add `kind:` and `apiVersion:` (e.g. kind: NetworkPolicy, apiVersion: networking.k8s.io/v1)"))
        return
    if kind == "List" or (kind.endswith("List") and "items" in data):
        _add_list(data, kind, file, inventory, problems)
        return
    if _add_object(data, kind, file, line, inventory):
        _report(problems, file, inventory)


def _report(problems: tuple[YAMLInputError, ...], file: str, inventory: _Inventory) -> None:
    inventory.diagnostics.extend(Diagnostic(Severity.ERROR, SourceRef(file, p.line), p.message, p.hint)
                                 for p in problems)


def _add_list(data: Any, kind: str, file: str, inventory: _Inventory, problems: tuple[YAMLInputError, ...]) -> None:
    items = data.get("items") or []
    if not isinstance(items, list):
        where = data.line_of("items") if isinstance(data, LocatedMap) else 0
        inventory.diagnostics.append(Diagnostic(Severity.ERROR, SourceRef(file, where or getattr(data, "line", 0)),
                                                f"{kind}.items must be a list, not {type_name(items)}",
                                                "write the objects as a list: `items:` then `- kind: ...` entries"))
        return
    item_kind = kind[: -len("List")] if kind != "List" else None
    api_version = data.get("apiVersion")
    for i, item in enumerate(items):
        item_line = items.line_of(i) if hasattr(items, "line_of") else 0
        if isinstance(item, dict) and item_kind and "kind" not in item:
            # A typed list from the API (PodList) leaves kind/apiVersion off its items.
            item = _with_kind(item, item_kind, api_version)
        # Each item gets the problems between its first line and the next item's.
        end = items.line_of(i + 1) if i + 1 < len(items) and hasattr(items, "line_of") else None
        mine = tuple(p for p in problems if p.line >= item_line and (end is None or p.line < end))
        add_document(item, file, item_line, inventory, mine)


def _with_kind(item: dict[str, Any], kind: str, api_version: Any) -> dict[str, Any]:
    out = LocatedMap()
    out.update(item)
    out.line = getattr(item, "line", 0)
    out.key_lines = dict(getattr(item, "key_lines", {}))
    out["kind"] = kind
    out.setdefault("apiVersion", api_version)
    return out


def _add_object(data: Any, kind: str, file: str, line: int, inventory: _Inventory) -> bool:
    """Read one object; False when it was skipped (a kind netverify does not analyse)."""
    where = SourceRef(file, line)
    api_version = data.get("apiVersion")
    if kind not in API_VERSIONS or _foreign_group(kind, api_version):
        return _add_custom(data, kind, file, line, inventory)
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    raw_name = meta.get("name") if isinstance(meta, dict) else None
    raw_ns = meta.get("namespace") if isinstance(meta, dict) else None
    namespace = raw_ns if isinstance(raw_ns, str) and raw_ns else inventory.default_namespace
    name_text = raw_name if isinstance(raw_name, str) else "?"
    shown = f"{kind} {name_text}" if kind in CLUSTER_SCOPED else f"{kind} {namespace}/{name_text}"
    f = Fields(file, shown, inventory.diagnostics, line)
    if api_version not in API_VERSIONS[kind]:
        f.error(data.line_of("apiVersion") if hasattr(data, "line_of") else line, "apiVersion",
                f"{kind} is not read under apiVersion {quoted(api_version)}", f"use apiVersion: {CURRENT_API[kind]}")
        return True
    if api_version != CURRENT_API[kind]:
        f.warn(line, f"apiVersion {api_version} is no longer served by Kubernetes; read as {CURRENT_API[kind]}",
               f"change it to apiVersion: {CURRENT_API[kind]}")
    if inventory.check_fields:
        check_unknown_fields(data, kind, f)
    validate_object(data, kind, f)
    obj: Any
    if kind in CLUSTER_SCOPED:
        if kind == "Namespace":
            obj = convert_namespace(data, f)
        elif kind == "Node":
            obj = convert_node(data, f)
        else:
            obj = convert_admin_policy(data, kind, api_version, f)
        if obj is not None:
            inventory.add(kind, "", obj.name, obj, where)
        return True
    if not _valid_namespace(meta, raw_ns, f):
        return True
    if kind == "Pod":
        obj = convert_pod(data, namespace, f)
    elif kind == "Service":
        obj = convert_service(data, namespace, f)
    elif kind == "NetworkPolicy":
        obj = convert_network_policy(data, namespace, f)
    elif kind == "EndpointSlice":
        obj = convert_endpoint_slice(data, namespace, f)
    else:
        obj = convert_workload(data, kind, namespace, f)
    if obj is not None:
        inventory.add(kind, namespace, obj.name, obj, where)
    elif kind == "Pod" and not f.failed and isinstance(raw_name, str):  # a finished pod: still the later one
        inventory.add(kind, namespace, raw_name, None, where)
    return True


def _valid_namespace(meta: Any, raw_ns: Any, f: Fields) -> bool:
    if isinstance(raw_ns, str) and raw_ns:
        if not is_dns_label(raw_ns):
            f.error(line_of(meta, "namespace"), "metadata.namespace", f"{quoted(raw_ns)} is not a valid namespace name",
                    HINT_DNS_LABEL)
            return False
    elif raw_ns is not None and not isinstance(raw_ns, str):
        f.error(line_of(meta, "namespace"), "metadata.namespace", "must be a string", "quote the value")
        return False
    return True


def _foreign_group(kind: str, api_version: Any) -> bool:
    """A built-in kind's name under another API group: Knative's serving.knative.dev Service, Calico's
    projectcalico.org NetworkPolicy. Read as the custom resource it is, not as a malformed built-in."""
    if api_version in API_VERSIONS[kind]:
        return False  # the common case: a version netverify reads, so a group it knows
    known = {api_group(v) for v in API_VERSIONS[kind]}
    return isinstance(api_version, str) and "/" in api_version and api_group(api_version) not in known


def _add_custom(data: Any, kind: str, file: str, line: int, inventory: _Inventory) -> bool:
    """A kind that is not built in: read as workloads where netverify knows how (loaders.kinds), else skipped."""
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    raw_name, raw_ns = meta.get("name"), meta.get("namespace")
    namespace = raw_ns if isinstance(raw_ns, str) and raw_ns else inventory.default_namespace
    name = raw_name if isinstance(raw_name, str) else ""
    f = Fields(file, f"{kind} {namespace}/{name or '?'}", inventory.diagnostics, line)
    reading = read_custom(data, kind, namespace, f, inventory.kinds)
    if reading.read:
        # A built-in kind's name in another group is named with its group (kubectl's kind.group), so that
        # Knative's Service never collides with a core Service of the same name.
        shown = f"{kind}.{api_group(data.get('apiVersion'))}" if kind in API_VERSIONS else kind
        if _valid_namespace(meta, raw_ns, f):
            for workload in reading.workloads:
                inventory.add(shown, namespace, workload.name, replace(workload, kind=shown), SourceRef(file, line))
        return True
    scoped = isinstance(raw_ns, str) and bool(raw_ns) or reading.may_create_pods
    inventory.skipped.append(SkippedObject(
        printable(kind), SourceRef(printable(file), line), printable(namespace) if scoped else "",
        printable(name), reading.may_create_pods, reading.policy_not_evaluated, reading.reason))
    return False
