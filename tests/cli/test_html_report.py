"""The HTML report: one self-contained page whose data says what the JSON matrix says, with input escaped.

The page draws itself with its own script (tests/integration/test_html_browser.py runs it in a real
browser); here the embedded data is decoded the way the script decodes it and compared with the
JSON contract, so a wrong cell is found without a browser.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from netverify.cli import main
from netverify.report.html_data import json_for_script
from netverify.sets import ConnectionSet

ROOT = Path(__file__).resolve().parents[2]


class _Tags(HTMLParser):
    """Checks that every tag is closed; collects table rows (static pages) and the external references."""

    VOID = {"meta", "br", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.open: list[str] = []
        self.references: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.references += [v or "" for k, v in attrs if k in ("src", "href")]
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


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments and outputs name files relative to the repository; monkeypatch restores the directory."""
    monkeypatch.chdir(ROOT)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert parser.open == [], f"unclosed tags: {parser.open}"
    return parser


def page_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="nv-data">(.*?)</script>', page, re.S)
    assert found, "the page carries its data as JSON"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def decoded_pairs(data: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(src, dst) -> the cell text, for every pair with something allowed, decoded as the page's script does."""
    eps = data["endpoints"]
    rows: list[dict[int, int]] = []
    for parts in data["rows"]:
        row: dict[int, int] = {}
        for conn, mask in parts:
            if isinstance(mask, str):
                bits = int.from_bytes(base64.b64decode(mask), "little")
                row.update({b: conn for b in range(bits.bit_length()) if bits >> b & 1})
            else:
                row.update({b: conn for b in mask})
        rows.append(row)
    out = {}
    for src_id, _, _, single, a, *_ in eps:
        for dst_id, _, _, _, b, *_ in eps:
            if src_id == dst_id and single:
                continue
            conn = rows[a].get(b)
            if conn is not None:
                out[(src_id, dst_id)] = data["conns"][conn][0]
    return out


def describe(allowed: list[dict[str, Any]]) -> str:
    """The JSON contract's allowed set in the words of the other formats."""
    conns = ConnectionSet.none()
    for entry in allowed:
        for lo, hi in entry["ports"]:
            conns = conns | ConnectionSet.of(entry["protocol"], lo, hi)
    return conns.describe()


def json_pairs(capsys: pytest.CaptureFixture[str], *args: str) -> dict[tuple[str, str], str]:
    _, text = run(capsys, "matrix", *args, "--format", "json")
    return {(c["src"], c["dst"]): describe(c["allowed"]) for c in json.loads(text)["connections"]}


def test_the_page_data_holds_exactly_the_allowed_pairs_of_the_json_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    code, page = run(capsys, "matrix", "fixtures/demo", "--format", "html")
    assert code == 0
    parse(page)
    assert decoded_pairs(page_data(page)) == json_pairs(capsys, "fixtures/demo")


def test_a_port_query_restricts_the_page_as_it_restricts_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, page = run(capsys, "matrix", "fixtures/demo", "--port", "53", "--protocol", "UDP", "--format", "html")
    pairs = decoded_pairs(page_data(page))
    assert pairs == json_pairs(capsys, "fixtures/demo", "--port", "53", "--protocol", "UDP")
    assert set(pairs.values()) == {"UDP:53"}


def test_the_page_is_self_contained(capsys: pytest.CaptureFixture[str]) -> None:
    _, page = run(capsys, "matrix", "fixtures/demo", "--format", "html")
    assert parse(page).references == [], "no script, style or image is loaded from elsewhere"
    assert "http://" not in page and "https://" not in page


def test_reasons_name_the_admitting_rule_with_its_file_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    _, page = run(capsys, "matrix", "fixtures/demo", "--format", "html")
    data = page_data(page)
    cls = {e[0]: e[4] for e in data["endpoints"]}
    lines = [data["reasons"]["lines"][i]
             for i in data["reasons"]["pairs"][f"{cls['shop/Deployment/web']},{cls['shop/Deployment/api']}"]]
    assert any(re.match(r"  admitted by shop/api ingress\[0\] \(fixtures/demo/policies\.yaml:\d+\): TCP:8000", x)
               for x in lines), lines


def test_outside_addresses_are_a_row_and_a_column(capsys: pytest.CaptureFixture[str]) -> None:
    _, page = run(capsys, "matrix", "fixtures/demo", "--format", "html")
    data = page_data(page)
    cls = {e[0]: e[4] for e in data["endpoints"]}
    web_in = data["outside"]["ingress"][cls["shop/Deployment/web"]]
    assert data["conns"][web_in[0]][0] == "TCP:8080", "web admits 0.0.0.0/0 except 10.0.0.0/8 on 8080"
    assert data["outside"]["egress"][cls["shop/debug"]] is None, "debug may send nothing outside"


def test_input_strings_cannot_end_the_data_script() -> None:
    hostile = {"note": "</script><script>alert(1)</script><!-- \u2028"}
    text = json_for_script(hostile)
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == hostile


def test_matrix_by_service_as_html_shows_clients_against_services(capsys: pytest.CaptureFixture[str]) -> None:
    code, page = run(capsys, "matrix", "fixtures/demo", "--by", "service", "--format", "html")
    assert code == 0
    data = page_data(page)
    assert data["kind"] == "service"
    services = [s[0] for s in data["services"]]
    clients = [e[0] for e in data["endpoints"]]
    shown = {(clients[i], services[c[0]]): data["conns"][c[1]][0]
             for i, cells in enumerate(data["cells"]) for c in cells if c[1] >= 0}
    _, text = run(capsys, "matrix", "fixtures/demo", "--by", "service", "--format", "json")
    expected = {(c["src"], c["dst"]): describe(c["allowed"])
                for c in json.loads(text)["connections"] if c["allowed"]}
    assert shown == expected
    assert shown[("shop/Deployment/web", "shop/Service/api")] == "TCP:80"


def test_a_large_inventory_makes_a_small_page(tmp_path: Path) -> None:
    """The page carries classes and bitsets, not pairs: 1,000 pods (~315 endpoints, ~99,000 pairs) stay
    far below a megabyte (at 10,000 pods the page measures a few MB; see docs)."""
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_cluster.py"), "--pods", "1000", "--policies",
                    "100", "--out", str(tmp_path)], check=True, capture_output=True)
    out = tmp_path / "page.html"
    with out.open("w") as f:
        code = subprocess.run([sys.executable, "-m", "netverify", "matrix", str(tmp_path / "cluster"),
                               str(tmp_path / "policies"), "--format", "html"], stdout=f, check=False).returncode
    assert code == 0
    page = out.read_text()
    data = page_data(page)
    assert len(data["endpoints"]) > 300
    assert len(page) < 300_000


def test_can_as_html_lists_each_pair_with_the_deciding_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, page = run(capsys, "can", "shop/Deployment/api", "data/StatefulSet/postgres", "--port", "5432",
                     "fixtures/demo", "--format", "html")
    assert code == 0
    header, row = parse(page).rows
    assert header == ["source", "destination", "allowed", "egress", "ingress"]
    assert row[:2] == ["shop/Deployment/api", "data/StatefulSet/postgres"]
    assert "data/" in row[4], "the ingress column names the admitting rule"
