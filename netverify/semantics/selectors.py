"""Label selector matching (metav1.LabelSelector) and kubectl-style selector parsing."""

from __future__ import annotations

import re
from collections.abc import Mapping

from netverify.errors import UsageError
from netverify.model import LabelSelector, Requirement, freeze_labels


def requirement_matches(req: Requirement, labels: Mapping[str, str]) -> bool:
    op = req.operator
    if op == "In":
        return req.key in labels and labels[req.key] in req.values
    if op == "NotIn":  # true when the key is absent
        return req.key not in labels or labels[req.key] not in req.values
    if op == "Exists":
        return req.key in labels
    if op == "DoesNotExist":
        return req.key not in labels
    return False  # unknown operators never load; be safe anyway


def matches(selector: LabelSelector, labels: Mapping[str, str]) -> bool:
    """matchLabels AND every matchExpression; the empty selector matches everything."""
    for key, value in selector.match_labels:
        if labels.get(key) != value:
            return False
    return all(requirement_matches(r, labels) for r in selector.match_expressions)


def mismatch(selector: LabelSelector, labels: Mapping[str, str]) -> str | None:
    """The first term of the selector that the labels fail, in words; None when it matches."""
    for key, value in selector.match_labels:
        if labels.get(key) != value:
            have = f"is {labels[key]!r}" if key in labels else "is absent"
            return f"{key}={value} fails: {key} {have}"
    for r in selector.match_expressions:
        if not requirement_matches(r, labels):
            have = f"is {labels[r.key]!r}" if r.key in labels else "is absent"
            term = LabelSelector((), (r,)).describe()
            return f"{term} fails: {r.key} {have}"
    return None


_TOKEN = re.compile(
    r"\s*(?:(?P<neg>!)\s*(?P<nkey>[^\s,=!()]+)"
    r"|(?P<skey>[^\s,=!()]+)\s*(?P<op>==|!=|=|\s+in\s+|\s+notin\s+)\s*(?P<val>\([^)]*\)|[^\s,()]*)"
    r"|(?P<ekey>[^\s,=!()]+))\s*(?:,|$)"
)


class SelectorSyntaxError(UsageError):
    pass


def parse_selector(text: str) -> LabelSelector:
    """Parse kubectl selector syntax: `a=b,c!=d,e in (x,y),f notin (z),g,!h`; `*` or `` = everything."""
    # Runs of whitespace as one space: the token pattern has optional spaces on both sides of an
    # operator, and a long run of them made its backtracking quadratic (8,000 spaces: over a second).
    text = " ".join(text.split())
    if text in ("", "*"):
        return LabelSelector()
    labels: dict[str, str] = {}
    exprs: list[Requirement] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SelectorSyntaxError(f"cannot parse label selector at {text[pos:]!r}")
        pos = m.end()
        if m.group("neg"):
            exprs.append(Requirement(m.group("nkey"), "DoesNotExist"))
        elif m.group("ekey"):
            exprs.append(Requirement(m.group("ekey"), "Exists"))
        else:
            key, op, val = m.group("skey"), m.group("op").strip(), m.group("val")
            if op in ("in", "notin"):
                if not (val.startswith("(") and val.endswith(")")):
                    raise SelectorSyntaxError(f"`{key} {op}` needs a parenthesised list of values")
                values = tuple(sorted({v.strip() for v in val[1:-1].split(",") if v.strip()}))
                exprs.append(Requirement(key, "In" if op == "in" else "NotIn", values))
            elif op == "!=":
                exprs.append(Requirement(key, "NotIn", (val,)))
            else:
                labels[key] = val
    return LabelSelector(freeze_labels(labels), tuple(exprs))
