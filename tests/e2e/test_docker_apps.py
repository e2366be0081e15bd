"""Apps and jobs with Docker images on a real `dromos dev --containerizers mesos,docker
--docker podman`, through Marathon's and Chronos's APIs only: a BRIDGE app with a port
mapping becomes healthy and answers on its host port from inside its container, rolls to
another image tag, leaves no container once deleted; a job's run prints into its sandbox;
MESOS containers with a docker image; a memory overrun fails only its own task."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.test_command_tasks import delete, running
from tests.support.container_images import (
    busybox_image,
    owned_containers,
    podman,
    podman_environment,
)
from tests.support.dev import Dev, running_dev, wait_for

pytestmark = pytest.mark.e2e

TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def images() -> Iterator[tuple[str, str]]:
    """Two tags of the busybox test image, named for this module's run only."""
    with podman_environment():
        base = busybox_image()
        name = f"localhost/dromos-e2e-{uuid.uuid4().hex[:8]}"
        tags = (f"{name}:one", f"{name}:two")
        for tag in tags:
            podman("tag", base, tag)
        try:
            yield tags
        finally:
            podman("untag", base, *tags)


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, images: tuple[str, str]
) -> Iterator[tuple[Dev, str]]:
    """`dromos dev` with the docker containerizer on podman (in the `images` fixture's
    podman settings), and its master's id; whatever containers it leaves once stopped are
    removed."""
    data_dir = tmp_path_factory.mktemp("docker-dev")
    (data_dir / "cwd").mkdir()
    master_id = None
    try:
        with running_dev(data_dir, "--containerizers", "mesos,docker", "--docker", "podman",
                         cwd=data_dir / "cwd") as dev:  # fmt: skip
            master_id = requests.get(dev.mesos_url + "/master/state", timeout=5).json()["id"]
            yield dev, master_id
    finally:
        left = owned_containers(master_id) if master_id else []
        if left:
            podman("rm", "-f", *left)


@pytest.fixture
def dev(cluster: tuple[Dev, str]) -> Dev:
    return cluster[0]


def no_containers_left(cluster: tuple[Dev, str]) -> None:
    wait_for(lambda: not owned_containers(cluster[1]), TIMEOUT_S,
             lambda: f"containers left: {owned_containers(cluster[1])}")  # fmt: skip


def web_app(image: str, kind: str = "DOCKER", app_id: str = "/web") -> dict[str, Any]:
    """Marathon's JSON of a busybox httpd on container port 8080, published on a host port
    from the offer, serving the environment it was given."""
    serve = ('echo "host=$HOST port=$PORT0 app=$MARATHON_APP_ID" > index.html;'
             " exec httpd -f -p 8080")
    return {
        "id": app_id, "cmd": serve, "instances": 1, "cpus": 0.05, "mem": 32,
        "container": {"type": kind, "docker": {"image": image},
                      "portMappings": [{"containerPort": 8080, "hostPort": 0, "name": "http"}]},
        "networks": [{"mode": "container/bridge"}],
        "healthChecks": [{"protocol": "HTTP", "path": "/", "portIndex": 0,
                          "gracePeriodSeconds": 30, "intervalSeconds": 1,
                          "timeoutSeconds": 2, "maxConsecutiveFailures": 3}],
        "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 1},
    }  # fmt: skip


def post(dev: Dev, path: str, body: dict[str, Any]) -> None:
    requests.post(dev.url + path, json=body, timeout=10).raise_for_status()


def healthy_tasks(dev: Dev, app_id: str) -> list[dict[str, Any]]:
    tasks = dev.get(f"/v2/apps{app_id}/tasks")["tasks"]
    return [t for t in tasks if t["state"] == "TASK_RUNNING"
            and t.get("healthCheckResults") and all(r["alive"] for r in t["healthCheckResults"])]


def one_healthy(dev: Dev, app_id: str) -> dict[str, Any]:
    [task] = wait_for(lambda: healthy_tasks(dev, app_id), TIMEOUT_S,
                      lambda: f"{app_id} never healthy:\n{dev.log()[-4000:]}")  # fmt: skip
    return task


def inspect_task_container(task_id: str) -> dict[str, Any]:
    """podman's view of the container Marathon labelled with the task's id."""
    [container] = podman("ps", "-q", "--filter", f"label=MESOS_TASK_ID={task_id}").split()
    [inspected] = json.loads(podman("inspect", container))
    return dict(inspected)


def test_a_bridge_app_is_healthy_and_answers_on_its_host_port_from_its_container(
    dev: Dev, images: tuple[str, str]
) -> None:
    post(dev, "/v2/apps", web_app(images[0]))
    task = one_healthy(dev, "/web")
    [host_port] = task["ports"]
    reply = requests.get(f"http://127.0.0.1:{host_port}/", timeout=5)
    assert reply.text == f"host={task['host']} port={host_port} app=/web\n"
    inspected = inspect_task_container(task["id"])
    assert inspected["ImageName"] == images[0]
    bound = inspected["HostConfig"]["PortBindings"]["8080/tcp"]
    assert [int(b["HostPort"]) for b in bound] == [host_port]


