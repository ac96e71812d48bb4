"""A total time limit on each request to a live API server, headers and body alike.

urllib3's timeouts bound each socket read, not a request: a server (or a proxy in front of it) that
drips its status line, its headers or its body a byte at a time, each within the read timeout, would
hold netverify forever. A `RequestWatch` sees the sockets of one API client's connections (its pools
make their connections through the subclasses installed here) and, while a request runs under
`limit(seconds)`, a timer shuts those sockets down when the time is up: the blocked read returns at
once, the request fails, and `expired` tells the caller that it was the clock, not the server.

No global state: each watch belongs to one client (one `_Reader`), and the library's own classes are
subclassed, never patched.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from collections.abc import Iterator
from typing import Any


class RequestWatch:
    """The live sockets of one client's connection pools, and a per-request deadline over them."""

    def __init__(self) -> None:
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.expired = False

    def install(self, pool_manager: Any) -> None:
        """Make `pool_manager` (the client's urllib3 PoolManager, ProxyManager or SOCKSProxyManager) build
        connections this watch sees: each of its pool classes is subclassed with a connection class that
        is its own, subclassed to report the socket it connects (a proxy's connections stay the proxy's)."""
        watch = self

        def watched(pool_class: Any) -> Any:
            base = pool_class.ConnectionCls

            def connect(conn: Any) -> None:
                base.connect(conn)
                watch.add(conn.sock)

            connection = type(f"Watched{base.__name__}", (base,), {"connect": connect})
            return type(f"Watched{pool_class.__name__}", (pool_class,), {"ConnectionCls": connection})

        pool_manager.clear()  # connections made before would not be seen
        pool_manager.pool_classes_by_scheme = {
            scheme: watched(cls) for scheme, cls in pool_manager.pool_classes_by_scheme.items()}

    def add(self, sock: Any) -> None:
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.add(sock)

    @contextlib.contextmanager
    def limit(self, seconds: float) -> Iterator[None]:
        """Run the body (one request, its body read included) with at most `seconds` for it."""
        self.expired = False
        timer = threading.Timer(seconds, self._expire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                # the plain socket's shutdown, under TLS too: it wakes a read blocked in another thread at once
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
