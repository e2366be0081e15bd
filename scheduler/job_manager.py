"""Jobs: the Chronos job definitions and the engine that runs them (a `RunSpecOwner`).

Scheduled slots: one core timer waits for the earliest next slot of any job (a
`Timeline`); when it fires, each due slot is claimed in the database (unique per job and
slot) together with the job's cursor, so a restart neither skips nor repeats a slot. A slot
found later than the job's epsilon is recorded as missed, never run. Claimed runs wait in
claim order; a job that is not `concurrent` starts its next run only when the previous one
has settled (a waiting scheduled slot that grew older than epsilon is then missed).

Launch lead: the timer fires `job_launch_lead_s` before a slot, so its run is claimed and
launched ahead, with the TaskInfo label `dromos.start_at` = the slot: the executor prepares
the task at once and starts its command at the slot, so the launch path is not on the
critical path. A job disabled before the slot has its early run withdrawn (its task killed
before it starts); a job that is not `concurrent` launches ahead only once the previous run
has settled. Manual and dependent runs start at once.

Events (on /v2/events): `job_run_missed_event`, `job_run_started_event` (an attempt was
launched) and `job_run_finished_event` (status ok, failed, killed or retry), each with
jobName, runId, trigger, dueMillis, and the attempt's taskId, attempt, host and message.
"""

from __future__ import annotations

import enum
import json
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chronos.dependencies import DependencyState
from chronos.due import due_slots
from chronos.graph import JobGraph
from chronos.job import Job, JobKind, job_from_json, job_to_json
from chronos.outcomes import RunEnd, Verdict, decide
from chronos.runs import Attempt, Run, RunStatus, Trigger, slot_key
from chronos.stats import RunRecord
from chronos.task_info import build_task_info, run_spec_id_for, task_request_for
from chronos.timefmt import from_millis, to_millis
from chronos.timeline import Timeline
from scheduler.core import Timer
from scheduler.errors import InvalidJob
from scheduler.launcher import Launch
from scheduler.task_request import Placement
from scheduler.tasks import Goal, TaskRecord

if TYPE_CHECKING:
    from scheduler.framework import Framework

log = logging.getLogger(__name__)

Json = dict[str, Any]

DEPENDENCY_STATE_KEY = "job_dependency_state"
HIGH_PRIORITY, JOB_PRIORITY = -1, 0  # both before apps (1): runs are due at a time
# Offers are held from this long before a slot until this long after it, so a due run
# launches at once on an offer in hand instead of waiting for REVIVE and a new offer.
HOLD_AHEAD_S, HOLD_AFTER_S = 2.0, 1.0


class Phase(enum.Enum):
    """Where an open run is, in memory (the store only knows CLAIMED or RUNNING)."""

    WAITING = "waiting"  # claimed, waits for the job to be free
    QUEUED = "queued"  # in the launch queue
    RETRY_WAIT = "retry_wait"  # failed, next attempt after the retry delay
    LAUNCHED = "launched"  # its current attempt is a Mesos task


@dataclass(frozen=True)
class JobState:
    """What the store keeps beside a job's definition."""

    accepted_at: float  # parses the schedule (fixes an empty start; a cron line's origin)
    cursor_ms: int | None = None  # the last slot handled
    dependent: bool = False

    def to_json(self) -> Json:
        return dict(self.__dict__)


