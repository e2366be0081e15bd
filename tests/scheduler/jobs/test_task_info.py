"""Task ids, TaskInfo and TaskRequest of a job run."""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chronos.errors import InvalidJob
from chronos.job import job_from_json
from chronos.task_id import TaskId, parse_task_id, task_id_for
from scheduler.jobs.task_info import build_task_info, starting_at, task_request_for
from scheduler.launch.constraints import Constraint, Operator
from scheduler.launch.task_request import Placement
from scheduler.mesos.resources import Resources
from tests.protocol.oracle import task_problem

NOW = datetime(2026, 5, 1, tzinfo=UTC)
DUE_MS = 1428515194358


def job(**fields: Any) -> Any:
    body = {"name": "NewJob", "command": "echo hi", "owner": "ops@example.com", **fields}
    return job_from_json(body, NOW)


def placement(task_id: str) -> Placement:
    request = task_request_for(job(), task_id)
    return Placement(request, offer_id="O1", agent_id="S1", hostname="node1")


def info(run_job: Any, arguments: str = "", attempt: int = 0, **timing: int) -> dict[str, Any]:
    task_id = task_id_for(run_job.name, DUE_MS, attempt, arguments)
    task = build_task_info(run_job, task_id, placement(task_id), DUE_MS, attempt, arguments,
                           **timing)
    assert task_problem(task) is None, task_problem(task)
    return task


def run_shell(command: dict[str, Any], path: Path | None = None, shell: str = "/bin/sh"
              ) -> subprocess.CompletedProcess[str]:
    """Run a CommandInfo as Mesos's command executor runs a shell command (with only the
    programs in `path`, when given; under `shell`, where /bin/sh is that shell)."""
    assert command["shell"] is True
    env = None if path is None else {"PATH": str(path)}
    return subprocess.run([shell, "-c", command["value"]], capture_output=True, text=True,
                          timeout=10, check=False, env=env)


def programs(directory: Path, *names: str) -> Path:
    """A PATH directory holding only these programs."""
    directory.mkdir()
    for name in names:
        found = shutil.which(name)
        assert found is not None, f"{name} is needed on this machine"
        (directory / name).symlink_to(found)
    return directory


def env(task: dict[str, Any]) -> dict[str, str]:
    return {v["name"]: v["value"] for v in task["command"]["environment"]["variables"]}


def test_task_id_has_chronos_form_and_parses_back() -> None:
    assert task_id_for("NewJob", DUE_MS, 0) == "ct:1428515194358:0:NewJob:"
    assert parse_task_id("ct:1428515194358:2:NewJob:") == TaskId(DUE_MS, 2, "NewJob", "")


def test_arguments_lose_semicolons_and_stay_a_valid_mesos_id() -> None:
    task_id = task_id_for("NewJob", DUE_MS, 1, "--in /data/x;rm 50%")
    assert "/" not in task_id and "\\" not in task_id
    assert parse_task_id(task_id) == TaskId(DUE_MS, 1, "NewJob", "--in /data/xrm 50%")


def test_foreign_task_ids_are_not_ours() -> None:
    assert parse_task_id("web.instance-1234._app.1") is None
    assert parse_task_id("ct:abc:0:x:") is None


def test_too_long_arguments_are_refused() -> None:
    with pytest.raises(InvalidJob, match="too long"):
        task_id_for("NewJob", DUE_MS, 0, "x" * 300)


def test_task_request_names_the_job_and_carries_resources_and_constraints() -> None:
    run_job = job(cpus=0.5, mem=64, constraints=[["rack", "EQUALS", "r1"]])
    request = task_request_for(run_job, "ct:1:0:NewJob:")
    assert request.run_spec_id == "job:NewJob"
    assert request.resources == Resources(cpus=0.5, mem=64.0, disk=256.0)
    assert request.constraints == (Constraint("rack", Operator.EQUALS, "r1"),)


def test_task_info_is_a_command_task_with_name_resources_and_agent() -> None:
    task = info(job())
    assert task["name"] == "ChronosTask:NewJob"
    assert task["task_id"] == {"value": "ct:1428515194358:0:NewJob:"}
    assert task["agent_id"] == {"value": "S1"}
    assert "executor" not in task  # its own container on the agent, no Dromos executor
    assert [(r["name"], r["scalar"]["value"]) for r in task["resources"]] == [
        ("cpus", 0.1),
        ("mem", 128.0),
        ("disk", 256.0),
    ]
    assert "max_completion_time" not in task and "container" not in task


def test_environment_has_chronos_variables_users_cannot_override() -> None:
    run_job = job(
        environmentVariables=[
            {"name": "CHRONOS_JOB_NAME", "value": "spoof"},
            {"name": "HOST", "value": "spoof"},
            {"name": "MINE", "value": "1"},
        ]
    )
    assert env(info(run_job, attempt=2)) == {
        "MINE": "1",
        "mesos_task_id": "ct:1428515194358:2:NewJob:",
        "MESOS_TASK_ID": "ct:1428515194358:2:NewJob:",
        "CHRONOS_JOB_OWNER": "ops@example.com",
        "CHRONOS_JOB_NAME": "NewJob",
        "HOST": "node1",
        "CHRONOS_RESOURCE_MEM": "128.0",
        "CHRONOS_RESOURCE_CPU": "0.1",
        "CHRONOS_RESOURCE_DISK": "256.0",
        "CHRONOS_JOB_RUN_TIME": "1428515194358",
        "CHRONOS_JOB_RUN_ATTEMPT": "2",
    }


def test_shell_command_gets_manual_arguments_appended() -> None:
    command = info(job(), arguments="--day 2026-05-01")["command"]
    assert (command["shell"], command["value"]) == (True, "echo hi --day 2026-05-01")
    assert command["user"] == "root"


