"""The HTML report: a well-formed page whose cells say what the JSON matrix says, with input escaped."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]


class _Cells(HTMLParser):
    """Collects table rows as lists of cell texts and checks that every tag is closed."""

    VOID = {"meta", "br"}

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.open: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th") and self.rows:
            self.rows[-1].append("")
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] in ("td", "th", "code") and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    os.chdir(ROOT)
    code = main(list(args))
    return code, capsys.readouterr().out


def parse(page: str) -> _Cells:
    parser = _Cells()
    parser.feed(page)
    parser.close()
    assert parser.open == [], f"unclosed tags: {parser.open}"
    return parser


def test_the_matrix_grid_shows_exactly_the_allowed_pairs_of_the_json_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    code, page = run(capsys, "matrix", "fixtures/demo", "--format", "html")
    assert code == 0
    cells = parse(page)
    assert cells.scripts == 0, "the page runs no code"
    header, *rows = cells.rows
    destinations = header[1:]
    shown = {(row[0], dst): text for row in rows for dst, text in zip(destinations, row[1:], strict=True)
             if text not in ("-", "self")}
    _, as_json = run(capsys, "matrix", "fixtures/demo", "--format", "json")
    allowed = {(c["src"], c["dst"]) for c in json.loads(as_json)["connections"]}
    assert set(shown) == allowed


def test_a_single_pod_to_itself_is_marked_as_always_allowed(capsys: pytest.CaptureFixture[str]) -> None:
    _, page = run(capsys, "matrix", "fixtures/demo", "--format", "html")
    header, *rows = parse(page).rows
    debug = next(r for r in rows if r[0] == "shop/debug")
    assert debug[header.index("shop/debug")] == "self"


def test_every_endpoint_is_a_row_even_without_any_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: ns, labels: {app: a}}\n"
        "spec: {containers: [{name: c, image: i}]}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: 'y', namespace: ns}\n"
        "spec: {containers: [{name: c, image: i}]}\n")
    code, page = run(capsys, "matrix", str(tmp_path), "--format", "html")
    assert code == 0
    cells = parse(page)
    assert {"ns/x", "ns/y"} <= {row[0] for row in cells.rows}


def test_can_as_html_lists_each_pair_with_the_deciding_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, page = run(capsys, "can", "shop/Deployment/api", "data/StatefulSet/postgres", "--port", "5432",
                     "fixtures/demo", "--format", "html")
    assert code == 0
    header, row = parse(page).rows
    assert header == ["source", "destination", "allowed", "egress", "ingress"]
    assert row[:2] == ["shop/Deployment/api", "data/StatefulSet/postgres"]
    assert "data/" in row[4], "the ingress column names the admitting rule"
