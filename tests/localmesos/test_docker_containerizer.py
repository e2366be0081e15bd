"""Tasks with an image, run by the localmesos agent's docker containerizer through podman
(`--containerizers mesos,docker --docker podman`), driven over the v1 scheduler API with
real TaskInfos: output in the sandbox, exit codes, environment, volumes, BRIDGE ports,
health checks, kills, memory limits, leftovers of a dead agent, and a missing CLI."""

from __future__ import annotations

import contextlib
import json
import pwd
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.localmesos.clients.command_tasks import (
    check,
    kill_with_grace,
    read_file,
    sandbox,
    updates_until,
)
from tests.localmesos.clients.helpers import wait_until
from tests.localmesos.clients.v1client import V1Scheduler, task
from tests.support import container_images
from tests.support.container_images import (
    PODMAN,
    busybox_image,
    podman,
    podman_as_dockers_cli,
    podman_environment,
)
from tests.support.localmesos import LocalMesos, reserved_port_range, running_localmesos

MEMORY_LIMIT = "REASON_CONTAINER_LIMITATION_MEMORY"


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    with podman_environment():
        yield busybox_image()


def owned_containers(mesos: LocalMesos) -> list[str]:
    """Every container (running or not) labelled as one of this cluster's agents'."""
    return container_images.owned_containers(mesos.state()["id"])



@contextlib.contextmanager
def docker_cluster(data_dir: Path, *args: str) -> Iterator[LocalMesos]:
    """localmesos with the docker containerizer on podman; whatever containers its agents
    leave are removed when it stops."""
    with (
        reserved_port_range() as ports,
        running_localmesos(data_dir, "--heartbeat-seconds", "1", "--ports", ports,
                           "--containerizers", "mesos,docker", *args) as mesos,  # fmt: skip
    ):
        try:
            yield mesos
        finally:
            left = owned_containers(mesos)
            if left:
                podman("rm", "-f", *left)


@pytest.fixture(scope="module", params=["podman", "dockers-cli"])
def cli_kind(request: pytest.FixtureRequest) -> str:
    """Every test below runs on podman, and on a CLI that says it is Docker's (podman under
    it), which the agent runs attached."""
    return str(request.param)


@pytest.fixture(scope="module")
def docker_mesos(
    cli_kind: str, tmp_path_factory: pytest.TempPathFactory, image: str
) -> Iterator[LocalMesos]:
    cli = PODMAN
    if cli_kind == "dockers-cli":
        cli = str(podman_as_dockers_cli(tmp_path_factory.mktemp("bin")))
    with docker_cluster(tmp_path_factory.mktemp("docker"), "--docker", cli) as mesos:
        yield mesos


@pytest.fixture
def localmesos(docker_mesos: LocalMesos) -> Iterator[LocalMesos]:
    yield docker_mesos
    assert not owned_containers(docker_mesos), "a task's container outlived it"


def boxed(image: str, **docker: Any) -> dict[str, Any]:
    return {"type": "DOCKER", "docker": {"image": image, **docker}}


def launch(client: V1Scheduler, task_id: str, command: dict[str, Any], container: dict[str, Any],
           **fields: Any) -> dict[str, Any]:  # fmt: skip
    """Launch a task in `container` on the next offer; returns the offer."""
    offer = client.offer()
    info = task(offer, task_id, command=command, container=container, **fields)
    assert client.accept(offer, [info]).status_code == 202
    return offer


def test_a_task_in_an_image_prints_into_its_sandbox(
    localmesos: LocalMesos, scheduler: V1Scheduler, image: str
) -> None:
    command = {"value": "echo hello from busybox; echo to-err >&2; test ! -e /usr/bin/python3"}
    launch(scheduler, "hello", command, boxed(image))
    seen = updates_until(scheduler, "hello", "TASK_FINISHED")
    assert [s["state"] for s in seen] == ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]
    assert seen[-1]["message"] == "Command exited with status 0"
    directory = sandbox(localmesos, scheduler.framework_id, "hello")
    assert read_file(localmesos, directory / "stdout") == "hello from busybox\n"
    assert read_file(localmesos, directory / "stderr") == "to-err\n"


