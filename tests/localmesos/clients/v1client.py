"""An independent Mesos v1 scheduler client for tests: raw HTTP and RecordIO parsing.

It deliberately shares no code with localmesos (not even its RecordIO module).
"""

from __future__ import annotations

import base64
import getpass
import http.client
import json
import socket
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

import requests

from tests.localmesos.clients.inbox import WAIT_S, Event, Inbox


def parse_records(buffer: bytearray) -> list[Event]:
    """Cut complete `<length>\\n<json>` records off the front of `buffer`."""
    events = []
    while (newline := buffer.find(b"\n")) >= 0:
        end = newline + 1 + int(buffer[:newline])
        if len(buffer) < end:
            break
        events.append(json.loads(buffer[newline + 1 : end]))
        del buffer[:end]
    return events


def open_stream(
    host: str, port: int, path: str, body: dict[str, Any]
) -> tuple[socket.socket, http.client.HTTPResponse, Inbox]:
    """POST a SUBSCRIBE; a reader thread parses the chunked RecordIO reply into an inbox."""
    connection = http.client.HTTPConnection(host, port, timeout=WAIT_S)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    connection.request("POST", path, body=json.dumps(body), headers=headers)
    sock = connection.sock
    response = connection.getresponse()
    assert response.status == 200, response.read()
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Content-Length") is None
    inbox = Inbox(ignored=lambda e: e["type"] == "HEARTBEAT")
    threading.Thread(target=_read, args=(response, inbox), daemon=True).start()
    return sock, response, inbox


def _read(response: http.client.HTTPResponse, inbox: Inbox) -> None:
    buffer = bytearray()
    try:
        while chunk := response.read1(65536):
            buffer += chunk
            for event in parse_records(buffer):
                inbox.put(event)
    except (OSError, http.client.HTTPException, ValueError):
        pass
    inbox.close()


class V1Scheduler:
    """One framework's subscription; events are collected by a reader thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.framework_id: str | None = None
        self.stream_id: str | None = None
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 5050
        self._socket: socket.socket | None = None
        self.inbox = Inbox(ignored=lambda e: e["type"] == "HEARTBEAT")

    def subscribe(self, name: str = "test", **info: Any) -> Event:
        """SUBSCRIBE (re-subscribe if `info` has an id); returns the first event."""
        framework = {"user": getpass.getuser(), "name": name, **info}
        body: dict[str, Any] = {"type": "SUBSCRIBE", "subscribe": {"framework_info": framework}}
        if "id" in info:
            body["framework_id"] = info["id"]
        self._socket, response, self.inbox = open_stream(
            self.host, self.port, "/api/v1/scheduler", body
        )
        self.stream_id = response.getheader("Mesos-Stream-Id")
        first = self.inbox.next()
        if first["type"] == "SUBSCRIBED":
            self.framework_id = first["subscribed"]["framework_id"]["value"]
        return first

    @property
    def events(self) -> list[Event]:
        return self.inbox.events

    def next_event(self, timeout: float = WAIT_S) -> Event:
        return self.inbox.next(timeout)

    def wait_for(
        self,
        kind: str,
        predicate: Callable[[Event], bool] = lambda e: True,
        timeout: float = WAIT_S,
    ) -> Event:
        """The first event of `kind` whose body satisfies `predicate`."""
        return self.inbox.wait_for(
            lambda e: e["type"] == kind and predicate(e.get(kind.lower(), e)), timeout
        )

    def ended(self, timeout: float = WAIT_S) -> bool:
        return self.inbox.ended(timeout)

    def offer(self) -> Event:
        """The next offer made to this framework."""
        return self.offer_within(WAIT_S)

    def offer_within(self, timeout: float) -> Event:
        offers = self.wait_for("OFFERS", timeout=timeout)["offers"]["offers"]
        return dict(offers[0])

    def update(self, task_id: str, state: str | None = None, timeout: float = WAIT_S) -> Event:
        """The next status of `task_id` (in `state`, if given)."""
        return self.wait_for(
            "UPDATE",
            lambda u: (
                u["status"]["task_id"]["value"] == task_id
                and (state is None or u["status"]["state"] == state)
            ),
            timeout,
        )["update"]["status"]

    def acknowledged_update(self, task_id: str, state: str, timeout: float = WAIT_S) -> Event:
        """Acknowledge each update of `task_id` until one in `state`, which is returned."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.update(task_id, timeout=max(0.01, deadline - time.monotonic()))
            if "uuid" in status:
                self.acknowledge(status)
            if status["state"] == state:
                return status

    def call(
        self, kind: str, body: dict[str, Any] | None = None, **extra: Any
    ) -> requests.Response:
        call: dict[str, Any] = {"type": kind, "framework_id": {"value": self.framework_id}}
        if body is not None:
            call[kind.lower()] = body
        call.update(extra)
        headers = {"Mesos-Stream-Id": self.stream_id or ""}
        return requests.post(
            self.url + "/api/v1/scheduler", json=call, headers=headers, timeout=WAIT_S
        )

    def accept(
        self, offer: Event, tasks: list[dict[str, Any]], refuse_seconds: float = 0.0
    ) -> requests.Response:
        return self.call(
            "ACCEPT",
            {
                "offer_ids": [offer["id"]],
                "operations": [{"type": "LAUNCH", "launch": {"task_infos": tasks}}],
                "filters": {"refuse_seconds": refuse_seconds},
            },
        )

    def acknowledge(self, status: Event) -> requests.Response:
        return self.call(
            "ACKNOWLEDGE",
            {
                "agent_id": status["agent_id"],
                "task_id": status["task_id"],
                "uuid": status["uuid"],
            },
        )

    def disconnect(self) -> None:
        """Close the subscription connection without TEARDOWN (a scheduler crash)."""
        if self._socket is not None:
            self._socket.shutdown(socket.SHUT_RDWR)
            self._socket.close()
            self._socket = None


def task(
    offer: Event, task_id: str, cpus: float = 0.1, mem: float = 32.0, **fields: Any
) -> dict[str, Any]:
    """A TaskInfo for `offer`'s agent; pass `command=` or `executor=`."""
    return {
        "name": task_id,
        "task_id": {"value": task_id},
        "agent_id": offer["agent_id"],
        "resources": [
            {"name": "cpus", "type": "SCALAR", "scalar": {"value": cpus}},
            {"name": "mem", "type": "SCALAR", "scalar": {"value": mem}},
        ],
        **fields,
    }


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def random_uuid() -> str:
    return base64.b64encode(uuid.uuid4().bytes).decode()
