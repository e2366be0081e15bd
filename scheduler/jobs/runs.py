"""The run engine: claimed runs of jobs, from the launch queue through retries to settled.

Claimed runs wait in claim order; a job that is not `concurrent` starts its next run only
when the previous one has settled (a waiting scheduled slot that grew older than epsilon is
then missed). A scheduled run launched before its slot waits in its own command until the
slot (scheduler/jobs/task_info.py); manual and dependent runs start at once.

An attempt whose agent Mesos lost (TASK_UNREACHABLE) stays in flight however long the agent
is away: the task may still run on the far side of a partition, so its run neither ends nor
retries, and a job that is not concurrent starts no other run meanwhile. When the agent comes
back the task reports again and the run ends once, by what the task did. Only Mesos saying
the task is gone (TASK_GONE, TASK_GONE_BY_OPERATOR, TASK_DROPPED, or TASK_UNKNOWN: it knows
nothing of it) ends the attempt as lost, retried per the job's retries; a user's kill ends
such a run as killed at once, and the task is killed should it come back
(scheduler/launch/unreachable.py).

Events (on /v2/events): `job_run_missed_event`, `job_run_started_event` (an attempt was
launched) and `job_run_finished_event` (status ok, failed, killed or retry), each with
jobName, runId, trigger, dueMillis, and the attempt's taskId, attempt, host and message.
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chronos.job import Job
from chronos.outcomes import RunEnd, Verdict, decide
from chronos.runs import Attempt, Run, RunStatus, Trigger, slot_key
from chronos.timefmt import from_millis, to_millis
from scheduler.jobs.attempts import command_started, finished_fields, never_reached_mesos
from scheduler.jobs.definitions import JobDefinitions
from scheduler.jobs.task_info import build_task_info, starts_when_launched, task_request_for
from scheduler.launch.launcher import Launch
from scheduler.launch.task_request import Placement
from scheduler.launch.tasks import Goal, TaskRecord
from scheduler.mesos.sandbox_logs import TaskPlace
from scheduler.mesos.stderr_tails import StderrTails

if TYPE_CHECKING:
    from scheduler.launch.framework import Framework

log = logging.getLogger(__name__)

Json = dict[str, Any]

HIGH_PRIORITY, JOB_PRIORITY = -1, 0  # both before apps (1): runs are due at a time


class Phase(enum.Enum):
    """Where an open run is, in memory (the store only knows CLAIMED or RUNNING)."""

    WAITING = "waiting"  # claimed, waits for the job to be free
    QUEUED = "queued"  # in the launch queue
    RETRY_WAIT = "retry_wait"  # failed, next attempt after the retry delay (or at its slot)
    LAUNCHED = "launched"  # its current attempt is a Mesos task


class RunEngine:
    """Open runs by job and what becomes of their attempts; runs on the owner thread."""

    def __init__(self, framework: Framework, definitions: JobDefinitions) -> None:
        self.fw = framework
        self.defs = definitions
        self.retry_delay_s = framework.config.job_retry_delay_s
        self.open: dict[str, dict[int, Run]] = {}  # open runs by job, in claim order
        self.phase: dict[int, Phase] = {}
        self._by_task: dict[str, tuple[str, int]] = {}  # task id -> (job, run id)
        self.tails: StderrTails | None = None  # wired by the runtime: reads agents' files

    def now(self) -> datetime:
        """The clock's time as a UTC instant."""
        return datetime.fromtimestamp(self.fw.clock.now(), UTC)

    # the store and memory ----------------------------------------------------------------
    def save(self, run: Run) -> Run:
        """Store the run; a settled one leaves memory and the job's history is pruned."""
        self.fw.store.update_run(run.run_id, run.status.value, run.record(),
                                 int(self.fw.clock.now()))
        if run.status.is_open:
            self.open.setdefault(run.job_name, {})[run.run_id] = run
        else:
            self._close(run)
        return run

    def _close(self, run: Run) -> None:
        self._drop(run)
        self.fw.store.prune_runs(run.job_name, self.fw.config.job_history_limit)

    def _drop(self, run: Run) -> None:
        """The run leaves memory: the job's open runs, its phase, its task ids."""
        runs = self.open.get(run.job_name, {})
        runs.pop(run.run_id, None)
        if not runs:
            self.open.pop(run.job_name, None)
        self.phase.pop(run.run_id, None)
        for task_id in {run.task_id, *(attempt.task_id for attempt in run.attempts)}:
            self._by_task.pop(task_id, None)

    def _publish(self, event: str, run: Run, **fields: Any) -> None:
        self.fw.events.publish(
            event, self.fw.clock.now(), jobName=run.job_name, runId=run.run_id,
            trigger=run.trigger.value, dueMillis=run.due_ms, **fields,
        )

    def restore(self, run: Run) -> None:
        """Take back an open run from the store (its job's runs are dispatched after)."""
        if run.job_name not in self.defs.graph:
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
            with self.fw.store.transaction():
                self._attempt_ended(run, RunEnd.LOST, "task unknown after a restart")
        elif run.retry_at is not None:
            self._wait_retry(run)
        else:
            self.phase[run.run_id] = Phase.WAITING

    def forget(self, name: str) -> None:
        """Drop a deleted job's open runs from memory."""
        for run in list(self.open.get(name, {}).values()):
            self._drop(run)

    def current_state(self, name: str) -> str:
        """`idle`, `queued` or `<n> running`: the phases of the job's open runs."""
        phases = [self.phase[run_id] for run_id in self.open.get(name, {})]
        running = sum(p is Phase.LAUNCHED for p in phases)
        if running:
            return f"{running} running"
        return "queued" if phases else "idle"

    # claiming ---------------------------------------------------------------------------
    def claim(
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

    def miss(self, run: Run) -> None:
        self.save(replace(run, status=RunStatus.MISSED))
        self._publish("job_run_missed_event", run)

    def miss_slots(self, name: str, slots: list[datetime]) -> None:
        """Record these slots of the job as missed runs: one insert and one prune however
        far behind the job is (a slot claimed before is skipped)."""
        runs = {slot_key(slot): Run(0, name, Trigger.SCHEDULE, to_millis(slot),
                                    status=RunStatus.MISSED) for slot in slots}
        claims = [(slot_key(slot), slot.timestamp(), Trigger.SCHEDULE.value,
                   RunStatus.MISSED.value, runs[slot_key(slot)].record()) for slot in slots]
        ids = self.fw.store.claim_runs(name, claims, int(self.fw.clock.now()))
        if ids:
            self.fw.store.prune_runs(name, self.fw.config.job_history_limit)
        for key, run_id in ids.items():
            self._publish("job_run_missed_event", replace(runs[key], run_id=run_id))

    def withdraw_waiting(self, name: str, reason: str) -> None:
        """The job's runs with no attempt launched now never start (a disabled or deleted
        job's queue is dropped): each settles as killed, with no error counted."""
        for run in list(self.open.get(name, {}).values()):
            if self.phase[run.run_id] is not Phase.LAUNCHED:
                self.fw.queue.remove(run.task_id)
                self.save(replace(run, status=RunStatus.KILLED, retry_at=None))
                self._publish("job_run_finished_event", run, status=RunStatus.KILLED.value,
                              **finished_fields(run, reason))

    def withdraw_unstarted(self, name: str, reason: str) -> None:
        """No run of the job that has not started will start: those waiting settle as killed,
        those launched ahead of a slot still to come have their tasks killed."""
        self.withdraw_waiting(name, reason)
        self._withdraw_early(name)

    def _withdraw_early(self, name: str) -> None:
        """Scheduled runs launched ahead of a slot still to come never start: their tasks are
        killed (the executor has not started them)."""
        now_ms = int(self.fw.clock.now() * 1000)
        for run in list(self.open.get(name, {}).values()):
            if run.trigger is not Trigger.SCHEDULE or run.attempt or run.due_ms <= now_ms:
                continue
            record = self.fw.tracker.get(run.task_id)
            if record is not None and not record.is_terminal:
                self.fw.kill(record)

    def fire_children(self, parent: str) -> list[str]:
        """Claim a dependent run of each child now due, unless one has yet to start."""
        fired = []
        for child in self.defs.graph.on_job_done(parent):
            pending = any(self.phase[r.run_id] in (Phase.WAITING, Phase.QUEUED)
                          for r in self.open.get(child, {}).values())
            if not pending:
                self.claim(child, f"dep:{uuid.uuid4()}", self.now(), Trigger.DEPENDENCY)
                fired.append(child)
        return fired

    # starting ---------------------------------------------------------------------------
    def dispatch(self, names: list[str]) -> None:
        """Start the waiting runs of these jobs that may start now (claim order)."""
        now = self.now()
        queued = False
        for name in dict.fromkeys(names):
            job = self.defs.graph.find(name)
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
                    self.miss(run)
                    continue
                self._queue(job, run)
                busy = queued = True
        if queued:
            self.fw.launcher.wake()

    def _queue(self, job: Job, run: Run) -> None:
        """Put the run's current attempt in the launch queue (the caller wakes the launcher);
        a scheduled run that nothing on the agent can hold waits for its slot first."""
        wait = run.due_ms / 1000 - self.fw.clock.now()
        if run.trigger is Trigger.SCHEDULE and wait > 0 and starts_when_launched(job):
            self.phase[run.run_id] = Phase.RETRY_WAIT
            self.fw.core.call_later(wait, lambda: self._retry(run.job_name, run.run_id))
            return
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
        job = self.defs.graph.find(name)
        if run is None or job is None or self.phase.get(run_id) is not Phase.RETRY_WAIT:
            return
        self._queue(job, run)
        self.fw.launcher.wake()

    # attempts as Mesos tasks (the JobManager's RunSpecOwner calls) ------------------------
    def run_of(self, task_id: str) -> Run | None:
        name, run_id = self._by_task.get(task_id, ("", 0))
        return self.open.get(name, {}).get(run_id)

    def build(self, placement: Placement) -> Launch | None:
        task_id = placement.request.task_id
        run = self.run_of(task_id)
        job = self.defs.graph.find(run.job_name) if run is not None else None
        if run is None or job is None:
            return None
        now_ms = round(self.fw.clock.now() * 1000)
        early = (run.trigger is Trigger.SCHEDULE and run.due_ms > now_ms
                 and not starts_when_launched(job))
        info = build_task_info(job, task_id, placement, run.due_ms, run.attempt, run.arguments,
                               lead_ms=run.due_ms - now_ms if early else 0)
        record = TaskRecord(
            task_id=task_id, run_spec_id=placement.request.run_spec_id, version="",
            agent_id=placement.agent_id, hostname=placement.hostname,
            staged_at=self.fw.clock.now(),
        )
        return Launch(info, record)

    def task_launched(self, record: TaskRecord) -> None:
        run = self.run_of(record.task_id)
        if run is None:
            return
        attempt = Attempt(record.task_id, record.agent_id, record.hostname, self.fw.clock.now())
        run = replace(run.with_attempt(attempt), status=RunStatus.RUNNING, retry_at=None)
        self.phase[run.run_id] = Phase.LAUNCHED
        self.save(run)
        graph = self.defs.graph
        graph.dependency_state.on_child_started(run.job_name)
        if graph.parents(run.job_name):
            self.defs.save_dependencies()
        self._publish("job_run_started_event", run, taskId=record.task_id,
                      attempt=run.attempt, host=record.hostname)

    def task_changed(self, previous: TaskRecord, record: TaskRecord, status: Json) -> None:
        run = self.run_of(record.task_id)
        if run is None:
            return
        if record.is_terminal and never_reached_mesos(previous, status):
            self._launch_again(run, record.task_id, status.get("message", ""))
            return
        attempt = run.current or Attempt(record.task_id, record.agent_id, record.hostname,
                                         record.staged_at)
        now = self.fw.clock.now()
        started = command_started(run, record)
        if attempt.started is None and started is not None:
            self._started(run, started)
        attempt = replace(attempt, state=record.state, message=record.message,
                          started=attempt.started or started)
        end = RunEnd.from_task_state(record.state)
        if end is None:
            if attempt != run.current:
                self.save(run.with_attempt(attempt))
            return
        if end is RunEnd.KILLED and record.goal is not Goal.KILL:
            end = RunEnd.FAILED  # killed by Mesos (e.g. maxCompletionTime), not by a user
        run = run.with_attempt(replace(attempt, ended=now))
        with self.fw.store.transaction():
            names = self._attempt_ended(run, end, record.message)
        self.dispatch(names)
        # Only failed attempts: a finished run's output is one `task logs` away, and fetching
        # for every run would load the agents with a read per run.
        if self.tails is not None and end is not RunEnd.FINISHED:
            place = TaskPlace(attempt.task_id, attempt.agent_id, attempt.host)
            self.tails.fetch(place, lambda tail: self.record_tail(run, attempt.task_id, tail))

    def _launch_again(self, run: Run, task_id: str, message: str) -> None:
        """The attempt never existed in Mesos: the run waits to launch again (the same
        attempt, within the slot's window, else it is missed), no retry spent."""
        log.warning("job %s task %s never reached Mesos (%s): launching it again",
                    run.job_name, task_id, message)
        attempts = tuple(a for a in run.attempts if a.task_id != task_id)
        self.phase[run.run_id] = Phase.WAITING
        self.save(replace(run, status=RunStatus.CLAIMED, attempts=attempts))
        self.dispatch([run.job_name])

    def _started(self, run: Run, started: float) -> None:
        """A scheduled run's first attempt runs: how late after its slot (retries wait)."""
        if run.trigger is Trigger.SCHEDULE and run.attempt == 0:
            self.fw.telemetry.job_start_lateness.observe(started - run.due_ms / 1000)

    def record_tail(self, ended: Run, task_id: str, tail: str | None) -> None:
        """Keep the tail of an attempt's stderr in its run (open, or as stored)."""
        if tail is None:
            return  # the agent could not say: the run keeps no tail
        run = self.open.get(ended.job_name, {}).get(ended.run_id) or next(
            (Run.from_row(i, ended.job_name, s, r)
             for i, s, r in self.fw.store.runs(ended.job_name) if i == ended.run_id), None)
        if run is not None:
            attempts = tuple(replace(a, stderr_tail=tail) if a.task_id == task_id else a
                             for a in run.attempts)
            self.save(replace(run, attempts=attempts))

    def _attempt_ended(self, run: Run, end: RunEnd, message: str) -> list[str]:
        """Retry, or settle the run and the job's counters; returns jobs to dispatch."""
        job = self.defs.graph.get(run.job_name)
        now = self.now()
        outcome = decide(job, end, run.attempt, now)
        fields = finished_fields(run, message)
        if outcome.verdict is Verdict.RETRY:
            assert outcome.next_attempt is not None
            retry_at = now.timestamp() + self.retry_delay_s
            run = self.save(replace(run, status=RunStatus.CLAIMED,
                                    attempt=outcome.next_attempt, retry_at=retry_at))
            self._wait_retry(run)
            self._publish("job_run_finished_event", run, status="retry", **fields)
            return []
        job = replace(job, counters=outcome.counters)
        if outcome.verdict is Verdict.SUCCEEDED and self.defs.exhausted(job):
            job = replace(job, disabled=True)  # R0: every recurrence has run
        self.defs.graph.put(job)
        self.defs.save(job)
        status = _SETTLED[outcome.verdict]
        self.fw.telemetry.job_run_settled(_OUTCOMES[status])
        self.save(replace(run, status=status, retry_at=None))
        children = self.fire_children(job.name) if outcome.fire_dependents else []
        if outcome.fire_dependents:
            self.defs.save_dependencies()
        self._publish("job_run_finished_event", run, status=status.value, **fields)
        return [job.name, *children]


_SETTLED = {Verdict.SUCCEEDED: RunStatus.OK, Verdict.FAILED: RunStatus.FAILED,
            Verdict.KILLED: RunStatus.KILLED}
_OUTCOMES = {RunStatus.OK: "success", RunStatus.FAILED: "error", RunStatus.KILLED: "killed"}
