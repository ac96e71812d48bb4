"""NV3xx: objects the API server would reject, from the loader's located errors.

The loader validates like the API server and drops what it would reject; lint does not stop
there: every error becomes a finding at its file:line, and the other checks run on the objects
that did load (an invalid NetworkPolicy never exists in a cluster, so leaving it out is exact).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from netverify.model import Diagnostic, Severity
from netverify.queries.lint.context import finding
from netverify.queries.lint.findings import Finding

# The loader's messages for NetworkPolicy fields, by the code that names the mistake.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("NV302", re.compile(r"must be a strict subset of cidr")),
    ("NV301", re.compile(r"ipBlock\.(cidr|except\[\d+\]): .*is not a valid CIDR")),
    ("NV303", re.compile(r"\.endPort: ")),
    ("NV304", re.compile(r"unknown operator")),
    ("NV305", re.compile(r"takes no values|needs at least one value")),
    ("NV306", re.compile(r"unknown policy type")),
)


def code_of(d: Diagnostic) -> str:
    """The NV3xx code of one loader error (NV300 for everything without a more precise code)."""
    if d.obj.startswith("NetworkPolicy "):
        for code, pattern in _PATTERNS:
            if pattern.search(d.message):
                return code
    return "NV300"


def is_policy_error(d: Diagnostic) -> bool:
    """An error confined to one NetworkPolicy: the rest of the inventory is complete without it."""
    return d.obj.startswith("NetworkPolicy ")


def invalid_objects(errors: Iterable[Diagnostic]) -> Iterator[Finding]:
    for d in errors:
        if d.severity is not Severity.ERROR:
            continue
        text = d.message + (f"; {d.hint}" if d.hint else "")
        yield finding(code_of(d), d.source, " ".join(text.split()), d.obj)
