"""Events collected by a reader thread, waited for by a test with a predicate."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import Any

Event = dict[str, Any]
WAIT_S = 15.0


class Inbox:
    """Events in arrival order; `wait_for` takes the first match, others stay for later."""

    def __init__(self, ignored: Callable[[Event], bool] = lambda e: False) -> None:
        self.events: list[Event] = []
        self._queue: queue.Queue[Event | None] = queue.Queue()
        self._unclaimed: list[Event] = []
        self._ignored = ignored

    def put(self, event: Event) -> None:
        self._queue.put(event)

    def close(self) -> None:
        self._queue.put(None)

    def next(self, timeout: float = WAIT_S) -> Event:
        try:
            event = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no event in {timeout:.1f}s; seen {self.events[-5:]}") from None
        if event is None:
            self._queue.put(None)
            raise EOFError("the event source ended")
        self.events.append(event)
        return event

    def wait_for(self, matches: Callable[[Event], bool], timeout: float = WAIT_S) -> Event:
        for event in self._unclaimed:
            if matches(event):
                self._unclaimed.remove(event)
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self.next(max(0.01, deadline - time.monotonic()))
            if matches(event):
                return event
            if not self._ignored(event):
                self._unclaimed.append(event)

    def ended(self, timeout: float = WAIT_S) -> bool:
        """Wait until the source ends; True then (events until then are recorded)."""
        try:
            while True:
                self.next(timeout)
        except EOFError:
            return True
