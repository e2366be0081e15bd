"""Mesos calls off the owner thread: a `DriverPort` that queues each call for one sender.

Every call on pymesos is an HTTP request to the master; made on the owner thread, a
scale-down of thousands of tasks spends most of its time waiting on KILL and
ACKNOWLEDGE answers. Here the owner only appends to a queue and one sender thread makes
the calls, in the order they were asked for (an acknowledgement is queued only after
its update was committed, so it still reaches Mesos only after the commit).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from scheduler.mesos.driver import DriverPort

log = logging.getLogger(__name__)

Json = dict[str, Any]

_STOP = object()


class SendingDriver:
    """A `DriverPort` that hands each call to a sender thread over `target`."""

    def __init__(self, target: DriverPort) -> None:
        self._target = target
        self._calls: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._send, name="dromos-mesos-sender",
                                        daemon=True)
        self._thread.start()

    def _queue(self, call: Callable[[], None]) -> None:
        self._calls.put(call)

    def _send(self) -> None:
        while True:
            call = self._calls.get()
            if call is _STOP:
                return
            try:
                call()  # type: ignore[operator]
            except Exception:
                log.exception("Mesos call failed")

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued, then stop the sender."""
        self._calls.put(_STOP)
        self._thread.join(timeout)

    def launch(self, offer_id: str, task_infos: Sequence[Json], refuse_seconds: float) -> None:
        infos = list(task_infos)
        self._queue(lambda: self._target.launch(offer_id, infos, refuse_seconds))

    def decline(self, offer_ids: Sequence[str], refuse_seconds: float) -> None:
        ids = list(offer_ids)
        self._queue(lambda: self._target.decline(ids, refuse_seconds))

    def kill(self, task_id: str, agent_id: str | None) -> None:
        self._queue(lambda: self._target.kill(task_id, agent_id))

    def revive(self) -> None:
        self._queue(self._target.revive)

    def suppress(self) -> None:
        self._queue(self._target.suppress)

    def acknowledge(self, status: Json) -> None:
        self._queue(lambda: self._target.acknowledge(status))

    def reconcile(self, tasks: Sequence[Json]) -> None:
        known = list(tasks)
        self._queue(lambda: self._target.reconcile(known))
