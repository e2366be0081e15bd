from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text

from scheduler.store.idempotency_keys import PENDING, IdempotencyKeys
from scheduler.store.store import Store


@pytest.fixture
def store(new_url: Callable[[], str]) -> Iterator[Store]:
    s = Store(new_url())
    yield s
    s.close()


def test_a_slot_can_be_claimed_only_once(store: Store) -> None:
    first = store.claim_run("nightly", "1700000000000", 1.7e9, "schedule", {}, now=1)
    again = store.claim_run("nightly", "1700000000000", 1.7e9, "schedule", {}, now=2)
    other = store.claim_run("nightly", "1700000001000", 1.7e9, "schedule", {}, now=3)
    assert first is not None and other is not None and first != other
    assert again is None
    assert [status for _, status, _ in store.runs("nightly")] == ["claimed", "claimed"]


def test_state_survives_reopening_the_database(new_url: Callable[[], str]) -> None:
    url = new_url()
    s = Store(url)
    s.set_setting("framework_id", "fw-1")
    s.save_app("/web", "2026-01-01T00:00:00.000Z", {"id": "/web"}, max_versions=50)
    s.save_task("web.instance-1._app.1", "/web", {"state": "TASK_RUNNING"})
    s.close()
    again = Store(url)
    assert again.get_setting("framework_id") == "fw-1"
    assert again.load_apps() == {"/web": {"id": "/web"}}
    assert again.load_tasks() == {"web.instance-1._app.1": {"state": "TASK_RUNNING"}}
    again.close()


def test_app_versions_are_kept_newest_first_and_bounded(store: Store) -> None:
    for i in range(5):
        store.save_app("/web", f"2026-01-01T00:00:0{i}.000Z", {"i": i}, max_versions=3)
    assert store.app_versions("/web") == [
        "2026-01-01T00:00:04.000Z", "2026-01-01T00:00:03.000Z", "2026-01-01T00:00:02.000Z",
    ]
    assert store.app_version("/web", "2026-01-01T00:00:03.000Z") == {"i": 3}
    assert store.load_apps()["/web"] == {"i": 4}


def test_a_failed_transaction_writes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.set_setting("a", "1")
        store.save_task("t1", "/web", {})
        raise RuntimeError("boom")
    assert store.get_setting("a") is None
    assert store.load_tasks() == {}


def test_runs_claimed_together_skip_slots_claimed_before(store: Store) -> None:
    first = store.claim_run("j", "slot:1", 1.0, "schedule", {}, now=1)
    ids = store.claim_runs("j", [("slot:1", 1.0, "schedule", "missed", {}),
                                 ("slot:2", 2.0, "schedule", "missed", {"n": 2})], now=2)
    assert list(ids) == ["slot:2"] and ids["slot:2"] != first
    assert [(s, r) for _, s, r in store.runs("j")] == [("missed", {"n": 2}), ("claimed", {})]


def test_recent_runs_are_every_jobs_newest_runs(store: Store) -> None:
    ids = [store.claim_run(job, str(i), float(i), "schedule", {"i": i}, now=i)
           for i, job in enumerate(["a", "b", "a", "a"])]
    assert store.recent_runs(2) == {
        "a": [(ids[3], "claimed", {"i": 3}), (ids[2], "claimed", {"i": 2})],
        "b": [(ids[1], "claimed", {"i": 1})],
    }


def test_a_second_write_of_a_row_replaces_it(store: Store) -> None:
    store.set_setting("framework_id", "fw-1")
    store.set_setting("framework_id", "fw-2")
    store.save_task("t1", "/web", {"state": "TASK_STAGING"})
    store.save_task("t1", "/web", {"state": "TASK_RUNNING"})
    run_id = store.claim_run("j", "1", 1.0, "schedule", {"attempt": 1}, now=1)
    assert run_id is not None
    store.update_run(run_id, "running", {"attempt": 2}, now=2)

    assert store.get_setting("framework_id") == "fw-2"
    assert store.load_tasks() == {"t1": {"state": "TASK_RUNNING"}}
    assert store.runs("j") == [(run_id, "running", {"attempt": 2})]


def test_old_ended_runs_are_pruned(store: Store) -> None:
    ids = [store.claim_run("j", str(i), float(i), "schedule", {}, now=i) for i in range(5)]
    for run_id in ids:
        assert run_id is not None
        store.update_run(run_id, "ok", {}, now=9)
    store.prune_runs("j", keep=2)
    assert [run_id for run_id, _, _ in store.runs("j")] == ids[-1:-3:-1]


