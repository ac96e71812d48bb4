"""SARIF 2.1.0 (GitHub code scanning): every result is located at the file and line that caused it.

The document skeleton (`sarif_log`, `SarifRule`, `sarif_result`, `sarif_location`) is shared by
every command that writes SARIF; each registers its own `render` below.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import singledispatch
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TextIO

from netverify.model import SourceRef
from netverify.report import json_format

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/netverify/netverify"


@singledispatch
def render(result: Any, out: TextIO, **_: Any) -> None:
    raise NotImplementedError


@dataclass(frozen=True)
class SarifRule:
    id: str
    name: str  # PascalCase, as SARIF viewers show it
    short: str
    help: str
    level: str = "warning"  # default level: error, warning or note

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "shortDescription": {"text": self.short},
                "fullDescription": {"text": self.help}, "help": {"text": self.help},
                "defaultConfiguration": {"level": self.level}}


def _tool_version() -> str:
    try:
        return version("netverify")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree that is not installed
        return "0"


def sarif_log(rules: Sequence[SarifRule], results: Iterable[dict[str, object]]) -> dict[str, object]:
    """A complete SARIF log with one run of netverify."""
    driver = {"name": "netverify", "informationUri": INFORMATION_URI, "version": _tool_version(),
              "semanticVersion": _tool_version(), "rules": [r.to_json() for r in rules]}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION,
            "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": list(results)}]}


def artifact_uri(file: str, strip_prefix: str = "") -> str:
    """A repository-relative URI: the `REF:` of files read from git is dropped, separators are `/`."""
    if strip_prefix and file.startswith(strip_prefix):
        file = file[len(strip_prefix):]
    if os.path.isabs(file):
        rel = os.path.relpath(file)
        file = file if rel.startswith(os.pardir) else rel
    return os.path.normpath(file).replace(os.sep, "/") if file else file


def sarif_location(source: SourceRef, strip_prefix: str = "", message: str = "") -> dict[str, object]:
    uri = artifact_uri(source.file, strip_prefix)
    artifact = {"uri": Path(uri).as_uri()} if os.path.isabs(uri) else {"uri": uri, "uriBaseId": "%SRCROOT%"}
    physical: dict[str, object] = {"artifactLocation": artifact}
    if source.line > 0:
        physical["region"] = {"startLine": source.line}
    out: dict[str, object] = {"physicalLocation": physical}
    if message:
        out["message"] = {"text": message}
    return out


def fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def sarif_result(rule: SarifRule, message: str, locations: Sequence[dict[str, object]], key: Sequence[str],
                 level: str | None = None, related: Sequence[dict[str, object]] = ()) -> dict[str, object]:
    """One result; `key` identifies it across runs (GitHub uses the fingerprint to track alerts)."""
    out: dict[str, object] = {"ruleId": rule.id, "level": level or rule.level, "message": {"text": message},
                              "locations": list(locations),
                              "partialFingerprints": {"netverify/v1": fingerprint(rule.id, *key)}}
    if related:
        out["relatedLocations"] = [{"id": i + 1, **loc} for i, loc in enumerate(related)]
    return out


def dump(log: dict[str, object], out: TextIO) -> None:
    """The log as `json.dump(log, out, indent=2)` writes it, in a few large writes (see json_format.dump: the CLI's
    redacting stdout scans every write, and json.dump makes one per token)."""
    json_format.dump(log, out)


# --- diff (issues 4, 17): one result per cause, at its file:line ---

from netverify.queries.diff import Change, DiffResult, EndpointChange  # noqa: E402
from netverify.queries.diff_cause import Cause  # noqa: E402
from netverify.report.diff_summary import describe_ids, outside_blocks  # noqa: E402
from netverify.sets import IPSet  # noqa: E402

DIFF_RULES = {
    "added": SarifRule("connection-added", "ConnectionAdded", "Connections added by this change",
                       "HEAD allows traffic between these endpoints that BASE did not; the location is the "
                       "rule, policy or object responsible.", "warning"),
    "removed": SarifRule("connection-removed", "ConnectionRemoved", "Connections removed by this change",
                         "BASE allowed traffic between these endpoints that HEAD denies; check nothing "
                         "depends on it.", "note"),
    "changed": SarifRule("connection-changed", "ConnectionChanged", "Allowed ports changed by this change",
                         "The ports or protocols allowed between these endpoints differ between BASE and HEAD "
                         "(or this cause both adds and removes connections).", "note"),
    "endpoint-added": SarifRule("endpoint-added", "EndpointAdded", "Workload or pod added",
                                "A new endpoint and what it may send and receive.", "note"),
    "endpoint-removed": SarifRule("endpoint-removed", "EndpointRemoved", "Workload or pod removed",
                                  "An endpoint that no longer exists, and what it could send and receive.", "note"),
}


ASSERTION_RULE = SarifRule("assertion-violated", "AssertionViolated", "Assertion violated",
                           "HEAD violates a connectivity assertion; the message says whether BASE already did.",
                           "error")


ASSERTION_UNKNOWN_RULE = SarifRule("assertion-undecided", "AssertionUndecided", "Assertion undecided",
                                   "The solver could not decide a connectivity assertion on HEAD (timeout or "
                                   "incompleteness): it is not proved.", "error")


def _assertion_result(o: Any) -> dict[str, object]:
    locations = [sarif_location(o.source)] if o.source.file else []
    message = f"{o.name}: {o.describe()}" + (f". {o.detail}" if o.detail else "")
    if o.unknown_on_head:
        return sarif_result(ASSERTION_UNKNOWN_RULE, message, locations, (o.name,), "error")
    return sarif_result(ASSERTION_RULE, message, locations, (o.name,),
                        "warning" if o.status == "pre-existing" else "error")


def _cause_result(cause: Cause, changes: list[Change], strip: str, fail_on: str | None,
                  outside: dict[str, IPSet]) -> dict[str, object]:
    """A cause, at its file:line, with every change it explains (summarised)."""
    gains, loses = any(c.gained for c in changes), any(c.lost for c in changes)
    rule = DIFF_RULES["added" if gains and not loses else "removed" if loses and not gains else "changed"]
    pairs = sum(c.size for c in changes)
    lines = [f"{c.status} {describe_ids(c.sources, outside)} -> {describe_ids(c.destinations, outside)}: "
             f"{c.describe()}" for c in changes[:5]]
    more = f"; and {len(changes) - 5} more changes" if len(changes) > 5 else ""
    message = f"{cause.message}: {pairs:,} pair{'s' if pairs != 1 else ''} ({'; '.join(lines)}{more})."
    locations = [sarif_location(cause.source, strip)] if cause.source.file else []
    failing = any(c.fails(fail_on) for c in changes)
    key = (cause.kind, cause.change, cause.subject, cause.direction, str(cause.rule))
    return sarif_result(rule, message, locations, key, "error" if failing else None)


def _endpoint_result(e: EndpointChange, kind: str, strip: str, failing: bool) -> dict[str, object]:
    rule = DIFF_RULES[kind]
    verb = "added" if kind == "endpoint-added" else "removed"
    message = f"{e.id} {verb}: {e.summary()}"
    source = e.endpoint.source
    locations = [sarif_location(source, strip)] if source.file else []
    return sarif_result(rule, message, locations, (e.id,), "error" if failing else None)


@render.register
def _(result: DiffResult, out: TextIO, **_: Any) -> None:
    strip = f"{result.base}:"  # files read from git are labelled REF:path
    outside = outside_blocks(result)
    results = [_cause_result(cause, changes, strip, result.fail_on, outside)
               for cause, changes in result.causes.values()]
    any_fails = result.fail_on == "any"
    results += [_endpoint_result(e, "endpoint-added", strip, any_fails) for e in result.endpoints_added]
    results += [_endpoint_result(e, "endpoint-removed", strip, any_fails) for e in result.endpoints_removed]
    rules = list(DIFF_RULES.values())
    if result.assertions is not None:
        rules += [ASSERTION_RULE, ASSERTION_UNKNOWN_RULE]
        results += [_assertion_result(o) for o in result.assertions.outcomes
                    if o.violated_on_head or o.unknown_on_head]
    dump(sarif_log(rules, results), out)


# --- check (issue 3) ---

from netverify.queries.path_check import PathVerdict  # noqa: E402
from netverify.queries.prove import AssertionOutcome, CheckResult  # noqa: E402
from netverify.report.text_check import smt_result_lines  # noqa: E402

CHECK_RULES = {
    "fails": SarifRule("assertion-fails", "AssertionFails", "Connectivity assertion refuted",
                       "The solver found a connection that contradicts the assertion (the message gives it, and "
                       "the rule that admits or fails to admit it).", "error"),
    "unknown": SarifRule("assertion-unknown", "AssertionUnknown", "Connectivity assertion undecided",
                         "The solver ran out of time or could not decide; the assertion is not proved.", "error"),
}


def _check_result(o: AssertionOutcome) -> dict[str, object]:
    a = o.assertion
    body = " ".join(line.strip() for line in smt_result_lines(o.result))
    verb = "fails" if o.status == "fails" else "could not be decided"
    message = f"{a.name} {verb} (expect {a.expect}, {a.scope} scope): {body}"
    locations = [sarif_location(a.source)] if a.source.file else []
    related = []
    conn = getattr(o.result, "counterexample", None)
    if isinstance(o.result, PathVerdict) and o.result.path is not None:  # a path assertion: its hops' rules
        for hop in o.result.path.paths[0] if o.result.path.paths else ():
            related += [sarif_location(ref.source, message=str(ref)) for ref in hop.rules if ref.source.file]
    if conn is not None:
        for v in conn.deciding():
            for ref in (*v.policies, *(m.rule for m in v.matches), *(m.rule for m in v.misses)):
                if ref.source.file:
                    related.append(sarif_location(ref.source, message=str(ref)))
    return sarif_result(CHECK_RULES[o.status], message, locations, (a.name,), related=related)


@render.register
def _(result: CheckResult, out: TextIO, **_: Any) -> None:
    results = [_check_result(o) for o in result.outcomes if o.status != "holds"]
    dump(sarif_log(list(CHECK_RULES.values()), results), out)


# --- lint (issue 6) ---

from netverify.model import Severity  # noqa: E402
from netverify.queries.lint import LintResult  # noqa: E402
from netverify.queries.lint.codes import CODES  # noqa: E402
from netverify.queries.lint.findings import DOCS_URL, Finding  # noqa: E402

_LINT_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
DOCS_URI = DOCS_URL


def _lint_rule(code: str) -> SarifRule:
    info = CODES.get(code)
    if info is None:  # a code of a check written elsewhere (NV6xx): described by its docs page
        return SarifRule(code, code, f"netverify lint {code}", f"See {DOCS_URI}/{code}.md", "warning")
    return SarifRule(code, info.name, info.title, f"{info.title}. See {DOCS_URI}/{code}.md",
                     _LINT_LEVEL[info.severity])


def _lint_result(f: Finding, rule: SarifRule) -> dict[str, object]:
    locations = [sarif_location(f.source)] if f.source.file else []
    related = [sarif_location(r) for r in f.related if r.file]
    # The key leaves the line out: an alert keeps its identity when lines above it move.
    return sarif_result(rule, f.message, locations, (f.obj, f.message),
                        _LINT_LEVEL[f.severity], related)


@render.register
def _(result: LintResult, out: TextIO, **_: Any) -> None:
    """Every code is a rule (with its docs page as help); every finding a result at its file:line."""
    codes = sorted(set(CODES) | {f.code for f in result.findings})
    rules = {code: _lint_rule(code) for code in codes}
    log = sarif_log(list(rules.values()), (_lint_result(f, rules[f.code]) for f in result.findings))
    for rule_json in log["runs"][0]["tool"]["driver"]["rules"]:  # type: ignore[index]  # helpUri: per code page
        rule_json["helpUri"] = f"{DOCS_URI}/{rule_json['id']}.md"
    if result.notes:  # what the run skipped or assumed: notifications of the run, not results at a place
        log["runs"][0]["invocations"] = [{  # type: ignore[index]
            "executionSuccessful": True,
            "toolExecutionNotifications": [{"level": "note", "message": {"text": n}} for n in result.notes]}]
    dump(log, out)
