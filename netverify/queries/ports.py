"""The port/protocol a query asks about: a number, a name resolved on the destination, or all.

One type for every question about ports (semantics/ports.PortSelection); queries know it as
PortQuery, and --port/--protocol are read by `PortQuery.parse`.
"""

from __future__ import annotations

from netverify.semantics.ports import PortError, PortSelection

PortQuery = PortSelection

__all__ = ["PortError", "PortQuery"]
