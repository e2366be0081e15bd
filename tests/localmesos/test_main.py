"""`dromos localmesos`: options, the line saying where it listens, log stamps, a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.localmesos.clients.helpers import fake_executor
from tests.localmesos.clients.v1client import V1Scheduler, b64, task
from tests.support.localmesos import processes_under, running_localmesos
from tests.support.utc_log import FAR_ZONE, assert_stamped_in_utc


def test_options_set_the_agent_resources(tmp_path: Path) -> None:
    args = ("--ports", "40000-40009", "--cpus", "3", "--mem", "2048", "--disk", "1000")
    with running_localmesos(tmp_path, *args) as mesos:
        [agent] = mesos.state()["slaves"]
        assert agent["resources"]["cpus"] == 3
        assert agent["resources"]["mem"] == 2048
        assert agent["resources"]["disk"] == 1000
        assert agent["resources"]["ports"] == "[40000-40009]"
        assert f"http://127.0.0.1:{mesos.port}" in mesos.log().splitlines()[0]


def test_master_and_agent_log_in_utc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", FAR_ZONE)
    started = datetime.now(UTC)
    with running_localmesos(tmp_path, "--log-level", "debug") as mesos:
        log = mesos.log()
    assert "[" in log  # the agent's lines, marked with its hostname, are among them
    assert_stamped_in_utc(log, started)


def test_default_resources_are_the_machines(tmp_path: Path) -> None:
    with running_localmesos(tmp_path) as mesos:
        [agent] = mesos.state()["slaves"]
        assert agent["resources"]["cpus"] == os.cpu_count()
        assert agent["resources"]["mem"] > 0
        assert agent["resources"]["ports"] == "[31000-32000]"


def test_sigterm_shuts_executors_down_and_leaves_no_process(tmp_path: Path) -> None:
    with running_localmesos(tmp_path) as mesos:
        client = V1Scheduler(mesos.url)
        client.subscribe(failover_timeout=3600)
        offer = client.offer()
        tasks = [
            task(offer, "custom", executor=fake_executor(), data=b64("run")),
            task(offer, "command", command={"value": "sleep 60"}),
        ]
        client.accept(offer, tasks)
        client.acknowledged_update("custom", "TASK_RUNNING")
        client.acknowledged_update("command", "TASK_RUNNING")
        assert len(processes_under(mesos.data_dir)) >= 2
        mesos.process.send_signal(signal.SIGTERM)
        assert mesos.process.wait(15) == 0
        assert processes_under(mesos.data_dir) == []


def test_containerizers_are_the_agents_flags(tmp_path: Path) -> None:
    flags = ("--containerizers", "docker", "--docker", "/no/such/docker")
    with running_localmesos(tmp_path, *flags) as mesos:
        agent_flags = mesos.agent_get("/state")["flags"]
        assert (agent_flags["containerizers"], agent_flags["docker"]) == flags[1::2]
        client = V1Scheduler(mesos.url)
        client.subscribe(failover_timeout=3600)
        offer = client.offer()
        client.accept(offer, [task(offer, "plain", command={"value": "true"})])
        failed = client.acknowledged_update("plain", "TASK_FAILED")
        assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
        assert "no 'mesos' containerizer" in failed["message"]


def test_an_unknown_containerizer_is_refused(tmp_path: Path) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "localmesos", "--containerizers", "mesos,lxc",
         "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "unknown containerizer(s) lxc" in refused.stderr
