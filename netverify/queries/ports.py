"""The port/protocol a query asks about: a number, a name resolved on the destination, or all."""

from __future__ import annotations

from dataclasses import dataclass

from netverify.errors import UsageError
from netverify.semantics.endpoints import Endpoint
from netverify.sets import ConnectionSet


class PortError(UsageError):
    pass


@dataclass(frozen=True)
class PortQuery:
    protocol: str | None = None  # None: any protocol
    port: int | str | None = None  # None: any port
    end_port: int | None = None

    @classmethod
    def parse(cls, port: str | None, protocol: str | None) -> PortQuery:
        proto = protocol.upper() if protocol else None
        if proto is not None and proto not in ("TCP", "UDP", "SCTP"):
            raise PortError(f"unknown protocol {protocol!r}; use TCP, UDP or SCTP")
        if port is None or port == "":
            return cls(proto)
        text = port.strip()
        if "/" in text:  # 53/UDP
            text, _, p = text.partition("/")
            if proto is not None and p.upper() != proto:
                raise PortError(f"--port {port} contradicts --protocol {protocol}")
            return cls.parse(text, p)
        lo, sep, hi = text.partition("-")
        if _ascii_digits(lo) and (not sep or _ascii_digits(hi)):
            first, last = int(lo), int(hi) if sep else None
            if not 1 <= first <= 65535 or (last is not None and not first <= last <= 65535):
                raise PortError(f"port {port!r} is out of range 1-65535")
            return cls(proto or "TCP", first, last)
        # A name without a protocol takes the protocol the destination declares for it.
        return cls(proto, text)

    @property
    def is_all(self) -> bool:
        return self.protocol is None and self.port is None

    def connections(self, dst: Endpoint) -> ConnectionSet:
        """The connections to `dst` this query covers (a named port resolves on dst)."""
        if isinstance(self.port, str):
            out = ConnectionSet.none()
            for p in dst.ports:
                if p.name == self.port and self.protocol in (None, p.protocol):
                    out = out | ConnectionSet.of(p.protocol, p.port, p.port)
            return out
        if self.protocol is None:
            return ConnectionSet.all()
        if self.port is None:
            return ConnectionSet.of(self.protocol)
        return ConnectionSet.of(self.protocol, self.port, self.end_port or self.port)

    def describe(self) -> str:
        if isinstance(self.port, str):
            return f"{self.protocol} {self.port}" if self.protocol else f"port {self.port}"
        if self.protocol is None:
            return "any port"
        if self.port is None:
            return f"any {self.protocol} port"
        if self.end_port:
            return f"{self.protocol} {self.port}-{self.end_port}"
        return f"{self.protocol} {self.port}"


def _ascii_digits(text: str) -> bool:
    """Digits 0-9 only: str.isdigit() also accepts other scripts' digits ('٨٠'), which are no port number."""
    return text.isascii() and text.isdigit()
