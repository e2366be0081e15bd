"""The thin Mesos side: pymesos executor callbacks forwarded to the Orchestrator."""

from __future__ import annotations

import http.client
import logging
import os
import queue
import signal
import threading
import uuid
from typing import Any

from pymesos import Executor, MesosExecutorDriver, encode_data

from executor.runner import Orchestrator
from executor.sandbox import SandboxLayout
from executor.status import TaskStatus
from executor.task_spec import kill_grace_seconds

# Mesos' command executor gives up waiting for the ack of its terminal update after this.
ACK_TIMEOUT_S = 60.0
# Mesos' default executor shutdown grace period, for agents that do not say.
DEFAULT_SHUTDOWN_GRACE_S = 5.0
# Kept back from the shutdown grace so tasks end before the agent destroys the executor.
SHUTDOWN_MARGIN_S = 2.0
STATUS_NICE = 10  # the status sender thread's nice value

log = logging.getLogger(__name__)


class DromosExecutorDriver(MesosExecutorDriver):
    """pymesos' driver, plus the KILL's kill_policy and ACKNOWLEDGED events passed on to us."""

    executor: DromosExecutor
    _conn: Any

    def on_kill(self, event: dict[str, Any]) -> None:
        grace_s = kill_grace_seconds(event.get("kill_policy"))
        self.executor.kill_task(event["task_id"]["value"], grace_s)

    def on_acknowledged(self, event: dict[str, Any]) -> None:
        super().on_acknowledged(event)
        self.executor.acknowledged(event["task_id"]["value"], event["uuid"])

    def on_close(self) -> None:
        if not self.executor.finished.is_set():
            super().on_close()  # lost the agent: pymesos shuts us down unless checkpointing
        elif self._conn is not None:
            self._conn.close()
            self._conn = None


class DriverSink:
    """Sends status updates through the driver; the uuid is set here so its ack can be matched.

    One sender thread sends them in order, so a launch never waits for the agent to answer:
    a burst of LAUNCHes spawns its commands back to back.
    """

    def __init__(self, executor: DromosExecutor) -> None:
        self._executor = executor
        self._outbox: queue.SimpleQueue[tuple[TaskStatus, dict[str, Any]] | None] = (
            queue.SimpleQueue()
        )
        self._sender = threading.Thread(target=self._send_all, name="status-sender", daemon=True)
        self._sender.start()

    def send(self, status: TaskStatus) -> None:
        payload = status.to_mesos(self._executor.driver.executor_id["value"])
        payload["uuid"] = encode_data(uuid.uuid4().bytes)
        if status.state.is_terminal:
            self._executor.terminal_update_sending(status.task_id, payload["uuid"])
        self._outbox.put((status, payload))

    def flush(self, timeout_s: float) -> None:
        """Send what is queued, then stop sending."""
        self._outbox.put(None)
        self._sender.join(timeout_s)

    def _send_all(self) -> None:
        # Status traffic is bookkeeping: at an instant when many tasks start, their commands
        # get the CPU first (a thread's nice value is its own on Linux).
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), STATUS_NICE)
        while (item := self._outbox.get()) is not None:
            status, payload = item
            try:
                self._executor.driver.sendStatusUpdate(payload)
            except (RuntimeError, OSError, http.client.HTTPException) as exc:
                log.error("could not send %s for task %s: %s",
                          status.state.value, status.task_id, exc)


class DromosExecutor(Executor):
    """pymesos callbacks; every decision is the Orchestrator's."""

    def __init__(self, single_task: bool = False) -> None:
        self.single_task = single_task
        self.finished = threading.Event()
        self.driver = DromosExecutorDriver(self)
        sandboxes = SandboxLayout.from_environment(os.environ, single_task)
        self.sink = DriverSink(self)
        self.orchestrator = Orchestrator(self.sink, sandboxes)
        self._first_task: str | None = None
        self._awaited_ack: str | None = None

    def run(self) -> None:
        """Serve until SHUTDOWN, loss of the agent, SIGTERM, or (single task) the acked end.

        Must run on the main thread. Tasks still running at the end are killed.
        """
        signal.signal(signal.SIGTERM, lambda signum, frame: self.finished.set())
        self.driver.start()
        try:
            while not self.finished.wait(0.5) and not self.driver.aborted:
                pass
        finally:
            self.finished.set()
            self.orchestrator.shutdown(self._shutdown_grace_s())
            self.sink.flush(SHUTDOWN_MARGIN_S)
            self.driver.stop()
            self.driver.join()

    # pymesos callbacks (names are pymesos')

    def registered(
        self, driver: Any, executor_info: Any, framework_info: Any, agent_info: Any
    ) -> None:
        capabilities = {c.get("type") for c in framework_info.get("capabilities", [])}
        self.orchestrator.announce_killing = "TASK_KILLING_STATE" in capabilities
        log.info(
            "registered as %s of framework %s on agent %s",
            executor_info["executor_id"]["value"],
            framework_info["id"]["value"],
            agent_info.get("hostname"),
        )

    def reregistered(self, driver: Any, agent_info: Any) -> None:
        log.info("re-registered with agent %s", agent_info.get("hostname"))

    def disconnected(self, driver: Any) -> None:
        log.warning("disconnected from the agent")

    def launchTask(self, driver: Any, task: Any) -> None:
        if self._first_task is None:
            self._first_task = task["task_id"]["value"]
        self.orchestrator.launch(task)

    def launchTaskGroup(self, driver: Any, task_infos: Any) -> None:
        for task in task_infos:
            self.launchTask(driver, task)

    def killTask(self, driver: Any, task_id: Any) -> None:
        self.kill_task(task_id["value"], None)

    def frameworkMessage(self, driver: Any, message: Any) -> None:
        log.info("framework message ignored (%d bytes)", len(message or ""))

    def shutdown(self, driver: Any) -> None:
        # Blocks until the tasks have ended: pymesos aborts the driver when this returns
        # (SHUTDOWN, or the agent lost). run() repeats the shutdown for the other ends.
        grace_s = self._shutdown_grace_s()
        log.info("shutting down: killing all tasks with a %.1fs grace period", grace_s)
        self.orchestrator.shutdown(grace_s)
        self.finished.set()

    def error(self, driver: Any, message: str) -> None:
        log.error("error from the agent: %s", message)

    # driver extensions

    def kill_task(self, task_id: str, grace_s: float | None) -> None:
        self.orchestrator.kill(task_id, grace_s)

    def terminal_update_sending(self, task_id: str, update_uuid: str) -> None:
        """In single-task mode, exit once this update is acked, or after ACK_TIMEOUT_S."""
        if self.single_task and task_id == self._first_task:
            self._awaited_ack = update_uuid
            timer = threading.Timer(ACK_TIMEOUT_S, self.finished.set)
            timer.daemon = True
            timer.start()

    def acknowledged(self, task_id: str, update_uuid: str) -> None:
        if update_uuid == self._awaited_ack:
            log.info("terminal update of task %s acknowledged; exiting", task_id)
            self.finished.set()

    def _shutdown_grace_s(self) -> float:
        given = "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD" in os.environ
        grace_s = self.driver.grace_shutdown_period if given else DEFAULT_SHUTDOWN_GRACE_S
        return max(0.0, float(grace_s) - SHUTDOWN_MARGIN_S)
