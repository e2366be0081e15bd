"""Task requests waiting for offers: app instances and job runs, in one queue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scheduler.base.changes import Changes
from scheduler.launch.task_request import TaskRequest


@dataclass(frozen=True)
class Queued:
    """A request, when it was queued, and its priority (lower goes first)."""

    request: TaskRequest
    since: float
    priority: int = 1


class LaunchQueue:
    """Requests by task id, served by priority then age; `reasons` says why each waits."""

    def __init__(self, changes: Changes | None = None) -> None:
        self._changes = changes or Changes()
        self._items: dict[str, Queued] = {}
        self._by_spec: dict[str, dict[str, Queued]] = {}
        self.reasons: dict[str, str] = {}

    def add(self, request: TaskRequest, now: float, priority: int = 1) -> None:
        self.remove(request.task_id)
        queued = Queued(request, now, priority)
        self._changes.queued(request.run_spec_id)
        self._items[request.task_id] = queued
        self._by_spec.setdefault(request.run_spec_id, {})[request.task_id] = queued

    def remove(self, task_id: str) -> Queued | None:
        self.reasons.pop(task_id, None)
        queued = self._items.pop(task_id, None)
        if queued is not None:
            self._changes.queued(queued.request.run_spec_id)
            spec = self._by_spec[queued.request.run_spec_id]
            del spec[task_id]
            if not spec:
                del self._by_spec[queued.request.run_spec_id]
        return queued

    def reasons_changed(self) -> None:
        """A matching round set `reasons` and the offer counts: every queued run spec's
        entry of /v2/queue is to be shown anew."""
        self._changes.queue.update(self._by_spec)

    def remove_run_spec(self, run_spec_id: str) -> list[Queued]:
        gone = self.of(run_spec_id)
        for queued in gone:
            self.remove(queued.request.task_id)
        return gone

    def of(self, run_spec_id: str) -> list[Queued]:
        return list(self._by_spec.get(run_spec_id, {}).values())

    def count(self, run_spec_id: str) -> int:
        return len(self._by_spec.get(run_spec_id, ()))

    def first(self, run_spec_id: str) -> Queued:
        """The run spec's request queued first (of those it has: check `count`)."""
        return next(iter(self._by_spec[run_spec_id].values()))

    def run_spec_ids(self) -> set[str]:
        return set(self._by_spec)

    def ready(self, delayed: Callable[[str], bool]) -> list[TaskRequest]:
        """Requests whose run spec is not held back by `delayed`, in serving order."""
        items = sorted(self._items.values(), key=lambda q: (q.priority, q.since))
        return [q.request for q in items if not delayed(q.request.run_spec_id)]

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._items

    def __iter__(self) -> Iterator[Queued]:
        return iter(list(self._items.values()))
