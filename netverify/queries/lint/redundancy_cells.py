"""Lint redundancy: a subject group's peers cut into cells by which rule parts admit them.

A cell is a maximal set of peer classes held by exactly the same parts (its signature). Cells are
what redundancy_cover.py reads a group's removals from; their order carries no meaning.

Cutting costs (distinct masks) x (cells) big-integer operations over all classes. Groups that
dozens of policies select have ~100 parts, ~80 distinct masks and ~260 cells at 100,000 pods, and
the groups read one after another (a candidate's groups) mostly share their masks: `CellCutter`
keeps the last large cut and derives the next from it, dropping the masks the new group lacks
(cells whose signatures then agree merge) and cutting by the masks it adds. The result is the
same partition as a cut from scratch (tests/unit/queries/test_redundancy_cells.py).

Invariant of the kept state: `keys[j]` is the key of position j's mask (equal keys for equal masks
only, in every cut the cutter is asked for); `live` has bit j when position j is in use; every cell's
signature holds live positions only, and the cells are disjoint and cover the union of the live masks.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from netverify.engines.bitsets import bit_list

# (low, [(peer classes >> low, the parts admitting them)])
Refinement = tuple[int, list[tuple[int, list[int]]]]
Bounded = tuple[int, int]  # (peer classes, a bit position none of them is below)
INCREMENTAL_FROM = 16  # distinct masks from which a cut is derived from the last one (smaller ones: from scratch)


class CellCutter:
    """Cuts groups' peers into cells, deriving a large cut from the previous large one."""

    def __init__(self, incremental_from: int = INCREMENTAL_FROM) -> None:
        self.incremental_from = incremental_from
        self._keys: list[Hashable] = []  # position j's mask key (its mask: in the `distinct` of the cut using it)
        self._live = 0
        self._cells: dict[int, Bounded] = {}  # signature over positions -> (peer classes, a lower bound of them)

    def refine(self, parts: list[int], keys: Sequence[Hashable] | None = None) -> Refinement:
        """The peers cut by which parts admit them (parts with equal masks cut once, with all their bits).
        `keys[k]`: part k's mask by a cheap key (equal keys exactly for equal masks; the default, the masks
        themselves, hashes every wide integer again)."""
        distinct: dict[Hashable, list[int]] = {}  # mask key -> [the mask, the parts having it (bit k: part k)]
        for k, (mask, key) in enumerate(zip(parts, parts if keys is None else keys, strict=True)):
            entry = distinct.get(key)
            if entry is None:
                distinct[key] = [mask, 1 << k]
            else:
                entry[1] |= 1 << k
        if len(distinct) < self.incremental_from:
            return _from_scratch(parts, distinct.values())
        self._derive(distinct)
        local = [distinct[key][1] if key in distinct else 0 for key in self._keys]
        out = []
        for sig, (m, _) in self._cells.items():
            bits = 0
            for j in bit_list(sig):
                bits |= local[j]
            out.append((m, bit_list(bits)))
        return 0, out

    def _derive(self, distinct: dict[Hashable, list[int]]) -> None:
        """Make the kept state the cut of `distinct`'s masks: from the last one when they share most
        masks, else from scratch."""
        live = {self._keys[j]: j for j in bit_list(self._live)}
        removed = [j for key, j in live.items() if key not in distinct]
        added = [key for key in distinct if key not in live]
        if (len(removed) + len(added)) * 3 > len(distinct) or len(self._keys) + len(added) > 4 * len(distinct):
            self._keys, self._live, self._cells = [], 0, {}
            added = list(distinct)
        elif removed:
            drop = 0
            for j in removed:
                drop |= 1 << j
            self._live &= ~drop
            merged: dict[int, Bounded] = {}
            for sig, cell in self._cells.items():
                kept = sig & ~drop
                if kept:  # held by no remaining mask: not a peer of the group
                    other = merged.get(kept)
                    merged[kept] = cell if other is None else (other[0] | cell[0], min(other[1], cell[1]))
            self._cells = merged
        for key in added:
            j = len(self._keys)
            self._keys.append(key)
            self._live |= 1 << j
            self._cells = _cut_bounded(self._cells, distinct[key][0], 1 << j)


def _from_scratch(parts: list[int], distinct: Iterable[list[int]]) -> Refinement:
    # Peer masks shifted down to the lowest peer any part admits: a namespace's rules admit classes
    # numbered together, far from bit 0, and big-integer operations cost the integers' length.
    low = min(((m & -m).bit_length() - 1 for m in parts), default=0)
    cells: dict[int, int] = {}
    for mask, bits in distinct:
        cells = _cut(cells, mask >> low, bits)
    return low, [(m, bit_list(sig)) for sig, m in cells.items()]


def _cut(cells: dict[int, int], mask: int, bits: int) -> dict[int, int]:
    """`cells` ({signature: classes}) cut by `mask`: the classes it holds get `bits` in their signature."""
    split: dict[int, int] = {}
    rest = mask
    for sig, m in cells.items():
        inter = m & mask
        if inter:
            if m != inter:
                split[sig] = m ^ inter
            split[sig | bits] = inter
            rest ^= inter
        else:
            split[sig] = m
    if rest:
        split[bits] = rest
    return split


def _cut_bounded(cells: dict[int, Bounded], mask: int, bits: int) -> dict[int, Bounded]:
    """`_cut` over cells that carry a lower bound of their classes: a cell lying wholly below or above
    the mask's bits is kept without ANDing two integers as wide as the classes (in a large group's cut
    two in three cells meet a mask's range not at all: the groups' parts are mostly one namespace's
    peers, numbered together). The bounds need not be tight: an intersection starts at or above
    both operands' bounds, and what is left of a cell keeps its bound."""
    low, high = (mask & -mask).bit_length() - 1, mask.bit_length()
    split: dict[int, Bounded] = {}
    rest = mask
    for sig, cell in cells.items():
        m, lo = cell
        if lo >= high or m.bit_length() <= low:
            split[sig] = cell
            continue
        inter = m & mask
        if inter:
            if m != inter:
                split[sig] = (m ^ inter, lo)
            split[sig | bits] = (inter, max(lo, low))
            rest ^= inter
        else:
            split[sig] = cell
    if rest:
        split[bits] = (rest, low)
    return split