def test_a_failing_command_fails_the_task(scheduler: V1Scheduler, image: str) -> None:
    launch(scheduler, "three", {"value": "exit 3"}, boxed(image))
    failed = updates_until(scheduler, "three", "TASK_FAILED")[-1]
    assert failed["message"] == "Command exited with status 3"
    assert failed["source"] == "SOURCE_EXECUTOR"


def test_the_container_gets_the_tasks_environment_and_argv(
    localmesos: LocalMesos, scheduler: V1Scheduler, image: str
) -> None:
    variables = [{"name": "PORT0", "value": "31000"}, {"name": "GREETING", "value": "hi there"}]
    shown = "MESOS_SANDBOX MESOS_TASK_ID HOST PORT0 GREETING CONTAINERS_CONF"
    script = f'for v in {shown}; do eval "echo $v=\\$$v"; done; pwd'
    launch(scheduler, "env", {"value": script, "environment": {"variables": variables}},
           boxed(image))  # fmt: skip
    argv = {"shell": False, "value": "echo", "arguments": ["a  b", "$HOME"]}
    launch(scheduler, "argv", argv, boxed(image))
    updates_until(scheduler, "env", "TASK_FINISHED")
    updates_until(scheduler, "argv", "TASK_FINISHED")
    lines = (sandbox(localmesos, scheduler.framework_id, "env") / "stdout").read_text()
    hostname = localmesos.state()["slaves"][0]["hostname"]
    assert lines.splitlines() == [
        "MESOS_SANDBOX=/mnt/mesos/sandbox",
        "MESOS_TASK_ID=env",
        f"HOST={hostname}",
        "PORT0=31000",
        "GREETING=hi there",
        "CONTAINERS_CONF=",  # the agent's own environment stays outside
        "/mnt/mesos/sandbox",
    ]
    output = (sandbox(localmesos, scheduler.framework_id, "argv") / "stdout").read_text()
    assert output == "a  b $HOME\n"


def test_a_mesos_container_with_a_docker_image_runs_in_it(
    localmesos: LocalMesos, scheduler: V1Scheduler, image: str
) -> None:
    unified = {"type": "MESOS", "mesos": {"image": {"type": "DOCKER", "docker": {"name": image}}}}
    launch(scheduler, "unified", {"value": "readlink /bin/sh"}, unified)
    updates_until(scheduler, "unified", "TASK_FINISHED")
    output = (sandbox(localmesos, scheduler.framework_id, "unified") / "stdout").read_text()
    assert output == "busybox\n"  # the image's shell, not the host's


def unified(image: str) -> dict[str, Any]:
    return {"type": "MESOS", "mesos": {"image": {"type": "DOCKER", "docker": {"name": image}}}}


def test_a_mesos_container_runs_as_the_tasks_user_a_docker_one_as_its_image_says(
    localmesos: LocalMesos, scheduler: V1Scheduler, image: str
) -> None:
    nobody = pwd.getpwnam("nobody")
    script = {"value": "id -u; id -g; touch mine", "user": "nobody"}
    launch(scheduler, "unified-user", script, unified(image))
    launch(scheduler, "docker-user", script, boxed(image))
    as_nobody = boxed(image, parameters=[{"key": "user", "value": str(nobody.pw_uid)}])
    launch(scheduler, "docker-param", script, as_nobody)
    output = {}
    for task_id in ("unified-user", "docker-user", "docker-param"):
        updates_until(scheduler, task_id, "TASK_FINISHED")
        directory = sandbox(localmesos, scheduler.framework_id, task_id)
        assert directory.stat().st_uid == nobody.pw_uid  # the task's user owns its sandbox
        output[task_id] = (directory / "stdout").read_text(), (directory / "mine").stat().st_uid
    assert output["unified-user"] == (f"{nobody.pw_uid}\n{nobody.pw_gid}\n", nobody.pw_uid)
    assert output["docker-user"] == ("0\n0\n", 0)  # the image's user, as with Mesos
    assert output["docker-param"][1] == nobody.pw_uid


