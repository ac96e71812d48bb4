"""The CSV and Markdown matrices are written fast (each id and connection set encoded once, a source at a
time) but say exactly what the row-by-row definitions say: one `csv.writer` row per (src, dst, protocol);
one Markdown table row per allowed pair under a headline that counts them."""

from __future__ import annotations

import csv
import io
from itertools import groupby
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.loaders.manifests import load_paths
from netverify.queries.context import Analysis
from netverify.queries.matrix import MatrixResult, matrix
from netverify.queries.ports import PortQuery
from netverify.queries.services import ServiceMatrixResult, service_matrix
from netverify.report import csv_format, md_format, text_matrix
from netverify.report.escape import md_code, md_text
from netverify.report.text_format import render as text_matrix_render
from netverify.report.text_matrix import LIST_LIMIT, Targets, summarise_destinations
from netverify.semantics.endpoints import Endpoint

ROOT = Path(__file__).resolve().parents[3]
WORLDS = ["demo", "admin-tiers", "lateral"]
QUERIES = [(None, None), ("53", "UDP"), ("8000", None), ("http", "TCP")]


def _result(world: str, by: str, port: str | None, protocol: str | None) -> MatrixResult:
    loaded = load_paths([str(ROOT / "fixtures" / world)])
    return matrix(Analysis(loaded.cluster, by=by), PortQuery.parse(port, protocol))


