"""The next slot of every scheduled job, earliest first: what the one job timer waits for."""

from __future__ import annotations

import heapq


class Timeline:
    """A heap of (when, job) with lazy deletion; `when` is epoch seconds."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, str]] = []
        self._next: dict[str, float] = {}

    def set(self, job: str, when: float | None) -> None:
        """`job` is next due at `when` (None: not at all)."""
        if when is None:
            self._next.pop(job, None)
            return
        if self._next.get(job) == when:
            return
        self._next[job] = when
        heapq.heappush(self._heap, (when, job))

    def earliest(self) -> float | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> list[str]:
        """Jobs due at or before `now`, earliest first; they leave the timeline."""
        due = []
        while (when := self.earliest()) is not None and when <= now:
            _, job = heapq.heappop(self._heap)
            del self._next[job]
            due.append(job)
        return due

    def _drop_stale(self) -> None:
        while self._heap and self._next.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)
