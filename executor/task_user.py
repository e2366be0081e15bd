"""Running a task as its CommandInfo `user`.

Like a Mesos agent with `--switch_user`: an executor running as root starts the task as
that user and gives it the sandbox; an executor running as anyone else cannot switch and
runs the task as itself (a dev machine), as an agent with `--no-switch_user` would.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TaskUser:
    """Arguments for `subprocess.Popen` that start the task as `name`."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str


def resolve(user: str | None) -> TaskUser | None:
    """The user to switch to, or None to stay; OSError when the user does not exist."""
    if user is None or os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(user)
    except KeyError as error:
        raise OSError(f"Failed to switch to user '{user}': no such user") from error
    if entry.pw_uid == os.geteuid():
        return None
    groups = tuple(os.getgrouplist(user, entry.pw_gid))
    return TaskUser(user, entry.pw_uid, entry.pw_gid, groups, entry.pw_dir)


def give_sandbox(user: TaskUser, sandbox: Path) -> None:
    """The task's user owns its sandbox and the files in it (stdout, stderr, fetched URIs)."""
    for path in [sandbox, *sandbox.rglob("*")]:
        os.chown(path, user.uid, user.gid, follow_symlinks=False)
