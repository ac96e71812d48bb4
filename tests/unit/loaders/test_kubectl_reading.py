"""netverify reads YAML as kubectl does: plain scalars resolve as go-yaml v2 resolves them (through
sigs.k8s.io/yaml), keys become JSON strings, and a document of a kind netverify skips never fails the run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from netverify.loaders.manifests import load_paths
from netverify.loaders.scalars import json_key, resolve_plain
from netverify.loaders.yamlio import YAMLInputError, iter_documents


@pytest.mark.parametrize(("text", "expected"), [
    ("=", "="),                      # YAML 1.1's `value` tag to PyYAML; a string to kubectl
    ("1:20", "1:20"),                # no base-60: not 80
    ("12:30:00", "12:30:00"),
    ("2024-01-02", "2024-01-02"),    # timestamps stay the text kubectl keeps
    ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("2024-13-45", "2024-13-45"),
    ("0o17", 15), ("-0o17", -15), ("0777", 511), ("0x1F", 31), ("0b101", 5), ("-0b101", -5),
    ("08", 8.0),                     # no octal, so Go's float pattern reads it
    ("1_000", 1000), ("+12", 12), ("0", 0), ("-0", 0),
    ("1e3", 1000.0), (".5", 0.5), ("-.5", -0.5), ("1.", 1.0),
    ("99999999999999999999", 1e20),  # beyond uint64: a float, as in go-yaml
    ("18446744073709551615", 18446744073709551615),
    ("y", True), ("Yes", True), ("ON", True), ("true", True), ("n", False), ("off", False), ("FALSE", False),
    ("yes please", "yes please"), ("True!", "True!"),
    ("", None), ("~", None), ("null", None), ("NULL", None),
    (".inf", math.inf), ("-.Inf", -math.inf),
    ("web", "web"), ("-", "-"), ("+", "+"), (".", "."), ("1.2.3", "1.2.3"), ("0x", "0x"),
])
def test_plain_scalars_resolve_as_go_yaml_v2_does(text: str, expected: object) -> None:
    value = resolve_plain(text)
    assert value == expected and type(value) is type(expected)


def test_nan_is_a_float() -> None:
    assert math.isnan(resolve_plain(".nan"))


@pytest.mark.parametrize(("key", "expected"), [
    (1, "1"), (True, "true"), (False, "false"), (1.5, "1.5"), (1e6, "1e+06"), (123456.0, "123456"),
    (0.1, "0.1"), (math.inf, ".inf"), ("x", "x"), (None, None),
])
def test_mapping_keys_become_the_json_keys_kubectl_sends(key: object, expected: str | None) -> None:
    assert json_key(key) == expected


def test_quoted_and_tagged_scalars_keep_their_meaning() -> None:
    [doc] = iter_documents("a: '0777'\nb: \"y\"\nc: !!int '3'\nd: !!str 1:20\ne: ! 12\n1: x\ny: z\n")
    assert doc.data == {"a": "0777", "b": "y", "c": 3, "d": "1:20", "e": "12", "1": "x", "true": "z"}


def test_refusals_inside_a_readable_document_are_deferred_to_it_when_asked() -> None:
    text = "a: !custom x\nb: 1\nb: 2\n? [k]\n: v\n~: n\nc: !!int nope\n---\nok: 1\n"
    with pytest.raises(YAMLInputError, match="unsupported YAML tag"):
        list(iter_documents(text))
    first, second = iter_documents(text, defer_problems=True)
    assert [(p.line, p.message.split(" (")[0]) for p in first.problems] == [
        (1, "unsupported YAML tag '!custom'"), (3, "duplicate key 'b'"), (4, "a mapping key must be a plain value"),
        (6, "a mapping key cannot be null"), (7, "'nope' is not a valid int")]
    assert first.data == {"a": "x", "b": 2, "c": "nope"}
    assert second.problems == ()


def test_syntax_errors_are_never_deferred() -> None:
    with pytest.raises(YAMLInputError, match="invalid YAML"):
        list(iter_documents("a: [1, 2\n", defer_problems=True))


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    return str(path)


POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels: {{app: web, released: {released}}}
spec:
  containers: [{{name: web, image: nginx, ports: [{{containerPort: {port}}}]}}]
"""


def test_an_unquoted_date_label_is_the_text_kubectl_sends(tmp_path: Path) -> None:
    result = load_paths([write(tmp_path, POD.format(released="2024-01-02", port=8080))])
    assert not result.errors
    assert dict(result.cluster.pods[0].labels)["released"] == "2024-01-02"


@pytest.mark.parametrize(("written", "port"), [("0o17", 15), ("017", 15), ("0x50", 80), ("8_080", 8080)])
def test_numbers_in_octal_hex_and_underscore_forms_are_read_as_the_api_server_reads_them(
        tmp_path: Path, written: str, port: int) -> None:
    result = load_paths([write(tmp_path, POD.format(released="v1", port=written))])
    assert not result.errors
    assert [p.port for p in result.cluster.pods[0].ports] == [port]


def test_a_sexagesimal_looking_port_is_not_a_number(tmp_path: Path) -> None:
    policy = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\n"
              "spec:\n  podSelector: {}\n  ingress: [{ports: [{port: 1:20}]}]\n")
    result = load_paths([write(tmp_path, policy)])
    ports = [s.port for p in result.cluster.policies for r in p.ingress for s in r.ports]
    assert 80 not in ports
    assert any("1:20" in d.message for d in result.errors)  # kubectl sends the string "1:20": not a port name


def test_y_as_a_label_value_is_a_boolean_to_kubectl_with_a_hint_that_says_so(tmp_path: Path) -> None:
    result = load_paths([write(tmp_path, POD.format(released="y", port=80))])
    [error] = result.errors
    assert "must be a string" in error.message and "y, yes and on" in error.hint


SKIPPED_WITH_REFUSALS = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  enum: ['!=', =, =~]
  tagged: !Ref something
  dup: 1
  dup: 2
  ? [complex, key]
  : value
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: shop}
data: !!binary not-base64
"""


def test_the_content_of_a_skipped_kind_never_fails_the_run(tmp_path: Path) -> None:
    result = load_paths([write(tmp_path, SKIPPED_WITH_REFUSALS + "---\n" + POD.format(released="v1", port=80))])
    assert result.errors == []
    assert [s.kind for s in result.cluster.skipped] == ["CustomResourceDefinition", "ConfigMap"]
    assert [p.name for p in result.cluster.pods] == ["web"]


def test_the_same_refusals_in_an_analysed_kind_are_errors_at_their_lines(tmp_path: Path) -> None:
    policy = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\n"
              "spec:\n  podSelector: !Ref x\n  podSelector: {}\n")
    result = load_paths([write(tmp_path, policy)])
    assert [(e.source.line, e.message.split(" (")[0]) for e in result.errors] == [
        (5, "unsupported YAML tag '!Ref'"), (6, "duplicate key 'podSelector'")]


def test_refusals_in_a_list_are_reported_only_for_the_analysed_items(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n"
            "- {apiVersion: v1, kind: Secret, metadata: {name: s}, data: !!binary x}\n"
            "- {apiVersion: v1, kind: Pod, metadata: {name: p, labels: !weird {}}, spec: {containers: [{name: c, image: i}]}}\n")
    result = load_paths([write(tmp_path, text)])
    assert [(e.source.line, e.message) for e in result.errors] == [(5, "unsupported YAML tag '!weird'")]
