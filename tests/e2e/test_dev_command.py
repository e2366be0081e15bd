"""`dromos dev`: one command brings up Mesos and the API; SIGTERM takes everything down."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest
import requests

from scheduler.process import local_postgres
from tests.support.dev import Dev, running_dev, wait_for
from tests.support.localmesos import processes_under, reserved_ports

pytestmark = pytest.mark.e2e


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


def test_dev_gives_its_agents_the_containerizer_flags(tmp_path: Path) -> None:
    with running_dev(tmp_path, "--containerizers", "mesos,docker", "--docker", "podman") as dev:
        (agent,) = requests.get(dev.mesos_url + "/master/state", timeout=5).json()["slaves"]
        agent_url = "http://" + agent["pid"].split("@", 1)[1]
        flags = requests.get(agent_url + "/state", timeout=5).json()["flags"]
        assert (flags["containerizers"], flags["docker"]) == ("mesos,docker", "podman")


def test_a_failing_task_is_one_line_on_the_console(tmp_path: Path) -> None:
    with running_dev(tmp_path, "--job-retry-delay", "60") as dev:
        requests.post(dev.url + "/v2/apps", json={
            "id": "/crashy", "cmd": "echo starting >&2; echo 'config missing' >&2; exit 7",
            "cpus": 0.01, "mem": 16,
        }, timeout=5).raise_for_status()
        requests.post(dev.url + "/v1/scheduler/iso8601", json={
            "name": "nightly", "command": "echo 'no input' >&2; exit 4", "retries": 0,
            "schedule": "R/2099-01-01T00:00:00Z/P1D", "cpus": 0.01, "mem": 16,
        }, timeout=5).raise_for_status()
        requests.put(dev.url + "/v1/scheduler/job/nightly", timeout=5).raise_for_status()

        def lines(marker: str) -> list[str]:
            return [line for line in dev.log().splitlines() if marker in line]

        app_lines = wait_for(lambda: lines("app /crashy task crashy.instance-"), 30,
                             lambda: f"no failure line:\n{dev.log()}")
        assert "TASK_FAILED: Command exited with status 7; stderr: starting | config missing" \
            in app_lines[0]
        (job_line,) = wait_for(lambda: lines("job nightly task ct:"), 30,
                               lambda: f"no failure line:\n{dev.log()}")
        assert job_line.endswith("TASK_FAILED: Command exited with status 4; stderr: no input")


def test_ctrl_c_stops_quietly(tmp_path: Path) -> None:
    with running_dev(tmp_path) as dev:
        requests.post(dev.url + "/v2/apps", json={
            "id": "/sleepy", "cmd": "sleep 600", "cpus": 0.01, "mem": 16, "instances": 2,
        }, timeout=5).raise_for_status()
        wait_for(lambda: len(processes_under(tmp_path)) >= 3, 20, "tasks never started")
        started = len(dev.log())

        os.killpg(dev.process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        assert dev.process.wait(30) == 0
        # stdout and stderr of dev, localmesos, its agents and the scheduler: the goodbye alone
        assert dev.log()[started:] == "dromos dev: stopped\n"
        wait_for(lambda: not processes_under(tmp_path), 10,
                 lambda: f"left behind: {processes_under(tmp_path)}")


def test_dev_with_three_schedulers_and_no_db_runs_them_on_a_throwaway_postgresql(
    tmp_path: Path
) -> None:
    if not local_postgres.available():
        pytest.skip("PostgreSQL binaries not installed (Debian package `postgresql`)")
    def elected(port: int) -> bool:
        with contextlib.suppress(requests.RequestException):
            return bool(requests.get(f"http://127.0.0.1:{port}/v2/info", timeout=2).json()[
                "elected"])
        return False

    with reserved_ports(3) as ports:
        def one_leader(_dev: Dev) -> None:
            wait_for(lambda: [elected(p) for p in ports].count(True) == 1, 60,
                     lambda: _dev.log())

        with running_dev(tmp_path, "--schedulers", "3", port=ports[0], ready=one_leader) as dev:
            db_port = _scheduler_db_port(tmp_path)
            assert _postgres_serving(db_port)
            dev.process.send_signal(signal.SIGTERM)
            assert dev.process.wait(30) == 0
    assert not _postgres_serving(db_port)


def _commands() -> list[list[str]]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            found.append(cmdline.read_bytes().decode(errors="replace").split("\0"))
    return found


def _scheduler_db_port(data_dir: Path) -> str:
    """The port of the database the schedulers below `data_dir` were given."""
    for words in _commands():
        if "scheduler" in words and "--db" in words and any(str(data_dir) in w for w in words):
            return words[words.index("--db") + 1].rsplit(":", 1)[1].split("/")[0]
    raise AssertionError("no scheduler with --db")


def _postgres_serving(port: str) -> bool:
    return any(words[0].endswith("postgres") and "-p" in words
               and words[words.index("-p") + 1] == port for words in _commands())
