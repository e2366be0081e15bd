"""The tail of an ended job attempt's stderr, fetched from its agent off the owner thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from scheduler.base.errors import DromosError
from scheduler.mesos.sandbox_logs import SandboxLogs, TaskPlace

log = logging.getLogger(__name__)

TAIL_BYTES = 2048

Post = Callable[[Callable[[], None]], None]


class StderrTails:
    """One worker reads tails in turn; each is handed back through `post` (the owner's)."""

    def __init__(self, logs: SandboxLogs, post: Post) -> None:
        self._logs = logs
        self._post = post
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stderr-tail")

    def fetch(self, place: TaskPlace, deliver: Callable[[str], None]) -> None:
        self._pool.submit(self._work, place, deliver)

    def _work(self, place: TaskPlace, deliver: Callable[[str], None]) -> None:
        try:
            tail = self._logs.tail(place, "stderr", TAIL_BYTES)
        except DromosError as error:
            log.info("no stderr tail for %s: %s", place.task_id, error.message)
            return
        self._post(lambda: deliver(tail))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
