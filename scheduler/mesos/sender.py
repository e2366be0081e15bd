"""Mesos calls off the owner thread: a `DriverPort` that queues each call for one sender.

Every call on pymesos is an HTTP request to the master; made on the owner thread, a
scale-down of thousands of tasks spends most of its time waiting on KILL and
ACKNOWLEDGE answers. Here the owner only appends to a queue and one sender thread makes
the calls, in the order they were asked for; acknowledgements go to a few senders of
their own (each is queued only after its update was committed, so it still reaches
Mesos only after the commit), and so do kills, once every call queued before them was
made (a kill never overtakes the launch of its task; kills need no order among
themselves, and one at a time a scale-down of 100,000 waited on 100,000 round trips).
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
ACK_SENDERS = 4


class SendingDriver:
    """A `DriverPort` that hands each call to a sender thread over `target`."""

    def __init__(self, target: DriverPort, ack_senders: int = ACK_SENDERS) -> None:
        self._target = target
        self._calls: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._acks: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._send, args=(self._calls,),
                                          name="dromos-mesos-sender", daemon=True)]
        self._threads += [threading.Thread(target=self._send, args=(self._acks,),
                                           name=f"dromos-mesos-ack-{i}", daemon=True)
                          for i in range(ack_senders)]
        for thread in self._threads:
            thread.start()

    def _queue(self, call: Callable[[], None]) -> None:
        self._calls.put(call)

    @staticmethod
    def _send(calls: queue.SimpleQueue[object]) -> None:
        while True:
            call = calls.get()
            if call is _STOP:
                return
            try:
                call()  # type: ignore[operator]
            except Exception:
                log.exception("Mesos call failed")

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued, then stop the senders."""
        self._calls.put(_STOP)
        self._threads[0].join(timeout)  # it may still hand kills to the others
        for _ in self._threads[1:]:
            self._acks.put(_STOP)
        for thread in self._threads[1:]:
            thread.join(timeout)

    def launch(self, offer_id: str, task_infos: Sequence[Json], refuse_seconds: float) -> None:
        infos = list(task_infos)
        self._queue(lambda: self._target.launch(offer_id, infos, refuse_seconds))

    def decline(self, offer_ids: Sequence[str], refuse_seconds: float) -> None:
        ids = list(offer_ids)
        self._queue(lambda: self._target.decline(ids, refuse_seconds))

    def kill(self, task_id: str, agent_id: str | None) -> None:
        def send() -> None:
            self._target.kill(task_id, agent_id)

        # In order with the other calls up to here, then to the senders of acknowledgements.
        self._queue(lambda: self._acks.put(send))

    def revive(self) -> None:
        self._queue(self._target.revive)

    def suppress(self) -> None:
        self._queue(self._target.suppress)

    def acknowledge(self, status: Json) -> None:
        # Acknowledgements need no order among themselves nor with the other calls, and a
        # burst of status updates is paced by their round trips: several senders share them.
        self._acks.put(lambda: self._target.acknowledge(status))

    def reconcile(self, tasks: Sequence[Json]) -> None:
        known = list(tasks)
        self._queue(lambda: self._target.reconcile(known))
