"""Marathon's and Chronos's JSON of the owner's state, rendered on the owner thread.

Only Marathon's field names: the `marathon` client builds objects from these and fails on
a field it does not know.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mesos_vocab.states import TaskState
from scheduler.appmanager.manager import AppManager
from scheduler.apps.model import AppDefinition
from scheduler.apps.serialize import TaskCounts
from scheduler.apps.service_ports import service_ports
from scheduler.base.events import iso_timestamp
from scheduler.launch.offer_matcher import RejectCount
from scheduler.launch.tasks import Goal, TaskRecord
from scheduler.reads.views import QueueView, TaskView

Json = dict[str, Any]
STAGED = (TaskState.STAGING, TaskState.STARTING)


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


def task_view(record: TaskRecord, app: AppDefinition | None, apps: AppManager) -> TaskView:
    return TaskView(record.state, record.hostname, record.healthy,
                    task_json(record, app, apps))


class Tally:
    """An app's task counts, kept as its task views come and go (not a walk per turn)."""

    __slots__ = ("healthy", "running", "staged", "unhealthy")

    def __init__(self, views: Iterable[TaskView] = ()) -> None:
        self.staged = self.running = self.healthy = self.unhealthy = 0
        for view in views:
            self.add(view, 1)

    def add(self, view: TaskView, sign: int) -> None:
        """Count `view` (sign 1) or stop counting it (sign -1)."""
        if view.state in STAGED:
            self.staged += sign
        elif view.state == TaskState.RUNNING:
            self.running += sign
            self.healthy += sign * (view.healthy is True)
            self.unhealthy += sign * (view.healthy is False)

    def counts(self) -> TaskCounts:
        return TaskCounts(staged=self.staged, running=self.running, healthy=self.healthy,
                          unhealthy=self.unhealthy)


def queue_view(apps: AppManager, app: AppDefinition, definition: Json) -> QueueView:
    """GET /v2/queue's entry of an app with instances waiting, but for its delay."""
    fw = apps.fw
    queued = sorted(fw.queue.of(app.id), key=lambda q: q.since)
    now = fw.clock.now()
    body = {
        "app": definition,
        "role": app.role,
        "count": len(queued),
        "since": iso_timestamp(queued[0].since),
        "processedOffersSummary": _offers_summary(fw, app.id),
    }
    waiting = tuple((q.request.task_id, fw.queue.reasons.get(q.request.task_id,
                                                               "Waiting for an offer"))
                    for q in queued)
    return QueueView(app.id, body, waiting, now + apps.time_left(app.id))


def queue_item(view: QueueView, now: float) -> Json:
    """The entry as of `now`: the backoff's time left, and who waits for what."""
    left = max(0.0, view.delay_until - now)
    stored = view.body["processedOffersSummary"]
    summary = {k: v for k, v in stored.items() if k != "lastUnusedOfferAt"}
    # Dromos: why each waiting instance waits (Marathon leaves users guessing).
    summary["waitingReasons"] = [
        {"taskId": task_id, "reason": _reason(reason, left)} for task_id, reason in view.waiting
    ]
    if "lastUnusedOfferAt" in stored:
        summary["lastUnusedOfferAt"] = stored["lastUnusedOfferAt"]
    body = dict(view.body)
    body["processedOffersSummary"] = summary
    ordered = {k: body[k] for k in ("app", "role", "count")}
    ordered["delay"] = {"timeLeftSeconds": round(left), "overdue": left <= 0}
    ordered.update((k, body[k]) for k in ("since", "processedOffersSummary"))
    return ordered


def _offers_summary(fw: Any, app_id: str) -> Json:
    stats = fw.launcher.offer_stats
    attempt = stats.launch_attempt.get(app_id, ())
    offers_summary: Json = {
        # Counted over the launch attempt, as Marathon counts them.
        "processedOffersCount": max((c.processed for c in attempt), default=0),
        "unusedOffersCount": max((c.declined for c in attempt), default=0),
        "rejectSummaryLastOffers": _funnel(stats.last_round.get(app_id, ())),
        "rejectSummaryLaunchAttempt": _funnel(attempt),
    }
    unused_at = stats.last_unused_at.get(app_id)
    if unused_at is not None:
        offers_summary["lastUnusedOfferAt"] = iso_timestamp(unused_at)
    return offers_summary


def _funnel(counts: tuple[RejectCount, ...]) -> list[Json]:
    return [{"reason": c.reason, "declined": c.declined, "processed": c.processed}
            for c in counts]


def _reason(reason: str, delay_left: float) -> str:
    if delay_left > 0:
        return f"Delayed: launch backoff after failures, {delay_left:.0f}s left"
    return reason

