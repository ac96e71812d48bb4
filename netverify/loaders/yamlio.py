"""Safe YAML/JSON reading that remembers the line of every mapping, key and list item.

Objects are built straight from the C parser's event stream with an explicit stack:
no recursion (PyYAML's C composer recurses in C and crashes the interpreter on deeply
nested input), a nesting limit, duplicate-key detection, and it is faster than
`yaml.load_all` with the C loader because no intermediate node graph is built.
Only the safe constructors are used for scalars; unknown tags are rejected.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

try:  # libyaml's parser; the pure-Python one is the fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 100
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


class LocatedMap(dict[Any, Any]):
    """A dict that knows the line it starts on and the line of each key (1-based)."""

    __slots__ = ("line", "key_lines")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list[Any]):
    """A list that knows the line it starts on and the line of each item (1-based)."""

    __slots__ = ("line", "item_lines")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class YAMLInputError(Exception):
    def __init__(self, line: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Document:
    data: Any
    line: int  # first line of the document (1-based)


class _Frame:
    __slots__ = ("container", "is_map", "key", "key_line", "has_key", "merged")

    def __init__(self, container: Any, is_map: bool) -> None:
        self.container = container
        self.is_map = is_map
        self.key: Any = None
        self.key_line = 0
        self.has_key = False
        self.merged: set[Any] = set()  # keys that came from a `<<` merge and may be overridden


def iter_documents(stream: IO[bytes] | IO[str] | str | bytes) -> Iterator[Document]:
    """Yield each non-empty document with its first line; raise YAMLInputError with a line."""
    loader = _Loader(stream)
    try:
        yield from _documents(loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise YAMLInputError(line, f"invalid YAML: {exc.problem or exc}", _yaml_hint(exc)) from None
    except yaml.reader.ReaderError as exc:
        raise YAMLInputError(
            0, f"the file is not valid UTF-8/UTF-16 text ({exc.reason} at byte {exc.position})",
            "save the file as UTF-8",
        ) from None
    except yaml.YAMLError as exc:
        raise YAMLInputError(0, f"invalid YAML: {exc}", "check the file is YAML or JSON") from None
    finally:
        loader.dispose()


def _documents(loader: Any) -> Iterator[Document]:
    resolve = loader.resolve
    constructors = loader.yaml_constructors
    get_event = loader.get_event
    stack: list[_Frame] = []
    anchors: dict[str, Any] = {}
    doc_line = 0
    root: Any = None
    while True:
        event = get_event()
        kind = type(event)
        if kind is ScalarEvent:
            value = _scalar(loader, resolve, constructors, event)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                raise YAMLInputError(
                    event.start_mark.line + 1, f"the document is nested deeper than {MAX_DEPTH} levels",
                    "Kubernetes manifests are never this deep; check that the file is a manifest",
                )
            container: Any = LocatedMap() if kind is MappingStartEvent else LocatedList()
            container.line = event.start_mark.line + 1
            if event.anchor:
                anchors[event.anchor] = container
            stack.append(_Frame(container, kind is MappingStartEvent))
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            value = stack.pop().container
        elif kind is AliasEvent:
            if event.anchor not in anchors:
                raise YAMLInputError(event.start_mark.line + 1, f"unknown alias *{event.anchor}")
            value = anchors[event.anchor]  # shared, never copied: alias bombs stay linear
        elif kind is DocumentStartEvent:
            doc_line = event.start_mark.line + 1
            root = None
            continue
        elif kind is DocumentEndEvent:
            if root is not None:
                yield Document(root, root.line if hasattr(root, "line") else doc_line)
            anchors = {}
            continue
        elif kind is StreamEndEvent:
            return
        else:
            continue
        if kind is ScalarEvent and event.anchor:
            anchors[event.anchor] = value
        if not stack:
            root = value
        else:
            _attach(stack[-1], value, event)


def _scalar(loader: Any, resolve: Any, constructors: Any, event: ScalarEvent) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = resolve(ScalarNode, event.value, event.implicit)
    if tag == _STR:
        return event.value
    if tag == _MERGE:
        return _MergeKey
    constructor = constructors.get(tag)
    if constructor is None:
        raise YAMLInputError(
            event.start_mark.line + 1, f"unsupported YAML tag {tag!r}",
            "remove the tag; Kubernetes manifests use plain YAML types",
        )
    return constructor(loader, ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style))


class _MergeKey:
    """Marker for the YAML `<<` merge key."""


def _attach(frame: _Frame, value: Any, event: Any) -> None:
    if not frame.is_map:
        frame.container.append(value)
        frame.container.item_lines.append(event.start_mark.line + 1)
        return
    if not frame.has_key:
        line = event.start_mark.line + 1
        try:
            hash(value)
        except TypeError:
            raise YAMLInputError(line, "a mapping key must be a plain value", "quote the key") from None
        frame.key, frame.key_line, frame.has_key = value, line, True
        return
    key, target = frame.key, frame.container
    frame.has_key = False
    if key is _MergeKey:
        _merge(frame, value, frame.key_line)
        return
    if key in target and key not in frame.merged:
        raise YAMLInputError(
            frame.key_line, f"duplicate key {key!r} (first at line {target.key_lines[key]})",
            "remove one of them; the API server would keep only one",
        )
    frame.merged.discard(key)
    target[key] = value
    target.key_lines[key] = frame.key_line


def _merge(frame: _Frame, value: Any, line: int) -> None:
    sources = value if isinstance(value, list) else [value]
    for source in sources:
        if not isinstance(source, dict):
            raise YAMLInputError(line, "a `<<` merge key needs a mapping or a list of mappings")
        for k, v in source.items():
            if k not in frame.container:
                frame.container[k] = v
                frame.container.key_lines[k] = line
                frame.merged.add(k)


def _yaml_hint(exc: yaml.MarkedYAMLError) -> str:
    text = f"{exc.problem or ''} {exc.context or ''}"
    if "\\t" in text or "tab" in text:
        return "YAML does not allow tabs for indentation; indent with spaces"
    if "mapping values are not allowed" in text:
        return "check the indentation, and quote values that contain ': '"
    if "end of the stream" in text or "expected" in text:
        return "the document looks truncated or a bracket/quote is not closed"
    return "fix the YAML syntax at that line"


def loads_json(text: str) -> list[Document]:
    """Strict JSON, for JSON that YAML 1.1 cannot read (lines are those of the JSON error)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise YAMLInputError(exc.lineno, f"invalid JSON: {exc.msg}", "fix the JSON syntax at that line") from None
    return [Document(data, 1)]
