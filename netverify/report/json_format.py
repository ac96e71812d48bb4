"""JSON: documented contracts; the matrix is streamed pair by pair.

Whole documents are written by `dump` in writes of about encode_once.WRITE_CHARS characters, each cut between
two of the encoder's tokens: the CLI's stdout is a RedactingStream that scans every write, so json.dump's one write per
token cost more than the encoding (2.5 s of an exposure at 10,000 pods), and a cut between tokens never
splits a string value (a credential) across two writes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import singledispatch
from itertools import chain
from typing import Any, TextIO

from netverify.queries.matrix import MatrixResult
from netverify.report.encode_once import encoded_once, write_batched
from netverify.sets import ConnectionSet

_ENCODER = json.JSONEncoder(indent=2)  # json.dump(value, out, indent=2)'s encoder


def dump(value: Any, out: TextIO) -> None:
    """`json.dump(value, out, indent=2)` and a newline, the same text in a few large writes."""
    write_batched(chain(_ENCODER.iterencode(value), ("\n",)), out)


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    to_json = getattr(result, "to_json", None)
    if to_json is None:
        raise NotImplementedError
    # A result whose document repeats the same objects many times (exposure: the same reaches listed for
    # thousands of endpoints) says so; each repeated object is then encoded once (json_shared). Read as a class
    # attribute, not by registering the type here, so writing a matrix does not import every query.
    if getattr(result, "JSON_SHARES_OBJECTS", False):
        from netverify.report.json_shared import dump_shared

        if dump_shared(to_json(), out):
            return
    dump(to_json(), out)


@render.register
def _(result: MatrixResult, out: TextIO, **_: Any) -> None:
    out.write('{\n  "endpoints": [')
    for i, ep in enumerate(result.endpoints):
        out.write(("," if i else "") + "\n    " + json.dumps(ep.to_json()))
    out.write('\n  ],\n  "connections": [')
    _write_connections(result, out)
    out.write("\n  ]\n}\n")


class _Encoded:
    """The JSON text of endpoint ids and connection sets, each encoded once (see report/encode_once.py)."""

    def __init__(self, by_identity: bool) -> None:
        self.id: Callable[[str], str] = encoded_once(json.dumps)
        self.conns: Callable[[ConnectionSet], str] = encoded_once(lambda c: json.dumps(c.to_json()), by_identity)


def _write_connections(result: MatrixResult, out: TextIO) -> None:
    """Byte for byte what json.dumps(conn.to_json()) per pair gives, with each endpoint id and
    each distinct ConnectionSet serialised once and one write per source."""
    encoded = _Encoded(by_identity=result.query.is_all)
    lead = "\n    "
    for src, targets in result.by_source():
        head = f'{{"src": {encoded.id(src.id)}, "dst": '
        out.write(lead + ",\n    ".join(f'{head}{encoded.id(dst.id)}, "allowed": {encoded.conns(allowed)}}}'
                                         for dst, allowed in targets))
        lead = ",\n    "


# --- matrix --by service (issue 5) ------------------------------------------------------------

from netverify.queries.services import ServiceMatrixResult, ServiceReachResult  # noqa: E402


@render.register
def _(result: ServiceReachResult, out: TextIO, **_: Any) -> None:
    """`can` to a Service: the fields of `can` between endpoints, then service, service_ports,
    translations and backends_served (ServiceReachResult.to_json)."""
    dump(result.to_json(), out)


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
    write_batched(_service_connection_lines(result), out)
    out.write('\n  ],\n  "notes": ' + json.dumps(result.notes()) + "\n}\n")


def _service_connection_lines(result: ServiceMatrixResult) -> Iterator[str]:
    """Byte for byte json.dumps(conn.to_json()) per connection, each id and each ConnectionSet serialised once
    (cells are shared by every client of a class; sets are looked up by value, as filtered ones are new)."""
    encoded = _Encoded(by_identity=False)
    lead = "\n    "
    for conn in result.connections():
        yield (f'{lead}{{"src": {encoded.id(conn.src.id)}, "dst": {encoded.id(conn.dst.id)}, '
               f'"allowed": {encoded.conns(conn.allowed)}, "partial": {encoded.conns(conn.partial)}}}')
        lead = ",\n    "


# --- diff (issue 4; grouped changes, issue 17) -------------------------------------------------

from netverify.queries.diff import STATUSES, DiffResult, EndpointChange, PairChange  # noqa: E402


@render.register
def _(result: DiffResult, out: TextIO, **_: Any) -> None:
    """Grouped changes (the default contract), or with `--pairs` one entry per pair, streamed:
    one line per pair, written one source at a time."""
    if result.listing != "pairs":
        dump(result.to_json(), out)
        return
    out.write("{")
    tails: dict[tuple[int, int, int], str] = {}
    for n, status in enumerate(STATUSES):
        out.write(f'{"," if n else ""}\n  "{status}": [')
        write_batched(_pair_lines(result, status, tails), out)  # a few tens of kB at a time, never a line split
    for key, items in (("endpoints_added", result.endpoints_added), ("endpoints_removed", result.endpoints_removed)):
        out.write(f',\n  "{key}": [')
        for n, e in enumerate(items):  # one entry at a time, one peer at a time
            out.write(("," if n else "") + "\n    ")
            _write_endpoint_pairs(e, out)
        out.write("\n  ]" if items else "]")
    out.write(',\n  "outside": [' + ",".join("\n    " + json.dumps(b.to_json()) for b in result.outside)
              + ("\n  ]" if result.outside else "]"))
    if result.assertions is not None:
        out.write(',\n  "assertions": ' + json.dumps(result.assertions.to_json()))
    out.write("\n}\n")


def _pair_lines(result: DiffResult, status: str, tails: dict[tuple[int, int, int], str]) -> Iterator[str]:
    """The pairs of one status as the lines of a JSON list, and the list's end."""
    lead = "\n    "
    for pair in result.pairs(status):
        yield lead + _pair_line(pair, tails)
        lead = ",\n    "
    yield "\n  ]" if lead != "\n    " else "]"


def _pair_line(pair: PairChange, tails: dict[tuple[int, int, int], str]) -> str:
    """json.dumps(pair.to_json()), with what the pairs of one change share (sets and causes) serialised
    once per change (`tails`, keyed by the identity of objects the result keeps alive), not per pair."""
    key = (id(pair.before), id(pair.after), id(pair.causes))
    tail = tails.get(key)
    if tail is None:
        whole = pair.to_json()
        del whole["src"], whole["dst"]
        tail = tails[key] = json.dumps(whole)[1:]
    return f'{{"src": {json.dumps(pair.src)}, "dst": {json.dumps(pair.dst)}, {tail}'


def _write_endpoint_pairs(e: EndpointChange, out: TextIO) -> None:
    """json.dumps(e.to_pairs_json()), written a peer at a time, each allowed set serialised once."""
    head = json.dumps(e.head())[:-1]
    sets: dict[int, str] = {}
    out.write(head)
    for name, peer_key, items in (("egress", "dst", e.egress), ("ingress", "src", e.ingress)):
        out.write(f', "{name}": [')
        for n, (peer, conns) in enumerate(items):
            text = sets.get(id(conns))
            if text is None:
                text = sets[id(conns)] = json.dumps(conns.to_json())
            out.write(f'{", " if n else ""}{{"{peer_key}": {json.dumps(peer)}, "allowed": {text}}}')
        out.write("]")
    out.write("}")
