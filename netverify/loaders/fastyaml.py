"""The fast input path: documents read by yaml-rs (Rust) wherever that gives exactly what the located reader gives.

Optional: `pip install '.[fast]'` installs yaml-rs. Without it, or with `NETVERIFY_YAML=pyyaml` in the
environment, every file takes the located PyYAML path (`yamlio`), which stays the reference.

Invariants (tests/property/test_fast_yaml_equivalence.py runs both paths on the whole corpus):
- Same objects. yaml-rs reads YAML 1.2 with its own scalar table; kubectl reads go-yaml v2's (`scalars`). A cheap
  scan of each document's text (`_risky`) finds everything the two read differently or that the located reader
  refuses or bounds: `y/n/yes/no/on/off` in any case form, leading-zero and underscore numbers, integers of 19 and
  more digits, signed `.nan`, merge keys `<<`, keys that are not strings (numbers, booleans, null, empty), tags,
  anchors and aliases (alias limits), complex keys, directives, tabs, CR line breaks, a BOM, control characters,
  and deep nesting. Such a document - and any document yaml-rs refuses - is read by the located reader. The scan
  is conservative: a false alarm only costs speed.
- Same lines. A fast document carries its first line (found by the scan) and `relocate`, which re-reads that one
  document with the located reader and shifts its lines: the loader calls it for every document that has anything
  to report, and the reader itself for every kind whose objects cite lines inside the document (policies: rules,
  peers and ports), so every object and rule an answer cites has its exact line.
- Same errors. A document both readers refuse makes the rest of the file go through the located reader from that
  document on, over a view of the file whose earlier bytes are blanked (lines and byte offsets unchanged): the
  error is the one the located reader gives on the whole file, and so are non-UTF-8 bytes (`_BlankedPrefix`).
- Bounded memory: the file is read in windows of about `WINDOW` bytes cut at document boundaries.
"""

from __future__ import annotations

import bisect
import importlib
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import IO, Any

from netverify.loaders.yamlio import Document, LocatedList, LocatedMap, YAMLInputError, iter_documents

_yaml_rs: Any
try:  # the optional extra
    _yaml_rs = importlib.import_module("yaml_rs")
except ImportError:  # pragma: no cover - depends on the installation
    _yaml_rs = None

ENVIRONMENT = "NETVERIFY_YAML"  # "pyyaml" forces the located reader for every file
WINDOW = 1 << 20
# A document longer than this (a `kubectl get -o yaml` List of a whole cluster, say) is read by the located reader,
# which streams it: the fast path never holds more than about this much text.
MAX_DOCUMENT = 16 * WINDOW
_MAX_FLOW_OPENERS = 30  # with block prefixes under _MAX_PREFIX, nesting stays below yamlio.MAX_DEPTH (100)
_MAX_PREFIX = 30


def available() -> bool:
    """Whether the fast parser is installed."""
    return _yaml_rs is not None


def enabled() -> bool:
    """Whether files are read by the fast path (installed, and not switched off in the environment)."""
    return _yaml_rs is not None and os.environ.get(ENVIRONMENT, "").strip().lower() not in ("pyyaml", "located")


Located = Callable[[IO[bytes]], Iterator[Document]]


def read(handle: IO[bytes], located: Located, fast_kind: Callable[[Any], bool],
         fast_kind_names: frozenset[str] = frozenset()) -> Iterator[Document]:
    """The documents of a seekable binary stream, as `located(handle)` would give them.

    `located` is the located reader (with its JSON fallback); `fast_kind(data)` says whether a document may be handed
    out without its lines (its kind's objects cite only the document's first line). A document whose top-level
    `kind:` line names a kind outside `fast_kind_names` (when given) goes to the located reader without being parsed
    by yaml-rs first: its objects cite lines inside it (a NetworkPolicy's rules), so that parse would be thrown away."""
    reader = _Reader(handle, located, fast_kind, fast_kind_names)
    yield from reader.documents()


@dataclass(frozen=True)
class _Restart:
    """Handed up instead of a document: the rest of the file, from byte `offset`, goes through the located reader."""

    offset: int


