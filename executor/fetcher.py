"""The Mesos fetcher's job for our tasks: put each CommandInfo URI into the sandbox.

http(s), file:// and plain paths are copied; archives are extracted unless `extract` is
false; `executable` sets the file's exec bits. Any failure fails the task's launch.

As Mesos's fetcher runs as the task's user, a local file is read with that user's rights
(the executor may be root): it is read by `cat` started as the user, so a task can only
fetch what its user could read. Archives are extracted with tarfile's "data" filter, so no
member lands outside the sandbox or keeps special bits or links out of it.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tarfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from executor.task_user import TaskUser

TIMEOUT_S = 300.0
ARCHIVES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar", ".zip")


class FetchFailed(OSError):
    """A URI could not be fetched into the sandbox."""


@dataclass(frozen=True)
class UriSpec:
    value: str
    extract: bool = True
    executable: bool = False
    output_file: str | None = None


def fetch_all(uris: tuple[UriSpec, ...], sandbox: Path, user: TaskUser | None = None) -> None:
    for uri in uris:
        fetch(uri, sandbox, user)


def fetch(uri: UriSpec, sandbox: Path, user: TaskUser | None = None) -> Path:
    """Fetch one URI into `sandbox`, local files read as `user` (None: as this process);
    returns the file written."""
    parsed = urllib.parse.urlparse(uri.value)
    name = uri.output_file or os.path.basename(parsed.path) or "download"
    if os.sep in name or name in (".", ".."):
        raise FetchFailed(f"Invalid output file {name!r} for {uri.value}")
    if parsed.scheme not in ("http", "https", "ftp", "", "file"):
        raise FetchFailed(f"Unsupported URI scheme {parsed.scheme!r}: {uri.value}")
    target = sandbox / name
    try:
        if parsed.scheme in ("", "file"):
            _copy_local(urllib.parse.unquote(parsed.path), target, user)
        else:
            with urllib.request.urlopen(uri.value, timeout=TIMEOUT_S) as response, \
                    target.open("wb") as out:
                shutil.copyfileobj(response, out)
        if uri.executable:
            mode = target.stat().st_mode
            target.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        elif uri.extract and name.endswith(ARCHIVES):
            _extract(target, sandbox)
    except (OSError, ValueError, tarfile.TarError) as error:  # shutil.ReadError: an OSError
        raise FetchFailed(f"Failed to fetch {uri.value}: {error}") from error
    return target


def _copy_local(source: str, target: Path, user: TaskUser | None) -> None:
    if user is None:
        shutil.copyfile(source, target)
        return
    with target.open("wb") as out:
        reader = subprocess.run(
            ["cat", "--", source], stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            user=user.uid, group=user.gid, extra_groups=list(user.groups), check=False,
            timeout=TIMEOUT_S,
        )
    if reader.returncode != 0:
        target.unlink(missing_ok=True)
        reason = reader.stderr.decode(errors="replace").strip().rsplit(": ", 1)[-1]
        raise PermissionError(f"{source} cannot be read as user '{user.name}': {reason}")


def _extract(archive: Path, sandbox: Path) -> None:
    if archive.name.endswith(".zip"):
        shutil.unpack_archive(archive, sandbox)  # zipfile drops absolute and ".." parts
        return
    with tarfile.open(archive) as tar:
        tar.extractall(sandbox, filter="data")
