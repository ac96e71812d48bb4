"""The fast input path (yaml-rs, the extra `fast`: `pip install '.[fast]'`) reads exactly what the located PyYAML path reads.

For every manifest of the repository's corpus (fixtures, the robustness catalogue, golden inputs, every YAML or
JSON file under tests/) and for generated manifests full of the scalars YAML 1.1, YAML 1.2 and kubectl read
differently, both paths must give:
- the same documents: the same objects (types included: `True` is not `1`, `"0777"` is not 511), the same first
  line, the same deferred problems, and a fast document's `relocate()` gives the located document with every line;
- the same load: the same Cluster (every SourceRef's file:line) and the same diagnostics, with their lines;
- the same error, at the same line, for a file neither can read.

Without yaml-rs installed these tests are skipped, and the rest of the suite runs the located path (the fallback);
`test_the_fallback_is_the_located_reader` checks that switch explicitly either way.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.loaders import fastyaml, manifests
from netverify.loaders.yamlio import Document, LocatedList, LocatedMap, YAMLInputError

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted(p for base in ("fixtures", "tests") for p in (ROOT / base).rglob("*")
                if p.suffix in (".yaml", ".yml", ".json") and p.is_file() and p.stat().st_size < 5_000_000)
needs_fast = pytest.mark.skipif(not fastyaml.available(), reason="the fast parser (yaml-rs) is not installed")


def same(a: Any, b: Any) -> bool:
    """Equal with exact types (bool is not int), NaN equal to NaN, mappings in the same key order."""
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)) \
            and not (isinstance(a, list) and isinstance(b, list)):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def same_lines(a: Any, b: Any) -> bool:
    """Both located trees carry the same line for every mapping, key and item."""
    if isinstance(a, LocatedMap) != isinstance(b, LocatedMap) or isinstance(a, LocatedList) != isinstance(b, LocatedList):
        return False
    if isinstance(a, LocatedMap):
        return a.line == b.line and a.key_lines == b.key_lines and all(same_lines(a[k], b[k]) for k in a)
    if isinstance(a, LocatedList):
        return a.line == b.line and a.item_lines == b.item_lines and all(same_lines(x, y) for x, y in zip(a, b, strict=True))
    return True


def documents(data: bytes, fast: bool) -> tuple[list[Document], tuple[int, str] | None]:
    """The documents read before any error, and the error (line, message)."""
    out: list[Document] = []
    try:
        for doc in manifests.parse_documents(io.BytesIO(data), fast=fast):
            out.append(doc)
    except YAMLInputError as exc:
        return out, (exc.line, exc.message)
    return out, None


def assert_same_reading(data: bytes) -> None:
    located, located_error = documents(data, fast=False)
    fast, fast_error = documents(data, fast=True)
    assert fast_error == located_error
    assert len(fast) == len(located)
    for got, want in zip(fast, located, strict=True):
        assert got.line == want.line
        assert same(got.data, want.data), (got.data, want.data)
        assert [(p.line, p.message) for p in got.problems] == [(p.line, p.message) for p in want.problems]
        if got.relocate is not None:
            again = got.relocate()
            assert again.line == want.line and same(again.data, want.data) and same_lines(again.data, want.data)
        else:
            assert same_lines(got.data, want.data)
    located_load = _load(data, "pyyaml")
    fast_load = _load(data, "auto")
    assert fast_load.cluster == located_load.cluster
    assert fast_load.diagnostics == located_load.diagnostics


def _load(data: bytes, mode: str) -> manifests.LoadResult:
    previous = os.environ.get(fastyaml.ENVIRONMENT)
    os.environ[fastyaml.ENVIRONMENT] = mode
    try:
        return manifests.load_blobs([("m.yaml", data)])
    finally:
        if previous is None:
            del os.environ[fastyaml.ENVIRONMENT]
        else:
            os.environ[fastyaml.ENVIRONMENT] = previous


@needs_fast
@pytest.mark.parametrize("path", CORPUS, ids=[str(p.relative_to(ROOT)) for p in CORPUS])
def test_every_corpus_file_reads_the_same_on_both_paths(path: Path) -> None:
    assert_same_reading(path.read_bytes())


@needs_fast
def test_the_corpus_is_the_whole_test_corpus() -> None:
    names = {str(p.relative_to(ROOT)) for p in CORPUS}
    assert any(n.startswith("tests/robustness/cases/") for n in names)
    assert any(n.startswith("tests/golden/") for n in names) or not (ROOT / "tests/golden").exists()
    assert any(n.startswith("fixtures/") for n in names)


# --- generated manifests ------------------------------------------------------------------------------------------

# Scalars that YAML 1.1 (PyYAML), YAML 1.2 (yaml-rs) and go-yaml v2 (kubectl) read differently, and plain ones.
TRICKY = ["y", "Y", "n", "N", "yes", "No", "on", "OFF", "true", "False", "null", "~", "", "0777", "08", "0o17",
          "0x1F", "0b101", "1_000", "_1", ".5_0", "+12", "-0", "1e3", "1.", ".inf", "-.inf", ".NaN", "-.nan",
          "1:20", "2024-01-02", "2024-01-02T10:00:00Z", "=", "<<", "9223372036854775808", "18446744073709551616",
          "-9223372036854775809", "12345678901234567890123", "web", "app-1", "10.0.0.1", "80", "http", "-"]
STYLES = ["plain", "single", "double"]


def scalar_text(value: str, style: str) -> str:
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    if style == "double":
        return '"' + value + '"'
    return value


@st.composite
def manifest(draw: Any) -> str:
    """A multi-document manifest: pods and policies whose keys and values are tricky scalars, in block and flow
    styles, with comments and trailing spaces here and there."""
    docs = []
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["Pod", "Deployment", "Service", "Namespace", "NetworkPolicy", "ConfigMap"]))
        label_lines = []
        for _ in range(draw(st.integers(0, 4))):
            key = draw(st.sampled_from(TRICKY + ["app", "tier"]))
            value = draw(st.sampled_from(TRICKY))
            key_style, value_style = draw(st.sampled_from(STYLES)), draw(st.sampled_from(STYLES))
            if key_style == "plain" and key in ("", "-"):
                key_style = "double"
            if value_style == "plain" and value == "-":
                value_style = "double"
            comment = draw(st.sampled_from(["", "  # note", " ", "   "]))
            label_lines.append(f"    {scalar_text(key, key_style)}: {scalar_text(value, value_style)}{comment}")
        flow = draw(st.sampled_from(TRICKY))
        flow_style = draw(st.sampled_from(STYLES))
        if flow_style == "plain" and flow in ("", "-"):
            flow_style = "single"
        api = {"Pod": "v1", "Deployment": "apps/v1", "Service": "v1", "Namespace": "v1",
               "NetworkPolicy": "networking.k8s.io/v1", "ConfigMap": "v1"}[kind]
        body = [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: obj-{i}", "  namespace: shop",
                "  labels:" + ("" if label_lines else " {}"), *label_lines,
                f"  annotations: {{note: {scalar_text(flow, flow_style)}}}"]
        if kind == "Pod":
            port = draw(st.sampled_from(["80", "0777", "08", "1_000", '"80"', "8080"]))
            body += ["spec:", "  containers:", "  - name: c", "    ports:", f"    - containerPort: {port}"]
        elif kind == "NetworkPolicy":
            body += ["spec:", "  podSelector: {}", "  ingress:", "  - ports:",
                     f"    - port: {draw(st.sampled_from(['80', 'http', '0777', 'on']))}"]
        elif kind == "ConfigMap":
            body += ["data:", f"  {scalar_text(draw(st.sampled_from(TRICKY)), 'plain') or 'k'}: |", "    yes: on",
                     "    08"]
        docs.append("\n".join(body) + "\n")
    lead = draw(st.sampled_from(["", "---\n", "# Source: chart/templates/x.yaml\n---\n"]))
    return lead + "---\n".join(docs)


@needs_fast
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifest())
def test_generated_manifests_read_the_same_on_both_paths(text: str) -> None:
    assert_same_reading(text.encode("utf-8"))


@needs_fast
@pytest.mark.parametrize("text", [
    "a: 1\n---\nb: [\n",  # a syntax error in the second document: the first is read, the error at its line
    "kind: Pod\n---\nkind: Pod\nmetadata: {name: x, name: y}\n",  # a duplicate key: deferred to its document
    "---\n" + "x: 1\n" * 3 + "---\nkind: Pod\nmetadata:\n  labels: {a: 'yes', b: yes}\n",
    "kind: Pod\n---\n" + "- " * 200 + "x\n",  # too deep for the located reader: the same refusal, same line
    "kind: Pod\n---\n" + "[" * 300 + "]" * 300 + "\n",
    "kind: Pod\n---\nmetadata: {name: caf\xe9}\n",
    "kind: Pod\n---\na: 'unclosed\n---\nb: 1\n",
    "kind: Pod\n...\nkind: Service\n",
    "%YAML 1.1\n---\nkind: Pod\n",
    "kind: Pod\nmetadata:\n  name: x\n\tlabels: {}\n",
    '{"kind": "Pod", "metadata": {"name": "x"}}\n',
    "kind: Pod\r\nmetadata:\r\n  name: x\r\n",
    "kind: Pod\nmetadata:\n  name: x\n  labels: &l {a: b}\n  annotations: *l\n",
    "kind: Pod\nmetadata:\n  name: x\n  annotations: {[a]: b, {c: d}: e}\n",  # collections as keys
    "kind: Pod\nmetadata:\n  name: x\n  annotations:\n    [a, b]: c\n",
    "kind: Pod\nmetadata:\n  name: x\n  annotations: {a: \"x\n y\"}\n",  # yaml-rs refuses, PyYAML reads it
    "kind: Pod\nmetadata:\n  name: x\n  annotations:\n    " + "k" * 1100 + ": v\n",  # a key over 1024 characters
    # Adjacent documents the located reader reads in one pass (policies): a deferred problem in the middle, a
    # syntax error, an empty document between, an alias to another document's anchor, a kind line the scan
    # takes for a policy's while yaml-rs reads a Pod.
    "kind: NetworkPolicy\nmetadata: {name: a}\n---\nkind: NetworkPolicy\nmetadata: {name: b, name: c}\n---\n"
    "kind: NetworkPolicy\nmetadata: {name: d}\n",
    "kind: NetworkPolicy\nmetadata: {name: a}\n---\nkind: NetworkPolicy\nspec: [\n---\nkind: Pod\n",
    "kind: NetworkPolicy\nmetadata: {name: a}\n---\n# only a comment\n---\nkind: NetworkPolicy\nmetadata:\n  name: b\n",
    "kind: NetworkPolicy\nmetadata: &m {name: a}\n---\nkind: NetworkPolicy\nmetadata: *m\n",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: NetworkPolicy\n---\napiVersion: v1\n"
    "kind: Pod\nmetadata: {name: b}\n---\nkind: NetworkPolicy\nmetadata: {name: c}\n---\nkind: ConfigMap\n",
    "{kind: Pod,\nkind: NetworkPolicy}\n---\nkind: NetworkPolicy\nmetadata: {name: a}\n",
])
def test_edge_files_read_the_same_on_both_paths(text: str) -> None:
    assert_same_reading(text.encode("utf-8"))


@needs_fast
def test_non_utf8_bytes_after_fast_documents_are_reported_at_their_line_and_byte() -> None:
    head = b"".join(b"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: namespace-number-%06d\n" % i
                    for i in range(35000))
    data = head + b"---\nkind: Pod\nmetadata:\n  name: caf\xe9\n"
    assert len(head) > 2 * fastyaml.WINDOW  # the error is in a later window than the first
    assert_same_reading(data)


@needs_fast
def test_a_fast_document_with_an_error_names_the_exact_line() -> None:
    text = "---\nkind: Pod\napiVersion: v1\nmetadata:\n  name: web\n  labels:\n    app: web\n    bad key: x\n"
    errors = _load(text.encode(), "auto").errors
    assert [d.source.line for d in errors if "label key" in d.message] == [8]


def test_the_fallback_is_the_located_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """NETVERIFY_YAML=pyyaml (or no yaml-rs) reads through the located reader: every mapping knows its lines."""
    monkeypatch.setenv(fastyaml.ENVIRONMENT, "pyyaml")
    assert not fastyaml.enabled()
    [doc] = manifests.parse_documents(io.BytesIO(b"kind: Pod\nmetadata:\n  name: x\n"))
    assert isinstance(doc.data, LocatedMap) and doc.data.line_of("metadata") == 2 and doc.relocate is None
    monkeypatch.setenv(fastyaml.ENVIRONMENT, "auto")
    assert fastyaml.enabled() == fastyaml.available()


@settings(max_examples=300, deadline=None)
@given(st.lists(manifest(), min_size=1, max_size=3), st.sampled_from(["", "  ", "x: 1", "- a", "[a, {b: c}]"]))
def test_the_distinct_lines_hold_a_risky_token_exactly_when_the_text_does(texts: list[str], filler: str) -> None:
    """The scan asks each distinct line once (`any_line_risky`); it must answer as the scan of the whole text,
    line repetitions, blank lines and the text's first and last line included."""
    text = "\n".join([filler, *texts, filler] * 2)
    starts = [0, *(i + 1 for i in range(len(text)) if text.startswith("\n---", i))]
    assert fastyaml.any_line_risky(text) == bool(fastyaml.risky_lines(text, starts))
    assert fastyaml.any_line_risky(text.replace(": ", ":  ")) == bool(fastyaml.risky_lines(text.replace(": ", ":  "), [0]))


@pytest.mark.parametrize(("text", "risky"), [
    ("a: web\n" * 50, False),
    ("a: web\n" * 50 + "b: yes\n", True),  # once, after many repetitions
    ("a: 'yes'\nb: \"on\"\n", False),  # quoted: read alike
    ("yes\n", True),  # the text's first line
    ("a: web\n" * 3 + "08: x", True),  # its last line, without a line break
    ("a: 012\n", True),
    ("a: b\n---\nc: d\n", False),
])
def test_the_distinct_lines_answer_examples(text: str, risky: bool) -> None:
    assert fastyaml.any_line_risky(text) is risky
    assert bool(fastyaml.risky_lines(text, [0])) is risky
