"""Real endpoints on 127.0.0.1 for health probes: HTTP, HTTPS (self-signed), TCP, and silence."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tls import self_signed_pair

HANG_S = 5.0


class StubServer(socketserver.ThreadingTCPServer):
    """Answers `GET /status/<code>` with that code (`/body/<code>` with a JSON body too),
    `/hang` never, `/slow` after 0.3 s.

    Counts the connections it holds at once (`peak`), for concurrency tests.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.port = self.server_address[1]
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.open = 0
        self.peak = 0
        self.requests = 0

    def enter(self) -> None:
        with self.lock:
            self.open += 1
            self.requests += 1
            self.peak = max(self.peak, self.open)

    def leave(self) -> None:
        with self.lock:
            self.open -= 1


class _Handler(socketserver.BaseRequestHandler):
    server: StubServer

    def handle(self) -> None:
        conn = self.request
        if self.server.tls is not None:
            try:
                conn = self.server.tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                return
        with contextlib.suppress(OSError):
            self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        request = conn.makefile("rb").readline().decode("latin-1")
        path = request.split(" ")[1] if request.count(" ") >= 2 else "/"
        # Held from the request until just before the answer: once the answer is out the
        # client may connect again before this thread gets to count down.
        self.server.enter()
        try:
            if path == "/hang":
                self.server.stopping.wait(HANG_S)
                return
            if path == "/slow":
                time.sleep(0.3)
        finally:
            self.server.leave()
        code = int(path.rsplit("/", 1)[1]) if path.startswith(("/status/", "/body/")) else 200
        body = f'{{"code": {code}}}' if path.startswith("/body/") else ""
        conn.sendall(f"HTTP/1.1 {code} Stub\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
                     .encode())


@contextlib.contextmanager
def serving(tls: ssl.SSLContext | None = None) -> Iterator[StubServer]:
    server = StubServer(tls)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def self_signed_context(directory: Path) -> ssl.SSLContext:
    """A server TLS context with a throwaway self-signed certificate for localhost."""
    cert_file, key_file = self_signed_pair(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


@pytest.fixture
def http_server() -> Iterator[StubServer]:
    with serving() as server:
        yield server


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[StubServer]:
    with serving(self_signed_context(tmp_path)) as server:
        yield server


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose accept queue is full: a new connect neither succeeds nor fails."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    for _ in range(8):  # the kernel admits backlog + 1; a few more make sure
        sock = socket.socket()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", port))
        fillers.append(sock)
    yield port
    for sock in fillers:
        sock.close()
    listener.close()
