"""The total time of one HTTP request (loaders/deadline.py), on a real socket: a server that drips its
headers is ended by the watch, a quick one is not, and a client's own connection classes (a proxy's)
are kept under the watch."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import urllib3
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool

from netverify.loaders.deadline import RequestWatch


@pytest.fixture
def dripping_server() -> Iterator[str]:
    """Answers each connection with a status line and headers that never end, a byte every 20 ms."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            data = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10_000
            for i in range(len(data)):
                if stop.wait(0.02):
                    return
                try:
                    conn.sendall(data[i:i + 1])
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    stop.set()
    thread.join()
    listener.close()


def test_a_request_whose_headers_never_end_is_ended_by_the_watch(dripping_server: str) -> None:
    pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=5))
    watch = RequestWatch()
    watch.install(pool)
    outcome: list[object] = []

    def request() -> None:
        try:
            with watch.limit(0.5):
                outcome.append(pool.request("GET", dripping_server))
        except Exception as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    worker = threading.Thread(target=request, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the request was not ended"
    # Each byte came within the 5 s read timeout: only the watch ended it. The cut answer may fail or
    # come back truncated (http.client reads headers up to the end of the stream); `expired` says which
    # it was, and the cluster reader refuses the answer then (test_robustness_credentials.py).
    assert outcome and watch.expired


def test_the_watch_keeps_a_clients_own_connection_classes() -> None:
    class ProxiedConnection(HTTPConnection):
        pass

    class ProxiedPool(HTTPConnectionPool):
        ConnectionCls = ProxiedConnection

    pool = urllib3.PoolManager()
    pool.pool_classes_by_scheme = {"http": ProxiedPool}
    RequestWatch().install(pool)
    watched = pool.pool_classes_by_scheme["http"]
    assert issubclass(watched, ProxiedPool) and issubclass(watched.ConnectionCls, ProxiedConnection)


def test_a_quick_request_is_not_ended() -> None:
    listener = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    threading.Thread(target=answer, daemon=True).start()
    pool = urllib3.PoolManager(retries=False)
    watch = RequestWatch()
    watch.install(pool)
    with watch.limit(30):
        response = pool.request("GET", f"http://127.0.0.1:{listener.getsockname()[1]}/")
    listener.close()
    assert response.data == b"ok" and not watch.expired
