"""Queries and results of the SMT engine, as plain values (no z3 here).

A query asks about one symbolic connection from a source set to a destination set:

  deny       no connection in the sets is allowed        (Proved, or Refuted by an allowed connection)
  allow      every connection in the sets is allowed     (Proved, or Refuted by a denied connection)
  reachable  some connection in the sets is allowed      (Proved with a witness, or Refuted with a proof)

Each side is a union of loaded endpoints (`members`), pods that could exist (`pods`) and
addresses outside the cluster (`addresses`). `Unknown` (solver timeout or unknown) is an
error: it never means proved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from netverify.model import Direction, Labels, LabelSelector
from netverify.semantics.compile import PolicyRef
from netverify.semantics.endpoints import Endpoint
from netverify.semantics.evaluate import DirectionVerdict, PairVerdict
from netverify.semantics.ports import PortSelection
from netverify.semantics.verdict import RuleId
from netverify.sets import IPSet

EXPECTATIONS = ("deny", "allow", "reachable")
RELATIONS = ("same-namespace", "different-namespace")


@dataclass(frozen=True)
class PodPattern:
    """Any pod that could exist: in `namespace` (None: any), matching both selectors.

    `exact_labels`, when set, are all the labels the pod carries; otherwise the pod may carry
    any other labels. `cidr` restricts its IP (None: any address of either family). Its named
    container ports are arbitrary.
    """

    namespace: str | None = None
    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector = LabelSelector()
    exact_labels: Labels | None = None
    cidr: IPSet | None = None


@dataclass(frozen=True)
class Side:
    """One endpoint set of a query: a union of its three parts."""

    text: str
    members: tuple[Endpoint, ...] = ()
    pods: PodPattern | None = None
    addresses: IPSet | None = None

    @property
    def empty(self) -> bool:
        return not self.members and self.pods is None and not self.addresses


@dataclass(frozen=True)
class Query:
    src: Side
    dst: Side
    expect: str  # one of EXPECTATIONS
    ports: tuple[PortSelection, ...] = ()  # empty: every protocol and port
    relation: str | None = None  # one of RELATIONS, or None

    def describe_ports(self) -> str:
        return ", ".join(p.describe_port_protocol() for p in self.ports) if self.ports else "any port"


class OrderedRuleId(RuleId, Protocol):
    """A rule of a first-match tier, as a proof names it: with its action as its kind writes it."""

    @property
    def action(self) -> Enum: ...


@dataclass(frozen=True)
class Proof:
    """The policies and rules an unsat core needed: the reasons a claim holds."""

    policies: tuple[tuple[PolicyRef, Direction], ...] = ()  # (policy, direction it isolates)
    rules: tuple[RuleId, ...] = ()  # isolating tiers' rules whose admitting (or not) the proof needs
    # First-match tiers' rules (the admin tiers) whose matching (or not) the proof needs.
    admin_rules: tuple[OrderedRuleId, ...] = ()
    every_order: tuple[str, ...] = ()  # equal-priority groups the proof holds for in every order

    def to_json(self) -> dict[str, object]:
        return {
            "policies": [{**p.to_json(), "direction": d} for p, d in self.policies],
            "rules": [r.to_json() for r in self.rules],
            "admin_rules": [r.to_json() for r in self.admin_rules],
            "every_order": list(self.every_order),
        }


def endpoint_text(ep: Endpoint, synthesized: bool, detail: bool = True) -> str:
    """A loaded endpoint by id; a pod that could exist by its namespace and labels, and (with `detail`)
    its IP, named ports, node and namespace labels."""
    if ep.external:
        return f"{ep.ips[0] if ep.ips else 'an address'} (outside the cluster)"
    if not synthesized:
        return ep.id
    labels = ",".join(f"{k}={v}" for k, v in ep.labels) or "no labels"
    if not detail:
        return f"a pod that could exist in namespace {ep.namespace} with {labels}"
    extra = [f"IP {ep.ips[0]}"] if ep.ips else []
    named = [f"{p.name}={p.port}/{p.protocol}" for p in ep.ports if p.name]
    if named:
        extra.append("named ports " + ",".join(named))
    if ep.node_name:
        extra.append(f"on node {ep.node_name}")
    ns = ep.namespace
    if dict(ep.ns_labels).get("kubernetes.io/metadata.name") == ns and len(ep.ns_labels) > 1:
        ns_labels = ",".join(f"{k}={v}" for k, v in ep.ns_labels)
        ns = f"{ns} {{{ns_labels}}}"
    return f"a pod that could exist in namespace {ns} with {labels} ({'; '.join(extra)})"


def describe_endpoint(ep: Endpoint, synthesized: bool) -> dict[str, object]:
    out: dict[str, object] = {}
    if ep.external:  # same keys as a pod (no namespace, no labels), so readers need no special case
        return {"external": True, "namespace": None, "labels": {}, "ip": ep.ips[0] if ep.ips else None,
                "ips": list(ep.ips)}
    if not synthesized:
        out["id"] = ep.id
    out["namespace"] = ep.namespace
    out["labels"] = dict(ep.labels)
    if synthesized:
        out["synthesized"] = True
        out["namespace_labels"] = dict(ep.ns_labels)
        out["named_ports"] = [{"name": p.name, "port": p.port, "protocol": p.protocol} for p in ep.ports if p.name]
        if ep.node_name:
            out["node"] = ep.node_name
    out["ips"] = list(ep.ips)
    return out


@dataclass(frozen=True)
class Found:
    """A connection a solver model describes, decoded into endpoints; not yet replayed (the query
    layer replays it through the evaluator and makes it a `Connection`).

    `positions`: each equal-priority policy's position in the order the model used (smaller
    first; only the order within a priority group matters); `order_text` says it in words."""

    src: Endpoint
    dst: Endpoint
    protocol: str
    port: int
    src_synthesized: bool = False
    dst_synthesized: bool = False
    positions: tuple[tuple[str, int], ...] = ()
    order_text: tuple[str, ...] = ()
    found_by: str = "the solver"  # or "the reachability graph" (queries/loaded_search.py), for a mismatch's message


@dataclass(frozen=True)
class Connection:
    """A concrete connection found by the solver and replayed through the evaluator."""

    src: Endpoint
    dst: Endpoint
    protocol: str
    port: int
    allowed: bool
    verdict: PairVerdict
    src_synthesized: bool = False
    dst_synthesized: bool = False
    order: tuple[str, ...] = ()  # the order of equal-priority policies this connection needs

    def deciding(self) -> list[DirectionVerdict]:
        """The direction verdicts that explain the outcome (both when allowed, the denying ones otherwise)."""
        sides = [self.verdict.egress, self.verdict.ingress]
        if self.allowed:
            return sides
        return [v for v in sides if v.isolated and not v.allowed.allows(self.protocol, self.port)]

    def rules(self) -> list[dict[str, object]]:
        """The rules that admit it (allowed) or the rules that fail to (denied), with reasons."""
        out: list[dict[str, object]] = []
        for v in self.deciding():
            if self.allowed:
                out.extend({**m.rule.to_json(), "admits": True} for m in v.matches
                           if m.allowed.allows(self.protocol, self.port))
            else:
                out.extend({**m.rule.to_json(), "admits": False, "reason": m.reason} for m in v.misses)
                out.extend({**m.rule.to_json(), "admits": False, "reason": f"allows only {m.allowed.describe()}"}
                           for m in v.matches)
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "src": describe_endpoint(self.src, self.src_synthesized),
            "dst": describe_endpoint(self.dst, self.dst_synthesized),
            "protocol": self.protocol, "port": self.port, "allowed": self.allowed,
            "rules": self.rules(),
            "explanation": {"egress": self.verdict.egress.to_json(), "ingress": self.verdict.ingress.to_json(),
                            **({"note": self.verdict.note} if self.verdict.note else {})},
            **({"order": list(self.order)} if self.order else {}),
        }


@dataclass(frozen=True)
class Proved:
    """The query's claim holds. `witness` is set for `reachable` (an allowed connection)."""

    query: Query
    proof: Proof = Proof()
    witness: Connection | None = None
    notes: tuple[str, ...] = ()
    found: Found | None = None  # the engine's decoded witness, before the query replays it

    def to_json(self) -> dict[str, object]:
        return {"status": "proved", "proof": self.proof.to_json(),
                "witness": self.witness.to_json() if self.witness else None, "notes": list(self.notes)}


@dataclass(frozen=True)
class Refuted:
    """The claim does not hold: a counterexample, or for `reachable` a proof that nothing is."""

    query: Query
    counterexample: Connection | None = None
    proof: Proof | None = None
    notes: tuple[str, ...] = ()
    found: Found | None = None  # the engine's decoded counterexample, before the query replays it

    def to_json(self) -> dict[str, object]:
        return {"status": "refuted",
                "counterexample": self.counterexample.to_json() if self.counterexample else None,
                "proof": self.proof.to_json() if self.proof else None, "notes": list(self.notes)}


@dataclass(frozen=True)
class Unknown:
    """The solver gave up (timeout or incompleteness): an error, never a proof."""

    query: Query
    reason: str
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        return {"status": "unknown", "reason": self.reason, "notes": list(self.notes)}


SmtResult = Proved | Refuted | Unknown


class ReplayMismatch(AssertionError):
    """A solver model that the evaluator disagrees with: a bug in the encoding."""
