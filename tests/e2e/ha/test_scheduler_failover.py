"""A scheduler killed with SIGKILL comes back to the tasks it left running."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import requests

from tests.support.dev import running_dev, wait_for

pytestmark = pytest.mark.e2e


def _tasks(url: str, app_id: str) -> list[dict]:
    tasks: list[dict] = requests.get(f"{url}/v2/apps{app_id}/tasks", timeout=5).json()["tasks"]
    return tasks


def test_sigkilled_scheduler_adopts_its_running_tasks(tmp_path: Path) -> None:
    with running_dev(tmp_path) as dev:
        requests.post(dev.url + "/v2/apps", json={
            "id": "/survivor", "cmd": "sleep 600", "cpus": 0.01, "mem": 16, "instances": 2,
        }, timeout=5).raise_for_status()
        before = wait_for(
            lambda: (t if len(t := [x for x in _tasks(dev.url, "/survivor")
                                    if x["state"] == "TASK_RUNNING"]) == 2 else None), 20)
        old_pid = dev.scheduler_pid()

        dev.kill_scheduler()
        wait_for(lambda: dev.scheduler_pid() != old_pid, 15, "dev did not restart the scheduler")
        dev.wait_registered()

        after = wait_for(lambda: (t if len(t := _tasks(dev.url, "/survivor")) == 2 else None), 10)
        assert {t["id"] for t in after} == {t["id"] for t in before}
        assert all(t["state"] == "TASK_RUNNING" for t in after)
        mesos = requests.get(dev.mesos_url + "/master/state", timeout=5).json()
        (framework,) = mesos["frameworks"]
        assert {t["id"] for t in framework["tasks"]} == {t["id"] for t in before}

        # Reconciled state still drives the app: a task that dies now is replaced.
        victim = before[0]["id"]
        requests.delete(f"{dev.url}/v2/apps/survivor/tasks/{victim}", timeout=5)
        replaced = wait_for(lambda: (t if len(t := [x for x in _tasks(dev.url, "/survivor")
                                                     if x["state"] == "TASK_RUNNING"]) == 2
                                     and victim not in {x["id"] for x in t} else None), 20)
        assert len(replaced) == 2


def test_a_task_that_died_while_the_scheduler_was_down_is_replaced(tmp_path: Path) -> None:
    with running_dev(tmp_path) as dev:
        requests.post(dev.url + "/v2/apps", json={
            "id": "/orphan", "cmd": "sleep 600", "cpus": 0.01, "mem": 16, "instances": 1,
        }, timeout=5).raise_for_status()
        (task,) = wait_for(lambda: (t if len(t := [x for x in _tasks(dev.url, "/orphan")
                                                   if x["state"] == "TASK_RUNNING"]) == 1
                                    else None), 20)
        scheduler_pid = dev.scheduler_pid()
        dev.kill_scheduler()
        # While the scheduler is down, Mesos kills nothing; its task dies on its own.
        pids = _task_pids(dev.data_dir, task["id"])
        assert pids, "found no process of the task to kill"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: dev.scheduler_pid() != scheduler_pid, 15)
        dev.wait_registered()
        fresh = wait_for(lambda: (t if len(t := [x for x in _tasks(dev.url, "/orphan")
                                                 if x["state"] == "TASK_RUNNING"]) == 1
                                  and t[0]["id"] != task["id"] else None), 30)
        assert fresh[0]["id"] != task["id"]


def _task_pids(data_dir: Path, task_id: str) -> list[int]:
    """Processes running in the task's sandbox (the `sleep`): a command task's sandbox is
    `.../executors/<task id>/runs/<container id>`, as on a Mesos agent."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = (entry / "cwd").resolve()
        except OSError:
            continue
        if task_id in cwd.parts and str(data_dir) in str(cwd):
            found.append(int(entry.name))
    return found
