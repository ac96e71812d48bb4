"""What the streaming formatters (json, csv, md) share: texts computed once per distinct value, and
writes batched into large pieces.

A matrix repeats the same endpoint ids and connection sets on every line, so each formatter turns each
distinct one into its text once (`encoded_once`). The graph's connection sets are shared objects and are
looked up by identity (the object is kept, so its id stays its own); sets filtered by a port query are
new objects on every line and are looked up by value.

The CLI's stdout is a RedactingStream that scans every write: `write_batched` joins pieces into writes of
about WRITE_CHARS characters, each ending at a piece's end (a piece is never split across two writes)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TextIO, TypeVar

WRITE_CHARS = 1 << 16

Value = TypeVar("Value", bound=Hashable)
Text = TypeVar("Text")


def encoded_once(encode: Callable[[Value], Text], by_identity: bool = False) -> Callable[[Value], Text]:
    """`encode`, computed once per distinct value (per object when `by_identity`). A hot path (once per pair of
    a matrix): a hit is one dict lookup, in C for values (`__missing__` encodes)."""
    if not by_identity:
        return _Texts(encode).__getitem__
    texts: dict[int, Text] = {}
    kept: list[Value] = []  # the objects looked up, so that their ids stay their own

    def by_object(value: Value) -> Text:
        text = texts.get(id(value))
        if text is None:
            kept.append(value)
            text = texts[id(value)] = encode(value)
        return text

    return by_object


class _Texts(dict[Value, Text]):
    def __init__(self, encode: Callable[[Value], Text]) -> None:
        super().__init__()
        self._encode = encode

    def __missing__(self, value: Value) -> Text:
        text = self[value] = self._encode(value)
        return text


def write_batched(pieces: Iterable[str], out: TextIO) -> None:
    """Write the pieces joined, WRITE_CHARS characters or more at a time, each write ending at a piece's end."""
    pending: list[str] = []
    size = 0
    for piece in pieces:
        pending.append(piece)
        size += len(piece)
        if size >= WRITE_CHARS:
            out.write("".join(pending))
            pending.clear()
            size = 0
    if pending:
        out.write("".join(pending))