def test_an_unknown_user_fails_an_image_tasks_launch(scheduler: V1Scheduler, image: str) -> None:
    for task_id, container in (("ghost-mesos", unified(image)), ("ghost-docker", boxed(image))):
        launch(scheduler, task_id, {"value": "true", "user": "no-such-user-here"}, container)
        [failed] = updates_until(scheduler, task_id, "TASK_FAILED")
        assert failed["source"] == "SOURCE_AGENT"
        assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
        assert failed["message"] == (
            "Failed to launch container: Failed to switch to user 'no-such-user-here': no such user"
        )


def test_parameters_privileged_and_limits_reach_the_container(
    localmesos: LocalMesos, scheduler: V1Scheduler, image: str, cli_kind: str
) -> None:
    docker = {"privileged": True, "parameters": [{"key": "hostname", "value": "boxed"}]}
    launch(scheduler, "tuned", {"value": "hostname; sleep 300"}, boxed(image, **docker),
           cpus=0.25, mem=48)  # fmt: skip
    updates_until(scheduler, "tuned", "TASK_RUNNING")
    [container] = owned_containers(localmesos)
    [inspected] = json.loads(podman("inspect", container))
    assert inspected["HostConfig"]["Privileged"] is True
    assert inspected["HostConfig"]["Memory"] == 48 * 2**20
    assert inspected["HostConfig"]["NanoCpus"] == 250_000_000
    # podman passes the sandbox's files through; Docker's CLI has no such log driver
    passthrough = inspected["HostConfig"]["LogConfig"]["Type"] == "passthrough"
    assert passthrough is (cli_kind == "podman")
    directory = sandbox(localmesos, scheduler.framework_id, "tuned")
    wait_until(lambda: (directory / "stdout").read_text() == "boxed\n")
    scheduler.call("KILL", {"task_id": {"value": "tuned"}})
    updates_until(scheduler, "tuned", "TASK_KILLED")


def test_a_forced_pull_that_fails_fails_the_launch(scheduler: V1Scheduler, image: str) -> None:
    # No registry is reachable: pulling even a local image again fails.
    launch(scheduler, "pulled", {"value": "true"}, boxed(image, force_pull_image=True))
    [failed] = updates_until(scheduler, "pulled", "TASK_FAILED")
    assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
    assert failed["message"].startswith("Failed to launch container: ")
    assert " run exited with 125: " in failed["message"]
    assert image.split(":")[0] in failed["message"]


@pytest.fixture
def user_network(image: str) -> Iterator[str]:
    name = f"dromos-test-{uuid.uuid4().hex[:8]}"
    podman("network", "create", name)
    yield name
    podman("network", "rm", "-f", name)


def test_a_user_network_is_joined_by_name(
    localmesos: LocalMesos, scheduler: V1Scheduler, image: str, user_network: str
) -> None:
    container = {**boxed(image, network="USER"), "network_infos": [{"name": user_network}]}
    launch(scheduler, "joined", {"value": "sleep 300"}, container)
    updates_until(scheduler, "joined", "TASK_RUNNING")
    [container_id] = owned_containers(localmesos)
    [inspected] = json.loads(podman("inspect", container_id))
    assert list(inspected["NetworkSettings"]["Networks"]) == [user_network]
    scheduler.call("KILL", {"task_id": {"value": "joined"}})
    updates_until(scheduler, "joined", "TASK_KILLED")


