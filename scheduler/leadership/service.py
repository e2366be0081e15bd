"""The election service's contract, shared by the pseudo, PostgreSQL and ZooKeeper ones.

Everything leader-only (the Mesos subscription, health checks, deployments, job slots)
starts in `Candidate.start_leadership` and ends with `stop_leadership`; nothing else asks
whether this instance leads. `Gate` makes the two callbacks alternate whatever the backend.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from sqlalchemy import Connection

log = logging.getLogger(__name__)

# A leader that lost its lease exits; its supervisor (dromos dev, systemd) starts it again
# as a standby. Marathon exits on lost leadership too.
EXIT_LOST_LEADERSHIP = 111
# An instance's database sessions are named SESSION_PREFIX + "HOST:PORT" (pg_stat_activity).
SESSION_PREFIX = "dromos "


class Deposed(RuntimeError):
    """A state change was attempted by an instance that no longer holds leadership."""


class Candidate(Protocol):
    def start_leadership(self, epoch: int) -> None: ...

    def stop_leadership(self) -> None: ...


class ElectionService(Protocol):
    instance: str  # this instance's HOST:PORT
    scheme: str  # how this instance serves its API: http or https

    def is_leader(self) -> bool: ...

    def leader(self) -> str | None:
        """HOST:PORT of the current leader, None while there is none."""

    def leader_url(self) -> str | None:
        """SCHEME://HOST:PORT of the current leader: each instance of a cluster serves HTTP
        or HTTPS as it was told, and a standby reaches the leader in the leader's own."""

    def offer_leadership(self, candidate: Candidate) -> None: ...

    def abdicate(self) -> None:
        """Give leadership up so that another instance takes it."""

    def fence(self, conn: Connection) -> None:
        """Raise `Deposed` unless this instance still leads; runs inside every state-changing
        transaction, just before its commit."""

    def changes(self) -> int:
        """Leadership changes this instance has seen (elected or deposed)."""

    def close(self) -> None:
        """Leave the election (a clean stop): another instance may take over at once."""


def host_port(url: str) -> str:
    """HOST:PORT of SCHEME://HOST:PORT."""
    return url.split("://", 1)[1]


class Gate:
    """Calls a candidate's start and stop strictly alternately, each at most once in turn."""

    def __init__(self, candidate: Candidate) -> None:
        self._candidate = candidate
        self._lock = threading.Lock()
        self._leading = False
        self.changes = 0

    @property
    def leading(self) -> bool:
        return self._leading

    def start(self, epoch: int) -> None:
        with self._lock:
            if self._leading:
                return
            self._leading = True
            self.changes += 1
        log.info("elected leader (epoch %d)", epoch)
        self._candidate.start_leadership(epoch)

    def stop(self) -> None:
        with self._lock:
            if not self._leading:
                return
            self._leading = False
            self.changes += 1
        log.warning("leadership lost")
        self._candidate.stop_leadership()
