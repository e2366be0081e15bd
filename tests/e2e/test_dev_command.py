"""`dromos dev`: one command brings up Mesos and the API; SIGTERM takes everything down."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import requests

from tests.support.dev import running_dev, wait_for
from tests.support.localmesos import processes_under

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dev_command")]


def test_dev_answers_ping_shows_one_agent_and_leaves_nothing_behind(tmp_path: Path) -> None:
    with running_dev(tmp_path) as dev:
        assert requests.get(dev.url + "/ping", timeout=5).text == "pong"
        state = requests.get(dev.mesos_url + "/master/state", timeout=5).json()
        (agent,) = state["slaves"]
        assert agent["resources"]["cpus"] > 0 and agent["resources"]["mem"] > 0
        assert agent["resources"]["ports"] == f"[{dev.agent_ports}]"  # what --ports gave
        assert "API on " + dev.url in dev.log()

        requests.post(dev.url + "/v2/apps", json={
            "id": "/sleepy", "cmd": "sleep 600", "cpus": 0.01, "mem": 16, "instances": 2,
        }, timeout=5).raise_for_status()
        wait_for(lambda: len(processes_under(tmp_path)) >= 3, 20, "tasks never started")

        dev.process.send_signal(signal.SIGTERM)
        assert dev.process.wait(30) == 0
        wait_for(lambda: not processes_under(tmp_path), 10,
                 lambda: f"left behind: {processes_under(tmp_path)}")
        for pid_file in ("scheduler.pid", "localmesos.pid"):
            assert not (tmp_path / pid_file).exists()
