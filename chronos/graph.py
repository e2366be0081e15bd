"""The jobs and their dependency DAG: add, replace, remove, and the graph endpoints' text.

Deleting a job with children (Chronos 3.x rules, with one deliberate difference):
- if the deleted job was dependent, each child inherits the deleted job's parents;
- if it was scheduled, each child loses the edge; a child left without parents is
  disabled until a user edits it. Chronos instead turned such a child into a scheduled job
  with the deleted parent's schedule, which silently starts runs nobody asked for.

The graph also keeps the trigger state (chronos.dependencies) in step with the edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from chronos.dependencies import DependencyState
from chronos.errors import InvalidJob
from chronos.job import Job

FRESH_STATES = ("fresh", "idle")


class JobGraph:
    """Jobs by name with parent -> child edges; a cycle or an unknown parent is refused."""

    def __init__(self, dependency_state: DependencyState | None = None) -> None:
        self._jobs: dict[str, Job] = {}
        self._children: dict[str, set[str]] = {}
        self.dependency_state = dependency_state or DependencyState()

    @classmethod
    def from_jobs(
        cls, jobs: Iterable[Job], dependency_state: DependencyState | None = None
    ) -> JobGraph:
        """Rebuild from stored jobs in any order, with stored trigger state trimmed to the edges."""
        graph = cls(dependency_state)
        waiting = {job.name: job for job in jobs}
        while waiting:
            ready = [job for job in waiting.values() if all(p in graph for p in job.parents)]
            if not ready:
                raise InvalidJob(f"jobs with unknown parents or a cycle: {sorted(waiting)}")
            for job in ready:
                graph.put(job)
                del waiting[job.name]
        for child in graph.dependency_state.to_dict():
            if child not in graph:
                graph.dependency_state.forget(child)
        return graph

    def __contains__(self, name: object) -> bool:
        return name in self._jobs

    def __len__(self) -> int:
        return len(self._jobs)

    def jobs(self) -> list[Job]:
        """Every job, by name."""
        return [self._jobs[name] for name in sorted(self._jobs)]

    def find(self, name: str) -> Job | None:
        return self._jobs.get(name)

    def get(self, name: str) -> Job:
        """The job, or InvalidJob (Chronos answers 400 for an unknown job)."""
        job = self._jobs.get(name)
        if job is None:
            raise InvalidJob(f"Job '{name}' not found")
        return job

    def parents(self, name: str) -> tuple[str, ...]:
        return self.get(name).parents

    def children(self, name: str) -> tuple[str, ...]:
        return tuple(sorted(self._children.get(name, ())))

    def put(self, job: Job) -> None:
        """Create or replace `job` (its own parent edges are replaced; its children stay)."""
        self._check_parents(job)
        old = self._jobs.get(job.name)
        for parent in old.parents if old else ():
            self._children.get(parent, set()).discard(job.name)
        for parent in job.parents:
            self._children.setdefault(parent, set()).add(job.name)
        self._jobs[job.name] = job
        self.dependency_state.set_parents(job.name, job.parents)

    def remove(self, name: str) -> list[Job]:
        """Delete `name`; returns its children as rewritten by the delete rules (to be stored)."""
        job = self.get(name)
        inherited = job.parents if job.is_dependent else ()
        changed = []
        for child_name in self.children(name):
            child = self._jobs[child_name]
            parents = _replace_parent(child.parents, name, inherited)
            changed.append(replace(child, parents=parents, disabled=child.disabled or not parents))
        for parent in job.parents:
            self._children[parent].discard(name)
        del self._jobs[name]
        self._children.pop(name, None)
        self.dependency_state.forget(name)
        for child in changed:
            self.put(child)
        return changed

    def on_job_done(self, parent: str) -> list[str]:
        """`parent` completed (success, or failure with softError): children due now, enabled."""
        due = []
        for child in self.children(parent):
            if (
                self.dependency_state.on_parent_done(parent, child)
                and not self._jobs[child].disabled
            ):
                due.append(child)
        return due

    def to_dot(self) -> str:
        """Graphviz DOT: vertices numbered from 1 by job name, labelled with the name."""
        ids = {name: index for index, name in enumerate(sorted(self._jobs), start=1)}
        lines = ["digraph G {"]
        lines += [f'  {ids[name]} [ label="{name}" ];' for name in ids]
        lines += [f"  {ids[parent]} -> {ids[child]};" for parent, child in self._edges()]
        return "\n".join([*lines, "}"]) + "\n"

    def to_csv(self, job_states: Mapping[str, tuple[str, str]]) -> str:
        """`node,<name>,<lastState>,<currentState>` per job, then `link,<parent>,<child>`.

        `job_states` maps a name to (success|failure|fresh, idle|queued|"<n> running");
        a job missing from it is ("fresh", "idle").
        """
        lines = [
            f"node,{name},{','.join(job_states.get(name, FRESH_STATES))}"
            for name in sorted(self._jobs)
        ]
        lines += [f"link,{parent},{child}" for parent, child in self._edges()]
        return "".join(line + "\n" for line in lines)

    def _edges(self) -> list[tuple[str, str]]:
        return [
            (parent, child) for child in sorted(self._jobs) for parent in self._jobs[child].parents
        ]

    def _check_parents(self, job: Job) -> None:
        if job.is_dependent and not job.parents and not job.disabled:
            raise InvalidJob(f"the dependent job '{job.name}' needs at least one parent")
        descendants = self._descendants(job.name)
        for parent in job.parents:
            if parent not in self._jobs:
                raise InvalidJob(f"parent job '{parent}' of '{job.name}' does not exist")
            if parent == job.name or parent in descendants:
                raise InvalidJob(f"making '{parent}' a parent of '{job.name}' would create a cycle")

    def _descendants(self, name: str) -> set[str]:
        seen: set[str] = set()
        stack = [name]
        while stack:
            for child in self._children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen


def _replace_parent(parents: tuple[str, ...], gone: str, heirs: tuple[str, ...]) -> tuple[str, ...]:
    """`parents` with `gone` replaced by `heirs`, without duplicates."""
    result: list[str] = []
    for parent in parents:
        result.extend(heirs if parent == gone else (parent,))
    return tuple(dict.fromkeys(result))
