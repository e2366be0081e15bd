"""Open event streams (a browser tab each, marathon-lb, scripts) never starve the API:
each holds a server thread for as long as it is open, and the server adds one per stream."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import requests

from scheduler.process.http_server import THREADS
from tests.support.dev import Dev

STREAMS = 3 * THREADS
Lines = Iterator[bytes]


@contextlib.contextmanager
def event_streams(dev: Dev, count: int) -> Iterator[list[tuple[requests.Response, Lines]]]:
    """`count` /v2/events clients, each attached (it read the stream's first line)."""
    with contextlib.ExitStack() as open_streams:
        streams = []
        for _ in range(count):
            stream = open_streams.enter_context(requests.get(
                dev.url + "/v2/events", headers={"Accept": "text/event-stream"}, stream=True,
                timeout=30))
            assert stream.status_code == 200
            lines = stream.iter_lines()  # kept: a dropped line iterator closes its connection
            assert next(lines) == b": attached"
            streams.append((stream, lines))
        yield streams


def hears(lines: Lines, event_type: bytes) -> bool:
    """Reads on until an event of `event_type`; False if the stream ends first."""
    return any(line == b"event: " + event_type for line in lines)


def test_more_event_streams_than_server_threads_leave_the_api_answering(dev: Dev) -> None:
    with event_streams(dev, STREAMS) as streams:
        assert requests.get(dev.url + "/ping", timeout=10).text == "pong"
        assert requests.get(dev.url + "/v2/apps", timeout=10).json() == {"apps": []}
        response = requests.post(dev.url + "/v2/apps", timeout=10, json={
            "id": "/while-watched", "cmd": "sleep 600", "cpus": 0.01, "mem": 16})
        assert response.status_code == 201, response.text
        # Every stream is live: each hears of the new app (after others' attach events).
        assert all(hears(lines, b"api_post_event") for _, lines in streams)
    # Closed streams give their threads back: the API answers as many streams again.
    with event_streams(dev, STREAMS):
        assert requests.get(dev.url + "/v2/apps/while-watched", timeout=10).ok

