"""Masks of class indices as the admin scan splits them: bits one at a time, lowest first, and a partition refined
by cuts. No Kubernetes meaning here; engines/bitsets.py has the graph's own bit helpers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["first_bits", "refine"]


def first_bits(mask: int) -> Iterator[int]:
    """The set bits of a mask, lowest first, one at a time (a group's first real pair is usually its first class)."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def refine(parts: list[int], cuts: Iterable[int]) -> list[int]:
    """`parts` split by each cut in turn, each part into (part & cut, part & ~cut) in place (the
    empty side left out); rules often match alike, so the caller passes each distinct cut once."""
    for cut in cuts:
        split: list[int] = []
        for part in parts:  # without building ~cut for every part
            inside = part & cut
            if inside:
                split.append(inside)
                if inside != part:
                    split.append(part ^ inside)
            else:
                split.append(part)
        parts = split
    return parts
