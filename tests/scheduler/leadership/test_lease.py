"""The PostgreSQL lease: one leader at a time, and a fence a deposed leader cannot pass."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import text

from scheduler.leadership.lease import PostgresLease
from scheduler.leadership.service import Deposed
from scheduler.store.store import Store
from tests.scheduler.leadership.conftest import Duties, Elect
from tests.support.dev import wait_for
from tests.support.postgres import postgres_server

LEASE_S = 0.6


class FrozenClock:
    """A monotonic clock that stops when told: the instance then believes its lease is
    still good, as one paused between its last check and its commit would."""

    def __init__(self) -> None:
        self.frozen: float | None = None

    def __call__(self) -> float:
        return self.frozen if self.frozen is not None else time.monotonic()


def _candidate(db_url: str, elect: Elect, name: str, clock: FrozenClock | None = None,
               lease_s: float = LEASE_S) -> tuple[PostgresLease, Duties]:
    lease = PostgresLease(db_url, name, lease_s, monotonic=clock or time.monotonic)
    return lease, elect(lease)


def test_of_two_instances_one_leads_and_both_name_it(
    db_url: str, elect: Elect
) -> None:
    a, a_duties = _candidate(db_url, elect, "a:1")
    assert a_duties.elected.wait(5)
    b, b_duties = _candidate(db_url, elect, "b:2")
    wait_for(lambda: b.leader() == "a:1", 5)
    time.sleep(LEASE_S * 2)  # renewals keep a in office
    assert a.is_leader() and not b.is_leader()
    assert a.leader() == "a:1" and b_duties.calls == []


def test_an_abdicated_leader_is_replaced_by_the_other_with_a_higher_epoch(
    db_url: str, elect: Elect
) -> None:
    a, a_duties = _candidate(db_url, elect, "a:1")
    assert a_duties.elected.wait(5)
    b, b_duties = _candidate(db_url, elect, "b:2")
    wait_for(lambda: b.leader() == "a:1", 5)
    a.abdicate()
    assert b_duties.elected.wait(5)
    assert a_duties.calls == ["start", "stop"]
    assert b_duties.epochs[0] > a_duties.epochs[0]
    assert b.leader() == "b:2"
    time.sleep(LEASE_S * 2)  # the abdicated one does not take it straight back
    assert a_duties.calls == ["start", "stop"]


def test_a_leader_whose_lease_lapses_unrenewed_stops_at_once(
    db_url: str, elect: Elect
) -> None:
    a, duties = _candidate(db_url, elect, "a:1")
    assert duties.elected.wait(5)
    a._stopping.set()  # no more renewals, as if the process were paused
    wait_for(lambda: not a.is_leader(), LEASE_S * 2)
    store = Store(db_url)
    store.guard = a.fence
    with pytest.raises(Deposed):
        store.set_setting("framework_id", "from-a-deposed-leader")
    store.close()
    assert _unguarded_setting(db_url) is None


def test_a_leader_deposed_while_it_thought_itself_valid_cannot_commit(
    db_url: str, elect: Elect
) -> None:
    clock = FrozenClock()
    a, a_duties = _candidate(db_url, elect, "a:1", clock)
    assert a_duties.elected.wait(5)
    store = Store(db_url)
    store.guard = a.fence
    store.set_setting("framework_id", "fw-a")  # the leader writes
    clock.frozen = time.monotonic()  # a believes its lease good from now on
    a._stopping.set()  # and renews no more
    _, b_duties = _candidate(db_url, elect, "b:2")
    assert b_duties.elected.wait(5)
    assert a.is_leader()  # by its own clock
    with pytest.raises(Deposed):
        store.set_setting("framework_id", "fw-stale")
    assert a_duties.calls == ["start", "stop"]
    store.close()
    assert _unguarded_setting(db_url) == "fw-a"


def _unguarded_setting(db_url: str) -> str | None:
    reader = Store(db_url)
    try:
        return reader.get_setting("framework_id")
    finally:
        reader.close()


def test_a_standby_takes_over_at_once_when_the_leader_s_process_is_gone(
    db_url: str, elect: Elect
) -> None:
    lease_s = 20.0
    a, a_duties = _candidate(db_url, elect, "a:1", lease_s=lease_s)
    assert a_duties.elected.wait(5)
    a.close()  # its sessions end, as a killed process's do
    gone = time.monotonic()
    _, b_duties = _candidate(db_url, elect, "b:2", lease_s=lease_s)
    assert b_duties.elected.wait(5)
    assert time.monotonic() - gone < lease_s / 2
    assert b_duties.epochs[0] > a_duties.epochs[0]


def test_a_live_leader_with_a_long_name_is_not_taken_for_gone(
    db_url: str, elect: Elect
) -> None:
    # PostgreSQL cuts session names at 63 bytes: the holder's full name matched none before.
    long_name = "scheduler-" + "x" * 60 + ".example.org:8080"
    _, a_duties = _candidate(db_url, elect, long_name, lease_s=20.0)
    assert a_duties.elected.wait(5)
    _, b_duties = _candidate(db_url, elect, "b:2", lease_s=20.0)
    assert not b_duties.elected.wait(3)


def test_a_standby_takes_over_at_once_from_a_leader_gone_after_a_database_restart(
    elect: Elect
) -> None:
    """Once the leader renewed on the restarted server, its sessions tell again whether it
    lives: a standby need not wait out the lease (it had to for the first lease after a
    start, when the leader may not have reconnected yet)."""
    lease_s = 9.0
    with postgres_server() as server:
        a, a_duties = _candidate(server.url, elect, "a:1", lease_s=lease_s)
        assert a_duties.elected.wait(5)
        server.stop("fast")
        server.start()
        restarted = time.monotonic()
        wait_for(lambda: _renewed_since_start(server.url), lease_s)
        a.close()  # its sessions end, as a killed process's do
        _, b_duties = _candidate(server.url, elect, "b:2", lease_s=lease_s)
        assert b_duties.elected.wait(lease_s)
        assert time.monotonic() - restarted < lease_s - 1
        assert b_duties.epochs[0] > a_duties.epochs[0]


def _renewed_since_start(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT renewed_at > extract(epoch FROM pg_postmaster_start_time()) "
                           "FROM leader_lease").fetchone()
    return row is not None and bool(row[0])


def test_a_standby_names_the_leader_with_the_scheme_the_leader_serves(
    db_url: str, elect: Elect
) -> None:
    a = PostgresLease(db_url, "a:1", LEASE_S, scheme="https")
    assert elect(a).elected.wait(5)
    b = PostgresLease(db_url, "b:2", LEASE_S)  # serves plain HTTP itself
    elect(b)
    wait_for(lambda: b.leader_url() == "https://a:1", 5)
    assert b.leader() == "a:1" and a.leader_url() == "https://a:1"


def test_a_lease_from_before_schemes_and_renewals_were_stored_gains_them(
    db_url: str, elect: Elect
) -> None:
    old = Store(db_url)
    with old.engine.begin() as conn:  # as the fourth schema step left a database
        conn.execute(text("ALTER TABLE leader_lease DROP COLUMN holder_scheme"))
        conn.execute(text("ALTER TABLE leader_lease DROP COLUMN renewed_at"))
        conn.execute(text("UPDATE schema_version SET version = 4"))
    old.close()
    a, a_duties = _candidate(db_url, elect, "a:1")
    assert a_duties.elected.wait(5)
    assert a.leader_url() == "http://a:1"
