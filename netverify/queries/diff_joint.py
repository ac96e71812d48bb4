"""The diff's joint classes and their vectors: the vocabulary the diff's grouping is written in.

A *joint class* is a set of endpoints present on both sides that share their class on BASE,
their class on HEAD, whether they are a single pod on each side, and what changed in them
(their endpoint causes): every pair they form changes the same way, for the same reasons.
Sets of joint classes are bitsets. `Affected` says which joint classes' egress and ingress may
have changed; `JointVectors` re-expresses one side's rows and columns over the joint classes as
{allowed: joint mask}; `differ` and `vector_changes` compare two such vectors; `cut` and
`Grouping` refine masks into cells; `Rectangle` is what the diff's grouping produces
(diff_groups, diff_outside, diff_tiered).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

from netverify.engines.bitsets import bit_list
from netverify.engines.graph import ReachabilityGraph
from netverify.model import Direction, Rule
from netverify.queries.context import Analysis
from netverify.queries.diff_cause import UNEXPLAINED, Cause
from netverify.queries.diff_causes import Explainer
from netverify.semantics.endpoints import Endpoint
from netverify.sets import ConnectionSet

Key = tuple[ConnectionSet, ConnectionSet, tuple[Cause, ...]]  # before, after, causes
Vector = tuple[tuple[int, ConnectionSet], ...]  # a row or a column: disjoint (class mask, allowed) pairs
JointVector = dict[ConnectionSet, int]  # a row or a column over the joint classes: {allowed: joint mask}
NONE = ConnectionSet.none()
CHUNK = 256  # rows or columns computed together: one pass over a graph's parts each


@dataclass(frozen=True)
class Rectangle:
    """Every pair of `sources` x `destinations` changed from `before` to `after` for `causes`."""

    sources: tuple[str, ...]  # ids, sorted
    destinations: tuple[str, ...]
    before: ConnectionSet
    after: ConnectionSet
    causes: tuple[Cause, ...]
    distinct: bool = False  # sources == destinations, and only pairs of distinct endpoints changed


def merge_causes(*parts: Iterable[Cause]) -> tuple[Cause, ...]:
    """Rule causes first, then what changed in the endpoints; never an unexplained change."""
    causes = tuple(dict.fromkeys(chain.from_iterable(parts)))
    return causes or (UNEXPLAINED,)


def lowest(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def cut(parts: list[int], pieces: Iterable[int]) -> list[int]:
    """Refine disjoint masks so that each piece contains every part it meets, or none of it."""
    for piece in pieces:
        out: list[int] = []
        for part in parts:
            inside = part & piece
            if inside and inside != part:
                out += (inside, part & ~piece)
            else:
                out.append(part)
        parts = out
    return parts


class Grouping:
    """A partition of the joint classes into groups (masks), with each class's group: `split` cuts a mask
    by the groups at the cost of the smaller of its bits and the groups, never their product."""

    def __init__(self, keys: Iterable[object]) -> None:
        index: dict[object, int] = {}
        self.group_of: list[int] = []
        masks: list[int] = []
        for j, key in enumerate(keys):
            g = index.setdefault(key, len(masks))
            if g == len(masks):
                masks.append(0)
            masks[g] |= 1 << j
            self.group_of.append(g)
        self.masks = masks

    def split(self, mask: int) -> list[int]:
        """The non-empty parts of `mask` in each group (in the order of the groups)."""
        if mask.bit_count() >= len(self.masks):
            return [mask & m for m in self.masks if mask & m]
        found: dict[int, int] = {}
        for j in bit_list(mask):
            g = self.group_of[j]
            found[g] = found.get(g, 0) | 1 << j
        return [found[g] for g in sorted(found)]


def endpoint_facts(ep: Endpoint) -> tuple[object, ...]:
    """Everything about an endpoint that a policy, an ipBlock or node traffic can see (not where it is written)."""
    return (ep.kind, ep.namespace, ep.labels, ep.ns_labels, ep.ports, ep.ips, ep.host_network, ep.node_name,
            ep.pods, ep.replicas)


def common_endpoints(base: Analysis, head: Analysis,
                     explainer: Explainer) -> Iterator[tuple[Endpoint, Endpoint, bool, tuple[Cause, ...]]]:
    """The endpoints on both sides, in BASE's order: BASE's, HEAD's, whether their facts differ (moved), and the
    causes of that difference (none when they do not)."""
    for ep in base.endpoints:
        other = head.by_id.get(ep.id)
        if other is None:
            continue
        moved = endpoint_facts(ep) != endpoint_facts(other)
        yield ep, other, moved, (explainer.endpoint(ep.id) if moved else ())


def _rules_content(rules: tuple[Rule, ...]) -> tuple[object, ...]:
    """Rules as what they say: peers and ports, not where they are written."""
    return tuple((tuple((p.pod_selector, p.namespace_selector, p.ip_block) for p in r.peers),
                  tuple((s.protocol, s.port, s.end_port) for s in r.ports)) for r in rules)


def direction_signatures(analysis: Analysis, direction: Direction) -> list[frozenset[object]]:
    """Per class, the content (rules and namespace, not names or lines) of the policies isolating it."""
    content: dict[int, object] = {}
    by_key: dict[tuple[int, ...], frozenset[object]] = {}
    out = []
    for key in analysis.graph.selecting(direction):
        sig = by_key.get(key)
        if sig is None:
            for i in key:
                if i not in content:
                    cp = analysis.policies[i]
                    content[i] = (cp.policy.namespace, _rules_content(cp.policy.rules(direction)))
            sig = by_key[key] = frozenset(content[i] for i in key)
        out.append(sig)
    return out


class JointClasses:
    """The endpoints present on both sides, grouped into joint classes (see the module docstring)."""

    def __init__(self, base: Analysis, head: Analysis, explainer: Explainer) -> None:
        self.base, self.head = base, head
        gb, gh = base.graph, head.graph
        index: dict[tuple[object, ...], int] = {}
        self.members: list[list[str]] = []
        self.sides: list[tuple[int, int]] = []  # (class on BASE, class on HEAD)
        self.single: list[tuple[bool, bool]] = []  # a single pod on BASE, on HEAD
        self.causes: list[tuple[Cause, ...]] = []  # what changed in the members (the same for all)
        self.moved: list[bool] = []  # some member's facts changed
        for ep, other, moved, causes in common_endpoints(base, head, explainer):
            key = (gb.class_of[ep.id], gh.class_of[ep.id], ep.single_pod, other.single_pod, causes)
            j = index.get(key)
            if j is None:
                j = index[key] = len(self.members)
                self.members.append([])
                self.sides.append((gb.class_of[ep.id], gh.class_of[ep.id]))
                self.single.append((ep.single_pod, other.single_pod))
                self.causes.append(causes)
                self.moved.append(False)
            self.members[j].append(ep.id)
            self.moved[j] = self.moved[j] or moved
        self.of_base = [0] * len(gb.reps)  # class on BASE -> mask of its joint classes
        self.of_head = [0] * len(gh.reps)
        for j, (cb, ch) in enumerate(self.sides):
            self.of_base[cb] |= 1 << j
            self.of_head[ch] |= 1 << j
        self.all = (1 << len(self.members)) - 1
        self.with_endpoint_causes = sum(1 << j for j, c in enumerate(self.causes) if c)
        self._ids: dict[int, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self.members)

    def rep(self, j: int) -> str:
        return self.members[j][0]

    def irregular(self, j: int) -> bool:
        """A member's pair with itself is not the class's value (a single pod on some side)."""
        return any(self.single[j])

    def ids(self, mask: int) -> tuple[str, ...]:
        """The endpoints of a mask of joint classes, sorted by id (cached: masks repeat)."""
        found = self._ids.get(mask)
        if found is None:
            found = self._ids[mask] = tuple(sorted(chain.from_iterable(self.members[j] for j in bit_list(mask))))
        return found


class Affected:
    """Which joint classes' egress (as sources) and ingress (as destinations) may have changed.

    A pair's allowed set is a function of the two endpoints' facts, the policies isolating the
    source for egress and those isolating the destination for ingress (their rules, by content).
    When none of these changed, neither did the pair.
    """

    def __init__(self, joint: JointClasses) -> None:
        base, head = joint.base, joint.head
        egress = (direction_signatures(base, Direction.EGRESS), direction_signatures(head, Direction.EGRESS))
        ingress = (direction_signatures(base, Direction.INGRESS), direction_signatures(head, Direction.INGRESS))
        self.sources = self.destinations = 0
        for j, (cb, ch) in enumerate(joint.sides):
            moved = joint.moved[j]
            if moved or egress[0][cb] != egress[1][ch]:
                self.sources |= 1 << j
            if moved or ingress[0][cb] != ingress[1][ch]:
                self.destinations |= 1 << j


class JointVectors:
    """One side's rows and columns re-expressed over the joint classes, as {allowed: joint-class mask}.

    A side's masks are over its own classes; translating a mask costs one pass over the bits of
    the classes that are not their own joint class (or over those it lacks, whichever are fewer),
    and vectors share few distinct masks, so translations are cached by mask value. Only
    non-empty sets of endpoints present on both sides are kept, which makes equal vectors equal
    dicts.
    """

    def __init__(self, graph: ReachabilityGraph, joint_of_class: list[int]) -> None:
        self._graph = graph
        self._joint_of_class = joint_of_class  # class -> mask of its joint classes (0: none in common)
        self._masks: dict[int, int] = {}
        # The classes that are their own joint class, with the same number (bit c -> bit c): where neither
        # version adds, removes or moves an endpoint, every class (a policy-only change). Their bits
        # translate as they are, with one AND, not one step per bit.
        self._same = int("".join("1" if m == 1 << c else "0" for c, m in enumerate(joint_of_class))[::-1] or "0", 2)
        # The others go bit by bit. Classes have disjoint images (a joint class lies in one class of each
        # side), so a mask holding most of them is translated as the image of them all without the image
        # of those it lacks: a partition's part is often "every class but a few".
        self._rest = ((1 << len(joint_of_class)) - 1) & ~self._same
        self._rest_count = self._rest.bit_count()
        self._rest_image = self._image(self._rest)

    def _image(self, mask: int) -> int:
        out = 0
        of_class = self._joint_of_class
        for c in bit_list(mask):
            out |= of_class[c]
        return out

    def translate(self, mask: int) -> int:
        if not self._rest:  # every class is its own joint class (aligned sides, no endpoint moved)
            return mask
        other = mask & ~self._same
        if not other:
            return mask
        out = self._masks.get(mask)
        if out is None:
            out = mask & self._same
            if 2 * other.bit_count() > self._rest_count:
                out |= self._rest_image & ~self._image(self._rest & ~other)
            else:
                out |= self._image(other)
            self._masks[mask] = out
        return out

    def _joint(self, vector: Vector) -> dict[ConnectionSet, int]:
        out: dict[ConnectionSet, int] = {}
        for mask, conns in vector:
            joint = self.translate(mask)
            if joint and conns:
                out[conns] = out.get(conns, 0) | joint
        return out

    def row(self, c: int) -> dict[ConnectionSet, int]:
        return self._joint(self._graph.row(c))

    def column(self, c: int) -> dict[ConnectionSet, int]:
        return self._joint(self._graph.column(c))

    def rows(self, classes: list[int]) -> Iterator[dict[ConnectionSet, int]]:
        """The rows of `classes`, in order, computed a chunk at a time (`ReachabilityGraph.rows_of`:
        one pass over the graph's parts per chunk, not per row; memory bounded by the chunk)."""
        for i in range(0, len(classes), CHUNK):
            yield from map(self._joint, self._graph.rows_of(classes[i:i + CHUNK]))

    def partition(self, direction: Direction, c: int) -> JointVector:
        """Class c's folded partition of `direction` (what its egress sends to, or its ingress lets in from,
        each class), re-expressed over the joint classes."""
        by_id = self._graph.conns.by_id
        return self._joint(tuple((mask, by_id[conns]) for conns, mask in self._graph.decided(direction, c).items()))

    def columns(self, classes: list[int]) -> Iterator[dict[ConnectionSet, int]]:
        """The columns of `classes`, in order, a chunk at a time (`ReachabilityGraph.columns_of`)."""
        for i in range(0, len(classes), CHUNK):
            yield from map(self._joint, self._graph.columns_of(classes[i:i + CHUNK]))


def differ(before: JointVector, after: JointVector) -> int:
    """The joint classes whose allowed set differs between two vectors: one XOR per allowed set (each
    vector's masks are disjoint, so a class with the same set on both sides is in neither XOR)."""
    out = 0
    for conns, mb in before.items():
        ma = after.get(conns, 0)
        if mb != ma:
            out |= mb ^ ma
    for conns, ma in after.items():
        if conns not in before:
            out |= ma
    return out


def vector_changes(before: JointVector, after: JointVector) -> Iterator[tuple[int, ConnectionSet, ConnectionSet]]:
    """(joint mask, before, after) for the joint classes whose allowed set differs: the pairs of parts met
    only within `differ` (a large vector's parts mostly agree), each part left once it is used up."""
    changed = differ(before, after)
    if not changed:
        return
    removed: list[tuple[int, ConnectionSet, ConnectionSet]] = []
    seen_before = 0
    for cb, mb in before.items():
        seen_before |= mb
        rest = mb & changed
        if not rest:
            continue
        for ca, ma in after.items():
            both = rest & ma
            if both:
                yield both, cb, ca
                rest &= ~both
                if not rest:
                    break
        if rest:
            removed.append((rest, cb, NONE))
    yield from removed
    added = changed & ~seen_before
    if added:
        for ca, ma in after.items():
            if ma & added:
                yield ma & added, NONE, ca
