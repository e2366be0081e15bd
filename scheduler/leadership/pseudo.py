"""The single-scheduler election: always leader, once a lock on the data dir is held.

SQLite is one machine's file, so a second scheduler on the same file is refused at start
with a clear message rather than left to knock the first off Mesos.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy import Connection

from scheduler.leadership.service import Candidate, Gate


class AlreadyRunning(RuntimeError):
    pass


class PseudoElection:
    def __init__(self, instance: str, lock_path: Path | None = None, scheme: str = "http"
                 ) -> None:
        self.instance = instance
        self.scheme = scheme
        self._lock_path = lock_path
        self._lock_file: IO[str] | None = None
        self._gate: Gate | None = None
        self._abdicated = False

    def _hold_lock(self, lock_path: Path) -> None:
        """Take the data dir's lock or raise `AlreadyRunning` naming who holds it."""
        handle = open(lock_path, "a+")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another scheduler"
            handle.close()
            raise AlreadyRunning(
                f"{holder} already uses {lock_path.with_suffix('')}: SQLite serves one "
                "scheduler; run several against PostgreSQL (--db postgresql://...)"
            ) from None
        handle.truncate(0)
        handle.write(f"scheduler {self.instance} (pid {os.getpid()})\n")
        handle.flush()
        self._lock_file = handle

    def is_leader(self) -> bool:
        """The only scheduler leads until it abdicates."""
        return not self._abdicated

    def leader(self) -> str | None:
        return self.instance if self.is_leader() else None

    def leader_url(self) -> str | None:
        return f"{self.scheme}://{self.instance}" if self.is_leader() else None

    def offer_leadership(self, candidate: Candidate) -> None:
        if self._lock_path is not None:
            self._hold_lock(self._lock_path)
        self._gate = Gate(candidate)
        self._gate.start(1)

    def abdicate(self) -> None:
        self._abdicated = True
        if self._gate is not None:
            self._gate.stop()

    def fence(self, conn: Connection) -> None:
        """One scheduler per file: nothing to fence."""

    def changes(self) -> int:
        return 0 if self._gate is None else self._gate.changes

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # the lock goes with it
            self._lock_file = None
