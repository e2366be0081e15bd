"""The event bus behind /v2/events: the owner publishes, each subscriber has a bounded queue.

A subscriber that falls behind by more than `max_outstanding` events is cut off, as
Marathon does, so a slow client can never hold up the scheduler.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import threading
from collections.abc import Iterable
from typing import Any

Json = dict[str, Any]


def iso_timestamp(epoch: float) -> str:
    """Marathon's timestamp form: ISO 8601 UTC with milliseconds."""
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Subscription:
    """One client's stream; `closed` is set when it was cut off or unsubscribed."""

    def __init__(self, types: frozenset[str], max_outstanding: int) -> None:
        self.types = types
        self.queue: queue.Queue[Json | None] = queue.Queue(max_outstanding)
        self.closed = False

    def wants(self, event_type: str) -> bool:
        return not self.types or event_type in self.types

    def get(self, timeout: float) -> Json | None:
        """The next event, or None on timeout or when the stream was closed."""
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None


class EventBus:
    def __init__(self, max_outstanding: int = 1024) -> None:
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()
        self._max = max_outstanding

    def subscribe(self, types: Iterable[str] = ()) -> Subscription:
        sub = Subscription(frozenset(types), self._max)
        with self._lock:
            self._subs.append(sub)
        return sub

    def end(self, sub: Subscription) -> None:
        """Close `sub` now: its reader, waiting or not, gets None at once."""
        if not sub.closed:
            self.unsubscribe(sub)
            self._wake(sub)

    def unsubscribe(self, sub: Subscription) -> None:
        sub.closed = True
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    def publish(self, event_type: str, now: float, **fields: Any) -> None:
        event = {"eventType": event_type, "timestamp": iso_timestamp(now), **fields}
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            if not sub.wants(event_type):
                continue
            try:
                sub.queue.put_nowait(event)
            except queue.Full:
                self.unsubscribe(sub)
                self._wake(sub)

    @staticmethod
    def _wake(sub: Subscription) -> None:
        # Make room for the end-of-stream marker so the reader notices at once.
        with contextlib.suppress(queue.Empty):
            sub.queue.get_nowait()
        with contextlib.suppress(queue.Full):  # refilled meanwhile: its reader sees `closed`
            sub.queue.put_nowait(None)
