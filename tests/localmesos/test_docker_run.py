"""The `run` command line the docker containerizer builds from a TaskInfo, for Docker's own
CLI (attached, no log driver of its own: no Docker daemon runs here to try it on) and for
podman (detached, the sandbox's files passed through)."""

from __future__ import annotations

import os
from pathlib import Path

from localmesos.agent import docker_cli, docker_run
from localmesos.agent.task_user import TaskUser

SANDBOX = Path("/var/lib/mesos/slaves/S0/frameworks/F0/executors/web/runs/c1")
TASK = {
    "task_id": {"value": "web"},
    "resources": [
        {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.5}},
        {"name": "mem", "type": "SCALAR", "scalar": {"value": 64.2}},
    ],
    "command": {
        "value": "exec httpd -f -p 8080",
        "environment": {"variables": [{"name": "PORT0", "value": "31000"}]},
    },
    "container": {
        "type": "DOCKER",
        "docker": {
            "image": "busybox:1.36",
            "network": "BRIDGE",
            "port_mappings": [{"host_port": 31000, "container_port": 8080}],
            "parameters": [{"key": "label", "value": "team=web"}],
        },
        "volumes": [{"host_path": "data", "container_path": "/data", "mode": "RO"}],
    },
}
ENV = {"MESOS_TASK_ID": "web", "HOST": "agent-1", **os.environ}


def test_dockers_cli_runs_attached_with_the_tasks_container() -> None:
    argv = docker_run.run_argv(TASK, SANDBOX, ENV, "mesos-c1", "S0", attached=True)
    assert argv == [
        "run", "--name", "mesos-c1", "--label", "localmesos.agent=S0", "--pull", "missing",
        "--mount", f"type=bind,src={SANDBOX},dst=/mnt/mesos/sandbox", "-w", "/mnt/mesos/sandbox",
        "-e", "MESOS_TASK_ID=web", "-e", "HOST=agent-1", "-e", "PORT0=31000",
        "-e", "MESOS_SANDBOX=/mnt/mesos/sandbox",
        "--network", "bridge", "-p", "31000:8080/tcp",
        "--mount", f"type=bind,src={SANDBOX}/data,dst=/data,ro=true",
        "--cpus", "0.5", "--memory", "65m", "--memory-swap", "65m",
        "--label=team=web",
        "--entrypoint", "/bin/sh", "busybox:1.36", "-c", "exec httpd -f -p 8080",
    ]  # fmt: skip


def test_podman_runs_detached_with_the_sandboxs_files_passed_through() -> None:
    attached = docker_run.run_argv(TASK, SANDBOX, ENV, "mesos-c1", "S0", attached=True)
    detached = docker_run.run_argv(TASK, SANDBOX, ENV, "mesos-c1", "S0")
    assert detached == ["run", "-d", "--log-driver", "passthrough", *attached[1:]]


def test_the_cli_is_told_by_what_its_version_says() -> None:
    assert docker_cli.is_podman("podman version 4.3.1\n")
    assert not docker_cli.is_podman("Docker version 28.2.2, build e6534b4\n")


def test_a_mesos_container_runs_as_the_tasks_user_a_docker_one_as_its_image_says() -> None:
    etl = TaskUser("etl", uid=1001, gid=1001, groups=(1001, 27), home="/home/etl")
    image = {"type": "DOCKER", "docker": {"name": "busybox:1.36"}}
    unified = {**TASK, "container": {"type": "MESOS", "mesos": {"image": image}}}
    argv = docker_run.run_argv(unified, SANDBOX, ENV, "mesos-c1", "S0", user=etl)
    at = argv.index("--user")
    assert argv[at : at + 4] == ["--user", "1001:1001", "--group-add", "27"]
    assert "--user" not in docker_run.run_argv(TASK, SANDBOX, ENV, "mesos-c1", "S0", user=etl)
