"""Lint findings: the one shape every lint check produces (checks never print)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from netverify.model import Severity, SourceRef

DOCS_BASE = "docs/lint"  # one page per code: docs/lint/NV101.md
DOCS_URL = "https://github.com/netverify/netverify/blob/main/docs/lint"  # the same pages, for reports read elsewhere


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in the input: a stable code, where it is, and what is wrong.

    `related` lists other places that explain the finding (the rules that cover a redundant
    rule, the policy that shadows another), so reports can link them.

    What the finding is about, for the --src/--dst/-n filters (queries/lint/filters.py): `subjects`,
    the endpoint ids whose side of traffic it concerns (empty: derived from `obj`), in `direction`
    ("ingress", "egress", or "" for both), and `peers`, the other side's ids (None: any peer).
    """

    source: SourceRef
    code: str
    severity: Severity
    message: str
    obj: str = ""  # "Kind ns/name"
    related: tuple[SourceRef, ...] = field(default=(), compare=False)
    direction: str = field(default="", compare=False)
    subjects: tuple[str, ...] = field(default=(), compare=False)
    peers: tuple[str, ...] | None = field(default=None, compare=False)

    @property
    def docs(self) -> str:
        return f"{DOCS_BASE}/{self.code}.md"

    @property
    def docs_url(self) -> str:
        return f"{DOCS_URL}/{self.code}.md"

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "severity": self.severity.value, "message": self.message,
                "file": self.source.file, "line": self.source.line, "object": self.obj,
                "related": [{"file": r.file, "line": r.line} for r in self.related], "docs": self.docs}


# A check takes the lint context (netverify.queries.lint.LintContext) and yields findings.
Check = Callable[..., Iterable[Finding]]
