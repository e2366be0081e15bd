"""App instances and containerized job runs are Mesos command tasks on a real `dromos dev`:
no Dromos executor, each task its own executor (Mesos's command executor, run by the agent)
with its own sandbox and stdout, Marathon's environment, Mesos-run health checks and the
app's kill grace."""

from __future__ import annotations

import shlex
import sys
import time
from typing import Any

import pytest
import requests

from tests.support.dev import Dev, wait_for

pytestmark = pytest.mark.e2e

PYTHON = shlex.quote(sys.executable)
SMALL = {"cpus": 0.01, "mem": 16}


def agent_url(dev: Dev) -> str:
    (agent,) = requests.get(dev.mesos_url + "/master/state", timeout=5).json()["slaves"]
    return "http://" + agent["pid"].split("@", 1)[1]


def executors(dev: Dev) -> list[dict[str, Any]]:
    """Every executor, live or completed, the agent's /state shows."""
    state = requests.get(agent_url(dev) + "/state", timeout=5).json()
    return [e for f in state["frameworks"]
            for e in [*f["executors"], *f["completed_executors"]]]


def executor_of(dev: Dev, task_id: str) -> dict[str, Any]:
    (found,) = [e for e in executors(dev)
                if any(t["id"] == task_id for t in [*e["tasks"], *e["completed_tasks"]])]
    return found


def sandbox_file(dev: Dev, directory: str, name: str) -> str:
    params = {"path": f"{directory}/{name}", "offset": 0, "length": 65536}
    response = requests.get(agent_url(dev) + "/files/read", params=params, timeout=5)
    response.raise_for_status()
    return str(response.json()["data"])


def written(dev: Dev, directory: str) -> str:
    """The stdout in `directory` once the task has written some."""
    return wait_for(lambda: sandbox_file(dev, directory, "stdout"), 10)


def create(dev: Dev, app: dict[str, Any]) -> None:
    requests.post(dev.url + "/v2/apps", json={**SMALL, **app}, timeout=10).raise_for_status()


def running(dev: Dev, app_id: str, count: int = 1) -> list[dict[str, Any]]:
    def tasks() -> list[dict[str, Any]] | None:
        found = [t for t in dev.get(f"/v2/apps{app_id}/tasks")["tasks"]
                 if t["state"] == "TASK_RUNNING"]
        return found if len(found) == count else None

    return wait_for(tasks, 30, lambda: f"{app_id} never ran {count} tasks:\n{dev.log()}")


def delete(dev: Dev, app_id: str) -> None:
    requests.delete(f"{dev.url}/v2/apps{app_id}", params={"force": "true"},
                    timeout=10).raise_for_status()


ENV_REPORT = ("echo app=$MARATHON_APP_ID version=$MARATHON_APP_VERSION port=$PORT0"
              " ports=$PORTS named=$PORT_HTTP host=$HOST task=$MESOS_TASK_ID"
              " label=$MARATHON_APP_LABEL_TEAM mem=$MARATHON_APP_RESOURCE_MEM mine=$MINE"
              " sandbox=$MESOS_SANDBOX pwd=$(pwd); sleep 600")


def test_instances_run_as_command_tasks_each_in_its_own_sandbox_with_marathon_env(
    dev: Dev,
) -> None:
    create(dev, {"id": "/envy", "cmd": ENV_REPORT, "instances": 2, "env": {"MINE": "mine"},
                 "labels": {"team": "web"}, "portDefinitions": [{"port": 0, "name": "http"}],
                 "resourceLimits": {"cpus": "unlimited", "mem": 64}})
    tasks = running(dev, "/envy", 2)
    version = dev.get("/v2/apps/envy")["app"]["version"]
    assert not [e for e in executors(dev) if e["id"] == "dromos-executor"]
    directories = set()
    for task in tasks:
        executor = executor_of(dev, task["id"])
        assert executor["id"] == task["id"]  # Mesos's command executor of this one task
        assert executor["name"].startswith("Command Executor")
        directory = executor["directory"]
        directories.add(directory)
        port = task["ports"][0]
        expected = (f"app=/envy version={version} port={port} ports={port} named={port}"
                    f" host={task['host']} task={task['id']} label=web mem=16.0 mine=mine"
                    f" sandbox={directory} pwd={directory}\n")
        assert written(dev, directory) == expected
        log = dev.get(f"/dromos/tasks/{task['id']}/log")
        assert log["data"] == expected  # Dromos's log route finds the task's own sandbox
    assert len(directories) == 2
    delete(dev, "/envy")


