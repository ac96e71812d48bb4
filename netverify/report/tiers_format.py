"""The tier walk in words, from the verdict's Decisions (semantics/verdict.py), for every format.

One direction reads `[Admin] pass (tenant-guard r1) -> [NetworkPolicy] allow (web/allow-api
ingress[0])`: each tier in order with what it did and the rules that did it, up to the first tier
that decides (or `default allow` when every tier passes). Over several connections each tier says
what it allows, denies and passes of what is still undecided. Used only where admin tiers are
folded (`DirectionVerdict.tiered`); NetworkPolicy-only answers keep their own wording.
"""

from __future__ import annotations

from collections.abc import Sequence

from netverify.semantics.evaluate import DirectionVerdict
from netverify.semantics.verdict import Action, Decision, Overlap
from netverify.sets import ConnectionSet

WORDS = {Action.ALLOW: "allow", Action.DENY: "deny", Action.PASS: "pass"}


def describe_one(decisions: Sequence[Decision], protocol: str, port: int) -> str:
    """The walk of one connection."""
    parts = []
    for decision in decisions:
        action = decision.action_for(protocol, port)
        rules = [m.rule.label for m in decision.matches if m.allowed.allows(protocol, port)]
        word = "no match" if action is Action.PASS and not rules else WORDS[action]
        parts.append(f"[{decision.tier}] {word}" + (f" ({', '.join(rules)})" if rules else ""))
        if action is not Action.PASS:
            return " -> ".join(parts)
    return " -> ".join([*parts, "default allow"])


def describe_many(decisions: Sequence[Decision], queried: ConnectionSet) -> str:
    """The walk over a set of connections; a single connection reads as `describe_one`."""
    single = _single_connection(queried)
    if single is not None:
        return describe_one(decisions, *single)
    parts: list[str] = []
    remaining = queried
    for decision in decisions:
        passed = ConnectionSet.union_all(m.allowed for m in decision.matches if m.action is Action.PASS)
        said = []
        for word, conns in (("allow", decision.allow & remaining), ("deny", decision.deny & remaining),
                            ("pass", passed & remaining)):
            if conns:
                rules = [m.rule.label for m in decision.matches if m.allowed & conns]
                said.append(f"{word} {conns.describe()}" + (f" ({', '.join(rules)})" if rules else ""))
        parts.append(f"[{decision.tier}] " + ("; ".join(said) if said else "no decision"))
        remaining = remaining - decision.decided
        if not remaining:
            return " -> ".join(parts)
    return " -> ".join([*parts, f"default allow {remaining.describe()}"])


def walk_text(v: DirectionVerdict, queried: ConnectionSet) -> str:
    """One direction's walk over the queried connections; a direction no tier governs says why."""
    if _ungoverned(v):
        return f"no tier applies ({v.note}): allowed"
    return describe_many(v.decisions, queried)


def walk_line(v: DirectionVerdict, queried: ConnectionSet) -> str:
    """`ingress of web/api: [Admin] pass (...) -> [NetworkPolicy] allow (...)`."""
    return f"{v.direction.value} of {v.subject}: {walk_text(v, queried)}"


def overlap_line(o: Overlap, queried: ConnectionSet) -> str:
    return (f"undefined order: {o.first} and {o.second} have {o.tier} priority {o.priority} and decide "
            f"{(o.connections & queried).describe()} differently; the answer assumes name order")


def _ungoverned(v: DirectionVerdict) -> bool:
    return bool(v.note) and all(not d.policies and not d.matches and d.note == v.note for d in v.decisions)


def _single_connection(conns: ConnectionSet) -> tuple[str, int] | None:
    items = [(proto, ports) for proto, ports in conns.items() if ports]
    if len(items) == 1 and items[0][1].size() == 1:
        return items[0][0], items[0][1].intervals[0][0]
    return None
