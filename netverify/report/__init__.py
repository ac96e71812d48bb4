"""Formatters: one module per output format, all behind `write(result, fmt, stream)`."""

from __future__ import annotations

from importlib import import_module
from typing import Any, TextIO

from netverify.errors import UsageError

FORMATS = ("text", "json", "csv", "md", "sarif", "junit", "dot", "svg", "html")


class UnsupportedFormat(UsageError):
    pass


def write(result: Any, fmt: str, stream: TextIO, **options: Any) -> None:
    """Render `result` in format `fmt`; each format module registers what it can render."""
    if fmt not in FORMATS:
        raise UnsupportedFormat(f"unknown format {fmt!r}")
    module = import_module(f"netverify.report.{fmt}_format")
    renderer = getattr(module, "render", None)
    if renderer is None:
        raise UnsupportedFormat(f"format {fmt} is not available")
    try:
        renderer(result, stream, **options)
    except NotImplementedError:
        raise UnsupportedFormat(f"{type(result).__name__} cannot be written as {fmt}") from None
