"""Edges of input that used to be internal errors (exit 4) or silently wrong, and the JSON reader's
guarantees (the same as the YAML reader's).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.cli import main
from netverify.loaders.jsonio import loads_json
from netverify.loaders.manifests import load_paths
from netverify.loaders.yamlio import MAX_DEPTH, LocatedList, LocatedMap, YAMLInputError, iter_documents

# --- the JSON reader ---------------------------------------------------------------------------------

words = st.text(st.characters(categories=("L", "N", "Zs")), max_size=8)  # what both readers can hold raw
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | words,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(words, inner, max_size=4),
    max_leaves=30,
)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _lines_agree(value: Any, reference: Any) -> None:
    """Every key and item line of the JSON reader is the line the YAML reader gives for the same text."""
    if isinstance(value, LocatedMap):
        assert value.line == reference.line
        for key in value:
            assert value.line_of(key) == reference.line_of(key), key
            _lines_agree(value[key], reference[key])
    elif isinstance(value, LocatedList):
        assert value.line == reference.line
        for i, item in enumerate(value):
            assert value.line_of(i) == reference.line_of(i)
            _lines_agree(item, reference[i])


@settings(max_examples=300, deadline=None)
@given(value=json_values, indent=st.sampled_from([None, 0, 1, 2]), newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_the_json_reader_reads_what_json_wrote_with_the_lines_yaml_would_give(value: Any, indent: int | None,
                                                                            newline: str) -> None:
    # ensure_ascii=False: libyaml refuses surrogate-pair escapes, which JSON writes for astral characters
    text = json.dumps(value, indent=indent, ensure_ascii=False).replace("\n", newline)
    docs = loads_json(text)
    assert _plain(docs[0].data) == value
    if isinstance(value, (dict, list)):
        _lines_agree(docs[0].data, next(iter_documents(text)).data)


def test_a_surrogate_pair_escape_is_one_character() -> None:
    """JSON writes astral characters as surrogate pairs; YAML refuses them, the JSON reader joins them."""
    assert loads_json('{"k": "\\ud800\\udc00"}')[0].data == {"k": "\U00010000"}


@pytest.mark.parametrize(("text", "line", "message"), [
    ('{\n "a": 1,\n "a": 2\n}', 3, "duplicate key 'a' (first at line 2)"),
    ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), 1, "nested deeper than 100 levels"),
    ('{\n "n": ' + "1" * 5000 + "}", 2, "a number of 5000 digits is too long"),
    ('{\n "s": "\\ud800"}', 2, "lone UTF-16 surrogate"),
    ('{"a": 1}\r{"b": 2}', 2, "extra data after the JSON value"),
    ('{\r\r "a": [1,\r 2,,]}', 4, "expected a value"),
    ('{"a": 1\n\n', 3, "expected ',' or '}'"),
])
def test_the_json_reader_refuses_at_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(YAMLInputError) as refused:
        loads_json(text)
    assert refused.value.line == line and message in refused.value.message, refused.value.message


# --- exit 2, not 4 -------------------------------------------------------------------------------------


def test_closed_stdin_is_an_input_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", None)  # what Python gives a process started with `<&-`
    assert main(["matrix", "-"]) == 2
    assert "<stdin>: error: standard input is closed" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["\u0668\u0660", "\u0668\u0660-\u0669\u0660", "\uff18\uff10"])
def test_digits_of_other_scripts_are_no_port_number(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    demo = str(Path(__file__).resolve().parents[3] / "fixtures" / "demo")
    assert main(["can", "shop/web", "shop/api", demo, "--port", port]) == 2
    assert "Traceback" not in capsys.readouterr().err


# --- duplicates ----------------------------------------------------------------------------------------


def test_a_later_duplicate_wins_even_when_it_is_a_finished_pod(tmp_path: Path) -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: [{name: c}]}\n"
    (tmp_path / "a.yaml").write_text(pod + "---\n" + pod + "status: {phase: Succeeded}\n")
    result = load_paths([str(tmp_path / "a.yaml")])
    assert result.cluster.pods == ()
    assert [w.source.line for w in result.warnings if "duplicate Pod shop/web" in w.message] == [6]


def test_a_finished_pod_first_then_a_running_one_keeps_the_running_one(tmp_path: Path) -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: [{name: c}]}\n"
    (tmp_path / "a.yaml").write_text(pod + "status: {phase: Failed}\n---\n" + pod)
    assert [p.name for p in load_paths([str(tmp_path / "a.yaml")]).cluster.pods] == ["web"]


def test_help_is_written_through_the_redacting_streams() -> None:
    """stdout and stderr are wrapped for redaction: click must still see text streams (it probes with bytes)."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "netverify", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Commands:" in done.stdout and "matrix" in done.stdout