def test_volumes_mount_host_paths_and_sandbox_paths(
    localmesos: LocalMesos, scheduler: V1Scheduler, image: str, tmp_path: Path
) -> None:
    (tmp_path / "in.txt").write_text("from the host\n")
    volumes = [
        {"host_path": str(tmp_path), "container_path": "/data", "mode": "RO"},
        {"host_path": "shared", "container_path": "/shared", "mode": "RW"},
    ]
    script = "cat /data/in.txt; touch /data/no 2>/dev/null || echo read-only; touch /shared/made"
    launch(scheduler, "vols", {"value": script}, {**boxed(image), "volumes": volumes})
    updates_until(scheduler, "vols", "TASK_FINISHED")
    directory = sandbox(localmesos, scheduler.framework_id, "vols")
    assert (directory / "stdout").read_text() == "from the host\nread-only\n"
    assert (directory / "shared" / "made").exists()
    assert not (tmp_path / "no").exists()


def ports_of(offer: dict[str, Any]) -> list[int]:
    [ranges] = [r["ranges"]["range"] for r in offer["resources"] if r["name"] == "ports"]
    return list(range(ranges[0]["begin"], ranges[0]["end"] + 1))


def test_bridge_port_mappings_and_health_checks_reach_the_container(
    scheduler: V1Scheduler, image: str
) -> None:
    offer = scheduler.offer()
    host_port = ports_of(offer)[0]
    port = {"name": "ports", "type": "RANGES",
            "ranges": {"range": [{"begin": host_port, "end": host_port}]}}  # fmt: skip
    mapping = {"host_port": host_port, "container_port": 8080, "protocol": "tcp"}
    container = boxed(image, network="BRIDGE", port_mappings=[mapping])
    command = {"value": "echo served > index.html; exec httpd -f -p 8080"}
    web = check("HTTP", http={"port": 8080, "path": "/"}, grace_period_seconds=30)
    info = task(offer, "web", command=command, container=container, health_check=web)
    info["resources"].append(port)
    assert scheduler.accept(offer, [info]).status_code == 202
    [healthy] = updates_until(scheduler, "web", "TASK_RUNNING", health=True)
    assert healthy["healthy"] is True and "returned 200" in healthy["message"]
    reply = requests.get(f"http://127.0.0.1:{host_port}/", timeout=5)
    assert reply.text == "served\n"
    inside = check("COMMAND", command={"value": "test -e /mnt/mesos/sandbox/index.html"})
    launch(scheduler, "probed", {"value": "touch index.html; sleep 300"}, boxed(image),
           health_check=inside)  # fmt: skip
    [probed] = updates_until(scheduler, "probed", "TASK_RUNNING", health=True)
    assert probed["healthy"] is True
    for task_id in ("web", "probed"):
        scheduler.call("KILL", {"task_id": {"value": task_id}})
        updates_until(scheduler, task_id, "TASK_KILLED")


def test_kill_waits_the_grace_period_then_removes_the_container(
    localmesos: LocalMesos, killing_scheduler: V1Scheduler, image: str
) -> None:
    scheduler = killing_scheduler
    launch(scheduler, "stubborn", {"value": "trap '' TERM; while true; do sleep 1; done"},
           boxed(image))  # fmt: skip
    updates_until(scheduler, "stubborn", "TASK_RUNNING")
    assert len(owned_containers(localmesos)) == 1
    killed = kill_with_grace(scheduler, "stubborn", 1.5)
    assert killed["message"] == "Command exited with status 137"
    assert not owned_containers(localmesos)


def test_a_memory_overrun_fails_the_task_with_the_memory_reason(
    scheduler: V1Scheduler, image: str
) -> None:
    # 100 MiB in one buffer against 32 MiB. The kernel kills dd, not the shell, which exits
    # 0: only the container's memory cgroup tells (podman reports no OOMKilled here). The
    # agent watches it from the moment the container runs, hence the second.
    hog = {"value": "sleep 1; dd if=/dev/zero of=/dev/null bs=100M count=1; echo survived"}
    launch(scheduler, "hog", hog, boxed(image))
    failed = updates_until(scheduler, "hog", "TASK_FAILED")[-1]
    assert failed["reason"] == MEMORY_LIMIT
    assert failed["message"].startswith("Memory limit exceeded: Requested: 32MB Maximum Used: ")


