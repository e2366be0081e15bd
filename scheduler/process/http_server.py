"""The HTTP server of the API: waitress for plain HTTP, cheroot when TLS is asked for.

waitress has no TLS. cheroot (CherryPy's WSGI server, maintained with it) is a threaded
pure-Python server like waitress, and its builtin adapter uses the standard `ssl` module,
so HTTPS needs no proxy in front and no compiled dependency.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

from flask import Flask

T = TypeVar("T")

THREADS = 16
# Threads added for open streams at most; streams beyond it hold pool threads.
MAX_STREAM_THREADS = 1024
ENVIRON_KEY = "dromos.stream_threads"


class StreamThreads:
    """One more server thread for each open stream (an event stream, a followed log).

    A threaded WSGI server writes a response from the thread that called the app, so a
    stream holds its thread as long as its client stays: a few browser tabs or event
    subscribers would take all THREADS and no request would be answered. Growing the pool
    by one while a stream is open keeps THREADS free for requests."""

    def __init__(self, resize: Callable[[int], None]) -> None:
        self._resize = resize
        self._lock = threading.Lock()
        self.open = 0

    def held(self, chunks: Iterable[T]) -> Iterator[T]:
        """`chunks`, with a thread added to the pool while they are written."""
        self._change(1)
        try:
            yield from chunks
        finally:
            self._change(-1)

    def _change(self, by: int) -> None:
        with self._lock:
            self.open += by
            self._resize(THREADS + min(self.open, MAX_STREAM_THREADS))


def held_stream(environ: dict[str, Any], chunks: Iterable[T]) -> Iterator[T]:
    """A long-lived response body: it does not take one of the threads answering requests
    (under a server that offers StreamThreads in the environ; as it is under others)."""
    streams: StreamThreads | None = environ.get(ENVIRON_KEY)
    return streams.held(chunks) if streams is not None else iter(chunks)


def _offering(app: Flask, streams: StreamThreads) -> Callable[..., Any]:
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ[ENVIRON_KEY] = streams
        return app(environ, start_response)

    return wsgi


class ApiServer(Protocol):
    port: int
    scheme: str

    def run(self) -> None: ...

    def close(self) -> None: ...


class _Waitress:
    scheme = "http"

    def __init__(self, app: Flask, host: str, port: int) -> None:
        import waitress

        # channel_request_lookahead: a streaming view sees its client leave
        # (environ waitress.client_disconnected), as log followers need.
        self.streams = StreamThreads(self._resize)
        self._server = waitress.create_server(_offering(app, self.streams), host=host,
                                              port=port, threads=THREADS, channel_timeout=3600,
                                              ident="dromos", channel_request_lookahead=1)
        self.port = int(self._server.effective_port)

    def _resize(self, count: int) -> None:
        # A thread stops once it is idle when the count goes down (waitress's dispatcher).
        self._server.task_dispatcher.set_thread_count(count)

    def run(self) -> None:
        self._server.run()

    def close(self) -> None:
        self._server.close()


class _CherootTls:
    scheme = "https"

    def __init__(self, app: Flask, host: str, port: int, cert: Path, key: Path) -> None:
        from cheroot.ssl.builtin import BuiltinSSLAdapter
        from cheroot.wsgi import Server

        self._threads = THREADS
        self.streams = StreamThreads(self._resize)
        self._server = Server((host, port), _offering(app, self.streams), numthreads=THREADS,
                              server_name="dromos")
        adapter = BuiltinSSLAdapter(str(cert), str(key))
        adapter.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self._server.ssl_adapter = adapter
        self._server.prepare()  # binds now, so the port is known before run()
        self.port = int(self._server.bind_addr[1])

    def _resize(self, count: int) -> None:
        change, self._threads = count - self._threads, count
        if change > 0:
            self._server.requests.grow(change)
        elif change < 0:
            self._server.requests.shrink(-change)  # an idle thread takes the request to stop

    def run(self) -> None:
        self._server.serve()

    def close(self) -> None:
        self._server.stop()


def create_server(
    app: Flask, host: str, port: int, tls_cert: Path | None = None, tls_key: Path | None = None
) -> ApiServer:
    """A bound server for `app`: HTTPS when a certificate and its key are given."""
    if tls_cert is not None and tls_key is not None:
        return _CherootTls(app, host, port, tls_cert, tls_key)
    return _Waitress(app, host, port)
