"""The `docker run` command line of a task with an image, as Mesos's docker containerizer
builds it from TaskInfo.container and TaskInfo.command (src/docker/docker.cpp)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from localmesos.agent import containers
from localmesos.agent.task_user import TaskUser

SANDBOX_IN_CONTAINER = "/mnt/mesos/sandbox"
OWNER_LABEL = "localmesos.agent"
NETWORKS = ("HOST", "BRIDGE", "USER", "NONE")
# The CNI network a Mesos agent gives MESOS containers on bridge networking, with the port
# mappings in its NetworkInfo: here the CLI's own bridge.
MESOS_BRIDGE = "mesos-bridge"


def container_name(container_id: str) -> str:
    """Mesos names a task's docker container after its Mesos container id."""
    return f"mesos-{container_id}"


def image_of(container: Mapping[str, Any]) -> str:
    """DOCKER's docker.image, or the docker image of a MESOS container (ValueError)."""
    if container.get("type") == "DOCKER":
        image = (container.get("docker") or {}).get("image")
    else:
        image = ((container.get("mesos") or {}).get("image") or {}).get("docker", {}).get("name")
    if not image:
        raise ValueError("the container names no docker image")
    return str(image)


def container_environment(task: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """What the agent gives the task (the Mesos variables, HOST) without the agent's own
    environment, then the task's CommandInfo variables (PORT0, PORTS, MARATHON_APP_*...),
    with MESOS_SANDBOX where the sandbox is mounted inside."""
    given = {name: value for name, value in env.items() if name not in os.environ}
    command = task.get("command") or {}
    return {
        **given,
        **containers.environment_of(command),
        "MESOS_SANDBOX": SANDBOX_IN_CONTAINER,
    }


def _network(container: Mapping[str, Any]) -> list[str]:
    docker = container.get("docker") or {}
    named = [n for n in container.get("network_infos") or [] if n.get("name")]
    if container.get("type") != "DOCKER":
        if named and named[0]["name"] == MESOS_BRIDGE:
            return ["--network", "bridge", *_published(named[0].get("port_mappings") or [])]
        return ["--network", named[0]["name"]] if named else ["--network", "host"]
    network = docker.get("network", "HOST")
    if network not in NETWORKS:
        raise ValueError(f"unknown docker network {network!r}")
    if network == "USER":
        if not named:
            raise ValueError("a USER network needs a network_infos name")
        return ["--network", named[0]["name"]]
    mappings = docker.get("port_mappings") or []
    if mappings and network != "BRIDGE":
        raise ValueError(f"port mappings need BRIDGE networking, not {network}")
    return ["--network", network.lower(), *_published(mappings)]


def _published(mappings: list[Mapping[str, Any]]) -> list[str]:
    argv = []
    for mapping in mappings:
        ports = mapping.get("host_port"), mapping.get("container_port")
        if not all(isinstance(port, int) for port in ports):
            raise ValueError(f"a port mapping needs host_port and container_port: {mapping}")
        protocol = mapping.get("protocol") or "tcp"
        argv += ["-p", f"{ports[0]}:{ports[1]}/{protocol}"]
    return argv


def _bind(host: Path | str, inside: Path | str, read_only: bool = False) -> list[str]:
    """A bind mount as `--mount`, not `-v`: a Chronos run's sandbox path holds colons (its
    task id), which `-v host:container` would split on."""
    return ["--mount", f"type=bind,src={host},dst={inside}" + (",ro=true" if read_only else "")]


def _volumes(container: Mapping[str, Any], sandbox: Path) -> list[str]:
    argv = []
    for volume in container.get("volumes") or []:
        if not volume.get("host_path") or not volume.get("container_path"):
            raise ValueError("only volumes with a host_path and a container_path are supported")
        host = sandbox / volume["host_path"]  # a relative host path is in the sandbox
        inside = Path(SANDBOX_IN_CONTAINER) / volume["container_path"]
        argv += _bind(host, inside, read_only=volume.get("mode") == "RO")
    return argv


def make_sandbox_volumes(task: Mapping[str, Any], sandbox: Path) -> None:
    """Create the sandbox directories that relative host paths of volumes name (as Mesos
    does; an absolute host path must exist)."""
    for volume in (task.get("container") or {}).get("volumes") or []:
        host_path = volume.get("host_path")
        if host_path and not Path(host_path).is_absolute():
            (sandbox / host_path).mkdir(parents=True, exist_ok=True)


def _limits(task: Mapping[str, Any]) -> list[str]:
    scalars = {
        r["name"]: float(r["scalar"]["value"])
        for r in task.get("resources") or []
        if r.get("type", "SCALAR") == "SCALAR" and "scalar" in r
    }
    argv = []
    if scalars.get("cpus"):
        argv += ["--cpus", f"{scalars['cpus']:g}"]
    if scalars.get("mem"):
        # No swap beyond the memory: the limit is the task's mem, as Mesos enforces it.
        memory = f"{math.ceil(scalars['mem'])}m"
        argv += ["--memory", memory, "--memory-swap", memory]
    return argv


def _user(container: Mapping[str, Any], user: TaskUser | None) -> list[str]:
    """Who the container's process runs as. A MESOS container runs as the task's user, its
    ids looked up on the agent (Mesos expects the image to hold the same user with the same
    ids). A DOCKER container runs as its image says: Mesos's docker containerizer passes no
    user to `docker run`, the task's user only owns the sandbox and fetches the URIs (a
    `user` parameter sets one)."""
    if user is None or container.get("type") == "DOCKER":
        return []
    groups = [arg for gid in user.groups if gid != user.gid for arg in ("--group-add", str(gid))]
    return ["--user", f"{user.uid}:{user.gid}", *groups]


def _command(command: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(options, arguments after the image): a shell command runs in /bin/sh, replacing
    the image's entrypoint; otherwise value and arguments go to the entrypoint; no command
    at all runs the image's own."""
    if command.get("shell", True) and command.get("value"):
        return ["--entrypoint", "/bin/sh"], ["-c", str(command["value"])]
    value = [str(command["value"])] if command.get("value") else []
    return [], [*value, *(str(a) for a in command.get("arguments") or [])]


def run_argv(
    task: Mapping[str, Any],
    sandbox: Path,
    env: Mapping[str, str],
    name: str,
    agent_id: str,
    attached: bool = False,
    user: TaskUser | None = None,
) -> list[str]:
    """The arguments of `<cli> run` for `task` (ValueError when it cannot be run).

    The container's stdout/stderr are the CLI's own (the sandbox's files): passed through to
    it by a detached run (podman's log driver), or copied to the CLI by an `attached` run
    for the container's life (Docker's CLI, which has no such driver)."""
    container = task.get("container") or {}
    docker = container.get("docker") or {}
    options, arguments = _command(task.get("command") or {})
    how = [] if attached else ["-d", "--log-driver", "passthrough"]
    argv = [
        "run", *how, "--name", name,
        "--label", f"{OWNER_LABEL}={agent_id}",
        "--pull", "always" if docker.get("force_pull_image") else "missing",
        *_bind(sandbox, SANDBOX_IN_CONTAINER),
        "-w", SANDBOX_IN_CONTAINER,
    ]  # fmt: skip
    for variable, value in container_environment(task, env).items():
        argv += ["-e", f"{variable}={value}"]
    argv += _user(container, user)
    argv += _network(container) + _volumes(container, sandbox) + _limits(task)
    if docker.get("privileged"):
        argv.append("--privileged")
    parameters = docker.get("parameters") or []
    if not all(p.get("key") for p in parameters):
        raise ValueError("every docker parameter needs a key")
    argv += [f"--{p['key']}={p.get('value', '')}" for p in parameters]
    return [*argv, *options, image_of(container), *arguments]
