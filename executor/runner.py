"""The orchestrator: launches, kills and shuts down the tasks of one executor."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from executor.clock import Clock, SystemClock
from executor.sandbox import SandboxLayout
from executor.starter import Starter
from executor.status import TASK_INVALID, StatusSink, TaskState, TaskStatus
from executor.task_runner import TaskRunner
from executor.task_spec import InvalidTask, parse_task

MULTIPLE_TASKS_MESSAGE = 'Attempted to run multiple tasks using a "command" executor'

log = logging.getLogger(__name__)


class Orchestrator:
    """Runs many tasks (or, in single-task mode, exactly one), each with its own TaskRunner.

    Called from the Mesos adapter's callbacks; independent of pymesos so tests drive it directly.
    """

    def __init__(
        self,
        sink: StatusSink,
        sandboxes: SandboxLayout,
        clock: Clock | None = None,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        self._sink = sink
        self._sandboxes = sandboxes
        self._clock = clock or SystemClock()
        self._base_env = dict(os.environ if base_env is None else base_env)
        self._cond = threading.Condition()
        self._live: dict[str, TaskRunner] = {}
        self._launched = 0
        self._shutting_down = False
        self._starter = Starter(self._clock)
        self.announce_killing = False

    @property
    def single_task(self) -> bool:
        return self._sandboxes.single_task

    def launch(self, task_info: Mapping[str, Any]) -> None:
        """Start a task from its TaskInfo; a task that cannot start gets TASK_FAILED.

        A task whose `start_at` is in the future is prepared and parked now and started by the
        Starter at that instant (a monotonic deadline, fixed on receipt).
        """
        received, wall = self._clock.monotonic(), self._clock.time()
        try:
            spec = parse_task(task_info)
        except InvalidTask as exc:
            self._reject(task_info, str(exc), TASK_INVALID)
            return
        with self._cond:
            if spec.task_id in self._live:
                log.warning("task %s is already running here; ignoring its LAUNCH", spec.task_id)
                return
            refusal = self._refusal()
            if refusal is None:
                runner = TaskRunner(
                    spec,
                    self._sandboxes,
                    self._sink,
                    self._on_done,
                    self._clock,
                    self._base_env,
                    self.announce_killing,
                )
                self._live[spec.task_id] = runner
                self._launched += 1
        if refusal is not None:
            self._reject(task_info, refusal)
            return
        delay_s = 0.0 if spec.start_at is None else spec.start_at - wall
        if spec.command.uris:
            # Fetching may take long: off the Mesos event thread, so kills and launches go on.
            threading.Thread(target=self._start, args=(runner, received, delay_s),
                             name=f"fetch-{spec.task_id}", daemon=True).start()
        else:
            self._start(runner, received, delay_s)

    def _start(self, runner: TaskRunner, received: float, delay_s: float) -> None:
        if delay_s <= 0:
            runner.launch()
        elif runner.prepare() and runner.park():
            self._starter.add(runner, received + delay_s)

    def kill(self, task_id: str, grace_s: float | None = None) -> None:
        """Kill a task; `grace_s` (from the KILL's kill_policy) overrides the task's own."""
        with self._cond:
            runner = self._live.get(task_id)
        if runner is None:
            log.warning("asked to kill task %s, which is not running here", task_id)
            return
        runner.kill(grace_s)

    def shutdown(self, grace_s: float) -> bool:
        """Kill every task with `grace_s` and wait for their terminal updates.

        Later launches are refused. Returns False if some task outlived grace plus a margin.
        """
        with self._cond:
            self._shutting_down = True
            runners = list(self._live.values())
        self._starter.stop()
        for runner in runners:
            runner.kill(grace_s)
        return self.wait_idle(grace_s + 2.0)

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no task is running; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._live, timeout_s)

    def _refusal(self) -> str | None:
        if self.single_task and self._launched:
            return MULTIPLE_TASKS_MESSAGE
        if self._shutting_down:
            return "Executor is shutting down"
        return None

    def _reject(
        self, task_info: Mapping[str, Any], message: str, reason: str | None = None
    ) -> None:
        task_id = task_info.get("task_id")
        if isinstance(task_id, Mapping):
            task_id = task_id.get("value")
        log.warning("refusing task %s: %s", task_id, message)
        if task_id:
            self._sink.send(TaskStatus(str(task_id), TaskState.FAILED, message, reason=reason))

    def _on_done(self, task_id: str) -> None:
        with self._cond:
            self._live.pop(task_id, None)
            self._cond.notify_all()
