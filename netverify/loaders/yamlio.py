"""Safe YAML/JSON reading that remembers the line of every mapping, key and list item.

Objects are built straight from the C parser's event stream with an explicit stack:
no recursion (PyYAML's C composer recurses in C and crashes the interpreter on deeply
nested input), a nesting limit, duplicate-key detection, and it is faster than
`yaml.load_all` with the C loader because no intermediate node graph is built.

Plain scalars are resolved as kubectl resolves them (netverify.loaders.scalars: go-yaml v2, not
PyYAML's YAML 1.1 table), and mapping keys become the JSON strings kubectl sends. Explicitly tagged
scalars use only the safe constructors; unknown tags are refused.

Two kinds of problems: the input is not readable YAML (syntax, depth, aliases) - always raised, the
file cannot be read on; or a readable document holds something netverify refuses (a tag, a duplicate
key, a value its tag cannot hold). With `defer_problems` the latter are attached to their Document
instead, so a document whose kind is not analysed (a CRD, say) never fails the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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

from netverify.errors import NetverifyError
from netverify.loaders.scalars import MERGE, json_key, resolve_plain
from netverify.model.source import quoted

try:  # libyaml's parser; the pure-Python one is the fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 100
# Nodes that aliases may add to a document once expanded. Aliases are shared, never copied,
# but a consumer that walks the data would still do the expanded work: refuse alias bombs
# ("billion laughs") as the API server's YAML reader does ("excessive aliasing").
MAX_ALIAS_EXPANSION = 100_000
_STR = "tag:yaml.org,2002:str"
_COLLECTION_TAGS = (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


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


class YAMLInputError(NetverifyError):
    def __init__(self, line: int, message: str, hint: str = "", syntax: bool = False) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint
        self.syntax = syntax  # the parser gave up (not a well-formed document we refused)


@dataclass(frozen=True)
class Document:
    data: Any
    line: int  # first line of the document (1-based)
    # Refusals inside a readable document (only with defer_problems): reported only where its kind is read.
    problems: tuple[YAMLInputError, ...] = ()
    # Set by the fast path (fastyaml) on a document read without its inner lines: the same document re-read by the
    # located reader, with every line. None when `data` already knows its lines.
    relocate: Callable[[], Document] | None = field(default=None, compare=False, repr=False)


class _Frame:
    __slots__ = ("container", "is_map", "key", "key_line", "has_key", "merged", "anchor", "size")

    def __init__(self, container: Any, is_map: bool, anchor: str | None) -> None:
        self.container = container
        self.is_map = is_map
        self.anchor = anchor
        self.size = 1  # nodes in this collection once every alias in it is expanded
        self.key: Any = None
        self.key_line = 0
        self.has_key = False
        self.merged: set[Any] = set()  # keys that came from a `<<` merge and may be overridden


def iter_documents(stream: IO[bytes] | IO[str] | str | bytes, defer_problems: bool = False) -> Iterator[Document]:
    """Yield each non-empty document with its first line; raise YAMLInputError with a line.

    With `defer_problems`, refusals inside a readable document are attached to it (Document.problems)
    rather than raised; what makes the input unreadable is raised either way.
    """
    loader = _Loader(stream)
    try:
        yield from _documents(loader, defer_problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        if "maximum nesting depth" in (exc.problem or ""):
            # libyaml >= 0.2.6 (PyYAML 6.0.4 wheels) stops deep flow nesting in its scanner, reading ahead of
            # the event-level check in _check_collection: report it in the same words, whichever fires first.
            raise nesting_too_deep(line) from None
        if mark is not None and _is_tab(_line_text(stream, line), mark.column):
            raise YAMLInputError(line, f"invalid YAML: a tab character at column {mark.column + 1}",
                                 "YAML does not allow tabs for indentation; indent with spaces", syntax=True) from None
        line, message = _syntax_error_location(exc, line)
        raise YAMLInputError(line, message, _yaml_hint(exc), syntax=True) from None
    except yaml.reader.ReaderError as exc:
        # libyaml reports a byte offset: count the lines up to it so the user can find the spot.
        control = "control" in exc.reason
        raise YAMLInputError(
            _line_at_byte(stream, exc.position),
            f"the file contains {'a control character' if control else 'bytes that are not UTF-8'} "
            f"({exc.reason} at byte {exc.position})",
            "remove the control character (write it as an escape in a double-quoted string)" if control
            else "save the file as UTF-8 text",
        ) from None
    except yaml.YAMLError as exc:
        raise YAMLInputError(0, f"invalid YAML: {exc}", "check the file is YAML or JSON") from None
    finally:
        loader.dispose()


def _raise(problem: YAMLInputError) -> None:
    raise problem


def _documents(loader: Any, defer_problems: bool = False) -> Iterator[Document]:
    constructors = loader.yaml_constructors
    get_event = loader.get_event
    problems: list[YAMLInputError] = []
    report = problems.append if defer_problems else _raise
    stack: list[_Frame] = []
    anchors: dict[str, Any] = {}
    anchor_sizes: dict[str, int] = {}  # only for finished nodes: an open one is being defined
    expanded = 0  # nodes added by aliases in this document
    doc_line = root_line = 0
    root: Any = None
    # Scalars repeat (keys, label values, ports): resolve and construct each distinct one once.
    # Only immutable results are shared; the cache is bounded so memory stays flat on big inputs.
    scalars: dict[tuple[Any, ...], Any] = {}
    missing = _MISSING
    while True:
        event = get_event()
        kind = type(event)
        size = 1
        if kind is ScalarEvent:
            skey = (event.value, event.tag, event.implicit)
            value = scalars.get(skey, missing)
            if value is missing:
                try:
                    value = _scalar(loader, constructors, event)
                except YAMLInputError as problem:
                    report(problem)
                    value = event.value  # read on as the text it is; never cached, so reported each time
                else:
                    if type(value) in _SHAREABLE or value is MERGE:
                        if len(scalars) >= _SCALAR_CACHE:
                            scalars.clear()
                        scalars[skey] = value
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            _check_collection(event, len(stack), report)
            container: Any = LocatedMap() if kind is MappingStartEvent else LocatedList()
            container.line = event.start_mark.line + 1
            if event.anchor:
                anchors[event.anchor] = container
                anchor_sizes.pop(event.anchor, None)  # redefined: open until its end
            stack.append(_Frame(container, kind is MappingStartEvent, event.anchor))
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            frame = stack.pop()
            value, size = frame.container, frame.size
            if frame.anchor:
                anchor_sizes[frame.anchor] = size
        elif kind is AliasEvent:
            value, size = _alias(event, anchors, anchor_sizes)
            expanded += size
            if expanded > MAX_ALIAS_EXPANSION:
                raise YAMLInputError(
                    event.start_mark.line + 1,
                    f"aliases expand this document to more than {MAX_ALIAS_EXPANSION} extra nodes (an alias bomb?)",
                    "write the repeated content out, or use fewer nested aliases (*name)",
                )
        elif kind is DocumentStartEvent:
            doc_line = event.start_mark.line + 1
            root = None
            continue
        elif kind is DocumentEndEvent:
            if root is not None:
                yield Document(root, root.line if hasattr(root, "line") else root_line or doc_line, tuple(problems))
            anchors, anchor_sizes, expanded = {}, {}, 0
            problems.clear()
            continue
        elif kind is StreamEndEvent:
            return
        else:
            continue
        if kind is ScalarEvent and event.anchor:
            anchors[event.anchor] = value
            anchor_sizes[event.anchor] = 1
        if not stack:
            root, root_line = value, event.start_mark.line + 1
            continue
        frame = stack[-1]
        frame.size += size
        target = frame.container
        # The common cases inline (this loop runs once per YAML node); the rest in _attach.
        if not frame.is_map:
            target.append(value)
            target.item_lines.append(getattr(value, "line", 0) or event.start_mark.line + 1)
        elif not frame.has_key and kind is ScalarEvent:  # a scalar key: always hashable
            if type(value) is not str and value is not MERGE:
                value = _scalar_key(value, event, report)
            frame.key, frame.key_line, frame.has_key = value, event.start_mark.line + 1, True
        elif frame.has_key and frame.key is not MERGE and frame.key is not _DROPPED and frame.key not in target:
            frame.has_key = False
            target[frame.key] = value
            target.key_lines[frame.key] = frame.key_line
        else:
            _attach(frame, value, event, report)


def _check_collection(event: Any, depth: int, report: Any) -> None:
    line = event.start_mark.line + 1
    if depth >= MAX_DEPTH:
        raise nesting_too_deep(line)
    if event.tag not in _COLLECTION_TAGS:
        report(YAMLInputError(line, f"unsupported YAML tag {quoted(event.tag)}",
                              "remove the tag; Kubernetes manifests use plain YAML types"))


def nesting_too_deep(line: int) -> YAMLInputError:
    return YAMLInputError(
        line, f"the document is nested deeper than {MAX_DEPTH} levels",
        "Kubernetes manifests are never this deep; check that the file is a manifest",
    )


def _alias(event: Any, anchors: dict[str, Any], anchor_sizes: dict[str, int]) -> tuple[Any, int]:
    line = event.start_mark.line + 1
    if event.anchor not in anchors:
        raise YAMLInputError(line, f"unknown alias *{event.anchor}", f"define the anchor &{event.anchor} before it")
    if event.anchor not in anchor_sizes:
        raise YAMLInputError(line, f"alias *{event.anchor} is used inside its own anchor (a recursive structure)",
                             "a manifest cannot contain itself; write the content out")
    return anchors[event.anchor], anchor_sizes[event.anchor]  # shared, never copied: memory stays linear


def _scalar(loader: Any, constructors: Any, event: Any) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        # `!` (the non-specific tag) and quoted scalars are strings; plain ones resolve as kubectl reads them.
        return resolve_plain(event.value) if event.implicit[0] and tag is None else event.value
    if tag == _STR:
        return event.value
    if tag == _MERGE:
        return MERGE
    if tag == _TIMESTAMP:
        return event.value  # go-yaml keeps timestamps as their text when decoding untyped data (see scalars)
    constructor = constructors.get(tag)
    if constructor is None:
        raise YAMLInputError(
            event.start_mark.line + 1, f"unsupported YAML tag {quoted(tag)}",
            "remove the tag; Kubernetes manifests use plain YAML types",
        )
    try:
        return constructor(loader, ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style))
    except (ValueError, KeyError, TypeError, OverflowError, yaml.constructor.ConstructorError):  # `!!binary @@`
        kind = tag.rsplit(":", 1)[-1]
        raise YAMLInputError(event.start_mark.line + 1, f"{quoted(event.value)} is not a valid {kind}",
                             f'quote it if it is meant as text: "{event.value}"' if len(event.value) <= 80
                             else "quote it if it is meant as text") from None


def _scalar_key(value: Any, event: Any, report: Any) -> Any:
    """A mapping key as the JSON key kubectl sends: `1:` is "1", `true:` is "true"; a null key is refused."""
    key = json_key(value)
    if key is None:
        report(YAMLInputError(event.start_mark.line + 1, "a mapping key cannot be null",
                              'quote the key if it is meant as text: "null"'))
        return _DROPPED
    return key


class _DroppedKey:
    """Marker for a key that was refused (reported): its value is read and dropped."""


_DROPPED = _DroppedKey
_MISSING = object()
_SHAREABLE = (str, int, float, bool, type(None))
_SCALAR_CACHE = 65536


def _attach(frame: _Frame, value: Any, event: Any, report: Any) -> None:
    if not frame.is_map:
        frame.container.append(value)
        # A nested container ends at its end event: record where it started instead.
        frame.container.item_lines.append(getattr(value, "line", 0) or event.start_mark.line + 1)
        return
    if not frame.has_key:
        line = event.start_mark.line + 1
        try:
            hash(value)
        except TypeError:
            report(YAMLInputError(line, "a mapping key must be a plain value", "quote the key"))
            value = _DROPPED
        frame.key, frame.key_line, frame.has_key = value, line, True
        return
    key, target = frame.key, frame.container
    frame.has_key = False
    if key is _DROPPED:
        return
    if key is MERGE:
        _merge(frame, value, frame.key_line, report)
        return
    if key in target and key not in frame.merged:
        report(YAMLInputError(
            frame.key_line, f"duplicate key {quoted(key)} (first at line {target.key_lines[key]})",
            "remove one of them; the API server would keep only one",
        ))  # deferred: the later value wins, as in go-yaml's non-strict decoding
    frame.merged.discard(key)
    target[key] = value
    target.key_lines[key] = frame.key_line


def _merge(frame: _Frame, value: Any, line: int, report: Any) -> None:
    sources = value if isinstance(value, list) else [value]
    for source in sources:
        if not isinstance(source, dict):
            report(YAMLInputError(line, "a `<<` merge key needs a mapping or a list of mappings",
                                  "merge an anchored mapping (<<: *name), or write the keys out"))
            continue
        for k, v in source.items():
            if k not in frame.container:
                frame.container[k] = v
                frame.container.key_lines[k] = line
                frame.merged.add(k)


def _source_chunks(stream: IO[bytes] | IO[str] | str | bytes) -> Iterator[bytes]:
    """The input again from its start, in chunks; nothing when it cannot be re-read (a pipe)."""
    if isinstance(stream, (str, bytes)):
        yield stream.encode("utf-8") if isinstance(stream, str) else stream
        return
    try:
        seekable = getattr(stream, "seekable", None)  # SpooledTemporaryFile has none before Python 3.11
        if seekable is not None and not seekable():
            return
        stream.seek(0)
        while chunk := stream.read(1 << 16):
            yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk
    except (OSError, ValueError):  # closed or unreadable: no location, the message still stands
        return


def _line_at_byte(stream: IO[bytes] | IO[str] | str | bytes, position: int) -> int:
    """The 1-based line holding byte `position`, or 0 when the input cannot be re-read.

    Line breaks are CR LF, CR or LF, as for YAML (and libyaml's own marks)."""
    breaks, seen, carried_cr = 0, 0, False
    for chunk in _source_chunks(stream):
        part = chunk[: max(position - seen, 0)]
        breaks += _count_breaks(part) - (1 if carried_cr and part[:1] == b"\n" else 0)
        carried_cr = part[-1:] == b"\r"
        seen += len(chunk)
        if seen >= position:
            return breaks + 1
    return 0


def _count_breaks(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


_BREAK = re.compile(rb"\r\n?|\n")


def _line_text(stream: IO[bytes] | IO[str] | str | bytes, line: int, limit: int = 4096) -> str:
    """The text of 1-based `line` (at most `limit` bytes of it), or "" when unavailable."""
    current, out = 1, bytearray()
    for chunk in _source_chunks(stream):
        start = 0
        while current < line:
            found = _BREAK.search(chunk, start)
            if found is None:
                break
            current, start = current + 1, found.end()
        if current < line:
            continue
        found = _BREAK.search(chunk, start)
        out += chunk[start: found.start() if found else len(chunk)]
        if found or len(out) >= limit:
            break
    return out[:limit].decode("utf-8", errors="replace")


def _is_tab(text: str, column: int) -> bool:
    """A tab at the error column, or in the indentation of that line."""
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    return text[column: column + 1] == "\t" or "\t" in indent


def _syntax_error_location(exc: yaml.MarkedYAMLError, line: int) -> tuple[int, str]:
    """Where to send the user: for an unclosed quote or bracket, where it was opened."""
    message = f"invalid YAML: {exc.problem or exc}"
    context = exc.context_mark
    if context is None or not exc.context or context.line + 1 == line:
        return line, message
    if "end of stream" in (exc.problem or ""):
        what = exc.context.removeprefix("while scanning ").removeprefix("while parsing ")
        return context.line + 1, f"invalid YAML: {what} that starts here is not closed before the end of the file"
    return line, f"{message} ({exc.context} that starts at line {context.line + 1})"


def _yaml_hint(exc: yaml.MarkedYAMLError) -> str:
    text = f"{exc.problem or ''} {exc.context or ''}"
    if "\\t" in text or "tab" in text:
        return "YAML does not allow tabs for indentation; indent with spaces"
    if "mapping values are not allowed" in text:
        return "check the indentation, and quote values that contain ': '"
    if "expected key" in text or "expected <block end>" in text:
        return "check the indentation: the keys of one mapping, and the items of one list, must line up"
    if "end of the stream" in text or "expected" in text:
        return "the document looks truncated or a bracket/quote is not closed"
    return "fix the YAML syntax at that line"
