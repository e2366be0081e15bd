"""Marathon's response shapes for apps with their runtime info, and the queue, assembled
from the read model's snapshot (scheduler/reads) on the API thread.

Only Marathon's field names: the `marathon` client builds objects from these and
fails on a field it does not know.
"""

from __future__ import annotations

from typing import Any

from api.json_out import Splice
from scheduler.reads.render import queue_item, task_json
from scheduler.reads.views import AppView, Snapshot

Json = dict[str, Any]

__all__ = ["EMBED_TASKS", "app_info", "queue_json", "task_json"]

EMBED_TASKS = {"tasks", "apps.tasks", "app.tasks", "group.apps.tasks", "failures", "apps.failures"}
EMBED_READINESS = {"readiness", "app.readiness", "apps.readiness", "group.apps.readiness"}
EMBED_FAILURE = {"lastTaskFailure", "apps.lastTaskFailure", "app.lastTaskFailure",
                 "group.apps.lastTaskFailure", "failures", "apps.failures"}


def app_info(view: AppView, embed: set[str], single: bool = False,
             splice: Splice | None = None) -> Json:
    """AppInfo: the definition plus counts and deployments, tasks and failures on request;
    with `splice`, the tasks are a slot its response fills with their encoded JSON."""
    out = dict(view.definition)
    counts = view.counts
    out.update(
        tasksStaged=counts.staged,
        tasksRunning=counts.running,
        tasksHealthy=counts.healthy,
        tasksUnhealthy=counts.unhealthy,
    )
    out["deployments"] = [{"id": deployment_id} for deployment_id in view.deployment_ids]
    if single or embed & EMBED_TASKS:
        tasks = view.tasks.values()
        out["tasks"] = splice.slot(tasks) if splice else [t.body for t in tasks]
    if (single or embed & EMBED_FAILURE) and view.last_failure:
        out["lastTaskFailure"] = view.last_failure
    if embed & EMBED_READINESS:
        out["readinessCheckResults"] = list(view.readiness)
    return out


def queue_json(snap: Snapshot, now: float) -> Json:
    """GET /v2/queue: each app with instances waiting, and why they wait."""
    return {"queue": [queue_item(view, now) for view in snap.queue.values()]}
