"""A running task leaves discovery before Mesos is asked to kill it (--kill-drain-seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.launch.tasks import TaskRecord
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url
from tests.support.fake_driver import FakeDriver


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    config = Config(master="127.0.0.1:5050", db_url=sqlite_url(tmp_path), data_dir=tmp_path,
                    kill_drain_s=2.0)
    rt = Runtime(config, ManualClock())
    rt.restore()
    rt.framework.attach_driver(FakeDriver())
    yield rt
    rt.close()


def running(rt: Runtime, task_id: str) -> TaskRecord:
    return rt.framework.tracker.put(TaskRecord(
        task_id=task_id, run_spec_id="/web", version="v", config_version="v",
        agent_id="A1", hostname="h", staged_at=0.0, state="TASK_RUNNING", ports=(31000,)))


def test_the_kill_waits_out_the_drain_after_announcing_it(runtime: Runtime) -> None:
    driver = runtime.framework.driver
    assert isinstance(driver, FakeDriver)
    events = runtime.framework.events.subscribe(["status_update_event"])
    record = runtime.framework.kill(running(runtime, "t1"))
    runtime.framework.kill(record)  # asked again while draining: still waits
    assert events.get(0)["taskStatus"] == "TASK_KILLING"
    assert driver.kills == []
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(2.0)
    runtime.core.run_pending()
    assert driver.kills == ["t1"]


def test_a_task_not_running_yet_is_killed_at_once(runtime: Runtime) -> None:
    driver = runtime.framework.driver
    assert isinstance(driver, FakeDriver)
    staging = runtime.framework.tracker.put(TaskRecord(
        task_id="t2", run_spec_id="/web", version="v", config_version="v", agent_id="A1",
        hostname="h", staged_at=0.0, state="TASK_STAGING"))
    runtime.framework.kill(staging)
    assert driver.kills == ["t2"]
