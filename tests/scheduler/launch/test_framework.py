from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url
from tests.scheduler.launch.matcher_helpers import request
from tests.support.fake_driver import FakeDriver


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    config = Config(master="127.0.0.1:5050", db_url=sqlite_url(tmp_path), data_dir=tmp_path)
    rt = Runtime(config, ManualClock())
    rt.restore()
    rt.framework.attach_driver(FakeDriver())
    yield rt
    rt.close()


def test_registration_persists_the_framework_id_and_reconciles(runtime: Runtime) -> None:
    runtime.framework.on_registered("fw-1", "master:5050")
    assert runtime.store.get_setting("framework_id") == "fw-1"
    driver = runtime.framework.driver
    assert isinstance(driver, FakeDriver)
    assert driver.reconciles[-1] == []  # implicit reconciliation after explicit


def test_a_removed_framework_forgets_its_id_and_exits_like_marathon(runtime: Runtime) -> None:
    exits: list[int] = []
    runtime.framework.exit = exits.append
    runtime.framework.on_registered("fw-1", "master:5050")
    runtime.framework.on_error("Framework has been removed")
    assert exits == [110]
    assert runtime.store.get_setting("framework_id") is None


def test_other_mesos_errors_are_only_logged(runtime: Runtime) -> None:
    exits: list[int] = []
    runtime.framework.exit = exits.append
    runtime.framework.on_registered("fw-1", "master:5050")
    runtime.framework.on_error("Framework failed over")
    assert exits == []
    assert runtime.store.get_setting("framework_id") == "fw-1"


def test_a_running_task_mesos_reports_but_dromos_does_not_know_is_killed(
    runtime: Runtime,
) -> None:
    runtime.framework.on_status({
        "task_id": {"value": "stray"}, "state": "TASK_RUNNING",
        "agent_id": {"value": "A1"}, "uuid": "AAAAAAAAAAAAAAAAAAAAAA==",
    })
    runtime.core.run_pending()
    driver = runtime.framework.driver
    assert isinstance(driver, FakeDriver)
    assert driver.kills == ["stray"]
    assert len(driver.acks) == 1


def test_a_burst_of_queued_requests_revives_offers_once(runtime: Runtime) -> None:
    """An app of 1,000 instances queues 1,000 requests at once: one REVIVE asks the master
    for offers (each REVIVE makes it look at every agent again)."""
    driver = runtime.framework.driver
    assert isinstance(driver, FakeDriver)
    runtime.framework.on_registered("fw-1", "master:5050")
    runtime.core.run_pending()
    before = driver.revives
    for k in range(1_000):
        runtime.framework.enqueue(request(f"/app.{k}"))
    runtime.core.run_pending()
    assert driver.revives == before + 1
    runtime.framework.enqueue(request("/app.later"))
    runtime.core.run_pending()
    assert driver.revives == before + 2