class _Reader:
    def __init__(self, handle: IO[bytes], located: Located, fast_kind: Callable[[Any], bool],
                 fast_kind_names: frozenset[str] = frozenset()) -> None:
        self.handle = handle
        self.located = located
        self.fast_kind = fast_kind
        self.fast_kind_names = fast_kind_names

    def documents(self) -> Iterator[Document]:
        handle = self.handle
        handle.seek(0)
        offset, line, pending, first = 0, 1, b"", True
        while True:
            chunk = handle.read(WINDOW)
            data = pending + chunk if pending else chunk
            if chunk:
                cut = _last_boundary(data)
                if cut <= 0:
                    if len(data) > MAX_DOCUMENT:
                        yield from self._rest(offset)
                        return
                    pending = data  # one document longer than a window: read on to its end
                    continue
                window, pending = data[:cut], data[cut:]
            else:
                window, pending = data, b""
            if first:
                first = False
                if window.lstrip()[:1] in (b"{", b"["):  # JSON: the located reader and its JSON fallback
                    yield from self._rest(0)
                    return
            for item in self._window(window, offset, line):
                if isinstance(item, _Restart):
                    yield from self._rest(item.offset)
                    return
                yield item
            offset += len(window)
            line += window.count(b"\n")
            if not chunk:
                return

    def _rest(self, offset: int) -> Iterator[Document]:
        yield from self.located(_BlankedPrefix(self.handle, offset))  # type: ignore[arg-type]

    def _window(self, window: bytes, offset: int, first_line: int) -> Iterator[Document | _Restart]:
        try:
            text = window.decode("utf-8")
        except UnicodeDecodeError:
            yield _Restart(offset)
            return
        if _reader_level_risk(window, text):
            yield _Restart(offset)
            return
        starts = [0, *(m.start() + 1 for m in _BOUNDARY.finditer(text))]
        risky = _risky(text, starts)
        if self.fast_kind_names:
            risky |= self._other_kinds(text, starts)
        ascii_text = text.isascii()
        line = first_line
        run: list[tuple[str, int, int]] = []  # adjacent documents for the located reader, read in one pass
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else len(text)
            doc_text = text[start:end]
            doc_line = line
            line += doc_text.count("\n")
            content_line = _first_content_line(doc_text, doc_line)
            if content_line is None:
                yield from self._located_run(run)  # the run ends here: it holds only adjacent text
                continue  # empty, or comments only: the located reader yields nothing either
            byte_offset = offset + (start if ascii_text else len(text[:start].encode("utf-8")))
            if index in risky:
                run.append((doc_text, doc_line, byte_offset))
                continue
            try:
                data = _yaml_rs.loads(doc_text, parse_datetime=False)
            except Exception:  # noqa: BLE001 - any refusal: the located reader says what is wrong, and where
                data = _REFUSED
            if data is None:
                yield from self._located_run(run)
                continue
            if data is _REFUSED or not self.fast_kind(data):
                run.append((doc_text, doc_line, byte_offset))
                continue
            yield from self._located_run(run)
            yield Document(data, content_line, relocate=partial(relocate, doc_text, doc_line - 1))
        yield from self._located_run(run)

    def _other_kinds(self, text: str, starts: list[int]) -> set[int]:
        """Indexes of the documents whose top-level `kind:` line names a kind outside `fast_kind_names`."""
        return {bisect.bisect_right(starts, match.start()) - 1 for match in _TOP_LEVEL_KIND.finditer(text)
                if match.group(1) not in self.fast_kind_names}

    def _located_run(self, run: list[tuple[str, int, int]]) -> Iterator[Document | _Restart]:
        """Adjacent documents for the located reader (emptied once read), read by one reader in one pass rather than
        one reader each: the same documents, since nothing carries over between documents (anchors, the alias budget
        and deferred problems are per document; only immutable scalars are shared). A run that raises an error or
        holds a problem is read one document at a time, as each would be alone (read_alone's line handling)."""
        if not run:
            return
        taken = run[:]
        run.clear()
        if len(taken) > 1:
            try:
                docs = list(iter_documents("".join(doc_text for doc_text, _, _ in taken), defer_problems=True))
            except YAMLInputError:
                docs = None
            if docs is not None and not any(doc.problems for doc in docs):
                yield from (shifted(doc, taken[0][1] - 1) for doc in docs)
                return
        for doc_text, doc_line, byte_offset in taken:
            yield from self._located_document(doc_text, doc_line, byte_offset)

    def _located_document(self, doc_text: str, doc_line: int, byte_offset: int) -> Iterator[Document | _Restart]:
        try:
            docs = read_alone(doc_text, doc_line - 1)
        except YAMLInputError:  # the located reader on the rest of the file: its error, its line, its byte offset
            yield _Restart(byte_offset)
            return
        yield from docs


def relocate(doc_text: str, lines_before: int) -> Document:
    """One document re-read by the located reader, its lines counted from the start of its file."""
    for doc in read_alone(doc_text, lines_before):
        return doc
    raise YAMLInputError(lines_before + 1, "the document could not be read again")  # pragma: no cover


def read_alone(doc_text: str, lines_before: int) -> list[Document]:
    """The documents of one document's text, read by the located reader, with the lines of the whole file.

    Read alone, then every line moved down; a document with problems (rare) is read again after as many blank lines
    instead, because their messages quote lines too ("first at line 8")."""
    docs = list(iter_documents(doc_text, defer_problems=True))
    if lines_before and any(doc.problems for doc in docs):
        return list(iter_documents("\n" * lines_before + doc_text, defer_problems=True))
    return [shifted(doc, lines_before) for doc in docs]


