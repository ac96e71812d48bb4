"""Which (protocol, port or port name) a question is about: one type for every query and engine.

`can`/`matrix`/`paths` (--port, --protocol), the assertions' `ports` (`443/TCP`), the SMT engine's
port terms and the path checks' unions of ports all describe their ports with a PortSelection.

Invariants:
- protocol None selects every protocol and every port (whatever `port` says is not consulted by the
  SMT engine, and a query without a protocol has no port number: `parse` gives TCP to a number);
- `port` is a number (the first of a range), a port name (resolved on the destination: the
  containerPort of that name, with the protocol asked for if any), or None: every port of `protocol`;
- `end_port` is the last port of a range, None for a single port (`of_range` stores a range of one
  port as that port; `parse` keeps `80-80` as written, and the CLI echoes it so).

Two spellings, both kept as the reports print them: `describe()` as the CLI reads it ("TCP 80",
"TCP 8000-8080", "port http") and `describe_port_protocol()` as assertion files write it ("80/TCP",
"8000-8080/TCP", "http/TCP").
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.errors import UsageError
from netverify.semantics.endpoints import Endpoint
from netverify.sets import MAX_PORT, MIN_PORT, PROTOCOLS, ConnectionSet


class PortError(UsageError):
    """A --port/--protocol that names no port, or a port name no destination declares."""


@dataclass(frozen=True)
class PortSelection:
    protocol: str | None = None  # None: any protocol
    port: int | str | None = None  # None: any port
    end_port: int | None = None

    @classmethod
    def of_range(cls, protocol: str, first: int, last: int) -> PortSelection:
        """Ports first-last of `protocol`; a range of one port is that port."""
        return cls(protocol, first, last if last != first else None)

    @classmethod
    def named_port(cls, protocol: str | None, name: str) -> PortSelection:
        """The destination's port called `name` (with `protocol`; None: the protocol it declares)."""
        return cls(protocol, name)

    @classmethod
    def parse(cls, port: str | None, protocol: str | None) -> PortSelection:
        """--port (`80`, `8000-8080`, `http`, `53/UDP`) and --protocol as the CLI reads them."""
        proto = protocol.upper() if protocol else None
        if proto is not None and proto not in PROTOCOLS:
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
        if ascii_digits(lo) and (not sep or ascii_digits(hi)):
            first, last = int(lo), int(hi) if sep else None
            if not MIN_PORT <= first <= MAX_PORT or (last is not None and not first <= last <= MAX_PORT):
                raise PortError(f"port {port!r} is out of range 1-65535")
            # `80-80` is the port 80: one form per selection, so that it reads "TCP 80" everywhere.
            return cls(proto or "TCP", first, None if last == first else last)
        # A name without a protocol takes the protocol the destination declares for it.
        return cls(proto, text)

    @property
    def is_all(self) -> bool:
        return self.protocol is None and self.port is None

    @property
    def name(self) -> str | None:
        """The port name asked about, None for numbers and whole protocols."""
        return self.port if isinstance(self.port, str) else None

    @property
    def lo(self) -> int:
        """The first port number selected (1 for a name or a whole protocol)."""
        return self.port if isinstance(self.port, int) else MIN_PORT

    @property
    def hi(self) -> int:
        """The last port number selected (65535 for a name or a whole protocol)."""
        if isinstance(self.port, int):
            return self.end_port or self.port
        return MAX_PORT

    def connections(self, dst: Endpoint) -> ConnectionSet:
        """The connections to `dst` this selection covers (a named port resolves on dst)."""
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
        """As the CLI reads it: `TCP 80`, `TCP 8000-8080`, `any UDP port`, `port http`, `any port`."""
        if isinstance(self.port, str):
            return f"{self.protocol} {self.port}" if self.protocol else f"port {self.port}"
        if self.protocol is None:
            return "any port"
        if self.port is None:
            return f"any {self.protocol} port"
        if self.end_port:
            return f"{self.protocol} {self.port}-{self.end_port}"
        return f"{self.protocol} {self.port}"

    def describe_port_protocol(self) -> str:
        """As assertion files write it: `80/TCP`, `8000-8080/TCP`, `http/TCP`, `any UDP port`, `any port`."""
        if self.protocol is None:
            return "any port"
        if self.name is not None:
            return f"{self.name}/{self.protocol}"
        if (self.lo, self.hi) == (MIN_PORT, MAX_PORT):
            return f"any {self.protocol} port"
        if self.lo == self.hi:
            return f"{self.lo}/{self.protocol}"
        return f"{self.lo}-{self.hi}/{self.protocol}"


def ascii_digits(text: str) -> bool:
    """Digits 0-9 only: str.isdigit() also accepts other scripts' digits ('٨٠'), which are no port number."""
    return text.isascii() and text.isdigit()
