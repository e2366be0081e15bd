"""Tasks on agents Mesos lost, as Marathon's unreachableStrategy treats them.

Dromos registers PARTITION_AWARE, so a task on an agent that stopped answering is
TASK_UNREACHABLE (not terminal: the agent may come back) rather than TASK_LOST. Once it has
been unreachable for its app's inactiveAfterSeconds (0 by default: at once) Dromos gives
it up: the task is recorded as TASK_LOST, so its app replaces it, and should it come back
later Dromos no longer knows it and kills it, so the app never runs more instances than
asked. Coming back earlier is just a status. With `disabled` it is never given up.
Unlike Marathon, giving up also forgets the task (expunge is taken to be inactiveAfter).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mesos_vocab.states import TaskState
from scheduler.base.core import Core, Timer

Json = dict[str, Any]
# States in which a task may still come back; any other state ends the wait.
WAITING_STATES = frozenset({TaskState.UNREACHABLE, TaskState.UNKNOWN})


class UnreachableTasks:
    """One timer per unreachable task; `give_up(task_id, status)` when it fires."""

    def __init__(self, core: Core, give_up: Callable[[str, Json], None]) -> None:
        self.core = core
        self.give_up = give_up
        # The wait for a run spec's tasks (apps: their strategy); jobs give up at once.
        self.wait_of: Callable[[str], float | None] = lambda run_spec_id: 0.0
        self._timers: dict[str, Timer] = {}

    def observe(self, task_id: str, run_spec_id: str, state: str, status: Json) -> None:
        if state not in WAITING_STATES:
            timer = self._timers.pop(task_id, None)
            if timer is not None:
                timer.cancel()
            return
        if task_id in self._timers:
            return
        wait = self.wait_of(run_spec_id)
        if wait is not None:
            self._timers[task_id] = self.core.call_later(wait, lambda: self._fire(task_id, status))

    def _fire(self, task_id: str, status: Json) -> None:
        self._timers.pop(task_id, None)
        self.give_up(task_id, status)
