"""Per-task sandbox directories with their `stdout` and `stderr` files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


class SandboxLayout:
    """Where tasks live: `<root>/tasks/<task_id>/`, or `root` itself in single-task mode."""

    def __init__(self, root: Path, single_task: bool = False) -> None:
        self.root = root
        self.single_task = single_task

    @classmethod
    def from_environment(cls, env: Mapping[str, str], single_task: bool = False) -> SandboxLayout:
        """The executor's sandbox as the agent gives it (MESOS_SANDBOX, MESOS_DIRECTORY, cwd)."""
        root = env.get("MESOS_SANDBOX") or env.get("MESOS_DIRECTORY") or os.getcwd()
        return cls(Path(root), single_task)

    def create(self, task_id: str) -> Path:
        """Create the task's sandbox with empty `stdout`/`stderr` files; returns its path."""
        if self.single_task:
            path = self.root
        else:
            if task_id in ("", ".", "..") or "/" in task_id or "\0" in task_id:
                raise ValueError(f"task id {task_id!r} cannot name a sandbox directory")
            path = self.root / "tasks" / task_id
        path.mkdir(parents=True, exist_ok=True)
        for name in ("stdout", "stderr"):
            (path / name).touch()
        return path
