"""Readiness checks: a task a deployment started counts only once its app says it is ready.

While a deployment step scales or restarts an app with a readiness check, each task
staged since the deployment began is probed (HTTP/HTTPS, through the health engine)
until it answers one of `httpStatusCodesForReady`; until then `pending` holds and the
step and the rolling arithmetic wait. Probing stops once a task is ready; results are
kept for /v2/deployments and AppInfo until the step ends. Nothing is stored: after a
scheduler restart the checks simply run again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from scheduler.apps.model import AppDefinition, ReadinessCheck
from scheduler.apps.ports import AppsView
from scheduler.deployments.plan import ActionKind, Deployment
from scheduler.health import probes
from scheduler.health.engine import READINESS_INDEX, EnginePort, ProbeReport
from scheduler.launch.tasks import Goal, TaskRecord

log = logging.getLogger(__name__)

Json = dict[str, Any]


class RunningDeployments(Protocol):
    """The plans running now (the `DeploymentManager`)."""

    @property
    def running(self) -> dict[str, Deployment]: ...

    def status_changed(self, app_id: str) -> None:
        """Publish the status of the plans acting on `app_id` now."""


@dataclass(frozen=True)
class ReadinessResult:
    ready: bool
    response: probes.HttpResponse | None = None

    def marathon_json(self, task_id: str, check: ReadinessCheck) -> Json:
        """An element of `readinessCheckResults`."""
        body: Json = {"name": check.name, "taskId": task_id, "ready": self.ready}
        if check.preserve_last_response and self.response is not None:
            body["lastResponse"] = {"status": self.response.status,
                                    "contentType": self.response.content_type,
                                    "body": self.response.body}
        return body


NOT_ANSWERED = ReadinessResult(ready=False)


class ReadinessTracker:
    """Owner-thread side of readiness checks for the app manager's deployments."""

    def __init__(self, apps: AppsView, deployments: RunningDeployments) -> None:
        self.apps = apps
        self.deployments = deployments
        self.engine: EnginePort | None = None
        # app id -> task id -> last result (None: not answered yet), for checked tasks:
        # every running task of an app under a step that must pass its check, kept so as
        # tasks change (`task_changed`), not by walking the app's tasks each turn.
        self._checked: dict[str, dict[str, ReadinessResult | None]] = {}
        # app id -> the checked tasks not ready yet
        self._waiting: dict[str, set[str]] = {}
        # probes to start and stop at the end of the turn (`flush`)
        self._to_watch: dict[str, set[str]] = {}
        self._to_unwatch: set[str] = set()

    def attach(self, engine: EnginePort) -> None:
        """Probe through `engine` from now on, starting with the tasks already waiting."""
        self.engine = engine
        for app_id, checked in self._checked.items():
            app = self.apps.apps.get(app_id)
            waiting = [self.apps.fw.tracker.get(t) for t, result in checked.items()
                       if result is None or not result.ready]
            if app is not None:
                engine.watch(self._targets(app, [r for r in waiting if r is not None]))

    # reads ------------------------------------------------------------------------------
    def pending(self, record: TaskRecord, app: AppDefinition) -> bool:
        """The task must still pass its readiness check before it counts as ready."""
        if not app.readiness_checks:
            return False
        since = self._deploying_since(app.id)
        if since is None or record.staged_at < since:
            return False
        result = self._checked.get(app.id, {}).get(record.task_id)
        return result is None or not result.ready

    def waiting(self, app_id: str) -> frozenset[str]:
        """The tasks of the app whose readiness check has not passed yet (of those that
        must pass it: running ones staged during the app's step)."""
        return frozenset(self._waiting.get(app_id, ()))

    def results_json(self, app_id: str) -> list[Json]:
        """`readinessCheckResults` of an app: the tasks checked during its step, a task
        that has not answered yet as not ready (so discovery leaves it out until it is)."""
        app = self.apps.apps.get(app_id)
        if app is None or not app.readiness_checks:
            return []
        check = app.readiness_checks[0]
        results = self._checked.get(app_id, {})  # kept as tasks change: no walk of the app
        return [(result or NOT_ANSWERED).marathon_json(task_id, check)
                for task_id, result in sorted(results.items())]

    # changes ----------------------------------------------------------------------------
    def task_changed(self, record: TaskRecord) -> None:
        """One task changed: check it if it must pass the check now, forget it if it need
        not any more (the probes start or stop at `flush`)."""
        app_id, task_id = record.run_spec_id, record.task_id
        checked = self._checked.get(app_id)
        app = self.apps.apps.get(app_id)
        if checked is None and (app is None or not app.readiness_checks):
            return
        since = self._deploying_since(app_id) if app and app.readiness_checks else None
        wanted = (since is not None and record.is_running and record.goal is Goal.RUNNING
                  and record.staged_at >= since)
        if wanted and (checked is None or task_id not in checked):
            self._checked.setdefault(app_id, {})[task_id] = None
            self._waiting.setdefault(app_id, set()).add(task_id)
            self._to_watch.setdefault(app_id, set()).add(task_id)
            self._to_unwatch.discard(task_id)
        elif not wanted and checked is not None and task_id in checked:
            del checked[task_id]
            if not checked:
                del self._checked[app_id]
            self._not_waiting(app_id, task_id)
            self._to_watch.get(app_id, set()).discard(task_id)
            self._to_unwatch.add(task_id)

    def flush(self) -> None:
        """Start and stop the probes `task_changed` decided this turn."""
        watch, self._to_watch = self._to_watch, {}
        unwatch, self._to_unwatch = self._to_unwatch, set()
        if self.engine is None:
            return
        if unwatch:
            self.engine.unwatch((t, READINESS_INDEX) for t in sorted(unwatch))
        for app_id, task_ids in sorted(watch.items()):
            app = self.apps.apps.get(app_id)
            checked = self._checked.get(app_id, {})
            if app is None or not app.readiness_checks or not task_ids:
                continue
            records = [self.apps.fw.tracker.get(t) for t in sorted(task_ids) if t in checked]
            self.engine.watch(self._targets(app, [r for r in records if r is not None]))

    def sync(self, app_id: str) -> None:
        """Check the app's tasks that must pass the check; forget those that need not (a
        walk of the app's tasks: when its step begins or ends)."""
        self.flush()
        app = self.apps.apps.get(app_id)
        since = self._deploying_since(app_id) if app and app.readiness_checks else None
        wanted = set() if since is None else {
            r.task_id for r in self.apps.tasks(app_id)
            if r.is_running and r.goal is Goal.RUNNING and r.staged_at >= since
        }
        checked = self._checked.pop(app_id, {})
        gone = [t for t in checked if t not in wanted]
        fresh = [t for t in wanted if t not in checked]
        for task_id in gone:
            del checked[task_id]
        checked.update((task_id, None) for task_id in fresh)
        if checked:
            self._checked[app_id] = checked
            self._waiting[app_id] = {t for t, r in checked.items() if r is None or not r.ready}
        else:
            self._waiting.pop(app_id, None)
        if self.engine is None:
            return
        if gone:
            self.engine.unwatch((t, READINESS_INDEX) for t in gone)
        if fresh and app is not None:
            records = [self.apps.fw.tracker.get(t) for t in sorted(fresh)]
            self.engine.watch(self._targets(app, [r for r in records if r is not None]))

    def apply(self, reports: Iterable[ProbeReport]) -> None:
        """Engine reports (on the owner thread); a task that became ready moves its app on."""
        changed: set[str] = set()
        for report in reports:
            task_id = report.key[0]
            record = self.apps.fw.tracker.get(task_id)
            checked = self._checked.get(record.run_spec_id, {}) if record else {}
            if record is None or task_id not in checked:
                continue
            ready = report.outcome.verdict is probes.Verdict.HEALTHY
            checked[task_id] = ReadinessResult(ready, report.outcome.response)
            self.apps.fw.changes.app(record.run_spec_id)  # its readinessCheckResults
            if ready:
                self._not_waiting(record.run_spec_id, task_id)
                if self.engine is not None:
                    self.engine.unwatch([(task_id, READINESS_INDEX)])
                changed.add(record.run_spec_id)
        for app_id in sorted(changed):
            # Marathon keeps readiness in the deployment's status; its `deployment_info` is
            # also how `dromos lb` and the DNS learn that the task may join.
            self.deployments.status_changed(app_id)
            self.apps.checks_changed(app_id)

    # internals --------------------------------------------------------------------------
    def _not_waiting(self, app_id: str, task_id: str) -> None:
        waiting = self._waiting.get(app_id)
        if waiting is not None:
            waiting.discard(task_id)
            if not waiting:
                del self._waiting[app_id]

    def _deploying_since(self, app_id: str) -> float | None:
        """When the deployment that now scales or restarts the app began, if one does."""
        starts = [d.started_at for d in self.deployments.running.values()
                  for a in d.current_actions
                  if a.app_id == app_id and a.kind in (ActionKind.SCALE, ActionKind.RESTART)]
        return min(starts) if starts else None

    def _targets(self, app: AppDefinition, records: list[TaskRecord]) -> list[probes.Target]:
        check = app.readiness_checks[0]
        index = app.port_names.index(check.port_name)
        targets = []
        for record in records:
            if index >= len(record.ports):
                log.warning("task %s has no port %r for its readiness check", record.task_id,
                            check.port_name)
                continue
            targets.append(probes.Target(
                key=(record.task_id, READINESS_INDEX), host=record.hostname,
                port=record.ports[index], protocol=probes.Protocol(check.protocol),
                path=check.path, interval_s=check.interval_seconds,
                timeout_s=check.timeout_seconds,
                ready_statuses=check.http_status_codes_for_ready,
                keep_response=check.preserve_last_response,
            ))
        return targets
