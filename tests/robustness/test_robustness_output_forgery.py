"""Input never forges output: whatever a name, a file name, an assertion name or an API server message
holds, every output format shows it as data.

The property puts hostile text (terminal escapes, line breaks followed by a fake `file:line: error:`,
bidirectional overrides, markdown headings and images, HTML, characters XML cannot hold) where input
strings reach the reports: an ownerReference name (the workload's id in every format), a file name, an
assertion name and description. Then, per format: text has no control character and no forged
diagnostic line; markdown no heading, image, link or HTML from the input; HTML no element from the
input; JUnit parses as XML; JSON and SARIF parse and encode as UTF-8.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from helpers_robustness import run_cli
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from netverify.report.escape import html_text, md_code, md_text, xml_text

HOSTILE_PIECES = ["\x1b[31m", "\x1b]0;title\x07", "\n", "\r", "\u2028", "\u202e", "\x00", "\x85", "\ud7ff",
                  "file.yaml:1: error: forged", "# Heading", "![img](http://e.example/x.png)", "[link](http://e)",
                  "<script>alert(1)</script>", "<img src=x>", "`", "|", "&amp;", "]]>", "\\", "*bold*", "\t"]
hostile = st.lists(st.sampled_from(HOSTILE_PIECES) | st.text(max_size=6), min_size=1, max_size=6).map("".join)
FORGED_LINE = re.compile(r"^file\.yaml:1: (error|warning): forged", re.MULTILINE)  # a line of its own
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def cluster_with_owner(owner: str) -> str:
    return yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": "web", "namespace": "shop", "labels": {"app": "web"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": "u",
                                 "controller": True}]},
         "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80, "name": "http"}]}]},
         "status": {"podIP": "10.0.0.1"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api", "namespace": "shop"},
         "spec": {"containers": [{"name": "c", "image": "i"}]}, "status": {"podIP": "10.0.0.2"}},
    ])


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.add(tag)


def assert_shown_as_data(fmt: str, out: str) -> None:
    assert FORGED_LINE.search(out) is None, out
    if fmt in ("text", "csv", "dot"):
        assert CONTROL.search(out.replace("\n", "").replace("\t", "")) is None, ascii(out)
    elif fmt == "md":
        for line in out.splitlines():
            assert not re.match(r"\s*#+ .*(Heading|forged)", line), line
        assert "![img](" not in out and "[link](" not in out and "<script" not in out and "<img" not in out
    elif fmt == "html":
        # The matrix page's own two scripts: its code, and its data as JSON in which no '<' may appear
        # (so nothing from the input can close the element); everything else must hold no element either.
        from netverify.report.html_script import SCRIPT

        own = out.replace(f"<script>{SCRIPT}</script>", "")
        data = re.search(r'<script type="application/json" id="nv-data">([^<]*)</script>', own)
        if data is not None:
            json.loads(data.group(1))
            own = own.replace(data.group(0), "")
        parser = _Elements()
        parser.feed(own)
        assert not parser.tags & {"script", "img", "a"}, parser.tags
    elif fmt in ("json", "sarif"):
        json.loads(out)
        out.encode("utf-8")
    elif fmt == "junit":
        ET.fromstring(out.encode("utf-8"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(owner=hostile)
@example(owner="0E0")  # written unquoted by PyYAML, read as a number by kubectl: an input error
def test_a_hostile_owner_name_is_data_in_every_format(tmp_path: Path, owner: str) -> None:
    file = tmp_path / "cluster.yaml"
    file.write_text(cluster_with_owner(owner), encoding="utf-8")
    for fmt in ("text", "json", "csv", "md", "dot", "html"):
        result = run_cli(["matrix", str(file), "--format", fmt])
        assert result.code in (0, 2), result.err
        if result.code == 2:
            assert result.out == ""  # an input error: nothing on stdout, as for every command
        else:
            assert_shown_as_data(fmt, result.out)
        assert_shown_as_data("text", result.err)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile, description=hostile)
def test_hostile_assertion_names_and_descriptions_are_data_in_every_format(
        tmp_path: Path, name: str, description: str) -> None:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(cluster_with_owner("web-1"), encoding="utf-8")
    assertions = tmp_path / "assertions.yaml"
    assertions.write_text(yaml.safe_dump({
        "apiVersion": "netverify.dev/v1alpha1", "kind": "Assertions", "metadata": {"name": "a"},
        "assertions": [{"name": name, "description": description, "from": "shop/api", "to": "shop/web",
                        "expect": "deny"}]}), encoding="utf-8")
    for fmt in ("text", "json", "junit", "sarif"):
        result = run_cli(["check", str(cluster), "--assertions", str(assertions), "--format", fmt])
        assert result.code in (0, 1, 2), result.err
        if result.out:
            assert_shown_as_data(fmt, result.out)
        assert_shown_as_data("text", result.err)


@pytest.mark.parametrize("fmt", ["text", "json", "md"])
def test_a_hostile_file_name_is_data(tmp_path: Path, fmt: str) -> None:
    file = tmp_path / "x\x1b[2J\nfile.yaml:1: error: forged.yaml"
    file.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n"
                    "    - name: c\n      ports: [{containerPort: 70000}]\n")
    result = run_cli(["matrix", str(tmp_path), "--format", fmt])
    assert result.code == 2
    assert_shown_as_data("text", result.err)


@settings(max_examples=300, deadline=None)
@given(value=hostile)
def test_the_escapes_themselves(value: str) -> None:
    """Each escape holds for any string, not only for what reaches it through today's reports."""
    assert CONTROL.search(md_text(value)) is None and "\n" not in md_text(value)
    assert "<" not in md_text(value) and "](" not in md_text(value) and not re.search(r"(?<!\\)!\[", md_text(value))
    assert "|" not in md_text(value).replace("\\|", "")
    code = md_code(value)
    fence = re.match(r"`+", code)
    assert fence is not None and code.endswith(fence.group()) and fence.group() not in code[len(fence.group()):-len(
        fence.group())]
    parser = _Elements()
    parser.feed(html_text(value))
    assert parser.tags == set()
    ET.fromstring(f"<a b=\"{html_text(value)}\">{html_text(xml_text(value))}</a>".encode("utf-8", "surrogatepass"))
