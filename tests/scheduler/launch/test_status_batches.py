"""A burst of status updates is one transaction, and Mesos hears an update acknowledged
only once it is in the database: on a real SQLite file, with a real crash. The kills of a
scale-down are one transaction too."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from scheduler.launch.framework import EXIT_STORE_FAILED
from tests.scheduler.appmanager.apps_harness import Cluster
from tests.support.fake_driver import FakeDriver

Json = dict[str, Any]
N = 40


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path)
    yield running
    running.close()


def staged(cluster: Cluster, n: int = N) -> list[str]:
    cluster.create(id="/burst", instances=n)
    return cluster.offer()


def running_status(cluster: Cluster, task_id: str) -> Json:
    return {"task_id": {"value": task_id}, "state": "TASK_RUNNING",
            "agent_id": {"value": f"agent-{cluster.mesos[task_id]}"}, "uuid": "dXVpZA=="}


def stored_states(db: Path) -> dict[str, str]:
    """Task id -> state, read from the file by a connection of its own."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT task_id, record FROM tasks").fetchall()
    return {task_id: json.loads(record)["state"] for task_id, record in rows}


class Transactions:
    """The statements of each committed transaction of an engine, in order."""

    def __init__(self, engine: Any) -> None:
        self.committed: list[list[str]] = []
        self._current: list[str] = []
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._current.append(statement)

    def _commit(self, conn: Any) -> None:
        self.committed.append(self._current)
        self._current = []

    def writing_tasks(self) -> list[list[str]]:
        return [t for t in self.committed if any(s.startswith("INSERT INTO tasks") for s in t)]


def test_a_burst_of_status_updates_is_one_transaction(cluster: Cluster) -> None:
    tasks = staged(cluster)
    transactions = Transactions(cluster.rt.store.engine)
    for task_id in tasks:
        cluster.rt.framework.on_status(running_status(cluster, task_id))
    cluster.rt.core.run_pending()
    [burst] = transactions.writing_tasks()
    # The turn's task rows go as one batch of upserts: one statement for the N rows.
    assert sum(s.startswith("INSERT INTO tasks") for s in burst) == 1
    states = stored_states(cluster.data_dir / "dromos.db")
    assert len(states) == N and set(states.values()) == {"TASK_RUNNING"}
    assert len(cluster.driver.acks) == N


def test_the_kills_of_a_scale_down_are_one_transaction(cluster: Cluster) -> None:
    for task_id in staged(cluster):
        cluster.rt.framework.on_status(running_status(cluster, task_id))
    cluster.rt.core.run_pending()
    transactions = Transactions(cluster.rt.store.engine)
    cluster.update("/burst", instances=0)
    [kills] = transactions.writing_tasks()
    assert sum(s.startswith("INSERT INTO tasks") for s in kills) == 1  # one batch of N rows
    assert len(cluster.pending_kills()) == N


def test_an_update_that_fails_is_not_acknowledged_and_the_others_are(
    cluster: Cluster,
) -> None:
    tasks = staged(cluster)
    acked = len(cluster.driver.acks)
    broken = running_status(cluster, tasks[0])
    del broken["state"]
    for status in [broken, *(running_status(cluster, t) for t in tasks[1:])]:
        cluster.rt.framework.on_status(status)
    cluster.rt.core.run_pending()
    assert [a["task_id"]["value"] for a in cluster.driver.acks[acked:]] == tasks[1:]
    states = stored_states(cluster.data_dir / "dromos.db")
    assert states[tasks[0]] == "TASK_STAGING"
    assert all(states[t] == "TASK_RUNNING" for t in tasks[1:])


class CheckingDriver(FakeDriver):
    """Looks in the database file, at each acknowledgement, for the update it acknowledges."""

    def __init__(self, db: Path) -> None:
        super().__init__()
        self.db = db
        self.stored_when_acked: list[bool] = []

    def acknowledge(self, status: Json) -> None:
        stored = stored_states(self.db).get(status["task_id"]["value"])
        self.stored_when_acked.append(stored == status["state"])
        super().acknowledge(status)


def test_every_acknowledgement_comes_after_its_update_is_committed(cluster: Cluster) -> None:
    tasks = staged(cluster)
    driver = CheckingDriver(cluster.data_dir / "dromos.db")
    cluster.rt.framework.attach_driver(driver)
    for task_id in tasks:
        cluster.rt.framework.on_status(running_status(cluster, task_id))
    cluster.rt.core.run_pending()
    assert driver.stored_when_acked == [True] * N


def test_a_batch_that_cannot_be_committed_exits_without_acknowledging(
    cluster: Cluster,
) -> None:
    tasks = staged(cluster)
    exits: list[int] = []
    cluster.rt.framework.exit = exits.append

    def refuse(conn: Any) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    cluster.rt.store.guard = refuse
    acked = len(cluster.driver.acks)
    for task_id in tasks:
        cluster.rt.framework.on_status(running_status(cluster, task_id))
    cluster.rt.core.run_pending()
    assert exits == [EXIT_STORE_FAILED]
    assert len(cluster.driver.acks) == acked
    assert set(stored_states(cluster.data_dir / "dromos.db").values()) == {"TASK_STAGING"}


# A scheduler killed with SIGKILL at its first acknowledgement ---------------------------
def crashing_child(data_dir: str) -> None:
    """Run in a child process: stage N tasks, then apply a burst of TASK_RUNNING updates
    and print each acknowledgement as it is sent; the parent kills it at the first."""
    cluster = Cluster(Path(data_dir))
    tasks = staged(cluster)

    class PrintingDriver(FakeDriver):
        def acknowledge(self, status: Json) -> None:
            print(status["task_id"]["value"], flush=True)

    cluster.rt.framework.attach_driver(PrintingDriver())
    print("staged", flush=True)
    sys.stdin.readline()
    for task_id in tasks:
        cluster.rt.framework.on_status(running_status(cluster, task_id))
    cluster.rt.core.run_pending()
    sys.stdin.readline()  # never answered: the parent kills the process


def test_a_crash_right_after_an_acknowledgement_loses_no_acknowledged_update(
    tmp_path: Path,
) -> None:
    code = f"from {__name__} import crashing_child; crashing_child({str(tmp_path)!r})"
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=Path.cwd())
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "staged"
        child.stdin.write("go\n")
        child.stdin.flush()
        first = child.stdout.readline().strip()
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        acked = [first, *(line.strip() for line in child.stdout)]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == -signal.SIGKILL
    states = stored_states(tmp_path / "dromos.db")
    assert acked and all(states[task_id] == "TASK_RUNNING" for task_id in acked if task_id)
    assert list(states.values()).count("TASK_RUNNING") == N  # the burst was one commit
