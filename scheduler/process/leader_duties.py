"""What the leader alone does, started when it is elected and ended when it is not.

Elected: load the state from the database, fence the store with the election, start the
owner thread and health checks, subscribe to Mesos with the stored framework id (its
registration reconciles and resumes deployments and job slots). Deposed: exit at once,
without another word to Mesos; the supervisor starts this instance again as a standby.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from scheduler.base.config import Config
from scheduler.base.milestones import milestone
from scheduler.leadership.fenced_driver import FencedDriver
from scheduler.leadership.service import EXIT_LOST_LEADERSHIP, ElectionService
from scheduler.mesos.driver import PymesosDriver, framework_info
from scheduler.mesos.sender import SendingDriver
from scheduler.process.runtime import Runtime

log = logging.getLogger(__name__)


class LeaderDuties:
    def __init__(self, config: Config, election: ElectionService) -> None:
        # pymesos sets a SIGINT handler when imported, which only the main thread may do;
        # the election elects from its own thread, so import it now (before the caller sets
        # its own handlers).
        import pymesos  # noqa: F401

        self.config = config
        self.election = election
        self.runtime: Runtime | None = None
        self.ready = threading.Event()
        self.exit: Callable[[int], None] = os._exit
        # What the layer above runs beside the leader's state (discovery's servers).
        self.on_elected: Callable[[Runtime], object] = lambda _runtime: None
        self._driver: PymesosDriver | None = None
        self._sender: SendingDriver | None = None

    def start_leadership(self, epoch: int) -> None:
        runtime = Runtime(self.config)
        runtime.store.guard = self.election.fence
        runtime.restore()
        milestone("state_loaded")
        runtime.core.start()
        runtime.start_health_checks()
        info = framework_info(
            self.config.framework_name, runtime.framework.framework_id,
            f"{self.config.scheme}://{self.config.http_address}", self.config.role,
        )
        info["user"] = self.config.task_users().default_user  # Marathon's --mesos_user
        self._driver = PymesosDriver(self.config.master, info, runtime.framework,
                                     runtime.core.post)
        # Calls leave the owner thread through the sender; the fence is asked as each is
        # sent, so nothing queued before a deposition reaches Mesos after it.
        sender = SendingDriver(FencedDriver(self._driver, self.election.is_leader))
        self._sender = sender
        runtime.core.call(lambda: runtime.framework.attach_driver(sender), timeout=None)
        runtime.framework.events.publish(
            "leader_elected_event", runtime.clock.now(), leader=self.config.http_address,
            epoch=epoch,
        )
        self.on_elected(runtime)
        self.runtime = runtime
        self.ready.set()
        milestone("subscribing")
        self._driver.start()

    def stop_leadership(self) -> None:
        log.warning("no longer the leader: exiting to come back as a standby")
        self.exit(EXIT_LOST_LEADERSHIP)

    def close(self) -> None:
        """A clean stop (SIGTERM) of the leader: the framework stays registered."""
        if self._sender is not None:
            self._sender.close()
        if self._driver is not None:
            self._driver.stop()
        if self.runtime is not None:
            self.runtime.close()
