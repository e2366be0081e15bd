"""Leader election by a lease row in the state's own PostgreSQL database.

The row holds a fencing epoch, the holder's address and an expiry in the database's clock
(one clock for every instance, so no skew between them). A standby takes an expired lease
by bumping the epoch (at once when the holder's process is gone: none of its database
sessions, named after the instance, is left); the leader renews it every third of the
lease. Every state-changing transaction checks, just before its commit and under a share
lock on the row, that the epoch is still this instance's, so a takeover serializes after
it and a leader deposed while paused (SIGSTOP, GC, a partition) writes nothing once it
wakes. Locally, a leader
whose lease may have lapsed unrenewed exits at once, before it can say anything to Mesos.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from scheduler.base.milestones import milestone
from scheduler.leadership.service import SESSION_PREFIX, Candidate, Deposed, Gate, host_port
from scheduler.store.db import named, open_engine
from scheduler.store.migrations import migrate

log = logging.getLogger(__name__)

_NOW = "extract(epoch from clock_timestamp())"
# A standby takes the lease once it expired, or at once if the holder's process is gone:
# no session of it is left (a killed process's sessions end with it; a paused one's stay).
# Not if the holder last renewed before the database started: its sessions ended with the
# old server, and it may not have reconnected yet. Once it renewed since, it holds pooled
# sessions for as long as it lives. PostgreSQL keeps the first 63 bytes of a session's name
# (NAMEDATALEN - 1), so a long HOST:PORT is compared as cut there.
_HOLDER_GONE = f"""
    holder IS NOT NULL
    AND NOT EXISTS (SELECT FROM pg_stat_activity
                    WHERE application_name = left('{SESSION_PREFIX}' || leader_lease.holder,
                                                  63))
    AND renewed_at > extract(epoch from pg_postmaster_start_time())"""
# Also returns whether the lease had lapsed (else its holder was gone), for the log.
_ACQUIRE = text(f"""
    UPDATE leader_lease
       SET epoch = epoch + 1, holder = :me, holder_scheme = :scheme,
           renewed_at = {_NOW}, expires_at = {_NOW} + :lease, released_by = NULL
      FROM (SELECT expires_at < {_NOW} AS lapsed FROM leader_lease WHERE id = 1) AS before
     WHERE id = 1 AND (expires_at < {_NOW} OR ({_HOLDER_GONE}))
       AND (released_by IS DISTINCT FROM :me OR expires_at < {_NOW} - :lease)
    RETURNING epoch, before.lapsed""")
_RENEW = text(f"UPDATE leader_lease SET renewed_at = {_NOW}, expires_at = {_NOW} + :lease "
              "WHERE id = 1 AND epoch = :epoch RETURNING epoch")
_RELEASE = text(f"UPDATE leader_lease SET expires_at = {_NOW}, released_by = :me "
                "WHERE id = 1 AND epoch = :epoch")
_HOLDER = text("SELECT holder, holder_scheme FROM leader_lease "
               f"WHERE id = 1 AND expires_at >= {_NOW}")
# The share lock makes a takeover's epoch bump wait for this commit. Held by a leader
# paused right here, it would hold the takeover up for the pause, so from now on this
# transaction's session ends if it idles for a second (set_config(..., true): SET LOCAL).
FENCE = text("SELECT epoch, set_config('idle_in_transaction_session_timeout', '1000', true) "
             "FROM leader_lease WHERE id = 1 FOR SHARE")



def check_epoch(
    conn: Connection, instance: str, epoch: int | None, lose: Callable[[], None]
) -> None:
    """The fence of every election kept in the database: raise `Deposed` unless `epoch` is
    still the stored one (None: not leading); `lose` runs first when it is not."""
    if epoch is None:
        raise Deposed(f"{instance} is not the leader")
    current = conn.execute(FENCE).scalar()
    if current != epoch:
        lose()
        raise Deposed(f"{instance} was deposed (epoch {epoch}, now {current})")


STANDBY_POLL_S = 0.1
WATCHDOG_S = 0.05


class PostgresLease:
    def __init__(
        self, url: str, instance: str, lease_s: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic, scheme: str = "http",
    ) -> None:
        self.instance = instance
        self.scheme = scheme
        self.lease_s = lease_s
        self._monotonic = monotonic
        self._engine: Engine = open_engine(named(url, SESSION_PREFIX + instance), pool_size=2)
        migrate(self._engine)
        self._gate: Gate | None = None
        self._epoch: int | None = None
        self._valid_until = 0.0
        self._leader: str | None = None  # SCHEME://HOST:PORT of the holder
        self._stopping = threading.Event()
        self._loops: list[threading.Thread] = []

    # the contract -----------------------------------------------------------------------
    def is_leader(self) -> bool:
        return self._epoch is not None and self._monotonic() < self._valid_until

    def leader(self) -> str | None:
        url = self.leader_url()
        return host_port(url) if url else None

    def leader_url(self) -> str | None:
        return f"{self.scheme}://{self.instance}" if self.is_leader() else self._leader

    def offer_leadership(self, candidate: Candidate) -> None:
        self._gate = Gate(candidate)
        for target, name in ((self._elect_loop, "lease"), (self._watchdog, "lease-watchdog")):
            loop = threading.Thread(target=target, name=f"dromos-{name}", daemon=True)
            self._loops.append(loop)
            loop.start()

    def abdicate(self) -> None:
        if self._epoch is not None:
            with self._engine.begin() as conn:
                conn.execute(_RELEASE, {"me": self.instance, "epoch": self._epoch})
        self._lose()

    def fence(self, conn: Connection) -> None:
        check_epoch(conn, self.instance, self._epoch if self.is_leader() else None, self._lose)

    def changes(self) -> int:
        return 0 if self._gate is None else self._gate.changes

    def close(self) -> None:
        """Stop renewing and close every session. A renewal in flight ends first: a pool
        disposed under it leaves its connection open, and the lease's session with it, so
        a standby would see this instance alive for the rest of the lease."""
        self._stopping.set()
        for loop in self._loops:
            if loop is not threading.current_thread():
                loop.join(self.lease_s)
        self._engine.dispose()

    # the loops --------------------------------------------------------------------------
    def _elect_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._tick()
            except SQLAlchemyError as error:
                log.warning("leader lease: database unreachable: %s", error.__class__.__name__)
            wait = self.lease_s / 3 if self._epoch is not None else STANDBY_POLL_S
            self._stopping.wait(wait)

    def _tick(self) -> None:
        # The lease runs from before the statement, and only once it is committed.
        started = self._monotonic()
        params = {"me": self.instance, "lease": self.lease_s, "epoch": self._epoch,
                  "scheme": self.scheme}
        if self._epoch is not None:
            with self._engine.begin() as conn:
                renewed = conn.execute(_RENEW, params).scalar() is not None
            if renewed:
                self._valid_until = started + self.lease_s
            else:
                self._lose()
            return
        with self._engine.begin() as conn:
            taken = conn.execute(_ACQUIRE, params).first()
            if taken is None:
                holder = conn.execute(_HOLDER).first()
                # Taken by an instance from before schemes were stored: it serves ours.
                self._leader = None if holder is None else (
                    f"{holder.holder_scheme or self.scheme}://{holder.holder}")
                return
        self._valid_until = started + self.lease_s
        self._epoch = int(taken.epoch)
        milestone("lease_taken", "lapsed" if taken.lapsed else "holder gone")
        # Taking up the duties (loading state, subscribing) must not hold up renewals.
        threading.Thread(target=self._start, args=(self._epoch,), name="dromos-elected",
                         daemon=True).start()

    def _watchdog(self) -> None:
        """Exit the moment the lease may have lapsed (after a pause, or with the database
        gone for a whole lease): a standby may already lead."""
        while not self._stopping.wait(WATCHDOG_S):
            if self._epoch is not None and self._monotonic() >= self._valid_until:
                log.error("leader lease lapsed unrenewed")
                self._lose()

    def _start(self, epoch: int) -> None:
        assert self._gate is not None
        self._gate.start(epoch)

    def _lose(self) -> None:
        self._epoch = None
        self._valid_until = 0.0
        if self._gate is not None:
            self._gate.stop()