def test_a_childs_memory_overrun_destroys_the_whole_container_and_spares_another(
    localmesos: LocalMesos, scheduler: V1Scheduler, image: str
) -> None:
    launch(scheduler, "calm", {"value": "sleep 300"}, boxed(image))
    updates_until(scheduler, "calm", "TASK_RUNNING")
    [calm] = owned_containers(localmesos)
    # A child of the task's shell overruns (at once: likely before the agent watches the
    # container's memory cgroup, which then tells of its past kills); the shell itself would
    # sleep on for 300 s.
    hog = "dd if=/dev/zero of=/dev/null bs=100M count=1 & sleep 300"
    launch(scheduler, "hog", {"value": hog}, boxed(image), mem=32)
    *_, failed = updates_until(scheduler, "hog", "TASK_FAILED")
    assert failed["source"] == "SOURCE_AGENT"
    assert failed["reason"] == MEMORY_LIMIT
    assert failed["message"].startswith("Memory limit exceeded: Requested: 32MB Maximum Used: ")
    assert "MEMORY STATISTICS" in failed["message"]
    wait_until(lambda: owned_containers(localmesos) == [calm])  # the hog's container is gone
    [inspected] = json.loads(podman("inspect", calm))
    assert inspected["State"]["Running"] is True
    scheduler.call("KILL", {"task_id": {"value": "calm"}})
    assert updates_until(scheduler, "calm", "TASK_KILLED")[0]["state"] == "TASK_KILLED"


def test_a_restarted_agent_removes_the_containers_it_left(tmp_path: Path, image: str) -> None:
    with docker_cluster(tmp_path / "mesos", "--docker", "podman") as mesos:
        client = V1Scheduler(mesos.url)
        client.subscribe(failover_timeout=3600)
        launch(client, "orphan", {"value": "sleep 300"}, boxed(image))
        updates_until(client, "orphan", "TASK_RUNNING")
        [left] = owned_containers(mesos)
        argv = mesos.kill_agent(1)
        time.sleep(1)
        assert owned_containers(mesos) == [left]  # the container outlived its agent
        mesos.start_agent(argv)
        wait_until(lambda: not owned_containers(mesos), timeout=30)
        client.disconnect()


def failed_launch(data_dir: Path, cli: str, image: str) -> dict[str, Any]:
    """The update of an image task on an agent driving `cli`, which fails to launch it: from
    the agent, with REASON_CONTAINER_LAUNCH_FAILED."""
    with docker_cluster(data_dir, "--docker", cli) as mesos:
        client = V1Scheduler(mesos.url)
        client.subscribe(failover_timeout=3600)
        launch(client, "unlaunched", {"value": "true"}, boxed(image))
        [failed] = updates_until(client, "unlaunched", "TASK_FAILED")
        client.disconnect()
    assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
    assert failed["source"] == "SOURCE_AGENT"
    return failed


def test_without_the_cli_an_image_task_fails_to_launch(tmp_path: Path, image: str) -> None:
    failed = failed_launch(tmp_path / "mesos", "no-such-docker", image)
    assert "'no-such-docker' is not installed" in failed["message"]


DOCKERS_CLI = Path("/usr/local/bin/docker")  # Docker's own CLI, without a daemon here


@pytest.mark.skipif(not DOCKERS_CLI.exists(), reason="Docker's own CLI is not installed")
def test_dockers_cli_without_its_daemon_fails_the_launch_saying_so(
    tmp_path: Path, image: str
) -> None:
    failed = failed_launch(tmp_path / "mesos", str(DOCKERS_CLI), image)
    assert failed["message"].startswith(f"Failed to launch container: {DOCKERS_CLI} run exited")
    assert "Cannot connect to the Docker daemon" in failed["message"]