def test_exec_command_gets_argv_with_the_executable_first() -> None:
    run_job = job(command="/bin/ls", shell=False, arguments=["-l"])
    command = info(run_job, arguments="-a /tmp")["command"]
    assert command["shell"] is False and command["value"] == "/bin/ls"
    assert command["arguments"] == ["/bin/ls", "-l", "-a", "/tmp"]


def test_uris_user_and_max_completion_time() -> None:
    run_job = job(
        fetch=[{"uri": "http://x/a.tgz", "output_file": "a.tgz"}],
        runAsUser="etl",
        maxCompletionTime=90,
    )
    task = info(run_job)
    assert task["command"]["uris"] == [
        {
            "value": "http://x/a.tgz",
            "executable": False,
            "extract": True,
            "cache": False,
            "output_file": "a.tgz",
        }
    ]
    assert task["command"]["user"] == "etl"
    assert task["max_completion_time"] == {"nanoseconds": 90_000_000_000}


def test_a_job_in_a_container_is_a_command_task_with_its_container_info() -> None:
    container = {
        "type": "DOCKER",
        "image": "busybox",
        "network": "BRIDGE",
        "forcePullImage": True,
        "volumes": [{"hostPath": "/srv", "containerPath": "/data", "mode": "ro"}],
        "parameters": [{"key": "memory-swap", "value": "-1"}],
    }
    task = info(job(container=container))
    assert "executor" not in task
    assert task["command"]["value"] == "echo hi"
    assert task["container"] == {
        "type": "DOCKER",
        "volumes": [{"container_path": "/data", "mode": "RO", "host_path": "/srv"}],
        "docker": {
            "image": "busybox",
            "network": "BRIDGE",
            "port_mappings": [],
            "privileged": False,
            "force_pull_image": True,
            "parameters": [{"key": "memory-swap", "value": "-1"}],
        },
    }


def test_mesos_container_uses_a_docker_image() -> None:
    task = info(job(container={"type": "MESOS", "image": "alpine", "network": "USER",
                               "networkName": "jobs"}))
    assert task["container"]["mesos"] == {
        "image": {"type": "DOCKER", "docker": {"name": "alpine"}, "cached": True}
    }
    assert task["container"]["network_infos"] == [{"name": "jobs"}]


@pytest.mark.parametrize(
    ("container", "message"),
    [
        ({"image": "x", "volumes": [{"mode": "RO"}]}, "containerPath"),
        ({"image": "x", "volumes": [{"containerPath": "/d", "mode": "RX"}]}, "RO or RW"),
        ({"image": "x", "network": "MAGIC"}, "HOST, BRIDGE"),
        ({"image": "x", "parameters": ["p"]}, "must be a JSON object"),
    ],
)
def test_container_fields_the_task_needs_are_validated(
    container: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidJob, match=message):
        job(container=container)


STAMP_AND_ARGS = ("date +%s.%N; echo \"$0 'quoted' $#\";"
                  " if [ -e /dev/fd/8 ] || [ -e /dev/fd/9 ]; then echo gate left open; fi")


@pytest.mark.parametrize("shell", ["/bin/sh", "/bin/bash"])  # dash here, and bash
def test_a_run_launched_ahead_starts_its_command_at_the_slot(tmp_path: Path, shell: str) -> None:
    # No `sleep` on the PATH: the shell waits for the alarm perl armed for the slot.
    slot_ms = round((time.time() + 1.0) * 1000)
    command = starting_at({"shell": True, "value": STAMP_AND_ARGS}, slot_ms)
    started = run_shell(command, programs(tmp_path / "bin", "perl", "date"), shell)
    stamp, line = started.stdout.splitlines()
    assert 0 <= float(stamp) - slot_ms / 1000 < 0.5  # not before the slot, and soon after
    assert line == f"{shell} 'quoted' 0"


@pytest.mark.parametrize("ahead_s", [1.0, 0.3])
def test_without_perl_or_too_near_the_slot_for_an_alarm_the_shell_sleeps(
    tmp_path: Path, ahead_s: float,
) -> None:
    slot_ms = round((time.time() + ahead_s) * 1000)
    command = starting_at({"shell": True, "value": STAMP_AND_ARGS}, slot_ms)
    tools = ("date", "sleep") if ahead_s > 0.5 else ("date", "sleep", "perl")
    started = run_shell(command, programs(tmp_path / "bin", *tools))
    stamp, line = started.stdout.splitlines()
    assert 0 <= float(stamp) - slot_ms / 1000 < 0.5
    assert line == "/bin/sh 'quoted' 0"


def test_an_argv_command_launched_ahead_keeps_its_arguments_apart() -> None:
    slot_ms = round((time.time() + 0.6) * 1000)
    argv = ["/bin/echo", "two words", "it's", "$HOME"]
    command = starting_at({"shell": False, "value": "/bin/echo", "arguments": argv}, slot_ms)
    assert "arguments" not in command
    assert run_shell(command).stdout == "two words it's $HOME\n"


def test_a_slot_already_past_starts_at_once_and_the_exit_status_is_the_commands() -> None:
    command = starting_at({"shell": True, "value": "exit 3"}, round(time.time() * 1000) - 5000)
    began = time.monotonic()
    assert run_shell(command).returncode == 3
    assert time.monotonic() - began < 0.5


def test_max_completion_time_counts_from_the_slot() -> None:
    task = info(job(maxCompletionTime=90), lead_ms=1500)
    assert task["max_completion_time"] == {"nanoseconds": 91_500_000_000}
    assert task["command"]["environment"] == info(job())["command"]["environment"]
