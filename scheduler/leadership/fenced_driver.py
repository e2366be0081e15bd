"""The Mesos calls of a leader, dropped the moment it may no longer be one.

The database fence stops writes; this stops the calls that write nothing: a kill of an
unknown task, a decline, an acknowledgement of an update the new leader must hear instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from scheduler.mesos.driver import DriverPort

log = logging.getLogger(__name__)

Json = dict[str, Any]


class FencedDriver:
    def __init__(self, driver: DriverPort, leading: Callable[[], bool]) -> None:
        self._driver = driver
        self._leading = leading
        self.dropped = 0

    def _allowed(self, what: str) -> bool:
        if self._leading():
            return True
        self.dropped += 1
        log.warning("not the leader: %s not sent to Mesos", what)
        return False

    def launch(self, offer_id: str, task_infos: Sequence[Json], refuse_seconds: float) -> None:
        if self._allowed("ACCEPT"):
            self._driver.launch(offer_id, task_infos, refuse_seconds)

    def decline(self, offer_ids: Sequence[str], refuse_seconds: float) -> None:
        if self._allowed("DECLINE"):
            self._driver.decline(offer_ids, refuse_seconds)

    def kill(self, task_id: str, agent_id: str | None) -> None:
        if self._allowed("KILL"):
            self._driver.kill(task_id, agent_id)

    def revive(self) -> None:
        if self._allowed("REVIVE"):
            self._driver.revive()

    def suppress(self) -> None:
        if self._allowed("SUPPRESS"):
            self._driver.suppress()

    def acknowledge(self, status: Json) -> None:
        if self._allowed("ACKNOWLEDGE"):
            self._driver.acknowledge(status)

    def reconcile(self, tasks: Sequence[Json]) -> None:
        if self._allowed("RECONCILE"):
            self._driver.reconcile(tasks)
