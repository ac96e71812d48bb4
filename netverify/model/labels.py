"""Labels and label selectors: the vocabulary every object and policy kind shares.

Labels are stored as sorted tuples of (key, value) pairs so objects stay hashable.
"""

from __future__ import annotations

from dataclasses import dataclass

Labels = tuple[tuple[str, str], ...]


def freeze_labels(labels: dict[str, str] | None) -> Labels:
    return tuple(sorted((labels or {}).items()))


@dataclass(frozen=True)
class Requirement:
    """One matchExpressions entry; operator is In, NotIn, Exists or DoesNotExist."""

    key: str
    operator: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelSelector:
    """A label selector; the empty selector (no labels, no expressions) matches everything."""

    match_labels: Labels = ()
    match_expressions: tuple[Requirement, ...] = ()

    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.match_labels]
        for r in self.match_expressions:
            vals = ",".join(r.values)
            parts.append({
                "In": f"{r.key} in ({vals})",
                "NotIn": f"{r.key} notin ({vals})",
                "Exists": r.key,
                "DoesNotExist": f"!{r.key}",
            }.get(r.operator, f"{r.key} {r.operator} ({vals})"))
        return ",".join(parts) if parts else "{}"
