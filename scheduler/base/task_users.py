"""Who tasks run as: a default user, and the users an app or job may name.

Like Marathon's `--mesos_user` (and Chronos's `--user`), `--default-user` is the user of a
task whose app or job names none. `--allowed-users` lists the users an app or job may name;
without it any user but root may be named. Root is refused unless it is the default user or
in the list: a write to the API should not be enough to run commands as root.
"""

from __future__ import annotations

import os
import pwd
import stat
from dataclasses import dataclass
from pathlib import Path

ROOT = "root"


@dataclass(frozen=True)
class UserPolicy:
    """`default_user` None: the scheduler's own user (Mesos's FrameworkInfo.user)."""

    default_user: str | None = None
    allowed_users: tuple[str, ...] = ()

    def user_for(self, named: str | None) -> str | None:
        """The user a task runs as when its app or job names `named`."""
        return named or self.default_user

    def refusal(self, named: str | None) -> str | None:
        """Why `named` may not be a task's user, or None when it may."""
        if named is None or named == self.default_user or named in self.allowed_users:
            return None
        if self.allowed_users:
            allowed = ", ".join(self.allowed_users)
            return f"user '{named}' is not allowed (--allowed-users: {allowed})"
        if named == ROOT:
            return "tasks may not run as root (allow it with --allowed-users root)"
        return None


def unreadable_local_uri(uri: str, user: str | None) -> str | None:
    """Why `user` may not fetch the local file `uri`, or None.

    A file:// URI (or a plain absolute path, which Mesos's fetcher also reads locally) that
    exists on this host must be readable by the task's user, judged by its mode bits and
    those of its directories, so /etc/shadow is refused when the app is written rather than
    when its task fails. A path this host does not have is left to the agent, whose fetch
    runs with the task user's rights.
    """
    path = uri[len("file://"):] if uri.startswith("file://") else uri
    if not path.startswith("/") or user is None:
        return None
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return None
    if entry.pw_uid == 0:
        return None
    groups = set(os.getgrouplist(user, entry.pw_gid))
    target = Path(path)
    if not target.exists():
        return None
    for directory in target.parents:
        if not _may(directory, entry.pw_uid, groups, stat.S_IXUSR):
            return f"{uri}: user '{user}' cannot reach {directory}"
    if not _may(target, entry.pw_uid, groups, stat.S_IRUSR):
        return f"{uri}: user '{user}' cannot read it"
    return None


def _may(path: Path, uid: int, groups: set[int], owner_bit: int) -> bool:
    """Whether `uid` (in `groups`) has the permission `owner_bit` names, by mode bits."""
    info = path.stat()
    if info.st_uid == uid:
        return bool(info.st_mode & owner_bit)
    if info.st_gid in groups:
        return bool(info.st_mode & (owner_bit >> 3))
    return bool(info.st_mode & (owner_bit >> 6))
