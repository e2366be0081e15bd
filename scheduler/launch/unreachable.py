"""Tasks on agents Mesos lost, as Marathon's unreachableStrategy treats them.

Dromos registers PARTITION_AWARE, so a task on an agent that stopped answering is
TASK_UNREACHABLE (not terminal: the agent may come back) rather than TASK_LOST. Two
deadlines count from the time Mesos marked it unreachable (its `unreachable_time`):

- inactive after: its owner no longer counts it (an app launches a replacement), but Dromos
  keeps it, shown as TASK_UNREACHABLE, in case it comes back;
- expunge after: Dromos forgets it (recorded as TASK_LOST); should it come back later it
  is a task Dromos does not know, and is killed.

A task that reports again before it is expunged is active again (an app then kills its
surplus). With no deadline (`disabled`, and job runs: see scheduler/jobs/runs.py) a task
waits for its agent however long that takes. Killing an unreachable task asks Mesos for
nothing (the agent would not answer): it is expunged, and killed should it come back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mesos_vocab.states import TaskState
from scheduler.base.clock import Clock
from scheduler.base.core import Core, Timer

Json = dict[str, Any]
# States in which a task may still come back; any other state ends the wait.
WAITING_STATES = frozenset({TaskState.UNREACHABLE, TaskState.UNKNOWN})


@dataclass(frozen=True)
class UnreachableWait:
    """Seconds from unreachable to inactive and to expunged; None: never."""

    inactive_after_s: float | None
    expunge_after_s: float | None


NEVER = UnreachableWait(None, None)
AT_ONCE = UnreachableWait(0.0, 0.0)


def unreachable_since(status: Json, now: float) -> float:
    """When Mesos marked the task unreachable (epoch seconds), else now; never later."""
    nanos = (status.get("unreachable_time") or {}).get("nanoseconds")
    return now if not isinstance(nanos, int) else min(now, nanos / 1e9)


class UnreachableTasks:
    """The deadlines of each waiting task, as core timers."""

    def __init__(
        self,
        core: Core,
        clock: Clock,
        inactivate: Callable[[str], None],
        expunge: Callable[[str, Json], None],
    ) -> None:
        self.core = core
        self.clock = clock
        self.inactivate = inactivate
        self.expunge = expunge
        # The wait of a run spec's task in a state (wired by the runtime: apps' strategy).
        self.wait_of: Callable[[str, str], UnreachableWait] = lambda run_spec_id, state: AT_ONCE
        self._timers: dict[str, list[Timer]] = {}
        self._armed: dict[str, UnreachableWait] = {}

    def observe(self, task_id: str, run_spec_id: str, state: str, status: Json) -> None:
        """A status of a known task: a waiting state arms its deadlines, others end them."""
        if state not in WAITING_STATES:
            self.end(task_id)
            return
        wait = self.wait_of(run_spec_id, state)
        armed = self._armed.get(task_id)
        if armed == wait:
            return  # its deadlines run from the first such status
        if armed is not None:
            self.end(task_id)  # a wait of another length (a job's task Mesos forgot)
        now = self.clock.now()
        waited = now - unreachable_since(status, now)
        timers = []
        inactive, expunge = wait.inactive_after_s, wait.expunge_after_s
        if inactive is not None and inactive != expunge:
            timers.append(self.core.call_later(
                max(0.0, inactive - waited), lambda: self.inactivate(task_id)))
        if expunge is not None:
            timers.append(self.core.call_later(
                max(0.0, expunge - waited), lambda: self._expunge(task_id, status)))
        self._timers[task_id] = timers
        self._armed[task_id] = wait

    def end(self, task_id: str) -> None:
        """The task no longer waits (it came back, or ended): its deadlines go."""
        self._armed.pop(task_id, None)
        for timer in self._timers.pop(task_id, []):
            timer.cancel()

    def _expunge(self, task_id: str, status: Json) -> None:
        self.end(task_id)
        self.expunge(task_id, status)
