"""Where an object or a field came from, and the located diagnostics about it."""

from __future__ import annotations

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
        where = f"{self.source}: " if self.source.file else ""
        what = f"{self.obj}: " if self.obj else ""
        text = f"{where}{self.severity.value}: {what}{self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


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
