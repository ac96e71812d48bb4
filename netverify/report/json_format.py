"""JSON: documented contracts; the matrix is streamed pair by pair."""

from __future__ import annotations

import json
from functools import singledispatch
from typing import Any, TextIO

from netverify.queries.matrix import MatrixResult


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    to_json = getattr(result, "to_json", None)
    if to_json is None:
        raise NotImplementedError
    json.dump(to_json(), out, indent=2)
    out.write("\n")


@render.register
def _(result: MatrixResult, out: TextIO, **_: Any) -> None:
    out.write('{\n  "endpoints": [')
    for i, ep in enumerate(result.endpoints):
        out.write(("," if i else "") + "\n    " + json.dumps(ep.to_json()))
    out.write('\n  ],\n  "connections": [')
    for i, conn in enumerate(result.connections()):
        out.write(("," if i else "") + "\n    " + json.dumps(conn.to_json()))
    out.write("\n  ]\n}\n")


# --- matrix --by service (issue 5) ------------------------------------------------------------

from netverify.queries.services import ServiceMatrixResult  # noqa: E402


@render.register
def _(result: ServiceMatrixResult, out: TextIO, **_: Any) -> None:
    """Like the matrix, plus `services` (the destinations) and `partial` per connection."""
    out.write('{\n  "by": "service",\n  "endpoints": [')
    for i, ep in enumerate(result.endpoints):
        out.write(("," if i else "") + "\n    " + json.dumps(ep.to_json()))
    out.write('\n  ],\n  "services": [')
    for i, view in enumerate(result.views):
        out.write(("," if i else "") + "\n    " + json.dumps(view.to_json()))
    out.write('\n  ],\n  "connections": [')
    for i, conn in enumerate(result.connections()):
        out.write(("," if i else "") + "\n    " + json.dumps(conn.to_json()))
    out.write('\n  ],\n  "notes": ' + json.dumps(result.notes()) + "\n}\n")
