"""A throwaway PostgreSQL server from the machine's binaries (Debian's `postgresql`).

For `dromos dev --schedulers N` without `--db`, and for tests: a fresh cluster in a temporary
directory on a loopback port, trusted local access, removed when it stops. PostgreSQL
refuses to run as root, so as root it runs as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

QUIET = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT}


def binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def available() -> bool:
    return binary("initdb") is not None and binary("pg_ctl") is not None


def _as_owner(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


class LocalPostgres:
    def __init__(self, port: int) -> None:
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="dromos-pg-"))
        self.data = self.root / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _pg_ctl(self, *args: str, check: bool = True) -> None:
        pg_ctl = binary("pg_ctl")
        assert pg_ctl is not None
        subprocess.run(_as_owner([pg_ctl, "-D", str(self.data), *args]), check=check,
                       **QUIET)  # type: ignore[call-overload]

    def start(self) -> None:
        if not self.data.exists():
            if os.geteuid() == 0:
                owner = pwd.getpwnam("postgres")
                os.chown(self.root, owner.pw_uid, owner.pw_gid)
            initdb = binary("initdb")
            assert initdb is not None
            subprocess.run(_as_owner([initdb, "-D", str(self.data), "-U", "postgres",
                                      "--auth=trust"]), check=True, **QUIET)  # type: ignore[call-overload]
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=200")
        self._pg_ctl("-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "stop", check=False)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
