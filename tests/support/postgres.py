"""A throwaway PostgreSQL server for the store's contract tests.

Started once per test session from the machine's PostgreSQL binaries (Debian's
`postgresql` package), on a free loopback port, in a temporary directory; stopped at the
end. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
Missing binaries skip these tests locally, and fail them in CI, which must have them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.localmesos import free_port


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_owner(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """Yields a server URL `postgresql://postgres@127.0.0.1:PORT`."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries (initdb, pg_ctl) are missing on this CI machine")
        pytest.skip("PostgreSQL binaries not installed (Debian package `postgresql`)")
    root = Path(tempfile.mkdtemp(prefix="dromos-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, port = root / "data", free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
    subprocess.run(_as_owner([initdb, "-D", str(data), "-U", "postgres", "--auth=trust"]),
                   check=True, **quiet)  # type: ignore[call-overload]
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_owner([pg_ctl, "-D", str(data), "-o", options, "-l",
                              str(root / "log"), "-w", "start"]), check=True, **quiet)  # type: ignore[call-overload]
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_owner([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
                       **quiet)  # type: ignore[call-overload]
        shutil.rmtree(root, ignore_errors=True)
