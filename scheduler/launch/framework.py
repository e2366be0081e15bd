"""The framework: hears Mesos events on the owner thread and keeps tasks where they belong.

App instances and job runs share everything here (one task tracker, one launch queue,
one launcher); what differs lives in their owners, `AppManager` and `JobManager`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from mesos_vocab.states import TERMINAL_STATES, TaskState
from scheduler.base.clock import Clock
from scheduler.base.config import Config
from scheduler.base.core import Core, Timer
from scheduler.base.events import EventBus
from scheduler.base.telemetry import Telemetry
from scheduler.launch.launch_queue import LaunchQueue
from scheduler.launch.launcher import Launch, Launcher
from scheduler.launch.task_failures import TaskFailures
from scheduler.launch.task_request import Placement, TaskRequest, is_job
from scheduler.launch.tasks import Goal, TaskRecord, TaskTracker
from scheduler.launch.unreachable import WAITING_STATES, UnreachableTasks
from scheduler.mesos.agents import AgentDirectory
from scheduler.mesos.driver import DriverPort
from scheduler.store.store import Store

log = logging.getLogger(__name__)

Json = dict[str, Any]

EXIT_FRAMEWORK_REMOVED = 110  # Marathon's exit code for the same event
# A turn's status updates could not be committed: exit without acknowledging them, so Mesos
# sends them again to the next scheduler (111 is lost leadership, scheduler/leadership).
EXIT_STORE_FAILED = 112


class RunSpecOwner(Protocol):
    """Apps or jobs: builds their tasks and reacts when one of them changes state."""

    def build(self, placement: Placement) -> Launch | None: ...

    def task_changed(self, previous: TaskRecord, record: TaskRecord, status: Json) -> None: ...

    def is_delayed(self, run_spec_id: str) -> bool: ...

    def task_launched(self, record: TaskRecord) -> None: ...


class NoDriver:
    """Until Mesos is reached, calls go nowhere; reconciliation repairs the gap."""

    def launch(self, offer_id: str, task_infos: Any, refuse_seconds: float) -> None:
        log.warning("launch with no Mesos connection; offer %s", offer_id)

    def decline(self, offer_ids: Any, refuse_seconds: float) -> None: ...

    def kill(self, task_id: str, agent_id: str | None) -> None: ...

    def revive(self) -> None: ...

    def suppress(self) -> None: ...

    def acknowledge(self, status: Json) -> None: ...

    def reconcile(self, tasks: Any) -> None: ...


class Framework:
    def __init__(self, config: Config, store: Store, clock: Clock, core: Core) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.core = core
        self.events = EventBus()
        self.tracker = TaskTracker(store)
        self.agents = AgentDirectory()
        self.telemetry = Telemetry()
        self.failures = TaskFailures()
        self.queue = LaunchQueue()
        self.driver: DriverPort = NoDriver()
        self.owners: dict[str, RunSpecOwner] = {}
        self.framework_id = store.get_setting("framework_id")
        self.master: str | None = None
        self.connected = False
        self.launcher = Launcher(
            self.queue, self.tracker, self.driver, self._build, clock,
            delayed=self._delayed, on_launched=self._launched, transaction=store.transaction,
            defer=lambda fn: core.call_later(0.0, fn),
        )
        self._reconcile_timer: Timer | None = None
        self.exit: Callable[[int], None] = os._exit
        self.unreachable = UnreachableTasks(core, clock, self._inactivate, self._expunge)
        # Status updates of this turn of the owner loop, applied at its end in one
        # transaction; registered first, so that the owners settle what they changed after.
        self._statuses: list[Json] = []
        core.at_end_of_turn(self.apply_statuses)

    # wiring -----------------------------------------------------------------------------
    def attach_driver(self, driver: DriverPort) -> None:
        self.driver = driver
        self.launcher.driver = driver

    def add_owner(self, kind: str, owner: RunSpecOwner) -> None:
        self.owners[kind] = owner

    def owner_of(self, run_spec_id: str) -> RunSpecOwner:
        return self.owners["job" if is_job(run_spec_id) else "app"]

    def restore(self) -> None:
        """Load known tasks; Mesos tells us on registration what became of them."""
        self.tracker.load()

    # what owners call -------------------------------------------------------------------
    def enqueue(self, request: TaskRequest, priority: int = 1) -> None:
        self.queue.add(request, self.clock.now(), priority)
        self.telemetry.task_queued(request.task_id, self.clock.now())
        self.launcher.wake()

    def unqueue(self, run_spec_id: str) -> int:
        removed = len(self.queue.remove_run_spec(run_spec_id))
        self.launcher.after_change()
        return removed

    def kill(self, record: TaskRecord) -> TaskRecord:
        """Ask Mesos to kill a task; it stays known until Mesos reports it terminal.

        A running task leaves discovery first (a TASK_KILLING status event, and /v2 shows
        it killing), and Mesos is asked `kill_drain_s` later, so that load balancers stop
        sending it requests before it gets SIGTERM.
        """
        now = self.clock.now()
        if record.state in WAITING_STATES:
            # Its agent would not answer: forget it (on a later turn, as a kill's answer
            # would come), and kill it should it come back.
            self.core.call_later(0.0, lambda: self._expunge(record.task_id, {}, killed=True))
            return self.tracker.update(record.task_id, goal=Goal.KILL, kill_requested_at=now)
        drain = self.config.kill_drain_s if record.is_running else 0.0
        if record.goal is not Goal.KILL:
            record = self.tracker.update(record.task_id, goal=Goal.KILL, kill_requested_at=now)
            if record.is_running:
                self.events.publish(
                    "status_update_event", now, slaveId=record.agent_id,
                    taskId=record.task_id, taskStatus=TaskState.KILLING, message="draining",
                    appId=record.run_spec_id, host=record.hostname, ipAddresses=[],
                    ports=list(record.ports), version=record.version,
                )
            if drain > 0:
                self.core.call_later(drain, lambda: self._kill_now(record.task_id))
                return record
        elif now < (record.kill_requested_at or now) + drain:
            return record  # still draining: the timer kills it
        self.driver.kill(record.task_id, record.agent_id or None)
        return record

    def _kill_now(self, task_id: str) -> None:
        record = self.tracker.get(task_id)
        if record is not None and not record.is_terminal:
            self.driver.kill(record.task_id, record.agent_id or None)

    # Mesos events -----------------------------------------------------------------------
    def on_registered(self, framework_id: str, master: str) -> None:
        if framework_id != self.framework_id:
            self.store.set_setting("framework_id", framework_id)
            self.framework_id = framework_id
        self.connected = True
        self.master = master
        self.events.publish("scheduler_registered_event", self.clock.now(),
                            frameworkId=framework_id, master=master)
        self.reconcile()
        if self.queue:
            self.launcher.wake()
        else:
            self.launcher.after_change()

    def on_disconnected(self) -> None:
        self.connected = False
        self.launcher.forget_offers()
        self.events.publish("scheduler_disconnected_event", self.clock.now())

    def on_offers(self, offers: list[Json]) -> None:
        self.agents.learn(offers)
        with self.telemetry.offer_cycle():
            self.launcher.on_offers(offers)

    def on_rescinded(self, offer_id: str) -> None:
        log.debug("offer %s rescinded", offer_id)
        self.launcher.forget_offers(offer_id)

    def on_error(self, message: str) -> None:
        log.error("Mesos error: %s", message)
        if "removed" in message.lower():
            # Torn down (or failed over past failover_timeout): Mesos killed every task and
            # will never take this id again. Forget it and exit, as Marathon does; the next
            # start registers afresh and relaunches what the apps and jobs still want.
            self.store.delete_setting("framework_id")
            self.exit(EXIT_FRAMEWORK_REMOVED)

    def on_status(self, status: Json) -> None:
        """Take the update into this turn's batch (`apply_statuses`)."""
        self._statuses.append(status)

    def apply_statuses(self) -> None:
        """Apply the turn's status updates in order, commit them in one transaction, then
        acknowledge them: an update Mesos hears acknowledged is in the database. If the
        commit fails the process exits (`EXIT_STORE_FAILED`) with them unacknowledged."""
        statuses, self._statuses = self._statuses, []
        if not statuses:
            return
        try:
            with self.store.transaction():
                applied = [status for status in statuses if self._apply_one(status)]
        except SQLAlchemyError:
            log.critical("could not commit %d status updates; exiting without acknowledging "
                         "them", len(statuses), exc_info=True)
            self.exit(EXIT_STORE_FAILED)
            return
        for status in applied:
            self.driver.acknowledge(status)

    def _apply_one(self, status: Json) -> bool:
        """Apply one update of the batch; False (and not acknowledged, so Mesos sends it
        again) if it failed, as the owner loop treats a failed message. A database error
        fails the whole batch instead: the others' writes may be gone with it."""
        try:
            task_id = status["task_id"]["value"]
            state = status["state"]
            record = self.tracker.get(task_id)
            if record is None:
                self._unknown_task(task_id, state, status)
            else:
                self._apply_status(record, state, status)
                self.unreachable.observe(task_id, record.run_spec_id, state, status)
        except SQLAlchemyError:
            raise
        except Exception:  # a bug in one update must not lose the batch
            log.exception("status update %s failed", status)
            return False
        return True

    def _inactivate(self, task_id: str) -> None:
        """Unreachable past its inactive deadline: its owner stops counting it."""
        record = self.tracker.get(task_id)
        if record is not None and record.state in WAITING_STATES and not record.inactive:
            with self.store.transaction():
                updated = self.tracker.update(task_id, inactive=True)
                self.owner_of(record.run_spec_id).task_changed(record, updated, {})

    def _expunge(self, task_id: str, status: Json, killed: bool = False) -> None:
        """Forget a task still unreachable: it ends as lost (killed, if a kill asked)."""
        record = self.tracker.get(task_id)
        if record is None or record.state not in WAITING_STATES:
            return
        self.unreachable.end(task_id)
        state = TaskState.KILLED if killed else TaskState.LOST
        message = "Killed while unreachable" if killed else "Unreachable for too long"
        self._apply_status(record, state, {**status, "state": state, "message": message})

    def _unknown_task(self, task_id: str, state: str, status: Json) -> None:
        if state not in TERMINAL_STATES:
            log.warning("killing task %s that Dromos does not know", task_id)
            self.driver.kill(task_id, status.get("agent_id", {}).get("value"))
        else:
            self.events.publish("unknown_instance_terminated_event", self.clock.now(),
                                instanceId=task_id, condition=state)

    def _apply_status(self, record: TaskRecord, state: str, status: Json) -> None:
        changes: dict[str, Any] = {"state": state, "message": status.get("message", ""),
                                   "inactive": record.inactive and state in WAITING_STATES}
        if "healthy" in status:
            changes["healthy"] = bool(status["healthy"])
        if state == TaskState.RUNNING and record.started_at is None:
            changes["started_at"] = self.clock.now()
            kind = "job" if is_job(record.run_spec_id) else "app"
            self.telemetry.task_running(kind, record.task_id, self.clock.now())
        agent_id = status.get("agent_id", {}).get("value")
        if agent_id and not record.agent_id:
            changes["agent_id"] = agent_id
        updated = replace(record, **changes)
        self.failures.report(updated, state, changes["message"])
        # Forgetting a terminal task and its owner recording the end commit together, so a
        # crash in between cannot leave an ended run that no one will hear about again.
        with self.store.transaction():
            if updated.is_terminal:
                self.tracker.forget(record.task_id)
                self.telemetry.task_gone(record.task_id)
            elif updated != record:
                self.tracker.put(updated)
            self.owner_of(record.run_spec_id).task_changed(record, updated, status)
        if updated.is_terminal:
            self.launcher.after_change()

    # reconciliation ---------------------------------------------------------------------
    def reconcile(self) -> None:
        """Explicit for the tasks we know, then implicit for those we do not."""
        # With its agent id, Mesos answers for a task on an unreachable agent.
        known = [_reconcile_query(t) for t in self.tracker]
        if known:
            self.driver.reconcile(known)
        self.driver.reconcile([])
        self._repeat_kills()
        if self._reconcile_timer is not None:
            self._reconcile_timer.cancel()
        self._reconcile_timer = self.core.call_later(
            self.config.reconcile_interval_s, self.reconcile
        )
        self._expire_stuck_launches()

    def _repeat_kills(self) -> None:
        """A kill sent on a lost connection, or decided before a driver was attached, is
        gone with it: ask again for every task still meant to die."""
        for record in self.tracker:
            if record.goal is Goal.KILL:
                self.driver.kill(record.task_id, record.agent_id or None)

    def _expire_stuck_launches(self) -> None:
        deadline = self.clock.now() - self.config.launch_timeout_s
        for record in self.tracker:
            if record.state == TaskState.STAGING and record.staged_at < deadline:
                log.warning("task %s did not start in time; killing it", record.task_id)
                self.kill(record)

    # launcher callbacks -----------------------------------------------------------------
    def _build(self, placement: Placement) -> Launch | None:
        return self.owner_of(placement.request.run_spec_id).build(placement)

    def _delayed(self, run_spec_id: str) -> bool:
        return self.owner_of(run_spec_id).is_delayed(run_spec_id)

    def _launched(self, record: TaskRecord) -> None:
        self.owner_of(record.run_spec_id).task_launched(record)


def _reconcile_query(record: TaskRecord) -> Json:
    query: Json = {"task_id": {"value": record.task_id}}
    if record.agent_id:
        query["agent_id"] = {"value": record.agent_id}
    return query
