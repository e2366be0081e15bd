"""The API's servers (waitress for HTTP, cheroot for HTTPS) add a thread per open stream,
so more streams than THREADS leave requests answered, and closed streams give theirs back;
a stream's headers go out before its first data, and closing the streams ends them."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask, Response, request

from scheduler.process.http_server import (
    THREADS,
    ApiServer,
    StreamThreads,
    create_server,
    held_stream,
    stream_closing,
    when_streams_close,
)
from tests.support.localmesos import reserved_ports
from tests.support.tls import self_signed_pair

# A server stopped from another thread must not die of it (waitress's loop once did, EBADF).
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

STREAMS = 2 * THREADS


def streaming_app(release: threading.Event) -> Flask:
    app = Flask(__name__)

    def body() -> Iterator[str]:
        yield "open\n"
        release.wait(60)

    @app.get("/stream")
    def stream() -> Response:
        return Response(held_stream(request.environ, body()), mimetype="text/plain")

    def silent(closing: threading.Event) -> Iterator[str]:
        if release.wait(60) and not closing.is_set():
            yield "late\n"

    @app.get("/silent")
    def silent_stream() -> Response:
        when_streams_close(request.environ, release.set)
        body = silent(stream_closing(request.environ))
        return Response(held_stream(request.environ, body), mimetype="text/plain")

    @app.get("/ping")
    def ping() -> str:
        return "pong"

    return app


@contextlib.contextmanager
def serving(tmp_path: Path, tls: bool, release: threading.Event
            ) -> Iterator[tuple[str, ApiServer, str | bool]]:
    """The server's URL, the server, and what verifies its certificate."""
    cert, key = self_signed_pair(tmp_path) if tls else (None, None)
    with reserved_ports(1) as (port,):
        server = create_server(streaming_app(release), "127.0.0.1", port, cert, key)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            yield f"{server.scheme}://127.0.0.1:{port}", server, str(cert) if cert else True
        finally:
            release.set()
            server.close()
            thread.join(5)
            assert not thread.is_alive(), "the server did not stop"


@pytest.mark.parametrize("tls", [False, True], ids=["waitress", "cheroot-tls"])
def test_streams_beyond_the_thread_count_leave_requests_answered(tmp_path: Path,
                                                                 tls: bool) -> None:
    release = threading.Event()
    with serving(tmp_path, tls, release) as (url, server, verify), \
            requests.Session() as session:
        opened = []
        for _ in range(STREAMS):
            response = session.get(url + "/stream", stream=True, timeout=10, verify=verify)
            assert response.raw.readline() == b"open\n"
            opened.append(response)
        assert session.get(url + "/ping", timeout=10, verify=verify).text == "pong"
        streams = server.streams  # type: ignore[attr-defined]
        assert streams.open == STREAMS
        release.set()
        for response in opened:
            response.close()
        deadline = time.monotonic() + 10
        while streams.open and time.monotonic() < deadline:
            time.sleep(0.05)
        assert streams.open == 0
        assert session.get(url + "/ping", timeout=10, verify=verify).text == "pong"


@pytest.mark.parametrize("tls", [False, True], ids=["waitress", "cheroot-tls"])
def test_a_streams_headers_come_before_its_first_data(tmp_path: Path, tls: bool) -> None:
    release = threading.Event()
    with serving(tmp_path, tls, release) as (url, _server, verify):
        # Before its first data, as a log follower of a task that prints nothing yet.
        response = requests.get(url + "/silent", stream=True, timeout=2, verify=verify)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        release.set()
        assert response.raw.read() == b"late\n"


@pytest.mark.parametrize("tls", [False, True], ids=["waitress", "cheroot-tls"])
def test_closing_the_streams_ends_them_and_opens_no_more(tmp_path: Path, tls: bool) -> None:
    release = threading.Event()
    with serving(tmp_path, tls, release) as (url, server, verify):
        with requests.get(url + "/silent", stream=True, timeout=2, verify=verify) as response:
            server.streams.close()
            assert response.raw.read() == b""  # ended, within the read timeout
        with requests.get(url + "/silent", stream=True, timeout=2, verify=verify) as response:
            assert response.raw.read() == b""


def test_a_stream_that_ended_is_not_called_back_and_a_late_one_is_at_once() -> None:
    streams = StreamThreads(lambda _count: None)
    called: list[str] = []
    streams.when_closing(lambda: called.append("ended first"))()  # given, then forgotten
    streams.when_closing(lambda: called.append("open"))
    streams.close()
    assert called == ["open"]
    streams.when_closing(lambda: called.append("late"))
    assert called == ["open", "late"]