def test_a_rolling_update_to_another_tag_keeps_a_healthy_task_and_drops_the_old_container(
    dev: Dev, images: tuple[str, str]
) -> None:
    old = one_healthy(dev, "/web")
    response = requests.put(dev.url + "/v2/apps/web", json=web_app(images[1]), timeout=10)
    response.raise_for_status()
    fewest = 1

    def rolled() -> bool:
        nonlocal fewest
        fewest = min(fewest, len(healthy_tasks(dev, "/web")))
        return not dev.get("/v2/deployments")

    wait_for(rolled, TIMEOUT_S, lambda: f"deployment never ended:\n{dev.log()[-4000:]}")
    assert fewest >= 1  # minimumHealthCapacity 1: never below one healthy instance
    new = one_healthy(dev, "/web")
    assert new["id"] != old["id"]
    assert inspect_task_container(new["id"])["ImageName"] == images[1]
    wait_for(lambda: not podman("ps", "-aq", "--filter", f"label=MESOS_TASK_ID={old['id']}"),
             TIMEOUT_S, "the old task's container is still there")  # fmt: skip
    reply = requests.get(f"http://127.0.0.1:{new['ports'][0]}/", timeout=5)
    assert reply.text.endswith("app=/web\n")


def test_deleting_the_app_leaves_no_container(
    cluster: tuple[Dev, str], dev: Dev
) -> None:
    assert owned_containers(cluster[1])
    requests.delete(dev.url + "/v2/apps/web", timeout=10).raise_for_status()
    no_containers_left(cluster)


def test_a_job_in_a_docker_container_prints_into_its_sandbox(
    dev: Dev, images: tuple[str, str]
) -> None:
    job = {"name": "boxed", "command": "echo inside $(readlink /bin/sh)", "owner": "",
           "schedule": "R1//PT1H", "epsilon": "PT1M", "retries": 0, "cpus": 0.05, "mem": 32,
           "container": {"type": "DOCKER", "image": images[0]}}  # fmt: skip
    post(dev, "/v1/scheduler/iso8601", job)

    def counted() -> dict[str, Any] | None:
        [found] = [j for j in dev.get("/v1/scheduler/jobs") if j["name"] == "boxed"]
        return found if found["successCount"] or found["errorCount"] else None

    found = wait_for(counted, TIMEOUT_S, lambda: f"the job never ran:\n{dev.log()[-4000:]}")
    assert (found["successCount"], found["errorCount"]) == (1, 0)
    [attempt] = [a for run in dev.get("/v1/scheduler/job/runs/boxed") for a in run["attempts"]]
    log = dev.get(f"/dromos/tasks/{attempt['taskId']}/log")
    assert log["data"] == "inside busybox\n"  # the image's shell, not the host's


def test_the_same_app_as_a_mesos_container_with_a_docker_image(
    cluster: tuple[Dev, str], dev: Dev, images: tuple[str, str]
) -> None:
    post(dev, "/v2/apps", web_app(images[0], kind="MESOS", app_id="/unified"))
    task = one_healthy(dev, "/unified")
    reply = requests.get(f"http://127.0.0.1:{task['ports'][0]}/", timeout=5)
    assert reply.text == f"host={task['host']} port={task['ports'][0]} app=/unified\n"
    delete(dev, "/unified")
    no_containers_left(cluster)


def test_a_memory_overrun_fails_its_own_task_and_spares_another_apps(
    cluster: tuple[Dev, str], dev: Dev, images: tuple[str, str]
) -> None:
    calm = {"id": "/calm", "cmd": "sleep 600", "cpus": 0.05, "mem": 32,
            "container": {"type": "DOCKER", "docker": {"image": images[0]}}}
    post(dev, "/v2/apps", calm)
    [steady] = running(dev, "/calm")
    # 100 MiB in one buffer against 16 MiB, in a child of the task's shell: the kernel kills
    # dd and the shell would sleep on, yet the agent saw the container's memory cgroup hit
    # its limit, destroys the container and fails the task.
    hog = {"id": "/hog", "cpus": 0.05, "mem": 16,
           "cmd": "(sleep 1; dd if=/dev/zero of=/dev/null bs=100M count=1) & sleep 600",
           "container": {"type": "DOCKER", "docker": {"image": images[0]}}}
    post(dev, "/v2/apps", hog)

    def failure() -> dict[str, Any] | None:
        app = dev.get("/v2/apps/hog", params={"embed": "apps.lastTaskFailure"})["app"]
        return app.get("lastTaskFailure")

    failed = wait_for(failure, TIMEOUT_S, lambda: f"hog never failed:\n{dev.log()[-4000:]}")
    assert failed["state"] == "TASK_FAILED"
    assert failed["message"].startswith("Memory limit exceeded: Requested: 16MB Maximum Used: ")
    # podman's conmon notes the OOM in an `oom` file in its working directory: the task's
    # sandbox, not the directory `dromos dev` was started from.
    assert list((dev.data_dir / "cwd").iterdir()) == []
    assert [t["id"] for t in running(dev, "/calm")] == [steady["id"]]  # never restarted
    assert inspect_task_container(steady["id"])["State"]["Running"] is True
    delete(dev, "/hog")
    delete(dev, "/calm")
    no_containers_left(cluster)
