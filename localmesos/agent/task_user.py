"""The user a command task runs as (CommandInfo.user, else FrameworkInfo.user), as a Mesos
agent with switch_user.

An agent running as root starts the task as that user and gives it the sandbox; an agent
running as anyone else cannot switch and runs the task as itself, as an agent with
`--no-switch_user` would (a developer's machine).
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TaskUser:
    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str

    def environment(self) -> dict[str, str]:
        return {"USER": self.name, "LOGNAME": self.name, "HOME": self.home}


def with_framework_user(task: dict[str, Any], framework_user: str | None) -> dict[str, Any]:
    """The task as Mesos runs it: a command with no user of its own runs as its framework's."""
    command = task.get("command")
    if command is None or command.get("user") or not framework_user:
        return task
    return {**task, "command": {**command, "user": framework_user}}


def resolve(name: str | None) -> TaskUser | None:
    """The user to switch to, or None to stay; OSError when the user does not exist."""
    if not name or os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(name)
    except KeyError as error:
        raise OSError(f"Failed to switch to user '{name}': no such user") from error
    if entry.pw_uid == os.geteuid():
        return None
    groups = tuple(os.getgrouplist(name, entry.pw_gid))
    return TaskUser(name, entry.pw_uid, entry.pw_gid, groups, entry.pw_dir)


def give_sandbox(user: TaskUser, sandbox: Path) -> None:
    """The task's user owns its sandbox and what was fetched into it."""
    for path in [sandbox, *sandbox.rglob("*")]:
        os.chown(path, user.uid, user.gid, follow_symlinks=False)
