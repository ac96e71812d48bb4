"""The HTML matrix page in a real headless browser (Chromium from the distribution's packages).

The page draws itself with its own script, so only a browser shows what a user sees: the cells
after the script ran (--dump-dom), the details of a cell (#pair=SRC,DST), and a screenshot that
is not blank. `.ci/run` installs Chromium when it is missing and sets NETVERIFY_REQUIRE_BROWSER,
so there a missing browser fails instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    message = "no Chromium found (apt-get install chromium; .ci/run installs it)"
    if os.environ.get("NETVERIFY_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def netverify(out: Path, *args: str) -> Path:
    with out.open("w") as f:
        subprocess.run([sys.executable, "-m", "netverify", *args], stdout=f, check=True, cwd=ROOT)
    return out


def browse(tmp_path: Path, page: Path, *args: str, fragment: str = "") -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    done = subprocess.run([_browser(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri() + fragment],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class _Dom(HTMLParser):
    """Cells by (data-src, data-dst), the other elements' text by id."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], tuple[str, str]] = {}
        self.text: dict[str, str] = {}
        self.ids: set[str] = set()
        self.attrs: dict[str, dict[str, str]] = {}
        self._cell: tuple[str, str] | None = None
        self._classes = ""
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
            self.attrs[a["id"]] = a
            self._in.append(a["id"])
            self.text.setdefault(a["id"], "")
        if tag == "td" and "data-src" in a:
            self._cell = (a["data-src"], a["data-dst"])
            self._classes = a.get("class", "")
            self.cells[self._cell] = (self._classes, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            cls, text = self.cells[self._cell]
            self.cells[self._cell] = (cls, text + data)
        for i in self._in:
            self.text[i] += data


def dom(html: str) -> _Dom:
    parser = _Dom()
    parser.feed(html)
    return parser


def png_is_not_blank(path: Path) -> bool:
    """Decode the PNG (stdlib only) and count its distinct pixel rows' bytes: a blank page has one colour."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = 0
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = len(raw) // height
    # Filtered scanlines: a one-colour image filters to (almost) all zero bytes after the first pixels.
    busy = sum(1 for y in range(height) if len(set(raw[y * stride + 8:(y + 1) * stride])) > 2)
    return width > 0 and busy > height // 20


def json_pairs(*args: str) -> dict[tuple[str, str], list[dict[str, object]]]:
    out = subprocess.run([sys.executable, "-m", "netverify", "matrix", *args, "--format", "json"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return {(c["src"], c["dst"]): c["allowed"] for c in json.loads(out)["connections"]}


def test_the_demo_page_shows_every_allowed_pair_and_nothing_else(tmp_path: Path) -> None:
    page = netverify(tmp_path / "demo.html", "matrix", "fixtures/demo", "--format", "html")
    shown = dom(browse(tmp_path, page, "--dump-dom"))
    assert "7 endpoints in 4 namespaces, 19 allowed pairs" in shown.text["nv-summary"]
    allowed = {pair for pair, (cls, _) in shown.cells.items() if cls in ("allow", "partial")}
    assert allowed == set(json_pairs("fixtures/demo"))
    assert shown.cells[("shop/Deployment/web", "shop/Deployment/api")] == ("partial", "TCP:8000")
    assert shown.cells[("shop/debug", "data/StatefulSet/postgres")] == ("deny", "-")
    assert shown.cells[("shop/debug", "shop/debug")] == ("self", "self")
    assert len(shown.cells) == 7 * 7


def test_a_cell_gives_its_reason_with_rules_and_file_line(tmp_path: Path) -> None:
    page = netverify(tmp_path / "demo.html", "matrix", "fixtures/demo", "--format", "html")
    shown = dom(browse(tmp_path, page, "--dump-dom", fragment="#pair=shop/Deployment/web,shop/Deployment/api"))
    detail = shown.text["nv-detail"]
    assert detail.startswith("shop/Deployment/web -> shop/Deployment/api: TCP:8000")
    assert "admitted by shop/api ingress[0] (fixtures/demo/policies.yaml:" in detail


def test_the_demo_page_screenshot_is_not_blank(tmp_path: Path) -> None:
    page = netverify(tmp_path / "demo.html", "matrix", "fixtures/demo", "--format", "html")
    shot = tmp_path / "demo.png"
    browse(tmp_path, page, f"--screenshot={shot}", "--window-size=1200,800")
    assert png_is_not_blank(shot)


def test_the_service_page_shows_clients_against_services(tmp_path: Path) -> None:
    page = netverify(tmp_path / "svc.html", "matrix", "fixtures/demo", "--by", "service", "--format", "html")
    shown = dom(browse(tmp_path, page, "--dump-dom"))
    assert "7 clients, 4 Services with backends" in shown.text["nv-summary"]
    assert shown.cells[("shop/Deployment/web", "shop/Service/api")] == ("partial", "TCP:80")
    assert shown.cells[("shop/debug", "shop/Service/api")] == ("deny", "-")
    assert {dst for _, dst in shown.cells} == {"data/Service/postgres", "kube-system/Service/kube-dns",
                                               "shop/Service/api", "shop/Service/web"}
    shot = tmp_path / "svc.png"
    browse(tmp_path, page, f"--screenshot={shot}", "--window-size=1200,800")
    assert png_is_not_blank(shot)


def test_a_large_inventory_opens_on_the_namespace_overview(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_cluster.py"), "--pods", "400", "--policies",
                    "40", "--out", str(tmp_path / "gen")], check=True, capture_output=True)
    page = netverify(tmp_path / "big.html", "matrix", str(tmp_path / "gen" / "cluster"),
                     str(tmp_path / "gen" / "policies"), "--format", "html")
    html = browse(tmp_path, page, "--dump-dom")
    shown = dom(html)
    assert "nv-overview" in shown.ids and "nv-grid" not in shown.ids
    assert 'data-drill="' in html
    assert "kube-system" in shown.text["nv-overview"]
