"""Words for a diff's changes, shared by its text, markdown, SARIF and JUnit reports.

A change can name thousands of endpoints; reports summarise its sets (how many, in which
namespaces, the first few names, "N more") so that one change stays one short block. The
JSON report lists every id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from netverify.queries.diff import Change, DiffResult
from netverify.queries.diff_cause import Cause
from netverify.queries.exposure import describe_addresses
from netverify.sets import IPSet

MARKS = {"added": "+", "removed": "-", "changed": "~"}
NAMES = 3  # names shown per namespace
NAMESPACES = 3  # namespaces shown per set


def count(n: int, word: str, plural: str = "") -> str:
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def describe_ids(ids: Sequence[str], outside: Mapping[str, IPSet], names: int = NAMES,
                 namespaces: int = NAMESPACES) -> str:
    """`a, b` for a few ids; else `40 endpoints in 3 namespaces: shop (30: Deployment/web, …)`;
    address blocks as the addresses they make up together (`0.0.0.0/0 except 10.0.0.0/8`)."""
    blocks = [i for i in ids if i in outside]
    if blocks and len(blocks) == len(ids):
        return _addresses(blocks, outside)
    if len(ids) <= names:
        return ", ".join(ids)
    by_ns: dict[str, list[str]] = {}
    for eid in ids:
        if eid not in outside:
            ns, _, name = eid.partition("/")
            by_ns.setdefault(ns, []).append(name or ns)
    parts = []
    largest = sorted(by_ns.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for ns, members in largest[:namespaces]:
        more = f", … {len(members) - names} more" if len(members) > names else ""
        parts.append(f"{ns} ({len(members)}: {', '.join(members[:names])}{more})")
    if len(largest) > namespaces:
        rest = sum(len(m) for _, m in largest[namespaces:])
        parts.append(f"{count(len(largest) - namespaces, 'more namespace')} ({count(rest, 'endpoint')})")
    if blocks:
        parts.append(_addresses(blocks, outside))
    return f"{count(len(ids) - len(blocks), 'endpoint')} in {count(len(by_ns), 'namespace')}: " + "; ".join(parts)


def brief_ids(ids: Sequence[str], outside: Mapping[str, IPSet]) -> str:
    """Shorter still, for one line per cause: names up to two, else counts (`800 endpoints in 140 namespaces`)."""
    blocks = [i for i in ids if i in outside]
    if len(ids) <= 2 or len(blocks) == len(ids):
        return describe_ids(ids, outside, 2)
    namespaces = len({i.partition("/")[0] for i in ids if i not in outside})
    brief = f"{count(len(ids) - len(blocks), 'endpoint')} in {count(namespaces, 'namespace')}"
    return f"{brief}; {_addresses(blocks, outside)}" if blocks else brief


def _addresses(blocks: list[str], outside: Mapping[str, IPSet]) -> str:
    union = IPSet()
    for block in blocks:
        union = union | outside[block]
    return f"addresses {describe_addresses(union)}" if union != IPSet.everything() else "any address"


def extent(change: Change, outside: Mapping[str, IPSet]) -> str:
    """`12 sources -> 40 destinations (480 pairs)`, or `a -> b` when both sides are one endpoint."""
    if change.size == 1:
        return f"{describe_ids(change.sources, outside)} -> {describe_ids(change.destinations, outside)}"
    if change.distinct:
        return f"{count(len(change.sources), 'endpoint')} with each other ({count(change.size, 'pair')})"
    return (f"{_side(change.sources, outside, 'source')} -> {_side(change.destinations, outside, 'destination')} "
            f"({count(change.size, 'pair')})")


def _side(ids: Sequence[str], outside: Mapping[str, IPSet], word: str) -> str:
    return count(len(ids), "address block" if all(i in outside for i in ids) else word)


def where(cause: Cause) -> str:
    return f"{cause.source.file}:{cause.source.line}" if cause.source.line else cause.source.file


def outside_blocks(result: DiffResult) -> dict[str, IPSet]:
    """The address blocks the result names, by id."""
    return {b.id: b.addresses for b in result.outside}
