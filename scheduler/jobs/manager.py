"""Jobs: the Chronos job operations the API calls, and the `RunSpecOwner` of job tasks.

The JobManager wires three parts: `JobDefinitions` (the jobs and their cursors, as stored),
`RunEngine` (claimed runs, from the launch queue to settled) and `SlotTimer` (when scheduled
slots are due). A job disabled or deleted has its runs not yet launched withdrawn (settled as
killed), and a run it launched ahead of a slot still to come killed before it starts.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chronos.errors import InvalidJob
from chronos.graph import JobGraph
from chronos.job import Job, JobDefaults, JobKind, job_from_json
from chronos.runs import Run, Trigger
from chronos.schedules.due import PastStartRule
from chronos.stats import RunRecord
from scheduler.base.task_users import unreadable_local_uri
from scheduler.jobs.definitions import JobDefinitions
from scheduler.jobs.runs import RunEngine
from scheduler.jobs.slots import SlotTimer
from scheduler.jobs.task_info import run_spec_id_for
from scheduler.launch.launcher import Launch
from scheduler.launch.task_request import Placement
from scheduler.launch.tasks import TaskRecord

if TYPE_CHECKING:
    from scheduler.launch.framework import Framework

Json = dict[str, Any]


class JobManager:
    """The owner of jobs and their runs; every method runs on the owner thread."""

    def __init__(self, framework: Framework) -> None:
        self.fw = framework
        self.defs = JobDefinitions(
            framework.store, PastStartRule(framework.config.job_past_start_rule)
        )
        self.engine = RunEngine(framework, self.defs)
        self.slots = SlotTimer(framework, self.defs, self.engine)

    @property
    def graph(self) -> JobGraph:
        return self.defs.graph

    def restore(self) -> None:
        """Jobs, trigger state and open runs from the store; then plan and dispatch."""
        self.defs.restore()
        for run_id, name, status, record in sorted(self.fw.store.open_runs()):
            self.engine.restore(Run.from_row(run_id, name, status, record))
        for job in self.graph.jobs():
            self.slots.plan(job.name)
        self.slots.arm()
        self.engine.dispatch([job.name for job in self.graph.jobs()])

    # job definitions --------------------------------------------------------------------
    def jobs(self) -> list[Job]:
        """Every job as clients see it (schedules advanced past the slots handled)."""
        return [self.defs.view(job) for job in self.graph.jobs()]

    def get(self, name: str) -> Job:
        return self.defs.view(self.graph.get(name))

    def put(self, data: object, kind: JobKind) -> Job:
        """Create or replace a job from POSTed JSON (InvalidJob: nothing changes)."""
        now = self.engine.now()
        users = self.fw.config.task_users()
        job = job_from_json(data, now, kind, JobDefaults(user=users.default_user or "root"))
        refusals = [users.refusal(job.run_as_user)] + [
            unreadable_local_uri(f.uri, job.run_as_user) for f in job.fetch]
        if any(refusals):
            raise InvalidJob("; ".join(r for r in refusals if r))
        # Runs are withdrawn in the commit that disables the job: a restart in between would
        # restore them as waiting and launch them for a disabled job.
        with self.fw.store.transaction():
            self.defs.accept(job, now)
            if job.disabled:
                self.engine.withdraw_unstarted(job.name, "job disabled")
        self.fw.changes.job(job.name)
        self.slots.plan(job.name)
        self.slots.arm()
        return job

    def delete(self, name: str) -> None:
        """Delete a job: kill its tasks, forget its runs; children follow the delete rules."""
        # The kill intent (each task's goal) commits with the delete: a restart in between
        # would otherwise leave the tasks of a job no one knows running for good.
        with self.fw.store.transaction():
            self.engine.withdraw_waiting(name, "job deleted")
            self.defs.remove(name)
            self._kill_tasks(name)
        self.slots.plan(name)  # off the timeline
        self.fw.unqueue(run_spec_id_for(name))
        self.engine.forget(name)
        self.fw.changes.all_jobs = True  # its children may have changed with it
        self.slots.arm()

    def kill_tasks(self, name: str) -> None:
        """DELETE /task/kill: kill the job's running tasks (their runs end as killed)."""
        self.graph.get(name)
        self._kill_tasks(name)

    def _kill_tasks(self, name: str) -> None:
        for record in self.fw.tracker.of(run_spec_id_for(name)):
            if not record.is_terminal:
                self.fw.kill(record)

    def purge_queued(self) -> None:
        """DELETE /scheduler/task/all (Chronos 2.x): no run that has not started will start,
        whichever job it is of (each settles as killed); running tasks go on."""
        with self.fw.store.transaction():
            for job in self.graph.jobs():
                self.engine.withdraw_unstarted(job.name, "task queue purged")
        self.fw.changes.all_jobs = True

    def start_manual(self, name: str, arguments: str = "") -> Run:
        """PUT /job/{name}: a run due now, claimed and started when the job is free."""
        self.graph.get(name)
        run = self.engine.claim(name, f"manual:{uuid.uuid4()}", self.engine.now(),
                                Trigger.MANUAL, arguments)
        assert run is not None  # a fresh key is never taken
        self.engine.dispatch([name])
        return run

    def mark_success(self, name: str) -> bool:
        """PUT /job/success: count a success by hand and fire the job's children."""
        job = self.graph.find(name)
        if job is None:
            return False
        job = replace(job, counters=job.counters.after_success(self.engine.now()))
        self.fw.changes.job(name)
        self.graph.put(job)
        self.graph.dependency_state.on_child_started(name)
        with self.fw.store.transaction():
            self.defs.save(job)
            children = self.engine.fire_children(name)
            self.defs.save_dependencies()
        self.engine.dispatch(children)
        return True

    def add_progress(self, name: str, task_id: str, elements: int) -> None:
        """POST /job/{name}/task/{taskId}/progress: `elements` more processed by that task
        (its numElementsProcessed); only for a job with dataProcessingJobType."""
        job = self.graph.get(name)
        if not job.data_processing_job_type:
            raise InvalidJob(f"job {name} does not have dataProcessingJobType set")
        for run in self.runs(name):
            attempt = next((a for a in run.attempts if a.task_id == task_id), None)
            if attempt is not None:
                total = (attempt.elements or 0) + elements
                self.engine.save(run.with_attempt(replace(attempt, elements=total)))
                return
        raise InvalidJob(f"job {name} has no task {task_id}")

    # reads for the API ------------------------------------------------------------------
    def history(self, name: str) -> list[RunRecord]:
        """Attempts of the job's stored runs, newest first."""
        self.graph.get(name)
        return [record for run in self.runs(name) for record in run.history()]

    def histories(self) -> dict[str, list[RunRecord]]:
        """Every job's `history`, read in one query."""
        stored = self.fw.store.recent_runs(self.fw.config.job_history_limit * 2)
        return {
            job.name: [record for run in self._runs(job.name, stored.get(job.name, []))
                       for record in run.history()]
            for job in self.graph.jobs()
        }

    def runs(self, name: str) -> list[Run]:
        """The job's stored runs, newest first (open ones as known in memory)."""
        self.graph.get(name)
        return self._runs(name, self.fw.store.runs(name, self.fw.config.job_history_limit * 2))

    def _runs(self, name: str, stored: list[tuple[int, str, Json]]) -> list[Run]:
        known = self.engine.open.get(name, {})
        return [known.get(i) or Run.from_row(i, name, s, r) for i, s, r in stored]

    def current_state(self, name: str) -> str:
        """`idle`, `queued` or `<n> running`, as Chronos's graph and summary show it."""
        return self.engine.current_state(name)

    # RunSpecOwner -----------------------------------------------------------------------
    def build(self, placement: Placement) -> Launch | None:
        return self.engine.build(placement)

    def is_delayed(self, run_spec_id: str) -> bool:
        return False  # runs enter the queue only when due

    def task_launched(self, record: TaskRecord) -> None:
        self.engine.task_launched(record)

    def task_changed(self, previous: TaskRecord, record: TaskRecord, status: Json) -> None:
        self.engine.task_changed(previous, record, status)
