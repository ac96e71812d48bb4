"""Where an object or a field came from, and the located diagnostics about it."""

from __future__ import annotations

import functools
import reprlib
import typing
from dataclasses import dataclass, fields, is_dataclass, replace
from enum import Enum
from typing import Any

from netverify.errors import NetverifyError


@dataclass(frozen=True, order=True)
class SourceRef:
    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


class ValueEnum(str, Enum):
    """A string enum that reads as its value everywhere: equal to it (and hashed alike), in str() and
    f-strings (Python 3.11 made format() of mixed-in enums print the member's name), and in JSON (a str
    subclass): the code compares members, not spellings, and every output stays byte-identical."""

    def __str__(self) -> str:
        return str(self.value)


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Diagnostic:
    """A located problem: what is wrong and what to do about it."""

    severity: Severity
    source: SourceRef
    message: str
    hint: str = ""
    obj: str = ""  # "Kind ns/name" when known

    def render(self) -> str:
        """`file:line: severity: object: message` and the hint under it, every part printable: whatever a
        message quotes from the input, it cannot start a line of its own or reach the terminal raw."""
        where = f"{printable(str(self.source))}: " if self.source.file else ""
        what = f"{printable(self.obj)}: " if self.obj else ""
        text = f"{where}{self.severity.value}: {what}{printable(self.message)}"
        # Hints are netverify's own words; some span lines on purpose (a ClusterRole to apply).
        hint = "\n".join(printable(line) for line in self.hint.split("\n"))
        return f"{text}\n  hint: {hint}" if hint else text


class _BoundedRepr(reprlib.Repr):
    """repr() with every string, number and collection cut short: the located containers of the reader
    (dict and list subclasses) are cut like dicts and lists, not rendered whole and then cut."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = 80
        self.maxlong = 40
        self.maxlevel = 2
        self.maxdict = self.maxlist = self.maxtuple = self.maxset = 4

    def repr_LocatedMap(self, x: Any, level: int) -> str:  # noqa: N802 - reprlib dispatches on the type name
        return self.repr_dict(x, level)

    def repr_LocatedList(self, x: Any, level: int) -> str:  # noqa: N802
        return self.repr_list(x, level)


_BOUNDED = _BoundedRepr()


def printable(text: str) -> str:
    """`text` with every character that is not printable escaped as Python would write it (`\\x1b`, `\\n`,
    `\\u202e`): a name from the input can then neither send terminal escape sequences, nor start a line of
    its own (a fake `file:line: error:` in a CI log), nor reorder what is shown (bidirectional controls).
    Every string from the input is passed through this once, where it enters (the loaders)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def quoted(value: Any) -> str:
    """A value from the input as a message quotes it: repr(), at most about 80 characters whatever the value
    (an alias can repeat one large value thousands of times: each error must stay small)."""
    return _BOUNDED.repr(value)


class InputError(NetverifyError):
    """Input that cannot be analysed; carries every located diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.render() for d in diagnostics))


def without_sources(obj: Any) -> Any:
    """The object with every SourceRef blanked, so moved or reformatted manifests compare equal."""
    if is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: SourceRef("") if f.name == "source" else without_sources(getattr(obj, f.name))
                   for f in fields(obj) if f.init}
        return replace(obj, **changes)
    if isinstance(obj, tuple):
        return tuple(without_sources(x) for x in obj)
    return obj


def relocated(obj: Any, file: str) -> Any:
    """The object with every SourceRef naming `file` instead (lines kept): the same document read from another
    path. Parts without a SourceRef are shared, not copied; an object that cites `file` already is returned.

    Only the fields whose declared types can hold a SourceRef are visited (`_located_fields`): a Pod's `source`,
    not its labels, ports and owner (at 100,000 pods, `diff` relocates every object of the files both versions
    share)."""
    if type(obj) is SourceRef:
        return obj if obj.file == file else SourceRef(file, obj.line)
    if type(obj) is tuple:
        moved = tuple(x if type(x) is str else relocated(x, file) for x in obj)
        return obj if all(a is b for a, b in zip(moved, obj, strict=True)) else moved
    if is_dataclass(obj) and not isinstance(obj, type):
        names = _located_fields(type(obj))
        changes = {}
        for name in names if names is not None else [f.name for f in fields(obj) if f.init]:
            value = getattr(obj, name)
            if not isinstance(value, (str, int, float, Enum)) and value is not None:
                moved_value = relocated(value, file)
                if moved_value is not value:
                    changes[name] = moved_value
        return replace(obj, **changes) if changes else obj
    return obj


@functools.cache
def _located_fields(cls: type) -> tuple[str, ...] | None:
    """The init fields of the dataclass `cls` whose declared type may hold a SourceRef (directly, in a tuple, in a
    dataclass that may); None when its annotations cannot be read (every field is then visited)."""
    return _fields_that_may_hold(cls, frozenset())


def _fields_that_may_hold(cls: type, visiting: frozenset[type]) -> tuple[str, ...] | None:
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001 - a name the annotations use is not importable here: visit every field
        return None
    inside = visiting | {cls}
    return tuple(f.name for f in fields(cls) if f.init and _may_hold_source(hints.get(f.name, Any), inside))


_NEVER_SOURCES = (str, int, float, bool, bytes, type(None))


def _may_hold_source(annotation: Any, visiting: frozenset[type]) -> bool:
    if annotation is SourceRef:
        return True
    if annotation in _NEVER_SOURCES or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        return False
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return False
    if origin is not None:  # tuple[...], X | None, dict[...], frozenset[...]: any of its arguments
        return any(_may_hold_source(arg, visiting) for arg in typing.get_args(annotation) if arg is not Ellipsis)
    if isinstance(annotation, type) and is_dataclass(annotation):
        if annotation in visiting:
            return True  # a type that nests itself: maybe
        inner = _fields_that_may_hold(annotation, visiting)
        return inner is None or bool(inner)
    return True  # Any, object, a type this does not know: maybe
