"""Chronos task ids: `ct:<dueEpochMillis>:<attempt>:<jobName>:<arguments>`.

The arguments of a manual run lose `;` (as in Chronos) and are percent-encoded where Mesos
forbids a character in a task id (`/`, `\\`, control characters; `%` itself), so every id is
a valid Mesos task id and parses back to what was given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from chronos.errors import InvalidJob

PREFIX = "ct"
MAX_LENGTH = 255  # Mesos refuses longer task ids
_FORM = re.compile(r"ct:(\d+):(\d+):([\w.-]+):(.*)", re.ASCII | re.DOTALL)
_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in "/\\%")


@dataclass(frozen=True)
class TaskId:
    due_ms: int
    attempt: int
    job_name: str
    arguments: str = ""

    def __str__(self) -> str:
        arguments = quote(self.arguments.replace(";", ""), safe=_SAFE)
        return f"{PREFIX}:{self.due_ms}:{self.attempt}:{self.job_name}:{arguments}"


def task_id_for(job_name: str, due_ms: int, attempt: int, arguments: str = "") -> str:
    """The Mesos task id of attempt `attempt` of the run of `job_name` due at `due_ms`."""
    task_id = str(TaskId(due_ms, attempt, job_name, arguments))
    if len(task_id) > MAX_LENGTH:
        raise InvalidJob(f"the arguments of a run of '{job_name}' are too long for a task id")
    return task_id


def parse_task_id(task_id: str) -> TaskId | None:
    """The parts of a Chronos task id, or None for ids that are not ours (ignored, as Chronos)."""
    match = _FORM.fullmatch(task_id)
    if match is None:
        return None
    due_ms, attempt, job_name, arguments = match.groups()
    return TaskId(int(due_ms), int(attempt), job_name, unquote(arguments))
