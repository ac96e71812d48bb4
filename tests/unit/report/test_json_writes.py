"""Whole JSON documents are written in a few large writes (the CLI's stdout redacts every write), the same
text as json.dump with indent 2, and never with a string value cut between two writes."""

from __future__ import annotations

import io
import json
from typing import Any

from netverify.loaders.credentials import REDACTED, RedactingStream, Redactor
from netverify.report import encode_once, json_format


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def _document(n: int, secret: str = "") -> dict[str, Any]:
    return {"exposed": [{"endpoint": f"ns{i % 7}/Deployment/app-{i}", "ports": [[80, 80], [443, 443]],
                         "via": [f"rule {i} {secret}", None, True, 1.5]} for i in range(n)], "notes": []}


def test_dump_writes_the_text_of_json_dump_with_indent_2() -> None:
    for value in (_document(0), _document(3), _document(5000), [], {"a": "ü\u2028"}, "x", 7):
        out = CountingStream()
        json_format.dump(value, out)
        assert out.getvalue() == json.dumps(value, indent=2) + "\n"


def test_a_large_document_takes_a_few_large_writes() -> None:
    out = CountingStream()
    json_format.dump(_document(5000), out)
    text = out.getvalue()
    assert len(text) > 10 * encode_once.WRITE_CHARS
    assert len(out.writes) <= len(text) // encode_once.WRITE_CHARS + 1
    assert all(len(w) < 2 * encode_once.WRITE_CHARS for w in out.writes)


def test_a_registered_secret_is_redacted_wherever_the_writes_are_cut() -> None:
    secret = "s3cr3t-t0ken-value-0123456789"
    redactor = Redactor()
    redactor.add(secret)
    target = io.StringIO()
    json_format.dump(_document(5000, secret), RedactingStream(target, redactor, shapes=False))
    shown = target.getvalue()
    assert secret not in shown
    assert shown.count(REDACTED) == 5000
