"""Every instance serves the whole API: the leader itself, a standby by proxying to it.

A standby answers /ping, /v2/info, the leader endpoints and /metrics itself (they are about
this instance) and forwards everything else, streams included, to the leader. Every answer
names the instance that produced it in Marathon's `X-Marathon-Leader` header.

Each instance serves HTTP or HTTPS as it was told, and the election names the leader with
its scheme (stored with its lease), so a standby reaches the leader in the leader's own:
over HTTPS trusting the certificate authorities it was given (`--tls-ca`, else the
system's), whatever it serves itself.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

import requests
import urllib3

from scheduler.base.events import iso_timestamp
from scheduler.leadership.service import ElectionService, host_port
from scheduler.process.http_server import held_stream, stream_closing, when_streams_close

log = logging.getLogger(__name__)

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

LOCAL_PATHS = ("/ping", "/v2/info", "/v2/leader", "/leader", "/metrics")
VIA = "X-Marathon-Via"
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailers", "transfer-encoding", "upgrade", "host", "content-length",
})
STARTING_WAIT_S = 15.0
STREAMS = ("/v2/events",)
FOLLOW_WAIT_S = 60.0  # how long a followed event stream waits for the next leader


class LeaderRouter:
    def __init__(self, election: ElectionService, standby: Wsgi,
                 leader_app: Callable[[float], Wsgi | None], trust: str | bool = True
                 ) -> None:
        self._election = election
        self._standby = standby
        self._leader_app = leader_app  # the full app once this instance leads (waits)
        self._me = f"{election.scheme}://{election.instance}"
        self._session = requests.Session()
        # Given with each request: a session's own `verify` loses to REQUESTS_CA_BUNDLE.
        self._trust = trust  # a CA bundle's path, or True: the system's

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        local = path.rstrip("/") in LOCAL_PATHS and not (path.startswith("/v2/leader")
                                                          and method == "DELETE")
        leader = self._election.leader_url()
        if leader == self._me:
            app = self._leader_app(STARTING_WAIT_S)
            if app is not None:
                return app(environ, self._naming(start_response, leader))
        if local:
            return self._standby(environ, self._naming(start_response, leader))
        if leader is None or leader == self._me or VIA in _http(environ):
            return _error(start_response, 503, "Could not determine the current leader")
        return self._proxy(environ, start_response, leader)

    def _proxy(self, environ: dict[str, Any], start_response: Callable[..., Any],
               leader: str) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        url = f"{leader}{path}" + (f"?{query}" if query else "")
        headers = {k: v for k, v in _http(environ).items() if k.lower() not in HOP_BY_HOP}
        headers[VIA] = f"1.1 {self._election.instance}"
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        stream = path.startswith(STREAMS)
        try:
            answer = self._session.request(
                environ["REQUEST_METHOD"], url, headers=headers, data=body, stream=True,
                allow_redirects=False, timeout=(2.0, None if stream else 120.0),
                verify=self._trust,
            )
        except requests.RequestException as error:
            log.warning("could not reach the leader %s: %s", leader, error)
            return _error(start_response, 503, f"Could not reach the leader {leader}")
        start_response(f"{answer.status_code} {answer.reason}", [
            (k, v) for k, v in answer.raw.headers.items() if k.lower() not in HOP_BY_HOP
        ])
        if stream and answer.ok:
            return held_stream(environ, self._follow(environ, answer, leader, headers))
        return _relay(answer)

    def _follow(self, environ: dict[str, Any], answer: requests.Response, leader: str,
                headers: dict[str, str]) -> Iterator[bytes]:
        """An event stream through a standby outlives the leader: when the leader's stream
        ends, say who leads now and go on with the new leader's stream. It ends at once
        when this instance stops."""
        query = environ.get("QUERY_STRING", "")
        url = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        wanted = parse_qs(query).get("event_type")
        closing, relayed = stream_closing(environ), [answer]
        forget = when_streams_close(environ, lambda: _cut(relayed[0]))
        try:
            while not closing.is_set():
                yield from _relay(relayed[0])
                new = self._next_leader(leader, closing)
                if new is None:
                    return
                if not wanted or "leader_elected_event" in wanted:
                    yield _event("leader_elected_event", leader=host_port(new),
                                 previousLeader=host_port(leader))
                if new == self._me:  # this instance leads now: its own stream
                    app = self._leader_app(STARTING_WAIT_S)
                    if app is not None:
                        yield from app(dict(environ), lambda *_: None)
                    return
                try:
                    relayed[0] = self._session.get(
                        f"{new}{url}", headers=headers, stream=True,
                        timeout=(2.0, None), verify=self._trust)
                except requests.RequestException:
                    return
                if not relayed[0].ok:
                    relayed[0].close()
                    return
                leader = new
        finally:
            forget()

    def _next_leader(self, old: str, closing: threading.Event) -> str | None:
        """The leader after `old`, once one leads; None if none does in time, or when this
        instance stops first."""
        deadline = time.monotonic() + FOLLOW_WAIT_S
        while time.monotonic() < deadline and not closing.is_set():
            leader = self._election.leader_url()
            if leader is not None and leader != old:
                return leader
            closing.wait(0.1)
        return None

    def _naming(self, start_response: Callable[..., Any], leader: str | None
                ) -> Callable[..., Any]:
        def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            if leader is not None:
                headers = [*headers, ("X-Marathon-Leader", leader)]
            return start_response(status, headers, *rest)
        return start


def _cut(answer: requests.Response) -> None:
    """Wake the thread reading `answer` (closing it from another thread would leave the
    read blocked): shut its socket down for reading, so the read ends at once."""
    raw: Any = answer.raw  # the urllib3 1.26 stubs mypy reads predate shutdown()
    with contextlib.suppress(ValueError, RuntimeError, OSError):  # released or closed
        raw.shutdown()


def _relay(answer: requests.Response) -> Iterator[bytes]:
    try:
        yield from answer.raw.stream(8192, decode_content=False)
    except (urllib3.exceptions.HTTPError, OSError):
        log.info("the leader ended the answer early (it stopped?)")
    finally:
        answer.close()


def _event(event_type: str, **fields: str) -> bytes:
    event = {"eventType": event_type, "timestamp": iso_timestamp(time.time()), **fields}
    return f"event: {event_type}\ndata: {json.dumps(event)}\n\n".encode()


def _http(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers, as the client sent them."""
    headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items()
               if k.startswith("HTTP_")}
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = environ[key]
    return headers


def _error(start_response: Callable[..., Any], status: int, message: str) -> list[bytes]:
    body = json.dumps({"message": message}).encode()
    start_response(f"{status} Service Unavailable", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