class JobManager:
    """The owner of jobs and their runs; every method runs on the owner thread."""

    def __init__(self, framework: Framework) -> None:
        self.fw = framework
        self.retry_delay_s = framework.config.job_retry_delay_s
        self.lead_s = framework.config.job_launch_lead_s
        self.graph = JobGraph()
        self.states: dict[str, JobState] = {}
        self.timeline = Timeline()
        self.open: dict[str, dict[int, Run]] = {}  # open runs by job, in claim order
        self.phase: dict[int, Phase] = {}
        self._by_task: dict[str, tuple[str, int]] = {}  # task id -> (job, run id)
        self._timer: Timer | None = None
        self._hold_timer: Timer | None = None
        self._timer_at: float | None = None

    # helpers ----------------------------------------------------------------------------
    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.fw.clock.now(), UTC)

    def _save_job(self, job: Job) -> None:
        self.fw.store.save_job(job.name, job_to_json(job), self.states[job.name].to_json())

    def _save_dependencies(self) -> None:
        state = self.graph.dependency_state.to_dict()
        self.fw.store.set_setting(DEPENDENCY_STATE_KEY, json.dumps(state))

    def _save_run(self, run: Run) -> Run:
        self.fw.store.update_run(run.run_id, run.status.value, run.record(),
                                 int(self.fw.clock.now()))
        if run.status.is_open:
            self.open.setdefault(run.job_name, {})[run.run_id] = run
        else:
            self._close(run)
        return run

    def _close(self, run: Run) -> None:
        runs = self.open.get(run.job_name, {})
        runs.pop(run.run_id, None)
        if not runs:
            self.open.pop(run.job_name, None)
        self.phase.pop(run.run_id, None)
        for attempt in run.attempts:
            self._by_task.pop(attempt.task_id, None)
        self.fw.store.prune_runs(run.job_name, self.fw.config.job_history_limit)

    def _publish(self, event: str, run: Run, **fields: Any) -> None:
        self.fw.events.publish(
            event, self.fw.clock.now(), jobName=run.job_name, runId=run.run_id,
            trigger=run.trigger.value, dueMillis=run.due_ms, **fields,
        )

    # restore ----------------------------------------------------------------------------
    def restore(self) -> None:
        """Jobs, trigger state and open runs from the store; then plan and dispatch."""
        jobs = []
        for name, (definition, state_json) in self.fw.store.load_jobs().items():
            state = JobState(**state_json)
            self.states[name] = state
            jobs.append(self._parse_stored(definition, state))
        stored = self.fw.store.get_setting(DEPENDENCY_STATE_KEY)
        dependencies = DependencyState.from_dict(json.loads(stored) if stored else {})
        self.graph = JobGraph.from_jobs(jobs, dependencies)
        for run_id, name, status, record in sorted(self.fw.store.open_runs()):
            self._restore_run(Run.from_row(run_id, name, status, record))
        for job in self.graph.jobs():
            self._plan(job.name)
        self._arm()
        self._dispatch([job.name for job in self.graph.jobs()])

    def _parse_stored(self, definition: Json, state: JobState) -> Job:
        accepted = datetime.fromtimestamp(state.accepted_at, UTC)
        if state.dependent and not definition.get("parents"):
            # A dependent job whose parents were all deleted: disabled, parentless.
            return replace(job_from_json({**definition, "schedule": None}, accepted),
                           schedule=None, disabled=True)
        return job_from_json(definition, accepted)

    def _restore_run(self, run: Run) -> None:
        if run.job_name not in self.graph:
            self.fw.store.update_run(run.run_id, RunStatus.KILLED.value, run.record(),
                                     int(self.fw.clock.now()))
            return
        self.open.setdefault(run.job_name, {})[run.run_id] = run
        for attempt in run.attempts:
            self._by_task[attempt.task_id] = (run.job_name, run.run_id)
        if self.fw.tracker.get(run.task_id) is not None:
            # Launched: Mesos says on registration what became of it (reconciliation).
            self.phase[run.run_id] = Phase.LAUNCHED
        elif run.status is RunStatus.RUNNING:
            self.phase[run.run_id] = Phase.LAUNCHED
            self._attempt_ended(run, RunEnd.LOST, "task unknown after a restart")
        elif run.retry_at is not None:
            self._wait_retry(run)
        else:
            self.phase[run.run_id] = Phase.WAITING

    # job definitions --------------------------------------------------------------------
    def jobs(self) -> list[Job]:
        """Every job as clients see it (schedules advanced past the slots handled)."""
        return [self.view(job) for job in self.graph.jobs()]

    def get(self, name: str) -> Job:
        return self.view(self.graph.get(name))

    def view(self, job: Job) -> Job:
        cursor = self.states[job.name].cursor_ms
        if job.schedule is None or cursor is None:
            return job
        return replace(job, schedule=job.schedule.advanced_to(from_millis(cursor)))

    def put(self, data: object, kind: JobKind) -> Job:
        """Create or replace a job from POSTed JSON (InvalidJob: nothing changes)."""
        now = self._now()
        job = job_from_json(data, now, kind)
        old_state = self.states.get(job.name)
        self.graph.put(job)
        cursor = old_state.cursor_ms if old_state is not None else None
        if job.schedule is not None:
            # Slots older than epsilon at acceptance were never ours to run or miss.
            before = job.schedule.prev_slot(now - job.epsilon)
            if before is not None and (cursor is None or to_millis(before) > cursor):
                cursor = to_millis(before)
        self.states[job.name] = JobState(now.timestamp(), cursor, job.is_dependent)
        with self.fw.store.transaction():
            self._save_job(job)
            self._save_dependencies()
        if job.disabled:
            self._withdraw_early_runs(job.name)
        self._plan(job.name)
        self._arm()
        return job

    def _withdraw_early_runs(self, name: str) -> None:
        """Scheduled runs claimed ahead of a slot still to come never start: a launched one is
        killed (its executor has not started it), a waiting one settles as killed."""
        now_ms = int(self.fw.clock.now() * 1000)
        for run in list(self.open.get(name, {}).values()):
            if run.trigger is not Trigger.SCHEDULE or run.attempt or run.due_ms <= now_ms:
                continue
            record = self.fw.tracker.get(run.task_id)
            if self.phase[run.run_id] is not Phase.LAUNCHED:
                self.fw.queue.remove(run.task_id)
                self._save_run(replace(run, status=RunStatus.KILLED))
            elif record is not None and not record.is_terminal:
                self.fw.kill(record)

    def delete(self, name: str) -> None:
        """Delete a job: kill its tasks, forget its runs; children follow the delete rules."""
        job = self.graph.get(name)
        changed = self.graph.remove(name)
        with self.fw.store.transaction():
            self.fw.store.delete_job(name)
            self.fw.store.delete_runs(name)
            for child in changed:
                self._save_job(child)
            self._save_dependencies()
        del self.states[name]
        self.timeline.set(name, None)
        self.fw.unqueue(run_spec_id_for(job.name))
        for run in self.open.pop(name, {}).values():
            self.phase.pop(run.run_id, None)
        self._kill_tasks(name)
        self._arm()

    def kill_tasks(self, name: str) -> None:
        """DELETE /task/kill: kill the job's running tasks (their runs end as killed)."""
        self.graph.get(name)
        self._kill_tasks(name)

    def _kill_tasks(self, name: str) -> None:
        for record in self.fw.tracker.of(run_spec_id_for(name)):
            if not record.is_terminal:
                self.fw.kill(record)

    def start_manual(self, name: str, arguments: str = "") -> Run:
        """PUT /job/{name}: a run due now, claimed and started when the job is free."""
        self.graph.get(name)
        run = self._claim(name, f"manual:{uuid.uuid4()}", self._now(), Trigger.MANUAL,
                          arguments)
        assert run is not None  # a fresh key is never taken
        self._dispatch([name])
        return run

    def mark_success(self, name: str) -> bool:
        """PUT /job/success: count a success by hand and fire the job's children."""
        job = self.graph.find(name)
        if job is None:
            return False
        now = self._now()
        counters = replace(job.counters, success_count=job.counters.success_count + 1,
                           errors_since_last_success=0, last_success=now)
        job = replace(job, counters=counters)
        self.graph.put(job)
        self.graph.dependency_state.on_child_started(name)
        with self.fw.store.transaction():
            self._save_job(job)
            children = self._fire_children(name)
            self._save_dependencies()
        self._dispatch(children)
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
                self._save_run(run.with_attempt(replace(attempt, elements=total)))
                return
        raise InvalidJob(f"job {name} has no task {task_id}")

    # reads for the API ------------------------------------------------------------------
    def history(self, name: str) -> list[RunRecord]:
        """Attempts of the job's stored runs, newest first."""
        self.graph.get(name)
        return [record for run in self.runs(name) for record in run.history()]

    def runs(self, name: str) -> list[Run]:
        """The job's stored runs, newest first (open ones as known in memory)."""
        self.graph.get(name)
        stored = self.fw.store.runs(name, self.fw.config.job_history_limit * 2)
        known = self.open.get(name, {})
        return [known.get(i) or Run.from_row(i, name, s, r) for i, s, r in stored]

    def current_state(self, name: str) -> str:
        """`idle`, `queued` or `<n> running`, as Chronos's graph and summary show it."""
        phases = [self.phase[run_id] for run_id in self.open.get(name, {})]
        running = sum(p is Phase.LAUNCHED for p in phases)
        if running:
            return f"{running} running"
        return "queued" if phases else "idle"

    # scheduled slots --------------------------------------------------------------------
    def _plan(self, name: str) -> None:
        """Put the job's next unhandled slot on the timeline."""
        job = self.graph.find(name)
        state = self.states.get(name)
        if job is None or state is None or job.schedule is None or job.disabled:
            self.timeline.set(name, None)
            return
        cursor = None if state.cursor_ms is None else from_millis(state.cursor_ms)
        slot = job.schedule.next_slot(cursor)
        self.timeline.set(name, None if slot is None else slot.timestamp())

    def _arm(self) -> None:
        """One core timer the launch lead before the earliest slot of any job, one to hold
        offers from before that until after the slot."""
        when = self.timeline.earliest()
        if when == self._timer_at:
            return
        for timer in (self._timer, self._hold_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._hold_timer = None
        self._timer_at = when
        if when is not None:
            delay = when - self.lead_s - self.fw.clock.now()
            self._timer = self.fw.core.call_later(delay, self._on_timer)
            self._hold_timer = self.fw.core.call_later(
                delay - HOLD_AHEAD_S, lambda: self.fw.launcher.hold_offers(when + HOLD_AFTER_S)
            )

    def _on_timer(self) -> None:
        self._timer = self._timer_at = None
        now = self._now()
        names = self.timeline.pop_due(now.timestamp() + self.lead_s)
        with self.fw.store.transaction():
            for name in names:
                self._claim_slots(name, now)
        for name in names:
            self._plan(name)
        self._arm()
        self._dispatch(names)
        upcoming = self.timeline.earliest()
        if upcoming is None or upcoming - self.lead_s - now.timestamp() > HOLD_AHEAD_S:
            self.fw.launcher.hold_offers(None)

    def _claim_slots(self, name: str, now: datetime) -> None:
        """Claim the job's due slots, record the missed ones, and move its cursor."""
        job = self.graph.get(name)
        state = self.states[name]
        assert job.schedule is not None
        cursor = None if state.cursor_ms is None else from_millis(state.cursor_ms)
        slots = due_slots(job.schedule, cursor, now, job.epsilon,
                          ahead=timedelta(seconds=self.lead_s))
        for slot in slots.missed:
            self._record_missed(name, slot)
        for slot in slots.due:
            self._claim(name, slot_key(slot), slot, Trigger.SCHEDULE)
        handled = slots.due or slots.missed
        if handled:
            self.states[name] = replace(state, cursor_ms=to_millis(handled[-1]))
            self._save_job(job)

    def _claim(
        self, name: str, key: str, due: datetime, trigger: Trigger, arguments: str = ""
    ) -> Run | None:
        """Insert the run's row; None if this key was claimed before (nothing to do)."""
        due_ms = to_millis(due)
        if trigger is not Trigger.SCHEDULE:
            # Task ids carry the due time: two open runs of a job must not share one.
            taken = {run.due_ms for run in self.open.get(name, {}).values()}
            while due_ms in taken:
                due_ms += 1
        run = Run(0, name, trigger, due_ms, arguments=arguments)
        run_id = self.fw.store.claim_run(name, key, due.timestamp(), trigger.value,
                                         run.record(), int(self.fw.clock.now()))
        if run_id is None:
            return None
        run = replace(run, run_id=run_id)
        self.open.setdefault(name, {})[run_id] = run
        self.phase[run_id] = Phase.WAITING
        return run

    def _record_missed(self, name: str, slot: datetime) -> None:
        run = self._claim(name, slot_key(slot), slot, Trigger.SCHEDULE)
        if run is not None:
            self._miss(run)

    def _miss(self, run: Run) -> None:
        self._save_run(replace(run, status=RunStatus.MISSED))
        self._publish("job_run_missed_event", run)

    # runs -------------------------------------------------------------------------------
    def _dispatch(self, names: list[str]) -> None:
        """Start the waiting runs of these jobs that may start now (claim order)."""
        now = self._now()
        queued = False
        for name in dict.fromkeys(names):
            job = self.graph.find(name)
            runs = list(self.open.get(name, {}).values())
            if job is None or not runs:
                continue
            busy = any(self.phase[r.run_id] is not Phase.WAITING for r in runs)
            for run in runs:
                if self.phase[run.run_id] is not Phase.WAITING:
                    continue
                if busy and not job.concurrent:
                    break
                if run.trigger is Trigger.SCHEDULE and from_millis(run.due_ms) < now - job.epsilon:
                    self._miss(run)
                    continue
                self._queue(job, run)
                busy = queued = True
        if queued:
            self.fw.launcher.wake()

    def _queue(self, job: Job, run: Run) -> None:
        """Put the run's current attempt in the launch queue (the caller wakes the launcher)."""
        self.phase[run.run_id] = Phase.QUEUED
        self._by_task[run.task_id] = (run.job_name, run.run_id)
        priority = HIGH_PRIORITY if job.high_priority else JOB_PRIORITY
        self.fw.queue.add(task_request_for(job, run.task_id), self.fw.clock.now(), priority)

    def _wait_retry(self, run: Run) -> None:
        self.phase[run.run_id] = Phase.RETRY_WAIT
        delay = (run.retry_at or 0.0) - self.fw.clock.now()
        self.fw.core.call_later(delay, lambda: self._retry(run.job_name, run.run_id))

    def _retry(self, name: str, run_id: int) -> None:
        run = self.open.get(name, {}).get(run_id)
        job = self.graph.find(name)
        if run is None or job is None or self.phase.get(run_id) is not Phase.RETRY_WAIT:
            return
        self._queue(job, run)
        self.fw.launcher.wake()

    def _run_of(self, task_id: str) -> Run | None:
        name, run_id = self._by_task.get(task_id, ("", 0))
        return self.open.get(name, {}).get(run_id)

    def _attempt_ended(self, run: Run, end: RunEnd, message: str) -> list[str]:
        """Retry, or settle the run and the job's counters; returns jobs to dispatch."""
        job = self.graph.get(run.job_name)
        now = self._now()
        outcome = decide(job, end, run.attempt, now)
        current = run.current
        fields = {"taskId": run.task_id, "attempt": run.attempt, "message": message,
                  "host": current.host if current else ""}
        if outcome.verdict is Verdict.RETRY:
            assert outcome.next_attempt is not None
            retry_at = now.timestamp() + self.retry_delay_s
            run = self._save_run(replace(run, status=RunStatus.CLAIMED,
                                         attempt=outcome.next_attempt, retry_at=retry_at))
            self._wait_retry(run)
            self._publish("job_run_finished_event", run, status="retry", **fields)
            return []
        job = replace(job, counters=outcome.counters)
        if outcome.verdict is Verdict.SUCCEEDED and self._exhausted(job):
            job = replace(job, disabled=True)  # R0: every recurrence has run
        self.graph.put(job)
        self._save_job(job)
        status = _SETTLED[outcome.verdict]
        self._save_run(replace(run, status=status, retry_at=None))
        children = self._fire_children(job.name) if outcome.fire_dependents else []
        if outcome.fire_dependents:
            self._save_dependencies()
        self._plan(job.name)
        self._publish("job_run_finished_event", run, status=status.value, **fields)
        return [job.name, *children]

    def _exhausted(self, job: Job) -> bool:
        cursor = self.states[job.name].cursor_ms
        if job.schedule is None or cursor is None:
            return False
        return job.schedule.next_slot(from_millis(cursor)) is None

    def _fire_children(self, parent: str) -> list[str]:
        """Claim a dependent run of each child now due, unless one has yet to start."""
        fired = []
        for child in self.graph.on_job_done(parent):
            pending = any(self.phase[r.run_id] in (Phase.WAITING, Phase.QUEUED)
                          for r in self.open.get(child, {}).values())
            if not pending:
                self._claim(child, f"dep:{uuid.uuid4()}", self._now(), Trigger.DEPENDENCY)
                fired.append(child)
        return fired

    # RunSpecOwner -----------------------------------------------------------------------
    def build(self, placement: Placement) -> Launch | None:
        task_id = placement.request.task_id
        run = self._run_of(task_id)
        job = self.graph.find(run.job_name) if run is not None else None
        if run is None or job is None:
            return None
        early = run.trigger is Trigger.SCHEDULE and run.due_ms > self.fw.clock.now() * 1000
        info = build_task_info(job, task_id, placement, self.fw.config.executor_info(),
                               run.due_ms, run.attempt, run.arguments,
                               start_at_ms=run.due_ms if early else None)
        record = TaskRecord(
            task_id=task_id, run_spec_id=placement.request.run_spec_id, version="",
            agent_id=placement.agent_id, hostname=placement.hostname,
            staged_at=self.fw.clock.now(),
        )
        return Launch(info, record)

    def is_delayed(self, run_spec_id: str) -> bool:
        return False  # runs enter the queue only when due

    def task_launched(self, record: TaskRecord) -> None:
        run = self._run_of(record.task_id)
        if run is None:
            return
        attempt = Attempt(record.task_id, record.agent_id, record.hostname, self.fw.clock.now())
        run = replace(run.with_attempt(attempt), status=RunStatus.RUNNING, retry_at=None)
        self.phase[run.run_id] = Phase.LAUNCHED
        self._save_run(run)
        self.graph.dependency_state.on_child_started(run.job_name)
        if self.graph.parents(run.job_name):
            self._save_dependencies()
        self._publish("job_run_started_event", run, taskId=record.task_id,
                      attempt=run.attempt, host=record.hostname)

    def task_changed(self, previous: TaskRecord, record: TaskRecord, status: Json) -> None:
        run = self._run_of(record.task_id)
        if run is None:
            return
        attempt = run.current or Attempt(record.task_id, record.agent_id, record.hostname,
                                         record.staged_at)
        now = self.fw.clock.now()
        attempt = replace(attempt, state=record.state, message=record.message,
                          started=attempt.started or record.started_at)
        end = RunEnd.from_task_state(record.state)
        if end is None:
            if attempt != run.current:
                self._save_run(run.with_attempt(attempt))
            return
        if end is RunEnd.KILLED and record.goal is not Goal.KILL:
            end = RunEnd.FAILED  # killed by Mesos (e.g. maxCompletionTime), not by a user
        run = run.with_attempt(replace(attempt, ended=now))
        with self.fw.store.transaction():
            names = self._attempt_ended(run, end, record.message)
        self._dispatch(names)


_SETTLED = {Verdict.SUCCEEDED: RunStatus.OK, Verdict.FAILED: RunStatus.FAILED,
            Verdict.KILLED: RunStatus.KILLED}