def csv_by_definition(result: MatrixResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["src", "dst", "protocol", "ports"])
    for conn in result.connections():
        for proto, ports in conn.allowed.items():
            writer.writerow([conn.src.id, conn.dst.id, proto,
                             " ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports)])
    return out.getvalue()


def md_by_definition(result: MatrixResult) -> str:
    conns = list(result.connections())
    lines = [f"**{len(result.endpoints)} endpoints, {len(conns)} allowed pairs** ({result.query.describe()})\n\n",
             "| source | destination | allowed |\n|---|---|---|\n"]
    lines += [f"| {md_code(c.src.id)} | {md_code(c.dst.id)} | {md_text(c.allowed.describe())} |\n" for c in conns]
    return "".join(lines)


def written(render: object, result: MatrixResult) -> str:
    out = io.StringIO()
    render(result, out)  # type: ignore[operator]
    return out.getvalue()


@pytest.mark.parametrize("world", WORLDS)
@pytest.mark.parametrize("by", ["workload", "pod"])
@pytest.mark.parametrize(("port", "protocol"), QUERIES)
def test_csv_and_md_say_what_their_row_by_row_definitions_say(world: str, by: str, port: str | None,
                                                             protocol: str | None) -> None:
    expected_csv = csv_by_definition(_result(world, by, port, protocol))
    expected_md = md_by_definition(_result(world, by, port, protocol))
    assert expected_csv.count("\n") > 1 or port is not None  # every world allows something on any port
    assert written(csv_format.render, _result(world, by, port, protocol)) == expected_csv
    assert written(md_format.render, _result(world, by, port, protocol)) == expected_md


def test_restricted_to_sources_and_destinations() -> None:
    def restricted() -> MatrixResult:
        result = _result("demo", "workload", None, None)
        ids = [e.id for e in result.endpoints]
        return result.restrict(frozenset(ids[::2]), frozenset(ids[1::3]))

    assert written(csv_format.render, restricted()) == csv_by_definition(restricted())
    assert written(md_format.render, restricted()) == md_by_definition(restricted())


def test_a_matrix_over_the_held_pairs_is_counted_then_computed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond HOLD_PAIRS the table still streams: the pairs are counted, dropped and computed again."""
    expected = md_by_definition(_result("demo", "pod", None, None))
    passes: list[int] = []
    result = _result("demo", "pod", None, None)
    result.on_row = passes.append
    monkeypatch.setattr(md_format, "HOLD_PAIRS", 3)
    assert written(md_format.render, result) == expected
    assert passes.count(1) == 2  # the first source's row was computed twice
    monkeypatch.setattr(md_format, "HOLD_PAIRS", 10**9)
    passes.clear()
    assert written(md_format.render, result) == expected
    assert passes.count(1) == 1


@pytest.mark.parametrize("value", ["plain/id", "a,b", 'say "hi"', "two\nlines", "cr\rhere", "", " ", "'", "a;b"])
def test_a_csv_field_is_quoted_as_csv_writer_quotes_it(value: str) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([value, value, "x"])
    cells = csv_format.CsvCells(by_identity=False)
    assert f"{cells.field(value)},{cells.field(value)},x\n" == out.getvalue()


@pytest.mark.parametrize(("port", "protocol"), QUERIES)
def test_the_service_matrix_csv_says_what_its_definition_says(port: str | None, protocol: str | None) -> None:
    def result() -> ServiceMatrixResult:
        return service_matrix(Analysis(load_paths([str(ROOT / "fixtures" / "demo")]).cluster, by="service"),
                              PortQuery.parse(port, protocol))

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["src", "service", "protocol", "ports", "backends"])
    for conn in result().connections():
        for backends, conns in (("all", conn.allowed), ("some", conn.partial)):
            for proto, ports in conns.items():
                writer.writerow([conn.src.id, conn.dst.id, proto, " ".join(str(lo) if lo == hi else f"{lo}-{hi}"
                                                                            for lo, hi in ports), backends])
    assert out.getvalue().count("\n") > 1 or port is not None
    assert written(csv_format.render, result()) == out.getvalue()


# --- the text matrix's destination summaries ------------------------------------------------------------


def summary_by_definition(dsts: list[Endpoint], all_eps: list[Endpoint]) -> list[str]:
    """The summary spelled out: every comparison made against every endpoint."""
    if len(dsts) == len(all_eps):
        return [f"* (every endpoint, {len(all_eps)})"] if len(dsts) > 1 else [dsts[0].id]
    wanted = {e.id for e in dsts}
    missing = [e for e in all_eps if e.id not in wanted]
    if len(missing) <= LIST_LIMIT and len(dsts) > len(missing):
        return [f"* except {', '.join(e.id for e in missing)}"]
    out = []
    for ns, group in groupby(dsts, key=lambda e: e.namespace):
        members = list(group)
        everyone = [e for e in all_eps if e.namespace == ns]
        absent = [e for e in everyone if e.id not in wanted]
        label = ns or "(external)"
        names = lambda eps: ", ".join(e.id[len(e.namespace) + 1:] if e.namespace else e.id  # noqa: E731
                                      for e in eps[:LIST_LIMIT]) + (f", … +{len(eps) - LIST_LIMIT}"
                                                                    if len(eps) > LIST_LIMIT else "")
        if not absent and len(members) > 1:
            out.append(f"{label}/* ({len(members)})")
        elif len(members) == 1:
            out.append(members[0].id)
        elif len(absent) <= LIST_LIMIT and len(members) > len(absent):
            out.append(f"{label}/* except {names(absent)}")
        else:
            out.append(f"{label}/{{{names(members)}}} ({len(members)} of {len(everyone)})")
    return out


def _endpoint(ns: str, i: int) -> Endpoint:
    return Endpoint(f"{ns}/p{i}" if ns else f"10.0.0.{i}", "Pod" if ns else "External", ns, f"p{i}", (), ())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "a", "b", "c"]), st.integers(1, 12)), min_size=1, max_size=40,
                unique=True).flatmap(lambda keys: st.tuples(st.just(keys), st.lists(st.booleans(), min_size=len(keys),
                                                                                     max_size=len(keys)))))
def test_a_destination_summary_says_what_its_definition_says(drawn: tuple[list[tuple[str, int]], list[bool]]) -> None:
    keys, chosen = drawn
    all_eps = sorted((_endpoint(ns, i) for ns, i in keys), key=lambda e: e.id)
    dsts = [e for e, keep in zip(all_eps, chosen, strict=True) if keep]
    if dsts:
        assert summarise_destinations(dsts, Targets(all_eps)) == summary_by_definition(dsts, all_eps)


@pytest.mark.parametrize("world", WORLDS)
@pytest.mark.parametrize("by", ["workload", "pod"])
def test_the_text_matrix_draws_its_tables_as_rich_would(world: str, by: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain tables (report/plain_table) against rich's drawing of the same rows."""
    fast = written(text_matrix_render, _result(world, by, None, None))
    monkeypatch.setattr(text_matrix, "plain_table", lambda *_: None)
    assert fast == written(text_matrix_render, _result(world, by, None, None))
