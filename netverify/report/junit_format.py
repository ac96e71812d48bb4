"""JUnit XML for CI systems that show test reports (GitLab, Jenkins...).

The skeleton (`JUnitCase`, `JUnitSuite`, `junit_xml`) is shared by every command that writes
JUnit; each registers its own `render` below.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from functools import singledispatch
from typing import Any, TextIO

from netverify.report.escape import xml_text


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


@dataclass(frozen=True)
class JUnitCase:
    classname: str
    name: str
    failure: str | None = None  # the failure message; None when the case passes
    details: str = ""  # failure body, or system-out of a passing case
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class JUnitSuite:
    name: str
    cases: Sequence[JUnitCase]


def junit_xml(suites: Sequence[JUnitSuite], name: str = "netverify") -> str:
    root = ET.Element("testsuites", name=name, tests=str(sum(len(s.cases) for s in suites)),
                      failures=str(sum(1 for s in suites for c in s.cases if c.failure is not None)), errors="0")
    for suite in suites:
        failures = sum(1 for c in suite.cases if c.failure is not None)
        el = ET.SubElement(root, "testsuite", name=xml_text(suite.name), tests=str(len(suite.cases)),
                           failures=str(failures), errors="0", skipped="0")
        for case in suite.cases:
            attrs = {"classname": xml_text(case.classname), "name": xml_text(case.name)}
            if case.file:
                attrs["file"] = xml_text(case.file)
                if case.line:
                    attrs["line"] = str(case.line)
            tc = ET.SubElement(el, "testcase", attrs)
            if case.failure is not None:
                failure = ET.SubElement(tc, "failure", message=xml_text(case.failure), type="netverify")
                failure.text = xml_text(case.details) if case.details else case.details
            elif case.details:
                ET.SubElement(tc, "system-out").text = xml_text(case.details)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- diff (issues 4, 17): one case per change ---

from netverify.queries.diff import Change, DiffResult  # noqa: E402
from netverify.report.diff_summary import count, describe_ids, outside_blocks  # noqa: E402
from netverify.sets import IPSet  # noqa: E402


def _change_case(c: Change, fail_on: str | None, outside: dict[str, IPSet]) -> JUnitCase:
    first = next((x.source for x in c.causes if x.source.file), None)
    details = "\n".join([f"{c.status}: {c.describe()} ({count(c.size, 'pair')})",
                         *(f"because {cause}" for cause in c.causes),
                         f"sources: {', '.join(c.sources)}", f"destinations: {', '.join(c.destinations)}"])
    failure = f"{c.status}: {c.describe()} (--fail-on {fail_on})" if c.fails(fail_on) else None
    name = (f"{c.causes[0].short}: {describe_ids(c.sources, outside, 1, 1)} -> "
            f"{describe_ids(c.destinations, outside, 1, 1)}")
    return JUnitCase(f"netverify.diff.{c.status}", name, failure, details,
                     first.file if first else "", first.line if first else 0)


def diff_suites(result: DiffResult) -> list[JUnitSuite]:
    outside = outside_blocks(result)
    cases = [_change_case(c, result.fail_on, outside) for c in result.changes]
    for status, eps in (("endpoint-added", result.endpoints_added), ("endpoint-removed", result.endpoints_removed)):
        for e in eps:
            failure = f"{status} (--fail-on any)" if result.fail_on == "any" else None
            details = e.summary()
            cases.append(JUnitCase(f"netverify.diff.{status}", e.id, failure, details, e.endpoint.source.file,
                                   e.endpoint.source.line))
    if not cases:
        cases.append(JUnitCase("netverify.diff", "no connectivity changes", None,
                               f"{result.base} -> {result.head}: no connectivity changes"))
    suites = [JUnitSuite(f"netverify diff {result.base} -> {result.head}", cases)]
    if result.assertions is not None:
        suites.append(JUnitSuite("netverify assertions", [
            JUnitCase("netverify.assertions", o.name,
                      o.describe() if o.violated_on_head or o.unknown_on_head else None,
                      o.detail or o.describe(), o.source.file, o.source.line) for o in result.assertions.outcomes]))
    return suites


@render.register
def _(result: DiffResult, out: TextIO, **_: Any) -> None:
    out.write(junit_xml(diff_suites(result)))


# --- check (issue 3) ---

from netverify.queries.prove import AssertionOutcome, CheckResult  # noqa: E402
from netverify.report.text_check import smt_result_lines  # noqa: E402


def _check_case(o: AssertionOutcome) -> JUnitCase:
    a = o.assertion
    ports = ", ".join(p.describe_port_protocol() for p in a.ports) or "any port"
    lines = [f"expect {a.expect} ({a.scope} scope): {a.src.describe()} -> {a.dst.describe()} on {ports}"]
    lines += [f"note: {n}" for n in (*o.notes, *o.result.notes)] + smt_result_lines(o.result)
    failure = None
    if o.status == "fails":
        failure = f"assertion {a.name} fails" + (": counterexample found" if "counterexample:" in lines else "")
    elif o.status == "unknown":
        failure = f"assertion {a.name} could not be decided (solver unknown/timeout): not a pass"
    return JUnitCase(f"netverify.check.{a.scope}", a.name, failure, "\n".join(lines), a.source.file, a.source.line)


@render.register
def _(result: CheckResult, out: TextIO, **_: Any) -> None:
    out.write(junit_xml([JUnitSuite("netverify check", [_check_case(o) for o in result.outcomes])]))
