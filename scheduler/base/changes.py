"""What the owner changed since the read model last published (owner thread only).

Rooms that change what GETs show mark it here; the read model (scheduler/reads) takes the
marks at the end of each owner-loop turn and re-renders only what they name.
"""

from __future__ import annotations


class Changes:
    """Marks of one publishing period: task ids (with their run spec), app ids, queue run
    spec ids, job names (or every job)."""

    def __init__(self) -> None:
        self.tasks: dict[str, str] = {}
        self.apps: set[str] = set()
        self.queue: set[str] = set()
        self.jobs: set[str] = set()
        self.all_jobs = False

    def task(self, task_id: str, run_spec_id: str) -> None:
        self.tasks[task_id] = run_spec_id

    def app(self, app_id: str) -> None:
        self.apps.add(app_id)

    def queued(self, run_spec_id: str) -> None:
        self.queue.add(run_spec_id)

    def job(self, name: str) -> None:
        self.jobs.add(name)

    def take(self) -> Changes:
        """The marks so far, leaving this empty for the next period."""
        taken = Changes()
        taken.tasks, self.tasks = self.tasks, {}
        taken.apps, self.apps = self.apps, set()
        taken.queue, self.queue = self.queue, set()
        taken.jobs, self.jobs = self.jobs, set()
        taken.all_jobs, self.all_jobs = self.all_jobs, False
        return taken
