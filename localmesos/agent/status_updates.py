"""Reliable status updates: per task, in order, one in flight, retried until acknowledged."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from localmesos.model import TaskState

Forward = Callable[[str, dict[str, Any]], None]


@dataclass
class _TaskStream:
    pending: deque[dict[str, Any]] = field(default_factory=deque)
    seen: set[str] = field(default_factory=set)
    retry: asyncio.TimerHandle | None = None
    backoff: float = 0.0


class StatusUpdateManager:
    """Holds each task's unacknowledged updates and re-sends the head with backoff.

    `forward(framework_id, status)` hands an update to the master, which may drop it
    (framework disconnected); the retry timer or `flush` sends it again later.
    """

    def __init__(
        self, forward: Forward, first_retry_seconds: float = 10.0, max_retry_seconds: float = 600.0
    ) -> None:
        self._forward = forward
        self._first_retry = first_retry_seconds
        self._max_retry = max_retry_seconds
        self._streams: dict[tuple[str, str], _TaskStream] = {}

    def add(self, framework_id: str, status: dict[str, Any]) -> bool:
        """Queue an update (it carries a uuid); False if that uuid was already seen."""
        key = (framework_id, status["task_id"]["value"])
        stream = self._streams.setdefault(key, _TaskStream())
        if status["uuid"] in stream.seen:
            return False
        stream.seen.add(status["uuid"])
        stream.pending.append(status)
        if len(stream.pending) == 1:
            stream.backoff = self._first_retry
            self._send_head(key)
        return True

    def acknowledge(self, framework_id: str, task_id: str, uuid: str) -> dict[str, Any] | None:
        """Retire the in-flight update with this uuid and send the next; the retired one."""
        key = (framework_id, task_id)
        stream = self._streams.get(key)
        if stream is None or not stream.pending or stream.pending[0]["uuid"] != uuid:
            return None
        acked = stream.pending.popleft()
        if stream.retry is not None:
            stream.retry.cancel()
            stream.retry = None
        if TaskState(acked["state"]).terminal:
            del self._streams[key]
        elif stream.pending:
            stream.backoff = self._first_retry
            self._send_head(key)
        return acked

    def unacknowledged(self, framework_id: str, task_id: str) -> bool:
        stream = self._streams.get((framework_id, task_id))
        return stream is not None and bool(stream.pending)

    def flush(self, framework_id: str | None = None) -> None:
        """Send every in-flight update of a framework (or of all) now: it has just
        re-subscribed, or the agent has just re-registered."""
        for key, stream in list(self._streams.items()):
            if framework_id in (None, key[0]) and stream.pending:
                if stream.retry is not None:
                    stream.retry.cancel()
                stream.backoff = self._first_retry
                self._send_head(key)

    def drop_framework(self, framework_id: str) -> None:
        for key in [k for k in self._streams if k[0] == framework_id]:
            stream = self._streams.pop(key)
            if stream.retry is not None:
                stream.retry.cancel()

    def _send_head(self, key: tuple[str, str]) -> None:
        stream = self._streams[key]
        self._forward(key[0], stream.pending[0])
        stream.retry = asyncio.get_running_loop().call_later(stream.backoff, self._retry, key)

    def _retry(self, key: tuple[str, str]) -> None:
        stream = self._streams.get(key)
        if stream is None or not stream.pending:
            return
        stream.backoff = min(stream.backoff * 2, self._max_retry)
        self._send_head(key)
