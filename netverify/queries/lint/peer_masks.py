"""Masks of class indices as the admin scan splits them: bits one at a time, lowest first, and a partition refined
by cuts (each part with the signature of the cuts that hold it). No Kubernetes meaning here; engines/bitsets.py has
the graph's own bit helpers."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence

from netverify.engines.bitsets import bit_list

__all__ = ["Blocks", "first_bits", "refine_signed"]


def first_bits(mask: int) -> Iterator[int]:
    """The set bits of a mask, lowest first, one at a time (a group's first real pair is usually its first class)."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def refine_signed(parts: list[tuple[int, int]], cuts: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """`parts`, (mask, signature) pairs, split by each cut in turn, each part into (part & cut, part & ~cut)
    in place (the empty side left out); the inside gets the cut's signature bit, so a part's signature
    says which cuts hold it (every part is inside or outside each cut whole). Rules often match alike,
    so the caller passes each distinct cut once."""
    for cut, bit in cuts:
        split: list[tuple[int, int]] = []
        for part, signature in parts:
            inside = part & cut
            if inside:
                split.append((inside, signature | bit))
                if inside != part:
                    split.append((part ^ inside, signature))
            else:
                split.append((part, signature))
        parts = split
    return parts


class Blocks:
    """A partition of the classes into disjoint blocks (the classes alike in their named ports, or on
    one node), with each class's block: refining by many disjoint cuts costs one pass over the bits."""

    __slots__ = ("block_of", "masks")

    def __init__(self, keys: Sequence[Hashable]) -> None:
        """`keys[c]`: what class c is alike in; blocks in the order of their first class."""
        number: dict[Hashable, int] = {}
        self.block_of = [number.setdefault(key, len(number)) for key in keys]
        masks = [0] * len(number)
        for c, k in enumerate(self.block_of):
            masks[k] |= 1 << c
        self.masks = masks

    def refine(self, parts: list[tuple[int, int]], run: dict[int, tuple[int, int]]) -> list[tuple[int, int]]:
        """`refine_signed(parts, cuts)` for cuts that are blocks of this partition in block order, given as
        {block number: (mask, signature bit)}: each part splits into its share of each of those blocks,
        in block order, then the rest (what `refine_signed` makes of disjoint cuts), without
        intersecting every part with every block."""
        block_of = self.block_of
        out: list[tuple[int, int]] = []
        for part, signature in parts:
            rest = part
            for k in sorted({block_of[c] for c in bit_list(part)}):
                found = run.get(k)
                if found is None:
                    continue
                mask, bit = found
                inside = part & mask
                out.append((inside, signature | bit))
                rest ^= inside
            if rest:
                out.append((rest, signature))
        return out
