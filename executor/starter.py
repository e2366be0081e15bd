"""Starts prepared tasks at their start instant, many at once, as close to it as possible.

One thread keeps a heap of pending starts. At each due instant it spawns every due task
in a tight loop, and only then lets them announce themselves (TASK_RUNNING, reaper,
health checks), so status traffic never delays the next spawn.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from typing import Protocol

from executor.clock import Clock, SystemClock


class Startable(Protocol):
    """A prepared task: `spawn` starts its process (False: it did not start, e.g. it was
    killed before), `announce` then tells the world."""

    def spawn(self) -> bool: ...

    def announce(self) -> None: ...


class Starter:
    """Spawns each added task at its monotonic deadline; the thread starts with the first add."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Startable]] = []
        self._seq = itertools.count()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def add(self, task: Startable, deadline: float) -> None:
        """Start `task` at `deadline` (on the clock's monotonic scale)."""
        with self._cond:
            heapq.heappush(self._heap, (deadline, next(self._seq), task))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="starter", daemon=True)
                self._thread.start()
            self._cond.notify()

    def stop(self) -> None:
        """Start nothing more (pending tasks are the caller's to end)."""
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _run(self) -> None:
        while (due := self._next_due()) is not None:
            spawned = [task for task in due if task.spawn()]
            # Starts that fell due while spawning go first too (deadlines a few µs apart).
            while more := self._pop_due():
                spawned += [task for task in more if task.spawn()]
            for task in spawned:
                task.announce()

    def _next_due(self) -> list[Startable] | None:
        """Wait for the earliest deadline; the tasks due then, or None once stopped."""
        with self._cond:
            while not self._stopped:
                if self._heap:
                    wait = self._heap[0][0] - self._clock.monotonic()
                    if wait <= 0:
                        return self._pop_due_locked()
                    self._cond.wait(wait)
                else:
                    self._cond.wait()
            return None

    def _pop_due(self) -> list[Startable]:
        with self._cond:
            return self._pop_due_locked()

    def _pop_due_locked(self) -> list[Startable]:
        now = self._clock.monotonic()
        due = []
        while self._heap and self._heap[0][0] <= now:
            due.append(heapq.heappop(self._heap)[2])
        return due
