"""JSON: documented contracts; the matrix is streamed pair by pair."""

from __future__ import annotations

import json
from functools import singledispatch
from typing import Any, TextIO

from netverify.queries.matrix import MatrixResult
from netverify.sets import ConnectionSet


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
    _write_connections(result, out)
    out.write("\n  ]\n}\n")


def _write_connections(result: MatrixResult, out: TextIO) -> None:
    """Byte for byte what json.dumps(conn.to_json()) per pair gives, with each endpoint id and
    each distinct ConnectionSet serialised once and one write per source."""
    ids: dict[str, str] = {}
    conns: dict[object, tuple[ConnectionSet, str]] = {}  # the set is kept so its id stays unique
    by_identity = result.query.is_all  # the graph's sets are shared objects; filtered ones are not
    lead = "\n    "
    for src, targets in result.by_source():
        head = f'{{"src": {json.dumps(src.id)}, "dst": '
        parts = []
        for dst, allowed in targets:
            d = ids.get(dst.id)
            if d is None:
                d = ids[dst.id] = json.dumps(dst.id)
            key = id(allowed) if by_identity else allowed
            c = conns.get(key)
            if c is None:
                c = conns[key] = (allowed, json.dumps(allowed.to_json()))
            parts.append(f'{head}{d}, "allowed": {c[1]}}}')
        out.write(lead + ",\n    ".join(parts))
        lead = ",\n    "


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


# --- diff (issue 4; grouped changes, issue 17) -------------------------------------------------

from netverify.queries.diff import STATUSES, DiffResult  # noqa: E402


@render.register
def _(result: DiffResult, out: TextIO, **_: Any) -> None:
    """Grouped changes (the default contract), or with `--pairs` one entry per pair, streamed:
    one line per pair, written one source at a time."""
    if result.listing != "pairs":
        json.dump(result.to_json(), out, indent=2)
        out.write("\n")
        return
    out.write("{")
    for n, status in enumerate(STATUSES):
        out.write(f'{"," if n else ""}\n  "{status}": [')
        lead = "\n    "
        for pair in result.pairs(status):
            out.write(lead + json.dumps(pair.to_json()))
            lead = ",\n    "
        out.write("\n  ]" if lead != "\n    " else "]")
    for key, items in (("endpoints_added", result.endpoints_added), ("endpoints_removed", result.endpoints_removed)):
        out.write(f',\n  "{key}": [' + ",".join("\n    " + json.dumps(e.to_pairs_json()) for e in items)
                  + ("\n  ]" if items else "]"))
    out.write(',\n  "outside": [' + ",".join("\n    " + json.dumps(b.to_json()) for b in result.outside)
              + ("\n  ]" if result.outside else "]"))
    if result.assertions is not None:
        out.write(',\n  "assertions": ' + json.dumps(result.assertions.to_json()))
    out.write("\n}\n")