def shifted(doc: Document, lines_before: int) -> Document:
    """`doc` (read alone, without problems) with every line moved down by `lines_before`; shared containers once."""
    if not lines_before:
        return doc
    seen: set[int] = set()
    stack: list[Any] = [doc.data]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, LocatedMap):
            node.line += lines_before
            node.key_lines = {key: at + lines_before for key, at in node.key_lines.items()}
            stack.extend(v for v in node.values() if isinstance(v, (LocatedMap, LocatedList)))
        elif isinstance(node, LocatedList):
            node.line += lines_before
            node.item_lines = [at + lines_before for at in node.item_lines]
            stack.extend(v for v in node if isinstance(v, (LocatedMap, LocatedList)))
    return Document(doc.data, doc.line + lines_before, doc.problems)


_REFUSED = object()  # what yaml-rs gives for a document it refuses (the located reader then says why)
# A top-level `kind:` line (a column-0 key, so not inside a block scalar or a nested mapping).
_TOP_LEVEL_KIND = re.compile(r"^kind:[ ]*([A-Za-z0-9]+)[ ]*$", re.MULTILINE)


# --- finding documents ------------------------------------------------------------------------------------------

# A document marker at the start of a line, followed by a space or the end of the line. (YAML forbids `---` at the
# start of a line inside any scalar, so this is a boundary wherever it occurs.)
_BOUNDARY = re.compile(r"\n---(?=[ \n]|\Z)")
_BOUNDARY_BYTES = re.compile(rb"\n---(?=[ \t\r\n]|\Z)")


def _last_boundary(data: bytes) -> int:
    """The offset just after the newline that precedes the last document marker in `data`; 0 when there is none."""
    position = len(data)
    while True:
        found = data.rfind(b"\n---", 0, position)
        if found < 0:
            return 0
        if _BOUNDARY_BYTES.match(data, found) and found + 4 < len(data):  # the marker's line end is in `data`
            return found + 1
        position = found


def _first_content_line(doc_text: str, first_line: int) -> int | None:
    """The line of the document's first node (after its marker, blank lines and comments); None when empty."""
    position, line = 0, first_line
    if doc_text.startswith("---"):
        end = doc_text.find("\n")
        if end < 0:
            return None
        position, line = end + 1, line + 1
    while position < len(doc_text):
        end = doc_text.find("\n", position)
        end = len(doc_text) if end < 0 else end
        stripped = doc_text[position:end].strip(" ")
        if stripped and not stripped.startswith("#"):
            return line
        position, line = end + 1, line + 1
    return None


# --- the scan ---------------------------------------------------------------------------------------------------

# Anything the located reader treats at the level of the file (its reader, directives, document ends, a marker with
# content on its line): the rest of the file is read by the located reader.
# Outside ASCII: what libyaml refuses (it reads only printable characters), a BOM, and its other line breaks (NEL,
# LS, PS), which would move every line number after them.
_NON_ASCII_RISK = re.compile(r"[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_FILE_LEVEL = re.compile(r"\n\.\.\.(?=[ \n]|\Z)|\n%|\n---[ ]+[^ #\n]")


# Bytes that may appear in a window read by the fast path: printable ASCII, line feeds, and the bytes of UTF-8
# sequences (checked after decoding). Tabs, CRs and control characters are left to the located reader.
_PLAIN_BYTES = b"\n" + bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))


def _reader_level_risk(window: bytes, text: str) -> bool:
    if window.translate(None, _PLAIN_BYTES):
        return True
    if not text.isascii() and _NON_ASCII_RISK.search(text):
        return True
    return bool(_FILE_LEVEL.search("\n" + text))


