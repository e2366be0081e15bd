"""The Mesos fetcher, minimally: each CommandInfo URI is put into the task's sandbox
before the task starts (blocking: the agent runs it on a worker thread).

http(s)/ftp are downloaded, file:// and plain paths copied (read as the task's user, so a
task fetches only what its user may read); archives are extracted unless `extract` is
false (tar members with the "data" filter: nothing lands outside the sandbox);
`executable` sets the exec bits. `cache` is ignored: every fetch is fresh, as cache=false.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tarfile
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from localmesos.agent.task_user import TaskUser

TIMEOUT_SECONDS = 300.0
ARCHIVES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar", ".zip")
SCHEMES = ("http", "https", "ftp", "file", "")


class FetchError(OSError):
    """A URI could not be fetched; the task fails to launch."""


def fetch_all(uris: list[Mapping[str, Any]], sandbox: Path, user: TaskUser | None) -> None:
    for uri in uris:
        fetch(uri, sandbox, user)


def fetch(uri: Mapping[str, Any], sandbox: Path, user: TaskUser | None) -> Path:
    """Fetch one CommandInfo.URI into `sandbox`; returns the file written."""
    value = str(uri.get("value") or "")
    parsed = urllib.parse.urlparse(value)
    name = str(uri.get("output_file") or os.path.basename(parsed.path) or "download")
    if not value or os.sep in name or name in (".", ".."):
        raise FetchError(f"Invalid URI or output file: {value!r} -> {name!r}")
    if parsed.scheme not in SCHEMES:
        raise FetchError(f"Unsupported URI scheme {parsed.scheme!r}: {value}")
    target = sandbox / name
    try:
        if parsed.scheme in ("", "file"):
            _copy_local(urllib.parse.unquote(parsed.path), target, user)
        else:
            with (
                urllib.request.urlopen(value, timeout=TIMEOUT_SECONDS) as response,
                target.open("wb") as out,
            ):
                shutil.copyfileobj(response, out)
        if uri.get("executable"):
            target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        elif uri.get("extract", True) and name.endswith(ARCHIVES):
            _extract(target, sandbox)
    except (OSError, ValueError, tarfile.TarError) as error:
        raise FetchError(f"Failed to fetch {value}: {error}") from error
    return target


def _copy_local(source: str, target: Path, user: TaskUser | None) -> None:
    if user is None:
        shutil.copyfile(source, target)
        return
    with target.open("wb") as out:
        reader = subprocess.run(
            ["cat", "--", source],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            user=user.uid,
            group=user.gid,
            extra_groups=list(user.groups),
            timeout=TIMEOUT_SECONDS,
            check=False,
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
