"""What the diff names as the reason a connection changed: one `Cause` (a rule, a policy, an endpoint
or a namespace), located in the version that shows it best, with its wording for tables (`short`)
and its identity across changes (`key`). diff_causes finds them."""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model import Direction, SourceRef
from netverify.semantics.verdict import RuleId, rule_name

HEAD, BASE = "head", "base"
ROLE: dict[str, str] = {Direction.EGRESS: "source", Direction.INGRESS: "destination"}
_SHORT = {"admits": "admits", "stops-admitting": "stops admitting", "isolates": "isolates",
          "stops-isolating": "stops isolating", "allows": "now allows", "stops-allowing": "stops allowing",
          "denies": "now denies", "stops-denying": "stops denying", "passes": "now passes",
          "stops-passing": "stops passing"}


@dataclass(frozen=True)
class Cause:
    """One reason a connection changed, located in the version (`side`) that shows it best."""

    kind: str  # rule | policy | endpoint | namespace
    change: str  # admits, stops-admitting, isolates, stops-isolating (NetworkPolicy); allows, denies, passes,
    #              stops-allowing, stops-denying, stops-passing (admin rules); labels, named-ports,
    #              host-network, ips, replicas, node, other
    subject: str  # policy id, endpoint id or namespace name
    message: str
    source: SourceRef
    side: str = HEAD
    direction: str = ""
    rule: int = -1
    ordered: RuleId | None = None  # a rule of a first-match tier (an admin policy's): its tier and priority

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind, "change": self.change, "subject": self.subject,
                                  "message": self.message, "file": self.source.file, "line": self.source.line,
                                  "side": self.side}
        if self.kind == "rule":
            out.update(policy=self.subject, direction=self.direction, rule=self.rule)
        if self.ordered is not None:
            out.update(tier=self.ordered.tier_name, priority=self.ordered.priority, name=rule_name(self.ordered))
        return out

    def __str__(self) -> str:
        return f"{self.message} ({self.source})" if self.source.file else self.message

    @property
    def short(self) -> str:
        """A few words for a table cell: which rule, policy or object."""
        if self.kind == "rule":
            return f"{self.subject} {self.direction}[{self.rule}] {_SHORT[self.change]}"
        if self.kind == "policy":
            return f"{self.subject} {_SHORT[self.change]} {ROLE[self.direction]}"
        if self.kind == "namespace":
            return f"namespace {self.subject} labels"
        if self.kind == "endpoint" and self.change == "other":
            return "the inventory changed"
        return f"{self.subject} {self.change.replace('-', ' ')}"

    @property
    def key(self) -> tuple[object, ...]:
        """What identifies the cause across changes (one SARIF result, one row per cause)."""
        return (self.kind, self.change, self.subject, self.direction, self.rule, self.message)


# A change no rule, policy or object explains (it should not happen: the verdict is a function
# of exactly what the other causes compare); never left unexplained, and the same for every pair.
UNEXPLAINED = Cause("endpoint", "other", "", "the allowed set changed with the inventory, but no rule, policy or "
                                             "object change explains it (please report this)", SourceRef(""))
