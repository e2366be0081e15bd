"""An app's instances counted for scaling and deployments, from the tracker's counts.

Reconcile and every deployment step ask "how many are there, live, ready, of the current
config" on each turn an app's tasks change. The tracker keeps the counts by class of task
(`InstanceKey`) as tasks change, so an answer costs the few classes an app has, not a
walk of its instances. Only two things still walk them: choosing whom to kill (when a
kill is due), and readiness checks, which are per task and held by the deployment
(for apps that have one, while a deployment checks them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from scheduler.apps.model import AppDefinition
from scheduler.apps.versions import config_version
from scheduler.deployments.rolling import InstanceView, Tally
from scheduler.launch.tasks import Goal, InstanceKey, TaskRecord, TaskTracker


class ReadinessPending(Protocol):
    def pending(self, record: TaskRecord, app: AppDefinition) -> bool: ...


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
        if not app.readiness_checks:
            return 0
        return sum(1 for r in self._tracker.of(app.id) if r.is_running and not r.is_terminal
                   and self._readiness.pending(r, app))

    def _readiness_pending(self, app: AppDefinition) -> Iterator[TaskRecord]:
        """Tasks the counts call ready but whose readiness check has not passed yet."""
        if not app.readiness_checks:
            return
        for record in self._tracker.of(app.id):
            key = InstanceKey.of(record)
            if (not record.is_terminal and key.running and key.goal is Goal.RUNNING
                    and _passes_health(key, app) and self._readiness.pending(record, app)):
                yield record


def _passes_health(key: InstanceKey, app: AppDefinition) -> bool:
    return key.running and (not app.health_checks or key.healthy is True)
