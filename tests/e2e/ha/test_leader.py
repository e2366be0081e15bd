"""DELETE /v2/leader: the scheduler answers, exits, and its supervisor brings it back."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.support.dev import Dev, wait_for
from tests.support.localmesos import free_port
from tests.support.marathon_client import MarathonClient

pytestmark = pytest.mark.e2e


def _running(client: MarathonClient, app_id: str) -> set[str]:
    return {t.id for t in client.list_tasks(app_id) if t.state == "TASK_RUNNING"}


def test_an_abdicated_scheduler_exits_and_comes_back_with_its_apps(
    dev: Dev, client: MarathonClient
) -> None:
    requests.post(dev.url + "/v2/apps", json={
        "id": "/keeper", "cmd": "sleep 600", "cpus": 0.01, "mem": 16, "instances": 2,
    }, timeout=5).raise_for_status()
    before = wait_for(lambda: (t if len(t := _running(client, "/keeper")) == 2 else None), 20)
    old_pid = dev.scheduler_pid()

    response = requests.delete(dev.url + "/v2/leader", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"message": "Leadership abdicated"}

    wait_for(lambda: dev.scheduler_pid() != old_pid, 15, "the scheduler did not exit")
    dev.wait_registered()
    assert client.get_app("/keeper").instances == 2
    assert wait_for(lambda: _running(client, "/keeper") == before or None, 10)


def test_a_second_scheduler_on_the_same_sqlite_file_refuses_to_start(dev: Dev) -> None:
    second = subprocess.run(
        [sys.executable, "-m", "scheduler.process.cli", "scheduler", "--master",
         dev.mesos_url.removeprefix("http://"), "--data-dir", str(dev.data_dir),
         "--port", str(free_port())],
        capture_output=True, text=True, timeout=60, check=False)
    assert second.returncode != 0
    assert "already uses" in second.stderr and "PostgreSQL" in second.stderr
    assert dev.get("/v2/info")["elected"] is True
