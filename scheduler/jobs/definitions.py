"""Job definitions as stored: the dependency graph, and each job's `JobState` (accept time,
cursor) beside its definition."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from chronos.dependencies import DependencyState
from chronos.graph import JobGraph
from chronos.job import Job, job_from_json, job_to_json
from chronos.schedules.due import PastStartRule
from chronos.timefmt import from_millis, to_millis
from scheduler.store.store import Store

Json = dict[str, Any]

DEPENDENCY_STATE_KEY = "job_dependency_state"


@dataclass(frozen=True)
class JobState:
    """What the store keeps beside a job's definition."""

    accepted_at: float  # parses the schedule (fixes an empty start; a cron line's origin)
    cursor_ms: int | None = None  # the last slot handled
    dependent: bool = False

    def to_json(self) -> Json:
        return dict(self.__dict__)


class JobDefinitions:
    """The jobs (`graph`) and their states, written through to the store."""

    def __init__(self, store: Store, past_start_rule: PastStartRule) -> None:
        self.store = store
        self.past_start_rule = past_start_rule
        self.graph = JobGraph()
        self.states: dict[str, JobState] = {}

    def restore(self) -> None:
        """Jobs and the dependency trigger state from the store."""
        jobs = []
        for name, (definition, state_json) in self.store.load_jobs().items():
            state = JobState(**state_json)
            self.states[name] = state
            jobs.append(_parse_stored(definition, state))
        stored = self.store.get_setting(DEPENDENCY_STATE_KEY)
        dependencies = DependencyState.from_dict(json.loads(stored) if stored else {})
        self.graph = JobGraph.from_jobs(jobs, dependencies)

    def accept(self, job: Job, now: datetime) -> None:
        """Create or replace `job`, accepted at `now`, keeping its cursor."""
        old_state = self.states.get(job.name)
        self.graph.put(job)
        cursor = old_state.cursor_ms if old_state is not None else None
        if job.schedule is not None and self.past_start_rule is PastStartRule.CHRONOS2:
            # Slots older than epsilon at acceptance were never ours to run or miss. (Under
            # Chronos 3's rule the slot timer runs the job once for them and skips forward.)
            before = job.schedule.prev_slot(now - job.epsilon)
            if before is not None and (cursor is None or to_millis(before) > cursor):
                cursor = to_millis(before)
        self.states[job.name] = JobState(now.timestamp(), cursor, job.is_dependent)
        with self.store.transaction():
            self.save(job)
            self.save_dependencies()

    def remove(self, name: str) -> None:
        """Delete the job and its stored runs; children follow the delete rules."""
        changed = self.graph.remove(name)
        with self.store.transaction():
            self.store.delete_job(name)
            self.store.delete_runs(name)
            for child in changed:
                self.save(child)
            self.save_dependencies()
        del self.states[name]

    def save(self, job: Job) -> None:
        self.store.save_job(job.name, job_to_json(job), self.states[job.name].to_json())

    def save_dependencies(self) -> None:
        state = self.graph.dependency_state.to_dict()
        self.store.set_setting(DEPENDENCY_STATE_KEY, json.dumps(state))

    def cursor(self, name: str) -> datetime | None:
        """The last slot of the job handled (None: none yet)."""
        cursor_ms = self.states[name].cursor_ms
        return None if cursor_ms is None else from_millis(cursor_ms)

    def move_cursor(self, job: Job, slot: datetime) -> None:
        """`slot` is the last slot of the job handled."""
        self.states[job.name] = replace(self.states[job.name], cursor_ms=to_millis(slot))
        self.store.save_job_state(job.name, self.states[job.name].to_json())

    def skip_forward(self, job: Job, now: datetime) -> Job:
        """Store the job with its schedule skipped forward past `now`, after one late run
        stood in for its overdue slots (Chronos 3); the caller moves the cursor."""
        assert job.schedule is not None
        skipped = replace(job, schedule=job.schedule.skipped_forward(self.cursor(job.name), now))
        self.graph.put(skipped)
        self.save(skipped)
        return skipped

    def view(self, job: Job) -> Job:
        """The job as clients see it: its schedule advanced past the slots handled."""
        cursor = self.cursor(job.name)
        if job.schedule is None or cursor is None:
            return job
        return replace(job, schedule=job.schedule.advanced_to(cursor))

    def exhausted(self, job: Job) -> bool:
        """Every recurrence of the job's schedule has been handled."""
        cursor = self.cursor(job.name)
        if job.schedule is None or cursor is None:
            return False
        return job.schedule.next_slot(cursor) is None


def _parse_stored(definition: Json, state: JobState) -> Job:
    accepted = datetime.fromtimestamp(state.accepted_at, UTC)
    if state.dependent and not definition.get("parents"):
        # A dependent job whose parents were all deleted: disabled, parentless.
        return replace(job_from_json(definition, accepted), schedule=None, disabled=True)
    return job_from_json(definition, accepted)