# Plain scalars, found by how they END (a token is plain when what precedes it is a space, a flow indicator or a
# line start). The end of a token is a line end, ": " or ":\n" (a key), " #" (a comment) or a flow indicator; the
# text is searched REVERSED so that each pattern starts with a literal, which the regex engine skips to quickly.
_TOKEN = r"(?:[yYnN]|[sS][eE][yY]|[oO][nN]|[nN][oO]|[fF][fF][oO]|<<|[0-9]{19}[0-9]*+[-+]?|[nN][aA][nN]\.[-+])"
# Keys that do not resolve to a string (true, false, null, numbers, ~, the empty key): kubectl turns them into text.
_KEY = r"(?:[eE][uU][rR][tT]|[eE][sS][lL][aA][fF]|[lL][lL][uU][nN]|[^\s:\[\]{},#]*+(?<=[-+.0-9~])|)"
_START = r"(?=[\s\[{,]|\Z)"
_REVERSED = [
    re.compile(rf"\n(?: *+{_TOKEN}|: *(?:{_TOKEN}|{_KEY})){_START}"),
    re.compile(rf" : *(?:{_TOKEN}|{_KEY}){_START}"),
    re.compile(rf"# +{_TOKEN}{_START}"),
    re.compile(rf", *{_TOKEN}{_START}"),
    re.compile(rf"\] *{_TOKEN}{_START}"),
    re.compile(rf"\}} *{_TOKEN}{_START}"),
    re.compile(rf",:(?:{_TOKEN}|{_KEY}){_START}"),
    re.compile(rf"\}}:(?:{_TOKEN}|{_KEY}){_START}"),
]
# Found by how they START: numbers kubectl reads otherwise (leading zero: octal; underscores), tags, anchors and
# aliases, complex keys and collections as keys, and deep block prefixes.
_FORWARD = [
    re.compile(r"0(?<=[\s\[{,]0)[0-9_]"),
    re.compile(r"0(?<=[\s\[{,][-+]0)[0-9_]"),
    re.compile(r"_(?<=[\s\[{,.0-9+-]_)"),
    re.compile(r"!(?<=[\s\[{,]!)"),
    re.compile(r"&(?<=[\s\[{,]&)"),
    re.compile(r"\*(?<=[\s\[{,]\*)"),
    re.compile(r"\?(?<=[\s\[{,]\?)(?=[ \n]|\Z)"),
    re.compile(r"\]:(?=[ \n])"),  # a flow collection as a key: yaml-rs builds a tuple key, kubectl refuses it
    re.compile(r"\}:(?=[ \n])"),
    re.compile(rf"\n[ -]{{{_MAX_PREFIX}}}"),
]


def _risky(text: str, starts: list[int]) -> set[int]:
    """Indexes (into `starts`) of the documents of `text` that the located reader must read."""
    found: set[int] = set()
    if any_line_risky(text):
        found.update(risky_lines(text, starts))
    if text.count("[") + text.count("{") >= _MAX_FLOW_OPENERS:
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else len(text)
            if text.count("[", start, end) + text.count("{", start, end) >= _MAX_FLOW_OPENERS:
                found.add(index)
    return found


def any_line_risky(text: str) -> bool:
    """Whether any pattern matches in `text`, asked of each distinct line once.

    Every pattern is local to a line: what it consumes holds no line break but the one at the end of the line
    it ends (reversed: starts) with, and what it looks around is one character, which may be the line break on
    either side. Lines repeat thousands of times in a cluster's manifests (`protocol: TCP`, `- name: http`), so
    the distinct lines, each between line breaks as in the text, have a match exactly when the text has one: the
    common answer, no, at a fraction of the cost. (`set` order varies between runs; the answer does not.)"""
    distinct = "\n".join(set(text.split("\n")))
    padded = "\n" + distinct + "\n"
    if any(pattern.search(padded) for pattern in _FORWARD):
        return True
    backwards = padded[::-1]
    return any(pattern.search(backwards) for pattern in _REVERSED)


def risky_lines(text: str, starts: list[int]) -> set[int]:
    """Indexes (into `starts`) of the documents of `text` that hold a line some pattern matches in."""
    found: set[int] = set()
    padded = "\n" + text + "\n"  # every token has a start and an end inside the searched text
    for pattern in _FORWARD:
        for match in pattern.finditer(padded):  # the last character matched, as an index into `text`
            found.add(bisect.bisect_right(starts, max(match.end() - 2, 0)) - 1)
    backwards = padded[::-1]
    last = len(padded) - 1
    for pattern in _REVERSED:
        for match in pattern.finditer(backwards):  # the token's end, as an index into `text`
            found.add(bisect.bisect_right(starts, min(max(last - match.start() - 1, 0), len(text) - 1)) - 1)
    return found


# --- the rest of a file for the located reader -------------------------------------------------------------------

_BLANK = bytes(b if b in (0x0A, 0x0D) else 0x20 for b in range(256))


class _BlankedPrefix(io.RawIOBase):
    """The file with every byte before `offset` but line breaks turned into a space: the located reader sees blank
    lines there, so it reads only what follows while counting lines and bytes from the start of the real file."""

    def __init__(self, handle: IO[bytes], offset: int) -> None:
        super().__init__()
        self._handle = handle
        self._offset = offset
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, position: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            position += self._position
        elif whence == io.SEEK_END:
            position += self._handle.seek(0, io.SEEK_END)
        self._position = max(position, 0)
        return self._position

    def readinto(self, buffer: Any) -> int:
        self._handle.seek(self._position)
        data = self._handle.read(len(buffer))
        if self._position < self._offset:
            head = min(self._offset - self._position, len(data))
            data = data[:head].translate(_BLANK) + data[head:]
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)
