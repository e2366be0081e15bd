"""The owner of mutable scheduling state.

Driver callbacks, API handlers and timers never touch scheduling state themselves:
they send the owner a message (a callable), and one thread applies messages in
order. Tests skip the thread and call `run_pending()` with a manual clock.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from scheduler.base.clock import Clock

log = logging.getLogger(__name__)
T = TypeVar("T")

_STOP = object()
TURN = 200  # messages at most between two ends of turn, so a flood still makes progress


class Timer:
    """A handle on a scheduled message; `cancel()` stops it from running."""

    __slots__ = ("cancelled", "fn", "when")

    def __init__(self, when: float, fn: Callable[[], None]) -> None:
        self.when = when
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Core:
    """Runs messages one at a time on the owner thread, plus timers on the monotonic clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._timers: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._end_of_turn: list[Callable[[], None]] = []

    # from any thread --------------------------------------------------------------------
    def post(self, fn: Callable[[], object]) -> None:
        """Run `fn` on the owner thread, later; errors are logged, not raised."""
        self._inbox.put(fn)

    def call(self, fn: Callable[[], T], timeout: float | None) -> T:
        """Run `fn` on the owner thread and return its result (or raise its error).

        TimeoutError when `fn` has not started within `timeout` seconds (None: no limit):
        it is then never applied. Once started it is waited for, however long it takes,
        so a write that commits is never reported as failed.
        """
        if threading.current_thread() is self._thread or self._thread is None:
            return fn()
        future: Future[T] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn())
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                future.set_exception(error)

        self._inbox.put(run)
        try:
            return future.result(timeout)
        except TimeoutError:
            if future.cancel():  # not started yet: it is then never applied
                raise
            return future.result()  # started: its outcome is the caller's answer

    # on the owner thread ----------------------------------------------------------------
    def at_end_of_turn(self, fn: Callable[[], None]) -> None:
        """Run `fn` whenever the inbox runs dry (and every `TURN` messages under load), so
        work marked by a burst of messages is done once for the burst, not per message."""
        self._end_of_turn.append(fn)

    def end_turn(self) -> None:
        for fn in self._end_of_turn:
            self._apply(fn)

    def call_later(self, delay: float, fn: Callable[[], None]) -> Timer:
        """Run `fn` on the owner thread after `delay` seconds."""
        timer = Timer(self.clock.monotonic() + max(0.0, delay), fn)
        heapq.heappush(self._timers, (timer.when, next(self._seq), timer))
        return timer

    def run_pending(self) -> int:
        """Apply every queued message and every due timer; returns how many ran."""
        ran = 0
        while True:
            try:
                message = self._inbox.get_nowait()
            except queue.Empty:
                break
            if message is _STOP:
                continue
            self._apply(message)  # type: ignore[arg-type]
            ran += 1
        ran += self._run_due_timers()
        self.end_turn()
        # As the loop would next: timers the end of the turn made due at once (a status
        # update applied there may arm one with no delay).
        while due := self._run_due_timers():
            ran += due
            self.end_turn()
        return ran

    def _run_due_timers(self) -> int:
        ran = 0
        now = self.clock.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                self._apply(timer.fn)
                ran += 1
        return ran

    def _apply(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except Exception:
            log.exception("message %r failed", fn)

    def _next_wait(self) -> float | None:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        if not self._timers:
            return None
        return max(0.0, self._timers[0][0] - self.clock.monotonic())

    def _loop(self) -> None:
        in_turn = 0
        while True:
            try:
                message = self._inbox.get(timeout=self._next_wait())
            except queue.Empty:
                self._run_due_timers()
                self.end_turn()
                continue
            if message is _STOP:
                return
            self._apply(message)  # type: ignore[arg-type]
            self._run_due_timers()
            in_turn += 1
            if in_turn >= TURN or self._inbox.empty():
                self.end_turn()
                in_turn = 0

    def cpu_seconds(self) -> float | None:
        """CPU time the owner thread has used (None while it is not running)."""
        thread = self._thread
        if thread is None or thread.ident is None:
            return None
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        except OSError:  # it ended meanwhile
            return None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="dromos-core", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._inbox.put(_STOP)
            self._thread.join(timeout=10)
            self._thread = None
