"""The dependent-job trigger rule as plain, persistable state.

A dependent job becomes due once every parent has completed (succeeded, or failed with
`softError`) since the dependent last started; its start resets the cycle. Chronos kept
these facts as in-memory edge counters and lost them on failover (#811); here they are a
plain dict the caller persists with every change (`to_dict`/`from_dict`).

The rule is level-triggered: `on_parent_done` answers True whenever all parents are done,
including again after a second completion of a parent before the child started. The runs
engine must therefore not queue a second dependent run while one is pending.
Changing a child's parents keeps the facts of the parents it still has (Chronos dropped
pending triggers on edit, #439).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class DependencyState:
    """For each dependent job: parent name -> completed since the child last started."""

    def __init__(self) -> None:
        self._done: dict[str, dict[str, bool]] = {}

    def set_parents(self, child: str, parents: Iterable[str]) -> None:
        """Track `child` with these parents, keeping what is known about parents it keeps."""
        known = self._done.get(child, {})
        fresh = {parent: known.get(parent, False) for parent in parents}
        if fresh:
            self._done[child] = fresh
        else:
            self._done.pop(child, None)

    def forget(self, job: str) -> None:
        """`job` is gone: drop it as a child and as a parent."""
        self._done.pop(job, None)
        for done in self._done.values():
            done.pop(job, None)

    def on_parent_done(self, parent: str, child: str) -> bool:
        """Record that `parent` completed; True if `child` now has every parent done."""
        done = self._done.get(child)
        if done is None or parent not in done:
            return False
        done[parent] = True
        return all(done.values())

    def on_child_started(self, child: str) -> None:
        """`child` started (or was marked successful by hand): a new cycle begins."""
        if child in self._done:
            self._done[child] = dict.fromkeys(self._done[child], False)

    def waiting_on(self, child: str) -> tuple[str, ...]:
        """The parents `child` still waits for, in parent order."""
        return tuple(parent for parent, done in self._done.get(child, {}).items() if not done)

    def to_dict(self) -> dict[str, dict[str, bool]]:
        return {child: dict(done) for child, done in self._done.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, bool]]) -> DependencyState:
        state = cls()
        state._done = {child: {p: bool(d) for p, d in done.items()} for child, done in data.items()}
        return state
