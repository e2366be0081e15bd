"""Task health on the owner thread: feeds the engine, applies its reports, kills the hopeless.

Every running task of an app with health checks is watched. Scheduler-run checks
(HTTP, HTTPS, TCP) become engine targets; the Mesos-run one (COMMAND or MESOS_*: Mesos
carries one per task, in TaskInfo.health_check, and its command executor runs it) reports
through status updates (TaskStatus.healthy). A task is healthy when all its checks pass.
Counters live in memory; the record (healthy and extra["health"]) is written only
when the task's health changes, and seeds the counters again after a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from scheduler.apps.model import AppDefinition, HealthCheck
from scheduler.apps.pathid import instance_id_of
from scheduler.apps.ports import AppsView
from scheduler.apps.serialize import app_to_json
from scheduler.apps.validation import parse_app
from scheduler.health import probes
from scheduler.health.engine import READINESS_INDEX, EnginePort, ProbeReport
from scheduler.health.results import HealthResult, combined, next_result
from scheduler.launch.task_request import is_job
from scheduler.launch.tasks import Goal, TaskRecord

log = logging.getLogger(__name__)

Json = dict[str, Any]

KILL_REASON_UNKNOWN = "unknown"


class ReadinessPort(Protocol):
    """Where readiness probes' reports go (the `ReadinessTracker`): they share the engine."""

    def attach(self, engine: EnginePort) -> None: ...

    def apply(self, reports: Iterable[ProbeReport]) -> None: ...


@dataclass
class _Watched:
    """A task's checks (its app version's, also as JSON) and one result per check."""

    checks: tuple[HealthCheck, ...]
    checks_json: tuple[Json, ...]
    results: list[HealthResult]


def effective_checks(app: AppDefinition) -> list[tuple[HealthCheck, Json]]:
    """Scheduler-run checks, plus the first executor-run one (the only one Mesos runs)."""
    out: list[tuple[HealthCheck, Json]] = []
    executor_seen = False
    for check, data in zip(app.health_checks, app_to_json(app)["healthChecks"], strict=True):
        if check.protocol.runs_in_executor:
            if executor_seen:
                continue
            executor_seen = True
        out.append((check, data))
    return out


