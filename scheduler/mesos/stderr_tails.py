"""The tail of an ended task's stderr, read from its sandbox through the agent's files API.

One source for both readers of it: the console's line for a failed task and a job
attempt's `stderrTail`. Reads run on one worker, off the owner thread; a task asked for
twice while its read is pending is read once and both are answered.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from scheduler.base.errors import DromosError
from scheduler.mesos.sandbox_logs import SandboxLogs, TaskPlace

log = logging.getLogger(__name__)

TAIL_BYTES = 2048
# Reads waiting beyond this (a crash loop of many apps, agents slow to answer) are not
# queued: their readers hear None at once, as when the agent cannot say.
MAX_PENDING = 256

Post = Callable[[Callable[[], None]], None]
Deliver = Callable[[str | None], None]  # the tail, or None when it could not be read


class StderrTails:
    """Each answer is handed back through `post` (the owner's)."""

    def __init__(self, logs: SandboxLogs, post: Post) -> None:
        self._logs = logs
        self._post = post
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stderr-tail")
        self._lock = threading.Lock()
        self._pending: dict[str, list[Deliver]] = {}

    def fetch(self, place: TaskPlace, deliver: Deliver) -> None:
        with self._lock:
            waiting = self._pending.get(place.task_id)
            if waiting is not None:
                waiting.append(deliver)
                return
            if len(self._pending) >= MAX_PENDING:
                self._post(lambda: deliver(None))
                return
            self._pending[place.task_id] = [deliver]
        self._pool.submit(self._work, place)

    def _work(self, place: TaskPlace) -> None:
        tail: str | None
        try:
            tail = self._logs.tail(place, "stderr", TAIL_BYTES)
        except DromosError as error:
            log.info("no stderr tail for %s: %s", place.task_id, error.message)
            tail = None
        with self._lock:
            readers = self._pending.pop(place.task_id, [])
        for deliver in readers:
            self._post(partial(deliver, tail))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
