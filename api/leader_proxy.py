"""Every instance serves the whole API: the leader itself, a standby by proxying to it.

A standby answers /ping, /v2/info, the leader endpoints and /metrics itself (they are about
this instance) and forwards everything else, streams included, to the leader. Every answer
names the instance that produced it in Marathon's `X-Marathon-Leader` header.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import requests
import urllib3

from scheduler.leadership.service import ElectionService

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


class LeaderRouter:
    def __init__(self, election: ElectionService, standby: Wsgi,
                 leader_app: Callable[[float], Wsgi | None]) -> None:
        self._election = election
        self._standby = standby
        self._leader_app = leader_app  # the full app once this instance leads (waits)
        self._session = requests.Session()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        local = path.rstrip("/") in LOCAL_PATHS and not (path.startswith("/v2/leader")
                                                          and method == "DELETE")
        leader = self._election.leader()
        if leader == self._election.instance:
            app = self._leader_app(STARTING_WAIT_S)
            if app is not None:
                return app(environ, _naming(start_response, leader))
        if local:
            return self._standby(environ, _naming(start_response, leader))
        if leader is None or leader == self._election.instance or VIA in _http(environ):
            return _error(start_response, 503, "Could not determine the current leader")
        return self._proxy(environ, start_response, leader)

    def _proxy(self, environ: dict[str, Any], start_response: Callable[..., Any],
               leader: str) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        url = f"http://{leader}{path}" + (f"?{query}" if query else "")
        headers = {k: v for k, v in _http(environ).items() if k.lower() not in HOP_BY_HOP}
        headers[VIA] = f"1.1 {self._election.instance}"
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        stream = path.startswith(STREAMS)
        try:
            answer = self._session.request(
                environ["REQUEST_METHOD"], url, headers=headers, data=body, stream=True,
                allow_redirects=False, timeout=(2.0, None if stream else 120.0),
            )
        except requests.RequestException:
            return _error(start_response, 503, f"Could not reach the leader {leader}")
        start_response(f"{answer.status_code} {answer.reason}", [
            (k, v) for k, v in answer.raw.headers.items() if k.lower() not in HOP_BY_HOP
        ])
        return _relay(answer)


def _relay(answer: requests.Response) -> Iterator[bytes]:
    try:
        yield from answer.raw.stream(8192, decode_content=False)
    except (urllib3.exceptions.HTTPError, OSError):
        log.info("the leader ended the answer early (it stopped?)")
    finally:
        answer.close()


def _http(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers, as the client sent them."""
    headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items()
               if k.startswith("HTTP_")}
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = environ[key]
    return headers


def _naming(start_response: Callable[..., Any], leader: str | None) -> Callable[..., Any]:
    def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
        if leader is not None:
            headers = [*headers, ("X-Marathon-Leader", f"http://{leader}")]
        return start_response(status, headers, *rest)
    return start


def _error(start_response: Callable[..., Any], status: int, message: str) -> list[bytes]:
    body = json.dumps({"message": message}).encode()
    start_response(f"{status} Service Unavailable", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