def test_migrations_run_once_and_a_second_open_is_a_no_op(new_url: Callable[[], str]) -> None:
    url = new_url()
    Store(url).close()
    again = Store(url)
    again.set_setting("k", "v")
    assert again.get_setting("k") == "v"
    again.close()


def test_group_versions_are_kept_newest_first_bounded_and_dropped_with_the_group(
    store: Store,
) -> None:
    for i in range(4):
        store.save_group_version("/prod", f"2026-01-01T00:00:0{i}.000Z", {"i": i}, max_versions=2)
    store.save_group_version("/other", "2026-01-01T00:00:09.000Z", {"o": 1}, max_versions=2)
    assert store.group_versions("/prod") == ["2026-01-01T00:00:03.000Z",
                                             "2026-01-01T00:00:02.000Z"]
    assert store.group_version("/prod", "2026-01-01T00:00:02.000Z") == {"i": 2}
    assert store.group_version("/prod", "2026-01-01T00:00:00.000Z") is None
    store.delete_group_versions("/prod")
    assert store.group_versions("/prod") == []
    assert store.group_versions("/other") == ["2026-01-01T00:00:09.000Z"]


def test_a_database_from_before_group_versions_gains_them(new_url: Callable[[], str]) -> None:
    url = new_url()
    first = Store(url)
    with first.engine.begin() as conn:  # as the first schema step left a database
        conn.execute(text("DROP TABLE leader_lease"))
        conn.execute(text("DROP TABLE group_versions"))
        conn.execute(text("DROP TABLE idempotency_keys"))
        conn.execute(text("UPDATE schema_version SET version = 1"))
    first.close()
    again = Store(url)
    again.save_group_version("/g", "2026-01-01T00:00:00.000Z", {"id": "/g"}, max_versions=5)
    assert again.group_versions("/g") == ["2026-01-01T00:00:00.000Z"]
    again.close()


def test_a_database_from_before_idempotency_keys_gains_them(new_url: Callable[[], str]) -> None:
    url = new_url()
    first = Store(url)
    with first.engine.begin() as conn:  # as the second schema step left a database
        conn.execute(text("DROP TABLE leader_lease"))
        conn.execute(text("DROP TABLE idempotency_keys"))
        conn.execute(text("UPDATE schema_version SET version = 2"))
    first.close()
    again = Store(url)
    keys = IdempotencyKeys(again.engine)
    assert keys.claim("k", "f", now=10.0, expired_before=0.0) is None
    held = keys.claim("k", "f", now=11.0, expired_before=0.0)
    assert held is not None and held.status == PENDING
    again.close()


def test_saving_a_job_s_state_leaves_its_definition_alone(store: Store) -> None:
    store.save_job("nightly", {"name": "nightly", "command": "x"}, {"cursor_ms": 1})
    store.save_job_state("nightly", {"cursor_ms": 2})
    assert store.load_jobs() == {"nightly": ({"name": "nightly", "command": "x"},
                                             {"cursor_ms": 2})}


def test_a_transactions_task_writes_commit_as_the_last_of_each_task(store: Store) -> None:
    store.save_task("a.1", "/a", {"state": "TASK_RUNNING"})
    store.save_task("a.2", "/a", {"state": "TASK_RUNNING"})
    with store.transaction():
        for k in range(1_000):
            store.save_task(f"b.{k}", "/b", {"state": "TASK_STAGING"})
            store.save_task(f"b.{k}", "/b", {"state": "TASK_RUNNING"})
        store.delete_task("a.1")
        store.delete_task("a.2")
        store.save_task("a.2", "/a", {"state": "TASK_KILLING"})
        store.delete_task("b.0")
        assert "b.1" in store.load_tasks()  # read in the transaction: its writes so far
    tasks = store.load_tasks()
    assert "a.1" not in tasks and "b.0" not in tasks
    assert tasks["a.2"] == {"state": "TASK_KILLING"}
    assert len(tasks) == 1_000 and tasks["b.999"] == {"state": "TASK_RUNNING"}


def test_task_writes_of_a_failed_transaction_are_not_kept(store: Store) -> None:
    store.save_task("a.1", "/a", {"state": "TASK_RUNNING"})
    with pytest.raises(RuntimeError), store.transaction():
        store.delete_task("a.1")
        store.save_task("a.2", "/a", {"state": "TASK_RUNNING"})
        raise RuntimeError("refused")
    store.save_task("a.3", "/a", {"state": "TASK_RUNNING"})
    assert set(store.load_tasks()) == {"a.1", "a.3"}
