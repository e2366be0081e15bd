"""Marathon apps end to end: the `marathon` client against a real `dromos dev`."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import requests

from tests.support.dev import Dev, wait_for
from tests.support.marathon_client import MarathonApp, MarathonClient

pytestmark = pytest.mark.e2e

SLEEPER = "sleep 600"


def running_tasks(client: MarathonClient, app_id: str) -> list:
    return [t for t in client.list_tasks(app_id) if t.state == "TASK_RUNNING"]


def wait_running(client: MarathonClient, app_id: str, count: int, timeout_s: float = 20) -> list:
    return wait_for(
        lambda: (tasks if len(tasks := running_tasks(client, app_id)) == count else None),
        timeout_s, lambda: f"{app_id}: wanted {count} running, have {client.list_tasks(app_id)}",
    )


def test_an_app_is_created_scaled_healed_scaled_down_and_deleted(
    dev: Dev, client: MarathonClient
) -> None:
    app = client.create_app("lifecycle", MarathonApp(cmd=SLEEPER, cpus=0.01, mem=16, instances=1))
    assert app.id == "/lifecycle"
    wait_running(client, "/lifecycle", 1)

    client.scale_app("/lifecycle", instances=3)
    three = wait_running(client, "/lifecycle", 3)

    victim = three[0].id
    client.kill_task("/lifecycle", victim)
    healed = wait_for(
        lambda: (t if len(t := running_tasks(client, "/lifecycle")) == 3
                 and victim not in {x.id for x in t} else None),
        20, "the killed task was not replaced",
    )

    youngest = max(healed, key=lambda t: t.staged_at)
    client.scale_app("/lifecycle", instances=2)
    remaining = wait_running(client, "/lifecycle", 2)
    assert youngest.id not in {t.id for t in remaining}  # killSelection YOUNGEST_FIRST

    versions = client.list_versions("/lifecycle")
    assert len(versions) >= 3
    first = client.get_app("/lifecycle", )
    assert first.instances == 2

    # The scale-down's deployment ends once its victim is gone, not when it stops running.
    wait_for(lambda: not client.get_app("/lifecycle").deployments, 10)
    client.delete_app("/lifecycle")
    wait_for(lambda: not any(a.id == "/lifecycle" for a in client.list_apps()), 10)
    wait_for(lambda: not [
        t for f in requests.get(dev.mesos_url + "/master/state", timeout=5).json()["frameworks"]
        for t in f["tasks"] if t["id"].startswith("lifecycle.")
    ], 15, "tasks of a deleted app are still running")


def test_killing_with_scale_shrinks_the_app_instead_of_replacing(client: MarathonClient) -> None:
    client.create_app("shrink", MarathonApp(cmd=SLEEPER, cpus=0.01, mem=16, instances=2))
    tasks = wait_running(client, "/shrink", 2)
    client.kill_task("/shrink", tasks[0].id, scale=True)
    wait_for(lambda: client.get_app("/shrink").instances == 1, 10)
    left = wait_running(client, "/shrink", 1)
    assert left[0].id == tasks[1].id
    client.delete_app("/shrink", force=True)  # the scale-down deployment may still be ending


def test_a_task_gets_its_ports_and_app_environment(dev: Dev, client: MarathonClient) -> None:
    client.create_app("envcheck", MarathonApp(
        cmd='echo "$PORT0 $PORTS $HOST $MARATHON_APP_ID" > env.txt; sleep 600',
        cpus=0.01, mem=16, instances=1, env={"GREETING": "hi"},
    ))
    (task,) = wait_running(client, "/envcheck", 1)
    begin, end = map(int, dev.agent_ports.split("-"))
    assert len(task.ports) == 1 and begin <= task.ports[0] <= end
    written = wait_for(lambda: _sandbox_file(dev.data_dir, task.id, "env.txt"), 10)
    port, ports, host, app_id = written.split()
    assert int(port) == task.ports[0] and ports == port and app_id == "/envcheck"
    assert host == task.host
    client.delete_app("/envcheck")


def _sandbox_file(data_dir: Path, task_id: str, name: str) -> str | None:
    # A command task's sandbox is its own executor's run directory, as on a Mesos agent.
    for path in data_dir.glob(f"localmesos/**/executors/{task_id}/runs/latest/{name}"):
        text = path.read_text()
        if text.strip():
            return text
    return None


def test_groups_queue_info_and_leader(dev: Dev, client: MarathonClient) -> None:
    group = {"id": "/shop", "apps": [
        {"id": "web", "cmd": SLEEPER, "cpus": 0.01, "mem": 16, "instances": 1},
        {"id": "db", "cmd": SLEEPER, "cpus": 0.01, "mem": 16, "instances": 1},
    ]}
    response = requests.post(dev.url + "/v2/groups", json=group, timeout=10)
    assert response.status_code == 201, response.text
    assert response.headers["Marathon-Deployment-Id"] == response.json()["deploymentId"]
    wait_running(client, "/shop/web", 1)
    wait_running(client, "/shop/db", 1)
    shop = client.get_group("/shop")
    assert sorted(a.id for a in shop.apps) == ["/shop/db", "/shop/web"]
    assert client.get_info().name == "marathon"
    assert client.get_leader()
    assert client.list_queue() == []
    client.delete_group("/shop")
    wait_for(lambda: not [a for a in client.list_apps() if a.id.startswith("/shop/")], 15)


def test_unique_hostname_places_one_instance_and_the_rest_wait_with_a_reason(
    dev: Dev, client: MarathonClient
) -> None:
    client.create_app("unique", MarathonApp(
        cmd=SLEEPER, cpus=0.01, mem=16, instances=3, constraints=[["hostname", "UNIQUE"]],
    ))
    wait_running(client, "/unique", 1)

    def reasons() -> list[str] | None:
        queue = requests.get(dev.url + "/v2/queue", timeout=5).json()["queue"]
        items = [q for q in queue if q["app"]["id"] == "/unique"]
        if not items or items[0]["count"] != 2:
            return None
        waiting = items[0]["processedOffersSummary"]["waitingReasons"]
        return [w["reason"] for w in waiting] if len(waiting) == 2 else None

    found = wait_for(reasons, 15, "queue never explained why /unique waits")
    assert all("UNIQUE" in r for r in found), found
    assert len(running_tasks(client, "/unique")) == 1
    client.delete_app("/unique", force=True)  # its deployment waits for hosts that never come


def test_a_crash_looping_app_backs_off_and_the_delay_can_be_reset(
    dev: Dev, client: MarathonClient
) -> None:
    requests.post(dev.url + "/v2/apps", json={
        "id": "/crashy", "cmd": "exit 1", "cpus": 0.01, "mem": 16, "instances": 1,
        "backoffSeconds": 3, "backoffFactor": 2, "maxLaunchDelaySeconds": 60,
    }, timeout=10).raise_for_status()

    def delay() -> int | None:
        queue = requests.get(dev.url + "/v2/queue", timeout=5).json()["queue"]
        items = [q for q in queue if q["app"]["id"] == "/crashy"]
        left = items[0]["delay"]["timeLeftSeconds"] if items else 0
        return left if left >= 5 else None

    def last_failed_task() -> str | None:
        failure = client.get_app("/crashy").last_task_failure
        return failure.task_id if failure else None

    assert wait_for(delay, 20) >= 5  # 3 s after the first failure, then 6 s, 12 s...
    before = last_failed_task()
    reset = requests.delete(dev.url + "/v2/queue/crashy/delay", timeout=5)
    assert reset.status_code == 204
    # Launched again at once rather than after the 5+ s left: a new task fails within 3 s.
    wait_for(lambda: last_failed_task() not in (None, before), 3, "delay was not reset")
    assert client.get_app("/crashy").last_task_failure.state == "TASK_FAILED"
    client.delete_app("/crashy")


def test_events_stream_status_updates(dev: Dev, client: MarathonClient) -> None:
    seen: list[dict] = []
    attached, done = threading.Event(), threading.Event()

    def listen() -> None:
        with requests.get(dev.url + "/v2/events", params={"event_type": "status_update_event"},
                          headers={"Accept": "text/event-stream"}, stream=True,
                          timeout=30) as response:
            for line in response.iter_lines():
                if line == b": attached":  # subscribed: events from here on reach us
                    attached.set()
                if line.startswith(b"data: "):
                    seen.append(json.loads(line[6:]))
                    if any(e.get("appId") == "/evented" and e["taskStatus"] == "TASK_RUNNING"
                           for e in seen):
                        done.set()
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert attached.wait(10), "the event stream never attached"
    client.create_app("evented", MarathonApp(cmd=SLEEPER, cpus=0.01, mem=16, instances=1))
    assert done.wait(20), seen
    assert all(e["eventType"] == "status_update_event" for e in seen)
    client.delete_app("/evented")


def test_errors_have_marathon_shapes(dev: Dev) -> None:
    bad = requests.post(dev.url + "/v2/apps", json={"id": "/bad", "cpus": -1, "cmd": "x"},
                        timeout=5)
    assert bad.status_code == 422
    assert {"path": "/cpus"}.items() <= bad.json()["details"][0].items()
    malformed = requests.post(dev.url + "/v2/apps", data="{nope",
                              headers={"Content-Type": "application/json"}, timeout=5)
    assert malformed.status_code == 400 and malformed.json()["message"] == "Invalid JSON"
    missing = requests.get(dev.url + "/v2/apps/nothing-here", timeout=5)
    assert missing.status_code == 404
    assert missing.json()["message"] == "App '/nothing-here' does not exist"
    requests.post(dev.url + "/v2/apps", json={"id": "/twice", "cmd": SLEEPER, "cpus": 0.01,
                                              "mem": 16, "instances": 0}, timeout=5)
    again = requests.post(dev.url + "/v2/apps", json={"id": "/twice", "cmd": SLEEPER}, timeout=5)
    assert again.status_code == 409
    assert requests.get(dev.url + "/v2/apps/bad", timeout=5).status_code == 404
