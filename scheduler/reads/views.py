"""What a published snapshot holds. Nothing here is changed once published: readers take
`ReadModel.current` once per request and read it from any thread, without a lock."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chronos.job import Job
from scheduler.apps.model import AppDefinition
from scheduler.apps.serialize import TaskCounts

Json = dict[str, Any]


@dataclass(frozen=True)
class TaskView:
    """One live task of an app: its Task JSON, rendered once per change of the task, and
    encoded once (by the first reader that needs it), however many GETs show it."""

    state: str
    hostname: str
    healthy: bool | None
    body: Json
    _text: list[str] = field(default_factory=list, compare=False, repr=False)

    def encoded(self) -> str:
        """`body` as compact JSON text (readers may race to fill it: they agree)."""
        if not self._text:
            self._text.append(json.dumps(self.body, separators=(",", ":")))
        return self._text[0]


@dataclass(frozen=True)
class AppView:
    """One app as /v2/apps shows it, its parts rendered when they changed."""

    app: AppDefinition
    definition: Json  # app_to_json(app), rendered once per AppDefinition
    counts: TaskCounts
    deployment_ids: tuple[str, ...]
    last_failure: Json | None
    readiness: tuple[Json, ...]
    tasks: Mapping[str, TaskView]


@dataclass(frozen=True)
class QueueView:
    """An app's /v2/queue entry; the delay is finished at read time from `delay_until`
    (epoch seconds), so a snapshot does not go stale as the backoff runs down."""

    app_id: str
    body: Json  # without "delay"
    waiting: tuple[tuple[str, str], ...]  # (task id, reason) when not delayed
    delay_until: float


@dataclass(frozen=True)
class JobView:
    job: Job  # as clients see it (JobDefinitions.view)
    body: Json  # job_to_json(job)
    state: str  # idle, queued, <n> running


@dataclass(frozen=True)
class Metrics:
    apps: int = 0
    jobs: int = 0
    tasks: Counter[str] = field(default_factory=Counter)
    queue: int = 0
    deployments: int = 0


@dataclass(frozen=True)
class Snapshot:
    """Everything the API reads, as of one publish (`generation` counts them)."""

    generation: int = 0
    apps: Mapping[str, AppView] = field(default_factory=dict)
    groups: Mapping[str, Json] = field(default_factory=dict)
    latest_version: str = ""
    # id -> its JSON (without, with) `waiting`, in the order they started
    deployments: Mapping[str, tuple[Json, Json]] = field(default_factory=dict)
    queue: Mapping[str, QueueView] = field(default_factory=dict)
    jobs: Mapping[str, JobView] = field(default_factory=dict)  # in the graph's order
    job_tasks: Mapping[str, tuple[Json, ...]] = field(default_factory=dict)
    metrics: Metrics = field(default_factory=Metrics)
    renders: int = 0  # Task JSON objects rendered since the start (a counter for /metrics)