def test_a_failing_command_check_run_by_mesos_gets_the_task_killed_and_replaced(
    dev: Dev,
) -> None:
    check = {"protocol": "COMMAND", "command": {"value": "test -f $MESOS_SANDBOX/well"},
             "gracePeriodSeconds": 0, "intervalSeconds": 1, "timeoutSeconds": 2,
             "delaySeconds": 0, "maxConsecutiveFailures": 2}
    create(dev, {"id": "/sickly", "cmd": "sleep 600", "healthChecks": [check]})
    (first,) = running(dev, "/sickly")

    def replaced() -> dict[str, Any] | None:
        tasks = dev.get("/v2/apps/sickly/tasks")["tasks"]
        fresh = [t for t in tasks if t["id"] != first["id"] and t["state"] == "TASK_RUNNING"]
        return fresh[0] if fresh and first["id"] not in {t["id"] for t in tasks} else None

    wait_for(replaced, 30, lambda: f"never replaced:\n{dev.log()}")
    (ended,) = [t for t in executor_of(dev, first["id"])["completed_tasks"]
                if t["id"] == first["id"]]
    assert ended["state"] == "TASK_KILLED"
    delete(dev, "/sickly")


def test_a_passing_command_check_makes_the_task_healthy(dev: Dev) -> None:
    check = {"protocol": "COMMAND", "command": {"value": "test -n \"$MARATHON_APP_ID\""},
             "gracePeriodSeconds": 10, "intervalSeconds": 1, "delaySeconds": 0}
    create(dev, {"id": "/hale", "cmd": "sleep 600", "healthChecks": [check]})
    wait_for(lambda: dev.get("/v2/apps/hale")["app"]["tasksHealthy"] == 1, 30,
             lambda: f"never healthy:\n{dev.log()}")
    delete(dev, "/hale")


TERM_HANDLER = ("trap 'echo got-term; sleep {handler_s}; echo done-term; exit 0' TERM;"
                " echo ready; while true; do sleep 0.1; done")


def killed_output(dev: Dev, app_id: str, grace_s: int, handler_s: float) -> tuple[str, float]:
    """The task's stdout once it was killed, and seconds from the kill to its end."""
    create(dev, {"id": app_id, "cmd": TERM_HANDLER.format(handler_s=handler_s),
                 "taskKillGracePeriodSeconds": grace_s})
    (task,) = running(dev, app_id)
    directory = executor_of(dev, task["id"])["directory"]
    assert written(dev, directory) == "ready\n"
    started = time.monotonic()
    requests.delete(f"{dev.url}/v2/apps{app_id}/tasks/{task['id']}", params={"scale": "true"},
                    timeout=10).raise_for_status()

    def ended() -> bool:
        done = executor_of(dev, task["id"])["completed_tasks"]
        return any(t["id"] == task["id"] and t["state"] == "TASK_KILLED" for t in done)

    wait_for(ended, grace_s + 10, lambda: f"never killed:\n{dev.log()}")
    took = time.monotonic() - started
    delete(dev, app_id)
    return sandbox_file(dev, directory, "stdout"), took


def test_the_kill_grace_lets_a_task_finish_its_term_handler(dev: Dev) -> None:
    output, took = killed_output(dev, "/graceful", grace_s=6, handler_s=1.5)
    assert output == "ready\ngot-term\ndone-term\n"
    assert 1.5 <= took < 6


def test_a_task_past_its_kill_grace_is_killed(dev: Dev) -> None:
    output, took = killed_output(dev, "/stubborn", grace_s=1, handler_s=60)
    assert output == "ready\ngot-term\n"
    assert 1 <= took < 10


def test_a_job_in_a_container_is_a_command_task_the_agent_runs(dev: Dev) -> None:
    """`dromos dev` runs no docker containerizer here: the agent refuses the container as
    Mesos does, which only a command task with the job's ContainerInfo can get."""
    job = {"name": "boxed", "command": "echo inside", "schedule": "R1//PT1H", "owner": "",
           "retries": 0, "epsilon": "PT1M", "container": {"type": "DOCKER", "image": "busybox"},
           **SMALL}
    requests.post(dev.url + "/v1/scheduler/iso8601", json=job, timeout=10).raise_for_status()

    def attempt() -> dict[str, Any] | None:
        found = [a for run in dev.get("/v1/scheduler/job/runs/boxed")
                 for a in run["attempts"] if a.get("state") == "TASK_FAILED"]
        return found[0] if found else None

    failed = wait_for(attempt, 30, lambda: f"no failed attempt:\n{dev.log()}")
    assert "no 'docker' containerizer" in failed["message"]
    executor = executor_of(dev, failed["taskId"])
    assert executor["id"] == failed["taskId"]
