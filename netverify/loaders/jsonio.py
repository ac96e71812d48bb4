"""Strict JSON with the reader's guarantees: for JSON that the YAML 1.1 reader cannot read.

Most JSON is YAML and goes through `yamlio`; some is not (a tab between tokens, a key longer than
1024 characters, `\\/` escapes), and is read here instead, with exactly the same promises: the line of
every mapping, key and list item (so errors name real lines, never line 1), duplicate keys refused,
nesting limited to `MAX_DEPTH` levels without recursion, numbers too long to convert refused at their
line (never an internal error), lone UTF-16 surrogates refused (they cannot be printed), and `\\r\\n`,
`\\r` and `\\n` all counted as line breaks, as YAML does.
"""

from __future__ import annotations

import re
from json import decoder
from json.decoder import JSONDecodeError
from typing import Any

from netverify.loaders.yamlio import (
    MAX_DEPTH,
    Document,
    LocatedList,
    LocatedMap,
    YAMLInputError,
    nesting_too_deep,
)
from netverify.model.source import quoted

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_HINT = "fix the JSON syntax at that line"
_scanstring: Any = decoder.scanstring  # type: ignore[attr-defined]  # the C string scanner, untyped
_MAX_DIGITS = 4000  # below Python's int conversion limit; far above any number a manifest holds


def loads_json(text: str) -> list[Document]:
    """The one JSON value of `text` as a located document; YAMLInputError at the offending line."""
    reader = _Reader(text)
    reader.skip_space()
    if reader.pos >= len(text):
        return []
    line = reader.line
    value = reader.value()
    reader.skip_space()
    if reader.pos < len(text):
        raise reader.error("extra data after the JSON value", "a JSON file holds one value; use a List "
                           "(kind: List, items: [...]) or YAML documents for several objects")
    return [Document(value, line)]


class _Frame:
    __slots__ = ("container", "key", "key_line")

    def __init__(self, container: LocatedMap | LocatedList) -> None:
        self.container = container
        self.key: str | None = None
        self.key_line = 0


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def skip_space(self) -> None:
        match = _SPACE.match(self.text, self.pos)
        if match is None:  # pragma: no cover - the pattern matches the empty string
            return
        gap = match.group()
        if gap:
            # Line breaks only occur between tokens in JSON: count them here, CR LF as one.
            self.line += gap.count("\n") + gap.count("\r") - gap.count("\r\n")
            self.pos = match.end()

    def error(self, message: str, hint: str = _HINT) -> YAMLInputError:
        return YAMLInputError(self.line, f"invalid JSON: {message}", hint, syntax=True)

    def value(self) -> Any:
        """One value, built with an explicit stack of the open containers."""
        stack: list[_Frame] = []
        while True:
            self.skip_space()
            value, opened = self._start_value(len(stack))
            if opened is not None:
                stack.append(_Frame(opened))
                if self._closes_empty(opened):
                    value = stack.pop().container
                else:
                    if isinstance(opened, LocatedMap):
                        self._key(stack[-1])
                    continue
            # A complete value: attach it, then close every container that ends here.
            while True:
                if not stack:
                    return value
                frame = stack[-1]
                self._attach(frame, value)
                self.skip_space()
                closer = "}" if isinstance(frame.container, LocatedMap) else "]"
                char = self.text[self.pos: self.pos + 1]
                if char == ",":
                    self.pos += 1
                    if isinstance(frame.container, LocatedMap):
                        self._key(frame)
                    break
                if char != closer:
                    raise self.error(f"expected ',' or '{closer}'" + (f", found {char!r}" if char else
                                                                        " before the end of the file"))
                self.pos += 1
                value = stack.pop().container

    def _start_value(self, depth: int) -> tuple[Any, LocatedMap | LocatedList | None]:
        text, pos = self.text, self.pos
        char = text[pos: pos + 1]
        if char in ("{", "["):
            if depth >= MAX_DEPTH:
                raise nesting_too_deep(self.line)
            container: LocatedMap | LocatedList = LocatedMap() if char == "{" else LocatedList()
            container.line = self.line
            self.pos += 1
            return None, container
        if char == '"':
            return self._string(), None
        for word, literal in _LITERALS.items():
            if text.startswith(word, pos):
                self.pos += len(word)
                return literal, None
        match = _NUMBER.match(text, pos)
        if match is None or not match.group():
            raise self.error(f"expected a value, found {char!r}" if char else "a value is missing at the end")
        self.pos = match.end()
        return self._number(match), None

    def _number(self, match: re.Match[str]) -> int | float:
        written = match.group()
        if len(written) > _MAX_DIGITS:
            raise YAMLInputError(self.line, f"a number of {len(written)} digits is too long",
                                 "no field of a manifest holds a number this long; check the value")
        if match.group(1) is None and match.group(2) is None:
            return int(written)
        return float(written)

    def _string(self) -> str:
        try:
            value, end = _scanstring(self.text, self.pos + 1, True)
        except JSONDecodeError as exc:
            raise self.error(exc.msg) from None
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise YAMLInputError(self.line, "a string holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)",
                                     "escape characters outside the basic plane as a surrogate pair, or write "
                                     "them as UTF-8") from None
        self.pos = end
        return str(value)

    def _closes_empty(self, container: LocatedMap | LocatedList) -> bool:
        self.skip_space()
        closer = "}" if isinstance(container, LocatedMap) else "]"
        if self.text.startswith(closer, self.pos):
            self.pos += 1
            return True
        return False

    def _key(self, frame: _Frame) -> None:
        self.skip_space()
        if not self.text.startswith('"', self.pos):
            found = self.text[self.pos: self.pos + 1]
            raise self.error("expected a key in double quotes" + (f", found {found!r}" if found else ""))
        frame.key_line = self.line
        frame.key = self._string()
        self.skip_space()
        if not self.text.startswith(":", self.pos):
            raise self.error("expected ':' after the key")
        self.pos += 1

    def _attach(self, frame: _Frame, value: Any) -> None:
        container = frame.container
        line = getattr(value, "line", 0) or self.line
        if isinstance(container, LocatedList):
            container.append(value)
            container.item_lines.append(line)
            return
        key = frame.key
        if key in container:
            first = container.key_lines[key]
            raise YAMLInputError(frame.key_line, f"duplicate key {quoted(key)} (first at line {first})",
                                 "remove one of them; the API server would keep only one")
        container[key] = value
        container.key_lines[key] = frame.key_line
