"""Marathon's response shapes for tasks, apps with their runtime info, and the queue.

Only Marathon's field names: the `marathon` client builds objects from these and
fails on a field it does not know.
"""

from __future__ import annotations

from typing import Any

from mesos_vocab.states import TaskState
from scheduler.appmanager.manager import AppManager
from scheduler.apps.model import AppDefinition
from scheduler.apps.serialize import TaskCounts, app_info_to_json, app_to_json
from scheduler.apps.service_ports import service_ports
from scheduler.base.events import iso_timestamp
from scheduler.launch.offer_matcher import RejectCount
from scheduler.launch.tasks import Goal, TaskRecord

Json = dict[str, Any]


def task_json(record: TaskRecord, app: AppDefinition | None, apps: AppManager) -> Json:
    body: Json = {
        "id": record.task_id,
        "appId": record.run_spec_id,
        "host": record.hostname,
        "slaveId": record.agent_id,
        "ports": list(record.ports),
        "servicePorts": list(service_ports(app)) if app else [],
        "ipAddresses": [],
        "stagedAt": iso_timestamp(record.staged_at),
        "version": record.version,
        # A task being killed has left discovery already (see Framework.kill).
        "state": TaskState.KILLING if record.is_running and record.goal is Goal.KILL
        else record.state,
        "role": app.role if app else "*",
    }
    if record.started_at is not None:
        body["startedAt"] = iso_timestamp(record.started_at)
    if app is not None and app.health_checks:
        body["healthCheckResults"] = apps.health.results_json(record)
    return body


EMBED_TASKS = {"tasks", "apps.tasks", "app.tasks", "group.apps.tasks", "failures", "apps.failures"}
EMBED_READINESS = {"readiness", "app.readiness", "apps.readiness", "group.apps.readiness"}
EMBED_FAILURE = {"lastTaskFailure", "apps.lastTaskFailure", "app.lastTaskFailure",
                 "group.apps.lastTaskFailure", "failures", "apps.failures"}


def app_info(apps: AppManager, app: AppDefinition, embed: set[str], single: bool = False) -> Json:
    """AppInfo: the definition plus counts and deployments, tasks and failures on request."""
    records = apps.tasks(app.id)
    counts = TaskCounts(
        staged=sum(1 for r in records if r.state in ("TASK_STAGING", "TASK_STARTING")),
        running=sum(1 for r in records if r.is_running),
        healthy=sum(1 for r in records if r.is_running and r.healthy is True),
        unhealthy=sum(1 for r in records if r.is_running and r.healthy is False),
    )
    with_tasks = single or bool(embed & EMBED_TASKS)
    with_failure = single or bool(embed & EMBED_FAILURE)
    return app_info_to_json(
        app,
        counts=counts,
        deployment_ids=[d.id for d in apps.deployments.of_app(app.id)],
        tasks=[task_json(r, app, apps) for r in records] if with_tasks else None,
        last_task_failure=apps.last_failure.get(app.id) if with_failure else None,
        readiness_check_results=(
            apps.readiness.results_json(app.id) if embed & EMBED_READINESS else None
        ),
    )


def queue_json(apps: AppManager, now: float) -> Json:
    """GET /v2/queue: each app with instances waiting, and why they wait."""
    fw = apps.fw
    items = []
    for app_id in sorted(fw.queue.run_spec_ids()):
        app = apps.apps.get(app_id)
        if app is None:
            continue
        queued = sorted(fw.queue.of(app_id), key=lambda q: q.since)
        left = apps.time_left(app_id)
        items.append({
            "app": app_to_json(app),
            "role": app.role,
            "count": len(queued),
            "delay": {"timeLeftSeconds": round(left), "overdue": left <= 0},
            "since": iso_timestamp(queued[0].since),
            "processedOffersSummary": _offers_summary(fw, app_id, queued, left),
        })
    return {"queue": items}


def _offers_summary(fw: Any, app_id: str, queued: list[Any], left: float) -> Json:
    stats = fw.launcher.offer_stats
    attempt = stats.launch_attempt.get(app_id, ())
    offers_summary: Json = {
        # Counted over the launch attempt, as Marathon counts them.
        "processedOffersCount": max((c.processed for c in attempt), default=0),
        "unusedOffersCount": max((c.declined for c in attempt), default=0),
        "rejectSummaryLastOffers": _funnel(stats.last_round.get(app_id, ())),
        "rejectSummaryLaunchAttempt": _funnel(attempt),
        # Dromos: why each waiting instance waits (Marathon leaves users guessing).
        "waitingReasons": [
            {"taskId": q.request.task_id, "reason": _reason(fw, q.request.task_id, left)}
            for q in queued
        ],
    }
    unused_at = stats.last_unused_at.get(app_id)
    if unused_at is not None:
        offers_summary["lastUnusedOfferAt"] = iso_timestamp(unused_at)
    return offers_summary


def _funnel(counts: tuple[RejectCount, ...]) -> list[Json]:
    return [{"reason": c.reason, "declined": c.declined, "processed": c.processed}
            for c in counts]


def _reason(fw: Any, task_id: str, delay_left: float) -> str:
    if delay_left > 0:
        return f"Delayed: launch backoff after failures, {delay_left:.0f}s left"
    reason: str = fw.queue.reasons.get(task_id, "Waiting for an offer")
    return reason
