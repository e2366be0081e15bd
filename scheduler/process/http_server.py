"""The HTTP server of the API: waitress for plain HTTP, cheroot when TLS is asked for.

waitress has no TLS. cheroot (CherryPy's WSGI server, maintained with it) is a threaded
pure-Python server like waitress, and its builtin adapter uses the standard `ssl` module,
so HTTPS needs no proxy in front and no compiled dependency.
"""

from __future__ import annotations

import logging
import ssl
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

from flask import Flask

T = TypeVar("T")
log = logging.getLogger(__name__)

THREADS = 16
# Threads added for open streams at most; streams beyond it hold pool threads.
MAX_STREAM_THREADS = 1024
ENVIRON_KEY = "dromos.stream_threads"
# Set by held_stream: this response's status line and headers go out before its first chunk.
HEADERS_AT_ONCE = "dromos.headers_at_once"


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
        self.closing = threading.Event()
        self._on_close: set[Callable[[], None]] = set()

    def held(self, chunks: Iterable[T]) -> Iterator[T]:
        """`chunks`, with a thread added to the pool while they are written."""
        if self.closing.is_set():
            return
        self._change(1)
        try:
            yield from chunks
        finally:
            self._change(-1)

    def _change(self, by: int) -> None:
        with self._lock:
            self.open += by
            if not self.closing.is_set():  # else the server, stopping, takes the pool to 0
                self._resize(THREADS + min(self.open, MAX_STREAM_THREADS))

    def when_closing(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` when the streams are closed (now, if they are); returns what
        forgets it, for a stream that ends first."""
        with self._lock:
            closed = self.closing.is_set()
            if not closed:
                self._on_close.add(callback)
        if closed:
            callback()
        return lambda: self._forget(callback)

    def _forget(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._on_close.discard(callback)

    def close(self) -> None:
        """End every stream, before the server stops: the server waits for the threads that
        write them (waitress 5 s, then a warning), and their clients see them end."""
        with self._lock:
            self.closing.set()
            callbacks = list(self._on_close)
        for callback in callbacks:
            callback()


def held_stream(environ: dict[str, Any], chunks: Iterable[T]) -> Iterator[T]:
    """A long-lived response body: it does not take one of the threads answering requests
    (under a server that offers StreamThreads in the environ; as it is under others), and
    its headers are sent at once, however long its first chunk takes."""
    environ[HEADERS_AT_ONCE] = True
    streams: StreamThreads | None = environ.get(ENVIRON_KEY)
    return streams.held(chunks) if streams is not None else iter(chunks)


def stream_closing(environ: dict[str, Any]) -> threading.Event:
    """Set when the server ends its streams to stop (never, under another server)."""
    streams: StreamThreads | None = environ.get(ENVIRON_KEY)
    return streams.closing if streams is not None else threading.Event()


def when_streams_close(environ: dict[str, Any], callback: Callable[[], None]
                       ) -> Callable[[], None]:
    """Call `callback` when the server ends its streams to stop (never, under another
    server); returns what forgets it."""
    streams: StreamThreads | None = environ.get(ENVIRON_KEY)
    return streams.when_closing(callback) if streams is not None else lambda: None


def _offering(app: Flask, streams: StreamThreads) -> Callable[..., Any]:
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ[ENVIRON_KEY] = streams
        writes: list[Callable[[bytes], Any]] = []

        def starting(*args: Any) -> Any:
            writes.append(start_response(*args))
            return writes[-1]

        body = app(environ, starting)
        if environ.get(HEADERS_AT_ONCE) and writes:
            # waitress and cheroot send the headers with the first non-empty chunk (PEP
            # 3333) and skip empty ones, so a stream whose first data is long in coming (a
            # silent task's log) would leave its client waiting for a status line; PEP
            # 3333's write() sends them at once, even with nothing to write (both servers).
            try:
                writes[-1](b"")
            except BaseException:
                getattr(body, "close", lambda: None)()
                raise
        return body

    return wsgi


class ApiServer(Protocol):
    port: int
    scheme: str
    streams: StreamThreads

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
        self._loop: threading.Thread | None = None

    def _resize(self, count: int) -> None:
        # A thread stops once it is idle when the count goes down (waitress's dispatcher).
        self._server.task_dispatcher.set_thread_count(count)

    def run(self) -> None:
        self._loop = threading.current_thread()
        try:
            self._server.run()
        finally:
            self._loop = None

    def close(self) -> None:
        """Stop serving. From a thread other than the loop's, the loop is asked to close its
        sockets itself: closed under the select() it waits in, they fail it with EBADF."""
        if self._loop is None or self._loop is threading.current_thread():
            self._server.close()
        else:
            self._server.trigger.pull_trigger(self._close_all)

    def _close_all(self) -> None:
        from waitress import wasyncore

        # The listener, the trigger and every open channel: the loop ends with its map empty.
        wasyncore.close_all(self._server._map)


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
        self._server.error_log = _cheroot_error_log  # type: ignore[method-assign]
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


def _cheroot_error_log(msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
    """cheroot's error log, written to ours. A client gone in the middle of its answer (an
    event stream's reader leaving: an SSL EOF, a reset, a broken pipe on the next write) is
    how streams end, not an error: cheroot printed a traceback on stderr for each."""
    if isinstance(sys.exc_info()[1], ssl.SSLEOFError | ConnectionError):
        log.debug("a client left: %s", msg)
        return
    log.log(level, "%s", msg, exc_info=traceback)


def create_server(
    app: Flask, host: str, port: int, tls_cert: Path | None = None, tls_key: Path | None = None
) -> ApiServer:
    """A bound server for `app`: HTTPS when a certificate and its key are given."""
    if tls_cert is not None and tls_key is not None:
        return _CherootTls(app, host, port, tls_cert, tls_key)
    return _Waitress(app, host, port)
