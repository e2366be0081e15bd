"""Keeps the in-process discovery servers current: a new snapshot after every event.

Events that arrive while a snapshot is built are folded into the next one, so the work
follows the rate of changes the servers can absorb, never the number of events.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from discovery.snapshot import Snapshot

log = logging.getLogger(__name__)

Listener = Callable[[Snapshot], None]


class Feed:
    def __init__(self, build: Callable[[], Snapshot], next_event: Callable[[float], object],
                 drain: Callable[[], None], listeners: list[Listener]) -> None:
        """`next_event(timeout)` blocks for one event (None on timeout); `drain()` drops
        the events already queued; `build()` makes a snapshot of the state as it is."""
        self.build = build
        self.next_event = next_event
        self.drain = drain
        self.listeners = listeners
        self.current = Snapshot()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="discovery-feed", daemon=True)

    def start(self) -> None:
        self.refresh()
        self._thread.start()

    def refresh(self) -> None:
        snapshot = self.build()
        if (snapshot.apps, snapshot.jobs) == (self.current.apps, self.current.jobs):
            return
        self.current = Snapshot(snapshot.apps, snapshot.jobs, self.current.index + 1)
        for listener in self.listeners:
            listener(self.current)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.next_event(0.5) is None:
                continue
            self.drain()
            try:
                self.refresh()
            except Exception:  # a failed rebuild must not end discovery; the next event retries
                log.exception("discovery snapshot failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
