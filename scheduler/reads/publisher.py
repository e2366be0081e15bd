"""The owner's side of the read model: re-render what the turn changed, then publish.

At the end of each owner-loop turn (and right after each API write, before its caller is
answered) `publish` takes the marks of `Framework.changes` and renders only what they
name: a marked task's JSON once, the app views of apps whose tasks, definition,
readiness or deployments changed (a dict copy of the app's task views each), the queue
entries of marked apps. The new `Snapshot` replaces the old by one assignment; readers
never lock and never wait on the owner thread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from chronos.job import job_to_json
from scheduler.appmanager.manager import AppManager
from scheduler.apps.model import AppDefinition
from scheduler.apps.serialize import app_to_json
from scheduler.base.changes import Changes
from scheduler.deployments.manager import deployment_json
from scheduler.deployments.plan import Deployment
from scheduler.jobs.manager import JobManager
from scheduler.launch.task_request import JOB_PREFIX, is_job
from scheduler.launch.tasks import TaskRecord
from scheduler.reads.render import Tally, queue_view, task_view
from scheduler.reads.views import AppView, JobView, Metrics, QueueView, Snapshot, TaskView

Json = dict[str, Any]


class ReadModel:
    """Publishes `current`, the snapshot API threads read; runs on the owner thread."""

    def __init__(self, apps: AppManager, jobs: JobManager) -> None:
        self._apps = apps
        self._jobs = jobs
        self._fw = apps.fw
        self.current = Snapshot()
        self.renders = 0  # Task JSON objects rendered
        self._defs: dict[str, tuple[AppDefinition, Json]] = {}
        self._tasks: dict[str, dict[str, TaskView]] = {}  # app id -> its live tasks' views
        self._tallies: dict[str, Tally] = {}  # app id -> counts of those views
        self._job_tasks: dict[str, dict[str, Json]] = {}  # job name -> its running tasks
        self._state_of: dict[str, str] = {}
        self._states: Counter[str] = Counter()
        self._deployed: dict[str, tuple[str, ...]] = {}  # deployment id -> affected apps
        self._shown: dict[str, tuple[Deployment, int, object]] = {}  # as last rendered
        self._fw.core.at_end_of_turn(self.publish)

    def publish(self, everything: bool = False) -> None:
        """Re-render what changed and swap the snapshot in. `everything` (after an API
        write) also compares every app definition (by identity) and copies the groups."""
        marks = self._fw.changes.take()
        snap = self.current
        if not (everything or marks.tasks or marks.apps or marks.queue or marks.jobs
                or marks.all_jobs or snap.deployments or self._apps.deployments.running):
            return
        defined = self._definitions(marks, everything)
        touched, jobs_touched = self._apply_tasks(marks.tasks, defined)
        marks.jobs.update(jobs_touched)
        changed = touched | marks.apps | defined
        deployments, deploying = self._deployments(snap, changed)
        changed |= deploying
        apps = self._app_views(snap.apps, changed) if changed else snap.apps
        jobs = self._job_views(snap.jobs, marks)
        self.current = Snapshot(
            generation=snap.generation + 1,
            apps=apps,
            groups=dict(self._apps.groups) if everything else snap.groups,
            latest_version=self._apps.latest_version,
            deployments=deployments,
            queue=self._queue(snap.queue, marks.queue | changed),
            jobs=jobs,
            job_tasks=({name: tuple(t.values()) for name, t in self._job_tasks.items()}
                       if jobs_touched else snap.job_tasks),
            metrics=Metrics(
                apps=len(apps), jobs=len(jobs), tasks=Counter(self._states),
                queue=len(self._fw.queue), deployments=len(self._apps.deployments.running),
            ),
            renders=self.renders,
        )

    # apps ---------------------------------------------------------------------------------
    def _definitions(self, marks: Changes, everything: bool) -> set[str]:
        """Apps whose definition changed (or went); their task views are rendered anew."""
        known = self._apps.apps
        candidates = set(known) | set(self._defs) if everything else marks.apps
        changed = set()
        for app_id in candidates:
            app = known.get(app_id)
            cached = self._defs.get(app_id)
            if app is None:
                if cached is not None:
                    del self._defs[app_id]
                    self._tasks.pop(app_id, None)
                    self._tallies.pop(app_id, None)
                    changed.add(app_id)
                continue
            if cached is not None and cached[0] is app:
                continue
            self._defs[app_id] = (app, app_to_json(app))
            views = {r.task_id: self._render(r, app)
                     for r in self._fw.tracker.of(app_id) if not r.is_terminal}
            self._tasks[app_id] = views
            self._tallies[app_id] = Tally(views.values())
            changed.add(app_id)
        return changed

    def _render(self, record: TaskRecord, app: AppDefinition) -> TaskView:
        self.renders += 1
        return task_view(record, app, self._apps)

    def _apply_tasks(self, marked: Mapping[str, str], rendered: set[str]) -> tuple[
        set[str], set[str]
    ]:
        """Render each marked task once; returns the apps and the jobs whose tasks changed."""
        touched: set[str] = set()
        jobs_touched: set[str] = set()
        tracker = self._fw.tracker
        for task_id, run_spec_id in marked.items():
            record = tracker.get(task_id)
            self._count_state(task_id, record)
            if is_job(run_spec_id):
                jobs_touched.add(self._job_task(task_id, run_spec_id, record))
                continue
            touched.add(run_spec_id)
            views = self._tasks.get(run_spec_id)
            if run_spec_id in rendered or views is None:
                continue  # rendered with its app just now, or not an app (any more)
            tally, old = self._tallies[run_spec_id], views.get(task_id)
            if record is not None and not record.is_terminal:
                views[task_id] = new = self._render(record, self._defs[run_spec_id][0])
                tally.add(new, 1)
            else:
                views.pop(task_id, None)
            if old is not None:
                tally.add(old, -1)
        return touched, jobs_touched

    def _count_state(self, task_id: str, record: TaskRecord | None) -> None:
        old = self._state_of.pop(task_id, None)
        if old is not None:
            self._states[old] -= 1
            if not self._states[old]:
                del self._states[old]
        if record is not None:
            self._state_of[task_id] = record.state
            self._states[record.state] += 1

    def _app_views(self, before: Mapping[str, AppView], changed: set[str]) -> dict[
        str, AppView
    ]:
        views = dict(before)
        for app_id in changed:
            cached = self._defs.get(app_id)
            if cached is None:
                views.pop(app_id, None)
                continue
            app, definition = cached
            tasks = dict(self._tasks.get(app_id, {}))
            views[app_id] = AppView(
                app=app,
                definition=definition,
                counts=self._tallies[app_id].counts(),
                deployment_ids=tuple(d.id for d in self._apps.deployments.of_app(app_id)),
                last_failure=self._apps.last_failure.get(app_id),
                readiness=tuple(self._apps.readiness.results_json(app_id)),
                tasks=tasks,
            )
        return views

    # deployments and the queue ----------------------------------------------------------
    def _deployments(self, snap: Snapshot, changed: set[str]) -> tuple[
        Mapping[str, tuple[Json, Json]], set[str]
    ]:
        """The running deployments, those that moved (step, waiting reasons, readiness of
        their current apps) rendered anew; and the apps whose deployments changed."""
        running = self._apps.deployments.running
        if not running and not snap.deployments:
            return snap.deployments, set()
        readiness = self._apps.readiness.results_json
        rendered: dict[str, tuple[Json, Json]] = {}
        shown: dict[str, tuple[Deployment, int, object]] = {}
        for d in running.values():
            shown[d.id] = seen = (d, d.current_step, d.waiting)
            before = self._shown.get(d.id)
            if (before is not None and before[0] is d and before[1] == seen[1]
                    and before[2] is seen[2] and d.id in snap.deployments
                    and not any(a.app_id in changed for a in d.current_actions)):
                rendered[d.id] = snap.deployments[d.id]
            else:
                rendered[d.id] = (deployment_json(d, False, readiness),
                                  deployment_json(d, True, readiness))
        self._shown = shown
        deployed = {d.id: tuple(d.affected_apps) for d in running.values()}
        moved = {a for d in deployed.keys() ^ self._deployed.keys()
                 for a in deployed.get(d, self._deployed.get(d, ()))}
        self._deployed = deployed
        return rendered, moved

    def _queue(self, before: Mapping[str, QueueView], marked: set[str]) -> (
        Mapping[str, QueueView]
    ):
        queued = self._fw.queue.run_spec_ids()
        wanted = marked & (queued | set(before))
        if not wanted:
            return before
        views = dict(before)
        for app_id in wanted:
            cached = self._defs.get(app_id)
            if app_id not in queued or cached is None:
                views.pop(app_id, None)
            else:
                views[app_id] = queue_view(self._apps, cached[0], cached[1])
        return dict(sorted(views.items()))

    # jobs ---------------------------------------------------------------------------------
    def _job_views(self, before: Mapping[str, JobView], marks: Changes) -> (
        Mapping[str, JobView]
    ):
        """The marked jobs rendered anew (every job after a restart or a delete), by name."""
        jobs = self._jobs
        names = [j.name for j in jobs.graph.jobs()] if marks.all_jobs else marks.jobs
        if not (names or marks.all_jobs):
            return before
        views = {} if marks.all_jobs else dict(before)
        added = marks.all_jobs
        for name in names:
            job = jobs.graph.find(name)
            if job is None:
                views.pop(name, None)
                continue
            added = added or name not in views
            shown = jobs.defs.view(job)
            views[name] = JobView(shown, job_to_json(shown), jobs.current_state(name))
        return dict(sorted(views.items())) if added else views

    def _job_task(self, task_id: str, run_spec_id: str, record: TaskRecord | None) -> str:
        """Keep the job's running tasks (for discovery); returns the job's name."""
        name = run_spec_id.removeprefix(JOB_PREFIX)
        running = self._job_tasks.setdefault(name, {})
        if record is not None and record.is_running:
            running[task_id] = {"id": record.task_id, "host": record.hostname,
                                "ports": list(record.ports), "state": record.state}
        else:
            running.pop(task_id, None)
        if not running:
            del self._job_tasks[name]
        return name
