"""`dump_shared` writes json.dump(value, indent=2)'s text byte for byte, repeated objects included: on
random documents (shared subtrees at any depth, every scalar json writes) and on exposure's report."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.cli import main
from netverify.report.json_shared import dump_shared

ROOT = Path(__file__).resolve().parents[3]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=8))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=30)


@st.composite
def sharing(draw: st.DrawFn) -> Any:
    """A document whose lists repeat one object (by identity) at several places and depths."""
    shared = draw(documents)
    doc = draw(st.lists(st.one_of(documents, st.just(shared)), max_size=5))
    return {"a": doc, "b": [shared, {"c": shared, "d": [shared]}], "e": shared}


def written(value: Any) -> str:
    out = io.StringIO()
    assert dump_shared(value, out)
    return out.getvalue()


@settings(max_examples=200, deadline=None)
@given(st.one_of(documents, sharing()))
def test_the_text_is_json_dumps_with_indent_2(value: Any) -> None:
    assert written(value) == json.dumps(value, indent=2) + "\n"


def test_a_key_json_converts_itself_is_left_to_json() -> None:
    out = io.StringIO()
    assert not dump_shared({1: "x"}, out) and out.getvalue() == ""


def test_exposure_json_is_the_documents_json(capsys: Any) -> None:
    assert main(["exposure", str(ROOT / "fixtures" / "demo"), "-f", "json"]) == 0
    text = capsys.readouterr().out
    assert text == json.dumps(json.loads(text), indent=2) + "\n"
    assert json.loads(text)["ingress_direct"], "the demo exposes something"


def test_blast_radius_from_the_internet_json_is_the_documents_json(capsys: Any) -> None:
    """Reached endpoints and entry points share their sets and rule lists (queries.entry_points.JsonPieces)."""
    assert main(["blast-radius", "--from", "internet", str(ROOT / "fixtures" / "demo"), "-f", "json"]) == 0
    text = capsys.readouterr().out
    assert text == json.dumps(json.loads(text), indent=2) + "\n"
    document = json.loads(text)
    assert document["entries"] and document["reached"], "the demo is entered from the internet"
