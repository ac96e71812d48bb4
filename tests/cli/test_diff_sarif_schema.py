"""SARIF written by `netverify diff` is valid SARIF 2.1.0 and locates every result for GitHub code scanning.

No copy of the official SARIF 2.1.0 JSON schema is available offline here (no installed package ships
it), so SCHEMA below is a faithful subset transcribed from the OASIS standard: the same required
properties, enumerations and constraints for every object netverify writes. It is stricter than the
official schema in one way: unknown properties are rejected, so a misspelt property fails the test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest

from netverify.cli import main

ROOT = Path(__file__).resolve().parents[2]


def obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or [], "additionalProperties": False}


MESSAGE_STRING = obj({"text": {"type": "string"}, "markdown": {"type": "string"}}, ["text"])
MESSAGE = {"type": "object", "properties": {"text": {"type": "string"}, "id": {"type": "string"},
                                            "markdown": {"type": "string"}, "arguments": {"type": "array"}},
           "anyOf": [{"required": ["text"]}, {"required": ["id"]}], "additionalProperties": False}
LEVEL = {"enum": ["none", "note", "warning", "error"]}
ARTIFACT_LOCATION = obj({"uri": {"type": "string"}, "uriBaseId": {"type": "string"},
                         "index": {"type": "integer", "minimum": -1}})
REGION = obj({"startLine": {"type": "integer", "minimum": 1}, "startColumn": {"type": "integer", "minimum": 1},
              "endLine": {"type": "integer", "minimum": 1}, "endColumn": {"type": "integer", "minimum": 1}})
PHYSICAL = {**obj({"artifactLocation": ARTIFACT_LOCATION, "region": REGION, "address": {"type": "object"}}),
            "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}]}
LOCATION = obj({"id": {"type": "integer", "minimum": -1}, "physicalLocation": PHYSICAL, "message": MESSAGE})
RESULT = obj({
    "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1}, "level": LEVEL,
    "message": MESSAGE, "locations": {"type": "array", "items": LOCATION},
    "relatedLocations": {"type": "array", "items": LOCATION, "uniqueItems": True},
    "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
}, ["message"])
DESCRIPTOR = obj({
    "id": {"type": "string"}, "name": {"type": "string"}, "shortDescription": MESSAGE_STRING,
    "fullDescription": MESSAGE_STRING, "help": MESSAGE_STRING,
    "defaultConfiguration": obj({"level": LEVEL, "enabled": {"type": "boolean"}, "rank": {"type": "number"}}),
}, ["id"])
DRIVER = obj({"name": {"type": "string"}, "version": {"type": "string"}, "semanticVersion": {"type": "string"},
              "informationUri": {"type": "string"}, "rules": {"type": "array", "items": DESCRIPTOR,
                                                               "uniqueItems": True}}, ["name"])
RUN = obj({"tool": obj({"driver": DRIVER}, ["driver"]), "results": {"type": "array", "items": RESULT},
           "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]}}, ["tool"])
SCHEMA = obj({"$schema": {"type": "string"}, "version": {"enum": ["2.1.0"]},
              "runs": {"type": ["array", "null"], "items": RUN}}, ["version", "runs"])


def sarif(*args: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    main(["diff", *args, "-f", "sarif"])
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_the_schema_subset_rejects_what_sarif_forbids() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    valid = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "level": "warning",
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.yaml"}, "region": {"startLine": 3}}}]}]}]}
    jsonschema.validate(valid, SCHEMA)
    for broken in ({"version": "2.0.0", "runs": []}, {"version": "2.1.0"},
                   {"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]},
                   {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"level": "bad",
                                                                                                   "message": {}}]}]},
                   {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
                       {"message": {"text": "m"}, "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}
                   ]}]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SCHEMA)


@pytest.mark.parametrize("args", [
    ["fixtures/ci/base", "fixtures/ci/head"],
    ["fixtures/ci/head", "fixtures/ci/base", "--fail-on", "any"],
    ["fixtures/ci/base", "fixtures/ci/base"],
    ["fixtures/demo", "fixtures/ci/head"],
    ["fixtures/ci/base", "fixtures/ci/head", "--assertions", "fixtures/ci/assertions.yaml"],
])
def test_diff_sarif_is_valid_sarif_2_1_0(args: list[str], capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    log = sarif(*args, capsys=capsys)
    jsonschema.validate(log, SCHEMA)
    rules = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert all(r["ruleId"] in rules for r in log["runs"][0]["results"])


def test_every_result_points_at_the_line_responsible(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    results = sarif("fixtures/ci/base", "fixtures/ci/head", capsys=capsys)["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"connection-added", "connection-removed", "endpoint-added"}
    for r in results:
        [loc] = r["locations"]
        physical = loc["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not urlparse(uri).scheme and physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        line = (ROOT / uri).read_text().splitlines()[physical["region"]["startLine"] - 1]
        expected = {"connection-added": "- from:", "connection-removed": "- from:",
                    "endpoint-added": "apiVersion: apps/v1"}[r["ruleId"]]
        assert line.strip() == expected, (r["message"]["text"], line)
        assert r["partialFingerprints"]["netverify/v1"]


def test_failing_changes_are_errors(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    results = sarif("fixtures/ci/base", "fixtures/ci/head", "--fail-on", "added", capsys=capsys)["runs"][0]["results"]
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels == {"connection-added": "error", "connection-removed": "note", "endpoint-added": "note"}


def test_one_result_per_cause_at_its_line_with_the_pairs_it_explains(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The egress lockdown changes 17 pairs in 11 changes for two causes: two results, one per policy."""
    monkeypatch.chdir(ROOT)
    log = sarif("fixtures/diff-egress/base", "fixtures/diff-egress/head", "--fail-on", "removed", capsys=capsys)
    jsonschema.validate(log, SCHEMA)
    results = log["runs"][0]["results"]
    assert len(results) == 2
    for r in results:
        [loc] = r["locations"]
        physical = loc["physicalLocation"]
        line = (ROOT / physical["artifactLocation"]["uri"]).read_text().splitlines()[physical["region"]["startLine"] - 1]
        assert line.startswith("apiVersion: networking.k8s.io/v1"), line  # the isolating policy
        assert r["ruleId"] == "connection-removed" and r["level"] == "error"  # its changes only lose traffic
    texts = sorted(r["message"]["text"] for r in results)
    assert texts[0].startswith("policy shop/egress-lockdown now selects the source") and ": 17 pairs (" in texts[0]
    assert texts[1].startswith("policy shop/web-https-out now selects the source") and ": 6 pairs (" in texts[1]
