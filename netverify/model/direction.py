"""Which traffic a rule or a policy type governs: `Direction`, the one spelling of "ingress" and "egress".

Code compares and passes members (`Direction.INGRESS`), never the strings: a ValueEnum equals and
hashes as its value, so outputs built from `.value` stay byte-identical. The API's spellings stay
at the edges: `policy_type` (spec.policyTypes: Ingress, Egress) and the YAML keys loaders read.
"""

from __future__ import annotations

from typing import TypeVar

from netverify.model.source import ValueEnum

End = TypeVar("End")


class Direction(ValueEnum):
    """Which traffic a rule or a policy type governs: to the subject (ingress) or from it (egress)."""

    INGRESS = "ingress"
    EGRESS = "egress"

    @property
    def policy_type(self) -> str:
        """The spelling of `spec.policyTypes` (networking.k8s.io/v1 PolicyType): Ingress, Egress."""
        return self.value.capitalize()

    @property
    def opposite(self) -> Direction:
        """The other direction: the peers' own direction (a sender's egress meets its receiver's ingress)."""
        return Direction.EGRESS if self is Direction.INGRESS else Direction.INGRESS

    def subject_and_peer(self, src: End, dst: End) -> tuple[End, End]:
        """The (subject, peer) of a connection src -> dst in this direction: egress is decided for the
        source (its peer the destination), ingress for the destination (its peer the source)."""
        return (src, dst) if self is Direction.EGRESS else (dst, src)
