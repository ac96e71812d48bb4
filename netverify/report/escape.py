"""Escaping for every output format, in one place: every formatter writes strings from the input
(names, labels, file names, assertion names, API server messages) through these functions.

The loaders already make every such string printable (`netverify.model.source.printable`: no control
character, no line break, no bidirectional override reaches any output); what is left is what each
format gives a meaning to:

| format | function | what it prevents |
|---|---|---|
| text, csv, dot | `text` | (printable again: safe for strings built after loading) |
| markdown | `md_text`, `md_code` | headings, images, links, HTML and table breaks injected into a PR comment |
| html | `html_text` | markup and scripts |
| junit / xml | `xml_text` | invalid XML (control characters cannot be written in XML 1.0, even escaped) |
| json / sarif | `json_text` | lone surrogates, which no UTF-8 writer can encode |
"""

from __future__ import annotations

import html
import re

from netverify.model.source import printable

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def text(value: str) -> str:
    """For terminal text (and csv/dot): every unprintable character escaped."""
    return printable(value)


def md_text(value: str) -> str:
    """Plain markdown text (a table cell, a list item): nothing in it can become a link, an image, HTML, a
    heading or a blockquote, nor split a table row; ordinary punctuation is left as it is, so that reports
    read the same as before (`egress[0]`, `(policy modified)`)."""
    shown = printable(value).replace("\\", "\\\\").replace("`", "\\`").replace("|", "\\|")
    shown = shown.replace("<", "&lt;").replace("![", "\\![").replace("](", "]\\(")
    return "\\" + shown if shown.lstrip().startswith(("#", ">")) else shown  # a heading, a blockquote


def md_code(value: str) -> str:
    """A markdown code span holding `value` exactly: fenced with more backticks than any run inside it;
    `|` is escaped (GitHub splits table cells on it even in code)."""
    shown = printable(value).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or longest else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def html_text(value: str) -> str:
    """HTML text or attribute value."""
    return html.escape(printable(value), quote=True)


def xml_text(value: str) -> str:
    """A string XML 1.0 can hold (the XML writer escapes &, < and quotes; this escapes what it cannot)."""
    if _XML_INVALID.search(value) is None:
        return value
    return _XML_INVALID.sub(lambda m: ascii(m.group())[1:-1], value)


def json_text(value: str) -> str:
    """A string any JSON writer can encode as UTF-8 (json.dumps escapes the rest)."""
    if _SURROGATE.search(value) is None:
        return value
    return _SURROGATE.sub(lambda m: ascii(m.group())[1:-1], value)
