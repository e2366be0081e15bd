"""The Mesos fetcher's job for our tasks: put each CommandInfo URI into the sandbox.

http(s), file:// and plain paths are copied; archives are extracted unless `extract` is
false; `executable` sets the file's exec bits. Any failure fails the task's launch.
"""

from __future__ import annotations

import os
import shutil
import stat
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

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


def fetch_all(uris: tuple[UriSpec, ...], sandbox: Path) -> None:
    for uri in uris:
        fetch(uri, sandbox)


def fetch(uri: UriSpec, sandbox: Path) -> Path:
    """Fetch one URI into `sandbox`; returns the file written."""
    parsed = urllib.parse.urlparse(uri.value)
    name = uri.output_file or os.path.basename(parsed.path) or "download"
    if os.sep in name or name in (".", ".."):
        raise FetchFailed(f"Invalid output file {name!r} for {uri.value}")
    if parsed.scheme not in ("http", "https", "ftp", "", "file"):
        raise FetchFailed(f"Unsupported URI scheme {parsed.scheme!r}: {uri.value}")
    target = sandbox / name
    try:
        if parsed.scheme in ("", "file"):
            shutil.copyfile(urllib.parse.unquote(parsed.path), target)
        else:
            with urllib.request.urlopen(uri.value, timeout=TIMEOUT_S) as response, \
                    target.open("wb") as out:
                shutil.copyfileobj(response, out)
        if uri.executable:
            mode = target.stat().st_mode
            target.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        elif uri.extract and name.endswith(ARCHIVES):
            shutil.unpack_archive(target, sandbox)
    except (OSError, ValueError) as error:  # shutil.ReadError is an OSError
        raise FetchFailed(f"Failed to fetch {uri.value}: {error}") from error
    return target
