"""The Consul HTTP API subset clients read, served from a `CatalogState`, with blocking queries.

The index (X-Consul-Index) counts catalog changes from 1; a request with `?index=N`
waits until the index passes N or `wait` (default 5 min, at most 10) runs out, then
answers with the current body either way, as Consul does.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from discovery.consul_catalog import Entry, Service, catalog_entry, passing

MAX_WAIT_S = 600.0
DEFAULT_WAIT_S = 300.0
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_wait(text: str | None) -> float:
    found = _DURATION.match(text or "")
    if not found:
        return DEFAULT_WAIT_S
    return min(MAX_WAIT_S, float(found.group(1)) * _UNITS[found.group(2)])


class CatalogState:
    """The catalog clients see, its index, and the waiting of blocking queries.

    Changes arrive per service; readers build their answers under the same lock.
    """

    def __init__(self, datacenter: str, node: str) -> None:
        self.datacenter = datacenter
        self.node = node
        self.services: dict[str, Sequence[Entry]] = {}
        self.tags: dict[str, Sequence[str]] = {}
        self.index = 1
        self.lock = threading.Condition()

    def apply(self, changes: Mapping[str, Service | None]) -> None:
        """Take changed services (None: gone); the index moves when any really changed."""
        with self.lock:
            moved = False
            for name, service in changes.items():
                now = (self.services.get(name), self.tags.get(name))
                if service is None:
                    moved |= now != (None, None)
                    self.services.pop(name, None)
                    self.tags.pop(name, None)
                elif now != service:
                    moved = True
                    self.services[name], self.tags[name] = service
            if moved:
                self.index += 1
                self.lock.notify_all()

    def wait(self, index: int, timeout_s: float) -> None:
        """Until the index is not `index` (Consul answers a stale one at once) or time is up;
        call holding `lock`."""
        self.lock.wait_for(lambda: self.index != index, timeout_s)


def _filter_tags(entries: list[dict[str, Any]], wanted: list[str]) -> list[dict[str, Any]]:
    return [e for e in entries if all(t in e["Service"]["Tags"] for t in wanted)]


def answer(state: CatalogState, path: str, query: dict[str, list[str]]) -> (
    tuple[int, Any, int]
):
    """(status, body, index) of one GET; blocking when `index` is given. The body and its
    index are read together, so a client waiting on that index misses no change."""
    asked = query.get("index", ["0"])[0]
    index = int(asked) if asked.isdigit() else 0
    with state.lock:
        if index and path.startswith(("/v1/catalog/", "/v1/health/")):
            state.wait(index, parse_wait(query.get("wait", [None])[0]))
        status, body = _read(state, path, query)
        return status, body, state.index


def _read(state: CatalogState, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    if path == "/v1/agent/self":
        return 200, _agent_self(state)
    if path == "/v1/status/leader":
        return 200, "127.0.0.1:8300"
    if path == "/v1/catalog/services":
        return 200, {name: list(tags) for name, tags in sorted(state.tags.items())}
    tags = query.get("tag", [])
    for prefix, health in (("/v1/catalog/service/", False), ("/v1/health/service/", True)):
        if path.startswith(prefix):
            name = unquote(path[len(prefix):])
            entries = _filter_tags(list(state.services.get(name, ())), tags)
            if not health:
                return 200, [catalog_entry(e) for e in entries]
            if "passing" in query and query["passing"][0].lower() not in ("0", "false"):
                entries = [e for e in entries if passing(e)]
            return 200, entries
    return 404, f"Invalid URL path: {path} (this catalog is read-only)"


def _agent_self(state: CatalogState) -> dict[str, Any]:
    config = {"Datacenter": state.datacenter, "NodeName": state.node, "NodeID": "",
              "Server": True, "Revision": "dromos", "Version": "1.13.0"}
    member = {"Name": state.node, "Addr": "127.0.0.1", "Port": 8301, "Status": 1,
              "Tags": {"dc": state.datacenter, "role": "consul"}}
    return {"Config": config, "DebugConfig": {}, "Coord": None, "Member": member,
            "Meta": {}}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        status, body, index = answer(self.server.state, parts.path, query)
        data = (json.dumps(body) if status == 200 else str(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Consul-Index", str(index))
        self.send_header("X-Consul-KnownLeader", "true")
        self.send_header("X-Consul-LastContact", "0")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: CatalogState


class ConsulServer:
    def __init__(self, state: CatalogState, host: str, port: int) -> None:
        self.httpd = _Server((host, port), _Handler)
        self.httpd.state = state
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="consul",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
