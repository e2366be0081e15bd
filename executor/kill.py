"""Kill policy: SIGTERM to the task's group, SIGKILL once the grace period has passed."""

from __future__ import annotations

import logging
import signal
import threading

from executor.clock import Clock, SystemClock
from executor.process import TaskProcess

DEFAULT_GRACE_S = 3.0

log = logging.getLogger(__name__)


class GracefulKill:
    """Escalating kill of one task process; a later kill may shorten the grace, never extend it."""

    def __init__(self, process: TaskProcess, clock: Clock | None = None) -> None:
        self._process = process
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._deadline: float | None = None
        self._timer: threading.Timer | None = None

    def kill(self, grace_s: float) -> None:
        """SIGTERM now (first call only) and SIGKILL `grace_s` seconds from now at the latest."""
        with self._lock:
            deadline = self._clock.monotonic() + max(0.0, grace_s)
            if self._deadline is None:
                log.info("sending SIGTERM to process group %d", self._process.pid)
                self._process.signal_group(signal.SIGTERM)
            elif deadline >= self._deadline:
                return
            self._deadline = deadline
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(max(0.0, grace_s), self._escalate)
            self._timer.daemon = True
            self._timer.start()

    def cancel(self) -> None:
        """Forget a pending SIGKILL (the process has exited)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _escalate(self) -> None:
        if self._process.signal_group(signal.SIGKILL):
            log.info("grace period over: sent SIGKILL to process group %d", self._process.pid)
