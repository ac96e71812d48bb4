"""`matrix --format json` is streamed: written one source row at a time, never built as one document.

The streamed text must be the same JSON document as serialising the whole result at once (the
documented contract), and the writer must hand the stream many bounded pieces rather than one
string holding every connection.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from netverify import report
from netverify.loaders.manifests import load_paths
from netverify.queries.context import Analysis
from netverify.queries.matrix import MatrixResult, matrix
from netverify.queries.ports import PortQuery

DEMO = str(Path(__file__).resolve().parents[2] / "fixtures" / "demo")


class RecordingStream(io.StringIO):
    """A text stream that remembers the size of every write."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def write(self, s: str) -> int:
        self.sizes.append(len(s))
        return super().write(s)


def demo_matrix(query: PortQuery | None = None) -> MatrixResult:
    loaded = load_paths((DEMO,), "default")
    result = matrix(Analysis(loaded.cluster), query)
    assert isinstance(result, MatrixResult)
    return result


def whole_document(result: MatrixResult) -> dict[str, object]:
    """The non-streamed JSON: every endpoint and every connection serialised in one value."""
    return {"endpoints": [e.to_json() for e in result.endpoints],
            "connections": [c.to_json() for c in result.connections()]}


def streamed(result: MatrixResult) -> RecordingStream:
    out = RecordingStream()
    report.write(result, "json", out)
    return out


def test_streamed_matrix_is_the_same_json_as_the_whole_document() -> None:
    result = demo_matrix()
    out = streamed(result)
    assert json.loads(out.getvalue()) == whole_document(result)


def test_streamed_matrix_with_a_port_filter_is_the_same_json_as_the_whole_document() -> None:
    result = demo_matrix(PortQuery(port=53, protocol="UDP"))
    out = streamed(result)
    document = whole_document(result)
    assert document["connections"], "the filter keeps some pairs"
    assert json.loads(out.getvalue()) == document


def test_connections_are_written_one_source_row_at_a_time() -> None:
    result = demo_matrix()
    out = streamed(result)
    sources = {src.id for src, _ in result.by_source()}
    connections_text = len(out.getvalue().split('"connections": [', 1)[1])
    assert len(sources) > 3
    assert len(out.sizes) >= len(sources), "at least one write per source row"
    assert max(out.sizes) < connections_text / 2, "no single write holds most of the connections"
