"""Grouping pods into endpoints: only what a policy can see may split a workload."""

from __future__ import annotations

from netverify.semantics.endpoints import IPAtoms
from netverify.sets import IPSet


def test_addresses_no_ipblock_tells_apart_share_a_signature() -> None:
    atoms = IPAtoms([IPSet.from_cidr("10.0.1.0/24"), IPSet.from_cidr("10.0.3.0/24")])
    # 10.0.0.5 and 10.0.2.5 lie in different gaps between the blocks, but in no block at all.
    assert atoms.signature(["10.0.0.5"]) == atoms.signature(["10.0.2.5"]) == atoms.signature(["fd00::1"])
    assert atoms.signature(["10.0.1.5"]) != atoms.signature(["10.0.3.5"])
    assert atoms.signature(["10.0.1.5"]) != atoms.signature(["10.0.0.5"])


def test_the_blocks_containing_addresses_are_named_by_their_index() -> None:
    blocks = [IPSet.from_cidr("10.0.0.0/8", ["10.9.0.0/16"]), IPSet.from_cidr("10.1.0.0/16"), IPSet.from_cidr("fd00::/8")]
    atoms = IPAtoms(blocks)
    assert atoms.blocks_containing(["10.1.2.3"]) == {0, 1}
    assert atoms.blocks_containing(["10.9.0.1"]) == set()  # the except hole
    assert atoms.blocks_containing(["10.2.0.1", "fd00::1"]) == {0, 2}
    assert atoms.blocks_containing([]) == set()
    for ip in ["10.1.2.3", "10.9.0.1", "10.2.0.1", "fd00::1", "192.168.0.1"]:  # agrees with testing each block
        assert atoms.blocks_containing([ip]) == {j for j, b in enumerate(blocks) if b.contains_address(ip)}


def test_an_except_hole_is_the_same_as_outside_when_no_other_block_covers_it() -> None:
    atoms = IPAtoms([IPSet.from_cidr("10.0.0.0/16", ["10.0.5.0/24"])])
    assert atoms.signature(["10.0.5.1"]) == atoms.signature(["192.168.0.1"])
    assert atoms.signature(["10.0.4.1"]) == atoms.signature(["10.0.6.1"])


def test_overlapping_blocks_give_each_combination_its_own_signature() -> None:
    atoms = IPAtoms([IPSet.from_cidr("10.0.0.0/8"), IPSet.from_cidr("10.1.0.0/16")])
    both, outer, none = atoms.signature(["10.1.2.3"]), atoms.signature(["10.2.0.1"]), atoms.signature(["11.0.0.1"])
    assert len({both, outer, none}) == 3
    assert atoms.signature(["10.2.0.1", "10.1.2.3"]) == tuple(sorted(set(outer + both)))