class HealthMonitor:
    """Owner-thread side of health checks for the app manager's tasks."""

    def __init__(self, apps: AppsView, readiness: ReadinessPort) -> None:
        self.apps = apps
        self.readiness = readiness
        self.engine: EnginePort | None = None
        self._watched: dict[str, _Watched] = {}
        # For /metrics: scheduler-run probes reported, those that failed, tasks killed.
        self.probes = 0
        self.probe_failures = 0
        self.kills = 0

    def attach(self, engine: EnginePort) -> None:
        """Start probing through `engine`, including tasks that already run."""
        self.engine = engine
        for record in self.apps.fw.tracker:
            if record.task_id not in self._watched:
                self._maybe_watch(record)
        engine.watch(t for task_id, w in self._watched.items()
                     for t in self._targets(self.apps.fw.tracker.get(task_id), w))
        self.readiness.attach(engine)

    # from AppManager ---------------------------------------------------------------------
    def app_changed(self, app_id: str, old: AppDefinition | None,
                    new: AppDefinition | None) -> None:
        """Marathon's add/remove health check events when an app's checks change."""
        old_checks = old.health_checks if old is not None else ()
        new_checks = new.health_checks if new is not None else ()
        if old_checks == new_checks:
            return
        if old_checks:
            self._publish("remove_health_check_event", appId=app_id)
        if new is not None:
            for check in app_to_json(new)["healthChecks"]:
                self._publish("add_health_check_event", appId=app_id, version=new.version,
                              healthCheck=check)

    def task_changed(self, previous: TaskRecord, record: TaskRecord, status: Json) -> None:
        if record.is_terminal or record.goal is Goal.KILL:
            self._unwatch(record.task_id)
        elif record.task_id not in self._watched and self._maybe_watch(record) and self.engine:
            self.engine.watch(self._targets(record, self._watched[record.task_id]))
        watched = self._watched.get(record.task_id)
        if watched is not None and "healthy" in status:
            self._executor_verdict(watched, bool(status["healthy"]))
            record = self._settle(record, watched)
        if previous.healthy != record.healthy and record.healthy is not None:
            self._publish_health(record)

    # from the engine (posted to the owner thread) ---------------------------------------
    def apply(self, reports: list[ProbeReport]) -> None:
        readiness = [r for r in reports if r.key[1] == READINESS_INDEX]
        if readiness:
            self.readiness.apply(readiness)
            reports = [r for r in reports if r.key[1] != READINESS_INDEX]
        changed: set[str] = set()
        self.probes += len(reports)
        self.probe_failures += sum(r.outcome.verdict is probes.Verdict.UNHEALTHY for r in reports)
        for report in reports:
            task_id, index = report.key
            record = self.apps.fw.tracker.get(task_id)
            watched = self._watched.get(task_id)
            if record is None or watched is None or index >= len(watched.checks):
                continue
            if not record.is_running or record.goal is Goal.KILL:
                continue
            if self._apply_one(record, watched, index, report):
                changed.add(record.run_spec_id)
        for app_id in sorted(changed):
            self.apps.checks_changed(app_id)

    def _apply_one(self, record: TaskRecord, watched: _Watched, index: int,
                   report: ProbeReport) -> bool:
        """Apply one report; True when the task's health changed or it was killed."""
        check = watched.checks[index]
        step = next_result(watched.results[index], report.outcome, report.at,
                           record.started_at or report.at, check)
        watched.results[index] = step.result
        self.apps.fw.changes.task(record.task_id, record.run_spec_id)  # healthCheckResults
        if step.counted:
            self._publish("failed_health_check_event", appId=record.run_spec_id,
                          instanceId=instance_id_of(record.task_id),
                          healthCheck=dict(watched.checks_json[index]))
        settled = self._settle(record, watched)
        if settled.healthy != record.healthy:
            self._publish_health(settled)
        if step.kill:
            self._kill(settled, step.result)
            return True
        return settled.healthy != record.healthy

    # reads ------------------------------------------------------------------------------
    def results_json(self, record: TaskRecord) -> list[Json]:
        """The task's `healthCheckResults` (empty until it runs)."""
        watched = self._watched.get(record.task_id)
        if watched is None:
            return []
        instance_id = instance_id_of(record.task_id)
        return [r.marathon_json(instance_id) for r in watched.results]

    # internals --------------------------------------------------------------------------
    def _maybe_watch(self, record: TaskRecord) -> bool:
        if not record.is_running or record.goal is Goal.KILL or is_job(record.run_spec_id):
            return False
        app = self._app_of(record)
        checks = effective_checks(app) if app is not None and app.health_checks else []
        if not checks:
            return False
        stored = record.extra.get("health")
        results = ([HealthResult.from_json(r) for r in stored]
                   if isinstance(stored, list) and len(stored) == len(checks)
                   else [HealthResult() for _ in checks])
        self._watched[record.task_id] = _Watched(
            tuple(c for c, _ in checks), tuple(j for _, j in checks), results
        )
        return True

    def _app_of(self, record: TaskRecord) -> AppDefinition | None:
        """The app version the task runs (its health checks may differ from the current)."""
        app = self.apps.apps.get(record.run_spec_id)
        if app is not None and app.version == record.version:
            return app
        data = self.apps.fw.store.app_version(record.run_spec_id, record.version)
        return parse_app(data) if data is not None else app

    def _targets(self, record: TaskRecord | None, watched: _Watched) -> list[probes.Target]:
        if record is None:
            return []
        targets = []
        for index, check in enumerate(watched.checks):
            if check.protocol.runs_in_executor:
                continue
            port = check.target_port(record.ports)
            if port is None:
                log.warning("task %s has no port for health check %d", record.task_id, index)
                continue
            targets.append(probes.Target(
                key=(record.task_id, index), host=record.hostname, port=port,
                protocol=probes.Protocol(check.protocol.value), path=check.path or "/",
                interval_s=check.interval_seconds, timeout_s=check.timeout_seconds,
                ignore_http1xx=check.ignore_http1xx, ipv6=check.ip_protocol == "IPv6",
            ))
        return targets

    def _unwatch(self, task_id: str) -> None:
        watched = self._watched.pop(task_id, None)
        if watched is not None and self.engine is not None:
            self.engine.unwatch((task_id, i) for i in range(len(watched.checks)))

    def _executor_verdict(self, watched: _Watched, healthy: bool) -> None:
        for index, check in enumerate(watched.checks):
            if check.protocol.runs_in_executor:
                watched.results[index] = replace(watched.results[index], alive=healthy)

    def _settle(self, record: TaskRecord, watched: _Watched) -> TaskRecord:
        """Write the task's health through when it changed; returns the current record."""
        healthy = combined(r.alive for r in watched.results)
        if healthy == record.healthy:
            return record
        extra = {**record.extra, "health": [r.to_json() for r in watched.results]}
        return self.apps.fw.tracker.update(record.task_id, healthy=healthy, extra=extra)

    def _kill(self, record: TaskRecord, result: HealthResult) -> None:
        log.info("killing task %s after %d failed health checks", record.task_id,
                 result.consecutive_failures)
        self._publish(
            "unhealthy_instance_kill_event", appId=record.run_spec_id, taskId=record.task_id,
            instanceId=instance_id_of(record.task_id), version=record.version,
            reason=result.last_failure_cause or KILL_REASON_UNKNOWN, host=record.hostname,
            slaveId=record.agent_id,
        )
        self._unwatch(record.task_id)
        self.kills += 1
        self.apps.fw.kill(record)

    def _publish_health(self, record: TaskRecord) -> None:
        instance_id = instance_id_of(record.task_id)
        self._publish("health_status_changed_event", appId=record.run_spec_id,
                      instanceId=instance_id, version=record.version, alive=record.healthy)
        self._publish("instance_health_changed_event", instanceId=instance_id,
                      runSpecId=record.run_spec_id, runSpecVersion=record.version,
                      healthy=record.healthy)

    def _publish(self, event_type: str, **fields: Any) -> None:
        self.apps.fw.events.publish(event_type, self.apps.fw.clock.now(), **fields)
