"""What the admin scan (queries/lint/admin_scan.py) records per rule over the loaded inventory:
witnesses, the endpoints a finding is about, and per admin rule, NetworkPolicy rule and equal-priority
overlap what it did. Records are only ever updated "set if unset" (a flag raised, a first witness
kept, a name added), which lets the scan decide alike pairs once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from netverify.engines.bitsets import bit_list
from netverify.model import Direction, Severity, SourceRef
from netverify.queries.lint.context import finding
from netverify.queries.lint.findings import Finding
from netverify.semantics.admin_compile import AdminRuleRef
from netverify.semantics.endpoints import Endpoint
from netverify.sets import ConnectionSet


class ScanClasses(Protocol):
    """The scan's classes, as a finding expands them to endpoints."""

    reps: list[Endpoint]  # one endpoint per class, by class index
    members: dict[str, list[Endpoint]]  # per class representative, the class's endpoints


def one_connection(conns: ConnectionSet) -> str:
    """The first connection of a set, as `TCP/8080`."""
    for protocol, ports in conns.items():
        if ports:
            return f"{protocol}/{ports.intervals[0][0]}"
    return "no connection"


@dataclass(frozen=True)
class Witness:
    direction: Direction
    subject: Endpoint
    peer: Endpoint
    connection: str

    def __str__(self) -> str:
        src, dst = (self.peer, self.subject) if self.direction is Direction.INGRESS else (self.subject, self.peer)
        return f"{src.id} -> {dst.id} on {self.connection}"


@dataclass
class Involved:
    """The endpoints a finding is about (for lint's --src/--dst/-n filters): per direction, the
    subjects and the peers of the connections it concerns, as classes of the scan (expanded to
    their endpoints when the finding is made)."""

    direction: str = ""
    subjects: set[int] = field(default_factory=set)  # class indices
    peers: int = 0  # a mask of class indices

    def add_all(self, direction: Direction, subjects: set[int], peers: int) -> None:
        self.direction = direction if self.direction in ("", direction) else "both"
        self.subjects |= subjects
        self.peers |= peers

    def finding(self, scan: ScanClasses, code: str, source: SourceRef, text: str, obj: str,
                related: Sequence[SourceRef] = (), severity: Severity | None = None) -> Finding:
        """A finding about these endpoints."""
        subjects = sorted(e.id for c in self.subjects for e in scan.members[scan.reps[c].id])
        peers = sorted(e.id for c in bit_list(self.peers) for e in scan.members[scan.reps[c].id])
        return finding(code, source, text, obj, related, severity, "" if self.direction == "both" else self.direction,
                       subjects, peers)


@dataclass
class RuleRecord:
    """What one rule did over the whole inventory."""

    involved: Involved = field(default_factory=Involved)
    matched: Witness | None = None
    decided: bool = False
    shadowers: dict[str, SourceRef] = field(default_factory=dict)  # who decided its connections first
    passed: Witness | None = None  # Pass rules: a connection it passed
    passed_somewhere_decided: bool = False


@dataclass
class NetworkPolicyRuleRecord:
    involved: Involved = field(default_factory=Involved)
    matched: bool = False
    open_below_admin: bool = False  # some connection it admits is not decided by the Admin tier
    denied: Witness | None = None
    deniers: dict[str, SourceRef] = field(default_factory=dict)


@dataclass
class Overlap:
    tier: str
    priority: int
    first: AdminRuleRef
    second: AdminRuleRef
    witness: Witness
    involved: Involved = field(default_factory=Involved)


def admin_ref(rule: object) -> AdminRuleRef | None:
    return rule if isinstance(rule, AdminRuleRef) else None


def rule_name(ref: AdminRuleRef) -> str:
    """`ClusterNetworkPolicy/guard ingress[1] 'nobody-else'`."""
    return f"{ref.policy} {ref.direction}[{ref.index}]" + (f" {ref.rule_name!r}" if ref.rule_name else "")
