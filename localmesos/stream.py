"""One subscriber's event stream: state code queues events, the HTTP handler writes them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from localmesos import recordio, wirelog

HEARTBEAT = {"type": "HEARTBEAT"}


def event(kind: str, **body: Any) -> dict[str, Any]:
    """A v1 event: `{"type": KIND, "kind": {...body}}` (clients require the nested key)."""
    return {"type": kind, kind.lower(): body}


class EventStream:
    """Events for one subscription, written as RecordIO by `pump`.

    Sending never blocks, so master and agent state changes stay synchronous. After a
    burst of events a HEARTBEAT follows: line-based clients (mesoshttp) only process a
    record once the next one arrives, so this keeps their latency low.
    """

    def __init__(self, heartbeat_seconds: float, wire_kind: str | None = None) -> None:
        self.id = str(uuid.uuid4())
        self.wire_kind = wire_kind  # what the wire log calls its events, if it logs them
        self.heartbeat_seconds = heartbeat_seconds
        self.closed = False
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def send(self, event: dict[str, Any]) -> None:
        if not self.closed:
            self._queue.put_nowait(event)

    def close(self) -> None:
        """End the stream after the events already queued."""
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(None)

    async def pump(self, write: Callable[[bytes], Awaitable[None]]) -> None:
        """Write events until closed; heartbeats fill the silences."""
        while True:
            try:
                event = await asyncio.wait_for(self._queue.get(), self.heartbeat_seconds)
            except TimeoutError:
                event = HEARTBEAT
            if event is None:
                return
            if self.wire_kind is not None:
                wirelog.record(self.wire_kind, event)
            await write(recordio.encode(event))
            if event is not HEARTBEAT and self._queue.empty():
                await write(recordio.encode(HEARTBEAT))
