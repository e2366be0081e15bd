"""Task requests waiting for offers: app instances and job runs, in one queue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scheduler.launch.task_request import TaskRequest


@dataclass(frozen=True)
class Queued:
    """A request, when it was queued, and its priority (lower goes first)."""

    request: TaskRequest
    since: float
    priority: int = 1


class LaunchQueue:
    """Requests by task id, served by priority then age; `reasons` says why each waits."""

    def __init__(self) -> None:
        self._items: dict[str, Queued] = {}
        self.reasons: dict[str, str] = {}

    def add(self, request: TaskRequest, now: float, priority: int = 1) -> None:
        self._items[request.task_id] = Queued(request, now, priority)

    def remove(self, task_id: str) -> Queued | None:
        self.reasons.pop(task_id, None)
        return self._items.pop(task_id, None)

    def remove_run_spec(self, run_spec_id: str) -> list[Queued]:
        gone = [q for q in self._items.values() if q.request.run_spec_id == run_spec_id]
        for queued in gone:
            self.remove(queued.request.task_id)
        return gone

    def of(self, run_spec_id: str) -> list[Queued]:
        return [q for q in self._items.values() if q.request.run_spec_id == run_spec_id]

    def run_spec_ids(self) -> set[str]:
        return {q.request.run_spec_id for q in self._items.values()}

    def ready(self, delayed: Callable[[str], bool]) -> list[TaskRequest]:
        """Requests whose run spec is not held back by `delayed`, in serving order."""
        items = sorted(self._items.values(), key=lambda q: (q.priority, q.since))
        return [q.request for q in items if not delayed(q.request.run_spec_id)]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Queued]:
        return iter(list(self._items.values()))
