"""An app's instances counted for scaling and deployments, from the tracker's counts.

Reconcile and every deployment step ask "how many are there, live, ready, of the current
config" on each turn an app's tasks change. The tracker keeps the counts by class of task
(`InstanceKey`) as tasks change, so an answer costs the few classes an app has, not a
walk of its instances. Only two things still walk them: choosing whom to kill (when a
kill is due), and readiness checks, which are per task and held by the deployment
(for apps that have one, while a deployment checks them).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Iterator
from typing import Protocol

from scheduler.apps.model import AppDefinition
from scheduler.apps.versions import config_version
from scheduler.deployments.rolling import InstanceView, Tally
from scheduler.launch.tasks import Aged, Goal, InstanceKey, TaskRecord, TaskTracker


class ReadinessPending(Protocol):
    def pending(self, record: TaskRecord, app: AppDefinition) -> bool: ...

    def waiting(self, app_id: str) -> frozenset[str]: ...


class InstanceTallies:
    def __init__(self, tracker: TaskTracker, readiness: ReadinessPending) -> None:
        self._tracker = tracker
        self._readiness = readiness

    # per task ---------------------------------------------------------------------------
    def is_ready(self, record: TaskRecord, app: AppDefinition | None) -> bool:
        if not record.is_running or record.goal is not Goal.RUNNING:
            return False
        if app is None:
            return True
        healthy = not app.health_checks or record.healthy is True
        return healthy and not self._readiness.pending(record, app)

    def view(self, record: TaskRecord, app: AppDefinition) -> InstanceView:
        return InstanceView(record.task_id, self.is_ready(record, app),
                            record.goal is Goal.KILL, record.staged_at)

    # counts -----------------------------------------------------------------------------
    def live_count(self, app_id: str) -> int:
        """Tasks of the app that are not terminal, inactive ones included."""
        return sum(self._tracker.counts(app_id).values())

    def by_version(self, app: AppDefinition) -> dict[str, Tally]:
        """Instances that count towards the target (not inactive), by config version."""
        tallies: dict[str, Tally] = {}
        for key, n in self._tracker.counts(app.id).items():
            if key.inactive:
                continue
            live = key.goal is Goal.RUNNING
            ready = live and _passes_health(key, app)
            tallies[key.config_version] = tallies.get(key.config_version, Tally()) + Tally(
                n, n if live else 0, n if ready else 0)
        for record in self._readiness_pending(app):
            if not record.inactive:
                t = tallies[record.config_version]
                tallies[record.config_version] = Tally(t.total, t.live, t.ready - 1)
        return tallies

    def of_app(self, app: AppDefinition) -> Tally:
        return sum(self.by_version(app).values(), Tally())

    def old_and_new(self, app: AppDefinition) -> tuple[Tally, Tally]:
        """The instances of other configs than the app's (a restart replaces them), and of
        its own."""
        tallies = self.by_version(app)
        new = tallies.pop(config_version(app), Tally())
        return sum(tallies.values(), Tally()), new

    def unhealthy_count(self, app: AppDefinition) -> int:
        """Running tasks, inactive or being killed included, whose health check fails."""
        if not app.health_checks:
            return 0
        return sum(n for key, n in self._tracker.counts(app.id).items()
                   if key.running and not key.healthy)

    def unready_count(self, app: AppDefinition) -> int:
        """Running tasks that still wait on their readiness check."""
        return sum(1 for r in self._waiting(app) if r.is_running)

    def kill_order(self, app: AppDefinition, count: int, youngest_first: bool,
                   keep_version: str | None = None) -> list[str]:
        """The `count` live instances to kill first (not inactive, not being killed, not of
        `keep_version`): those not ready, then the ready ones, each by age, oldest first
        unless `youngest_first` (`rolling.kill_order` of their views). It costs `count`
        and the app's classes and readiness waits, not a walk of its instances."""
        if count <= 0:
            return []
        waiting = {r.task_id: r for r in self._waiting(app)}
        unready: list[list[Aged]] = []
        ready: list[list[Aged]] = []
        for key, members in self._tracker.members(app.id).items():
            if key.inactive or key.goal is not Goal.RUNNING or key.config_version == keep_version:
                continue
            (ready if _passes_health(key, app) else unready).append(members)
        # Ready by their class, but their readiness check has not passed yet.
        held = sorted(self._tracker.aged(r) for r in waiting.values()
                      if r.goal is Goal.RUNNING and not r.inactive
                      and r.config_version != keep_version
                      and _passes_health(InstanceKey.of(r), app))
        chosen = [task_id for *_, task_id in itertools.islice(
            _by_age([*unready, held], youngest_first), count)]
        if len(chosen) < count:
            for *_, task_id in _by_age(ready, youngest_first):
                if task_id not in waiting:
                    chosen.append(task_id)
                    if len(chosen) == count:
                        break
        return chosen

    def _waiting(self, app: AppDefinition) -> Iterator[TaskRecord]:
        """Live tasks whose readiness check has not passed yet."""
        if not app.readiness_checks:
            return
        for task_id in self._readiness.waiting(app.id):
            record = self._tracker.get(task_id)
            if record is not None and not record.is_terminal and self._readiness.pending(
                    record, app):
                yield record

    def _readiness_pending(self, app: AppDefinition) -> Iterator[TaskRecord]:
        """Tasks the counts call ready but whose readiness check has not passed yet."""
        for record in self._waiting(app):
            key = InstanceKey.of(record)
            if key.running and key.goal is Goal.RUNNING and _passes_health(key, app):
                yield record


def _by_age(lists: list[list[Aged]], youngest_first: bool) -> Iterator[Aged]:
    """The members of several age-ordered lists, merged oldest (or youngest) first; tasks
    of the same age in the order the tracker first saw them, either way (as a stable sort
    of the app's tasks by age would give them)."""
    if youngest_first:
        return heapq.merge(*(_youngest_first(m) for m in lists), key=lambda a: (-a[0], a[1]))
    return heapq.merge(*lists)


def _youngest_first(aged: list[Aged]) -> Iterator[Aged]:
    end = len(aged)
    while end:
        start = bisect.bisect_left(aged, (aged[end - 1][0],), 0, end)  # its age's first
        yield from aged[start:end]
        end = start


def _passes_health(key: InstanceKey, app: AppDefinition) -> bool:
    return key.running and (not app.health_checks or key.healthy is True)
