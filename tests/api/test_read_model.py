"""GETs answer from the snapshot the owner thread publishes: never waiting behind it, seeing
each write at once and each status update after its turn, re-rendering only what changed."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from tests.scheduler.appmanager.apps_harness import Cluster
from tests.support.dev import wait_for

Json = dict[str, Any]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path)
    yield running
    running.close()


def running_app(cluster: Cluster, instances: int) -> list[str]:
    cluster.create(id="/web", instances=instances, cmd="sleep 1000")
    launched = cluster.offer()
    for task_id in launched:
        cluster.run(task_id)
    assert not cluster.deployments()
    return launched


def running_count(client: FlaskClient) -> int:
    (app,) = client.get("/v2/apps").get_json()["apps"]
    count: int = app["tasksRunning"]
    return count


def task_renders(client: FlaskClient) -> float:
    body = client.get("/metrics").get_data(as_text=True)
    match = re.search(r"^dromos_read_model_task_renders_total (\S+)$", body, re.MULTILINE)
    assert match is not None, body
    return float(match[1])


def killed(cluster: Cluster, task_id: str) -> Json:
    return {"task_id": {"value": task_id}, "state": "TASK_KILLED",
            "agent_id": {"value": f"agent-{cluster.mesos[task_id]}"},
            "source": "SOURCE_EXECUTOR", "uuid": "dXVpZA=="}


def test_gets_answer_while_the_owner_thread_is_busy_with_the_state_of_the_last_publish(
    cluster: Cluster,
) -> None:
    first, _ = running_app(cluster, 2)
    client = create_app(cluster.rt).test_client()
    rt = cluster.rt
    busy, release = threading.Event(), threading.Event()
    rt.core.start()
    try:
        rt.core.post(lambda: (busy.set(), release.wait()))
        busy.wait()
        # A status update waits in the owner's inbox behind the busy message.
        rt.core.post(lambda: rt.framework.on_status(killed(cluster, first)))
        (app,) = client.get("/v2/apps?embed=apps.tasks").get_json()["apps"]
        assert app["tasksRunning"] == 2 and len(app["tasks"]) == 2
        tasks = client.get("/v2/tasks").get_json()["tasks"]
        assert sorted(t["id"] for t in tasks) == sorted(t["id"] for t in app["tasks"])
        assert client.get("/v2/apps/web").get_json()["app"]["tasksRunning"] == 2
        for path in ("/v2/queue", "/v2/deployments", "/v2/groups", "/v1/scheduler/jobs",
                     "/v1/scheduler/jobs/summary", "/metrics"):
            assert client.get(path).status_code == 200, path
        metrics = client.get("/metrics").get_data(as_text=True)
        assert "\ndromos_owner_thread_cpu_seconds_total " in metrics
        release.set()
        wait_for(lambda: running_count(client) == 1, 30)
        assert [t["id"] for t in client.get("/v2/tasks").get_json()["tasks"]] != [first]
    finally:
        release.set()


def queue_counts(client: FlaskClient) -> list[tuple[str, int]]:
    return [(q["app"]["id"], q["count"]) for q in client.get("/v2/queue").get_json()["queue"]]


def test_a_write_is_visible_to_the_very_next_get(cluster: Cluster) -> None:
    client = create_app(cluster.rt).test_client()
    cluster.rt.core.start()  # writes go through the owner thread, as in the server
    created = client.post("/v2/apps", json={"id": "/web", "cmd": "sleep 1", "instances": 2})
    assert created.status_code == 201
    app = client.get("/v2/apps/web").get_json()["app"]
    assert app["instances"] == 2
    assert [d["id"] for d in app["deployments"]] == [created.headers["Marathon-Deployment-Id"]]
    (deployment,) = client.get("/v2/deployments").get_json()
    assert deployment["id"] == created.headers["Marathon-Deployment-Id"]
    # The plan's first step queues the instances right after the write is answered.
    wait_for(lambda: queue_counts(client) == [("/web", 2)], 10)

    assert client.put("/v2/apps/web?force=true", json={"instances": 3}).status_code == 200
    assert client.get("/v2/apps/web").get_json()["app"]["instances"] == 3
    wait_for(lambda: queue_counts(client) == [("/web", 3)], 10)
    assert [g["id"] for g in client.get("/v2/groups").get_json()["apps"]] == ["/web"]

    assert client.delete("/v2/apps/web?force=true").status_code == 200
    assert client.get("/v2/apps/web").status_code == 404
    assert client.get("/v2/queue").get_json() == {"queue": []}

    job = {"name": "nightly", "command": "true", "schedule": "R/2030-01-01T00:00:00Z/PT1H"}
    assert client.post("/v1/scheduler/iso8601", json=job).status_code == 204
    assert [j["name"] for j in client.get("/v1/scheduler/jobs").get_json()] == ["nightly"]
    assert client.get("/v1/scheduler/job/nightly").get_json()["name"] == "nightly"
    assert client.delete("/v1/scheduler/job/nightly").status_code == 204
    assert client.get("/v1/scheduler/jobs").get_json() == []


def test_a_write_that_could_not_start_in_time_answers_503_and_is_never_applied(
    cluster: Cluster,
) -> None:
    running_app(cluster, 1)
    rt = cluster.rt
    rt.config = dataclasses.replace(rt.config, request_timeout_s=0.2)
    client = create_app(rt).test_client()
    busy, release = threading.Event(), threading.Event()
    rt.core.start()
    try:
        rt.core.post(lambda: (busy.set(), release.wait()))
        busy.wait()
        answer = client.put("/v2/apps/web", json={"instances": 5})
        assert answer.status_code == 503
        assert "did not answer in time" in answer.get_json()["message"]
        assert client.get("/v2/apps/web").get_json()["app"]["instances"] == 1
    finally:
        release.set()
    rt.core.call(lambda: None, timeout=10)  # the owner went through its inbox
    assert client.get("/v2/apps/web").get_json()["app"]["instances"] == 1
    assert rt.store.load_apps()["/web"]["instances"] == 1


def test_a_status_update_shows_in_gets_once_its_turn_has_ended(cluster: Cluster) -> None:
    cluster.create(id="/web", instances=1, cmd="sleep 1000")
    (task_id,) = cluster.offer()
    client = create_app(cluster.rt).test_client()
    (task,) = client.get("/v2/apps/web/tasks").get_json()["tasks"]
    assert task["state"] == "TASK_STAGING" and "startedAt" not in task
    cluster.rt.framework.on_status({
        "task_id": {"value": task_id}, "state": "TASK_RUNNING",
        "agent_id": {"value": f"agent-{cluster.mesos[task_id]}"},
        "source": "SOURCE_EXECUTOR", "uuid": "dXVpZA==",
    })
    assert client.get("/v2/tasks").get_json()["tasks"][0]["state"] == "TASK_STAGING"
    cluster.rt.core.run_pending()  # the turn ends: the owner publishes
    (task,) = client.get("/v2/tasks").get_json()["tasks"]
    assert task["state"] == "TASK_RUNNING" and "startedAt" in task
    assert running_count(client) == 1


def test_publishing_renders_only_the_tasks_that_changed(cluster: Cluster) -> None:
    launched = running_app(cluster, 5)
    client = create_app(cluster.rt).test_client()
    before = dict(cluster.rt.snapshot.apps["/web"].tasks)
    renders = task_renders(client)
    for _ in range(3):
        client.get("/v2/apps?embed=apps.tasks")
        client.get("/v2/tasks")
    assert task_renders(client) == renders  # GETs render no task

    cluster.status(launched[0], "TASK_KILLED")
    assert task_renders(client) == renders  # a task gone is dropped, nothing rendered
    after = cluster.rt.snapshot.apps["/web"].tasks
    assert launched[0] not in after
    for task_id in launched[1:]:
        assert after[task_id] is before[task_id]  # the very same JSON object, not redone
    (replacement,) = cluster.offer()  # the app scales back up: one new task
    assert task_renders(client) == renders + 1
    cluster.run(replacement)
    assert task_renders(client) == renders + 2
    after = cluster.rt.snapshot.apps["/web"].tasks
    assert set(after) == {*launched[1:], replacement}
    assert all(after[t] is before[t] for t in launched[1:])
    assert client.get("/v2/apps/web/tasks").get_json()["tasks"][-1]["state"] == "TASK_RUNNING"
