"""`json.dump(value, out, indent=2)`'s text for documents that repeat the same objects many times.

`exposure` lists every endpoint with its reaches, and endpoints alike share their Reach objects: at
100,000 pods the document is ~340 MB, most of it the same few thousand reaches again and again, and
json's indenting encoder (pure Python) spent more time writing it than the query took. Here each
container met more than once (the same object, by identity) is encoded once per depth and its text
reused; everything else is encoded as json does it, so the text is byte for byte json.dump's
(tests/unit/report/test_json_shared.py holds the two together on random documents and on exposure).

Only str keys and str, int, float, bool, None, list, tuple and dict values are written here; a
document with anything else goes to `json_format.dump` unchanged (same text, json's own way).
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii
from typing import Any, TextIO

WRITE_PIECES = 256  # pieces (an element's text, a separator) per write: the stdout scans every write
INDENT = "  "


def _count(value: Any, seen: dict[int, int]) -> bool:
    """How many times each container is met (by identity); each is descended once. False when the document
    holds something json writes through its own rules (keys that are not str, other types)."""
    stack = [value]
    while stack:
        o = stack.pop()
        if isinstance(o, (dict, list, tuple)):
            n = seen.get(id(o), 0)
            seen[id(o)] = n + 1
            if n:
                continue
            if isinstance(o, dict):
                if not all(type(k) is str for k in o):
                    return False
                stack.extend(o.values())
            else:
                stack.extend(o)
        elif not (o is None or isinstance(o, (str, int, float))):
            return False
    return True


def _scalar(o: Any) -> str:
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    return int.__repr__(o) if isinstance(o, int) else _float(o)


def _float(o: float) -> str:
    if o != o:
        return "NaN"
    if o == float("inf"):
        return "Infinity"
    if o == -float("inf"):
        return "-Infinity"
    return float.__repr__(o)


class _Encoder:
    def __init__(self, seen: dict[int, int]) -> None:
        self._seen = seen
        self._memo: dict[tuple[int, int], str] = {}  # (id, depth) -> text of a container met more than once

    def text(self, o: Any, depth: int) -> str:
        if isinstance(o, str):
            return encode_basestring_ascii(o)
        if not isinstance(o, (dict, list, tuple)):
            return _scalar(o)
        shared = self._seen.get(id(o), 0) > 1
        if shared:
            found = self._memo.get((id(o), depth))
            if found is not None:
                return found
        inner = "\n" + INDENT * (depth + 1)
        if isinstance(o, dict):
            if not o:
                out = "{}"
            else:
                items = [encode_basestring_ascii(k) + ": " + self.text(v, depth + 1) for k, v in o.items()]
                out = "{" + inner + ("," + inner).join(items) + "\n" + INDENT * depth + "}"
        elif not o:
            out = "[]"
        else:
            out = "[" + inner + ("," + inner).join([self.text(v, depth + 1) for v in o]) + "\n" + INDENT * depth + "]"
        if shared:
            self._memo[(id(o), depth)] = out
        return out

    def write(self, o: Any, depth: int, out: TextIO, pending: list[str]) -> None:
        """Top-level containers streamed element by element (the document is never held as one string)."""
        if depth > 1 or not isinstance(o, (dict, list, tuple)) or not o:
            pending.append(self.text(o, depth))
            return
        inner = "\n" + INDENT * (depth + 1)
        pending.append("{" if isinstance(o, dict) else "[")
        items = o.items() if isinstance(o, dict) else ((None, v) for v in o)
        for i, (k, v) in enumerate(items):
            pending.append(("," if i else "") + inner + (encode_basestring_ascii(k) + ": " if k is not None else ""))
            self.write(v, depth + 1, out, pending)
            if len(pending) >= WRITE_PIECES:
                out.write("".join(pending))
                pending.clear()
        pending.append("\n" + INDENT * depth + ("}" if isinstance(o, dict) else "]"))


def dump_shared(value: Any, out: TextIO) -> bool:
    """Write `value` as json.dump(value, out, indent=2) and a newline would, reusing the text of repeated
    containers. False (nothing written) when the document holds something only json's own rules write."""
    seen: dict[int, int] = {}
    if not _count(value, seen):
        return False
    pending: list[str] = []
    _Encoder(seen).write(value, 0, out, pending)
    pending.append("\n")
    out.write("".join(pending))
    return True
