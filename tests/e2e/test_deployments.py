"""Deployments end to end: rolling restarts, rollback, resume after a crash, and why a
deployment waits, against a real `dromos dev`."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

import pytest
import requests

from tests.support.dev import Dev, wait_for
from tests.support.marathon_client import MarathonClient

pytestmark = pytest.mark.e2e

Json = dict[str, Any]

# A web server on the task's port; the executor checks it (MESOS_HTTP) every second.
SERVER = f"{sys.executable} -m http.server $PORT0 --bind 127.0.0.1"
HEALTH = {"protocol": "MESOS_HTTP", "path": "/", "portIndex": 0, "intervalSeconds": 1,
          "timeoutSeconds": 1, "delaySeconds": 0, "gracePeriodSeconds": 10,
          "maxConsecutiveFailures": 3}
ONE_AT_A_TIME = {"minimumHealthCapacity": 1, "maximumOverCapacity": 0}


def web_app(app_id: str, instances: int = 3, **fields: Any) -> Json:
    return {"id": app_id, "cmd": SERVER, "cpus": 0.01, "mem": 32, "instances": instances,
            "portDefinitions": [{"port": 0}], "healthChecks": [HEALTH],
            "upgradeStrategy": ONE_AT_A_TIME, **fields}


def post_app(dev: Dev, app: Json) -> Json:
    response = requests.post(dev.url + "/v2/apps", json=app, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def app_json(dev: Dev, app_id: str) -> Json:
    return dev.get(f"/v2/apps{app_id}")["app"]


def healthy_tasks(dev: Dev, app_id: str) -> int:
    return int(app_json(dev, app_id)["tasksHealthy"])


def deployments(dev: Dev) -> list[Json]:
    return dev.get("/v2/deployments", params={"embed": "waiting"})


def deployment_of(dev: Dev, app_id: str) -> Json | None:
    return next((d for d in deployments(dev) if app_id in d["affectedApps"]), None)


def wait_healthy(dev: Dev, app_id: str, count: int, timeout_s: float = 30) -> None:
    wait_for(lambda: healthy_tasks(dev, app_id) == count and not deployment_of(dev, app_id),
             timeout_s, lambda: f"{app_id} not {count} healthy: {app_json(dev, app_id)}")


def wait_deployment_gone(dev: Dev, deployment_id: str, timeout_s: float = 40) -> None:
    wait_for(lambda: all(d["id"] != deployment_id for d in deployments(dev)), timeout_s,
             lambda: f"deployment {deployment_id} still running: {deployments(dev)}")


class Sampler:
    """Reads tasksHealthy every ~50 ms on a thread until stopped."""

    def __init__(self, dev: Dev, app_id: str) -> None:
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(dev, app_id), daemon=True)

    def _run(self, dev: Dev, app_id: str) -> None:
        while not self._stop.is_set():
            self.samples.append(healthy_tasks(dev, app_id))
            time.sleep(0.05)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def task_ids(dev: Dev, app_id: str) -> set[str]:
    return {t["id"] for t in dev.get(f"/v2/apps{app_id}/tasks")["tasks"]}


def test_a_rolling_restart_never_has_fewer_than_three_healthy(
    dev: Dev, client: MarathonClient
) -> None:
    post_app(dev, web_app("/rolling"))
    wait_healthy(dev, "/rolling", 3)
    before = task_ids(dev, "/rolling")
    with Sampler(dev, "/rolling") as sampler:
        deployment = client.restart_app("/rolling")
        wait_deployment_gone(dev, deployment["deploymentId"])
    assert len(sampler.samples) > 20
    assert min(sampler.samples) >= 3, sampler.samples
    after = task_ids(dev, "/rolling")
    assert len(after) == 3 and not before & after
    client.delete_app("/rolling", force=True)


def test_deleting_a_deployment_rolls_the_app_back(dev: Dev, client: MarathonClient) -> None:
    post_app(dev, web_app("/rollback", instances=2))
    wait_healthy(dev, "/rollback", 2)
    broken = {**web_app("/rollback", instances=2), "cmd": "sleep 600"}  # never healthy
    response = requests.put(dev.url + "/v2/apps/rollback", json=broken, timeout=10)
    assert response.status_code == 200, response.text
    bad = response.json()["deploymentId"]
    wait_for(lambda: app_json(dev, "/rollback")["tasksRunning"] == 3, 20)
    client.delete_deployment(bad)
    assert app_json(dev, "/rollback")["cmd"] == SERVER
    wait_healthy(dev, "/rollback", 2)
    tasks = dev.get("/v2/apps/rollback/tasks")["tasks"]
    assert len(tasks) == 2
    client.delete_app("/rollback", force=True)


def test_a_deployment_resumes_after_the_scheduler_is_killed(
    dev: Dev, client: MarathonClient
) -> None:
    post_app(dev, web_app("/resumed"))
    wait_healthy(dev, "/resumed", 3)
    before = task_ids(dev, "/resumed")
    deployment = client.restart_app("/resumed")["deploymentId"]
    wait_for(lambda: len(task_ids(dev, "/resumed") - before) >= 1, 20)
    pid = dev.scheduler_pid()
    dev.kill_scheduler()
    wait_for(lambda: dev.scheduler_pid() != pid, 20)
    dev.wait_registered()
    assert any(d["id"] == deployment for d in deployments(dev))
    wait_deployment_gone(dev, deployment)
    after = task_ids(dev, "/resumed")
    assert len(after) == 3 and not before & after
    assert healthy_tasks(dev, "/resumed") == 3
    client.delete_app("/resumed", force=True)


def test_a_blocked_deployment_says_why_and_fails_after_its_timeout(dev: Dev) -> None:
    failed: list[Json] = []
    attached = threading.Event()

    def listen() -> None:
        with requests.get(dev.url + "/v2/events", params={"event_type": "deployment_failed"},
                          headers={"Accept": "text/event-stream"}, stream=True,
                          timeout=30) as response:
            attached.set()
            for line in response.iter_lines():
                if line.startswith(b"data: "):
                    failed.append(json.loads(line[6:]))
                    return

    threading.Thread(target=listen, daemon=True).start()
    assert attached.wait(10)
    app = {"id": "/nowhere", "cmd": "sleep 600", "cpus": 0.01, "mem": 16, "instances": 1,
           "constraints": [["hostname", "LIKE", "no-such-host"]],
           "deploymentTimeoutSeconds": 4}
    deployment = requests.post(dev.url + "/v2/apps", json=app, timeout=10).json()["deployments"]
    deployment_id = deployment[0]["id"]

    def reason() -> str | None:
        current = deployment_of(dev, "/nowhere")
        waiting = current["waiting"] if current else []
        return waiting[0]["reason"] if waiting else None

    why = wait_for(lambda: (r if (r := reason()) and "hostname" in r else None), 10,
                   lambda: f"no reason given: {deployments(dev)}")
    assert "no-such-host" in why
    locked = requests.put(dev.url + "/v2/apps/nowhere", json={**app, "instances": 2}, timeout=10)
    assert locked.status_code == 409
    assert locked.json()["deployments"] == [{"id": deployment_id}]
    single = dev.get(f"/v2/deployments/{deployment_id}")
    assert single["waiting"][0]["app"] == "/nowhere"
    wait_deployment_gone(dev, deployment_id, timeout_s=10)
    wait_for(lambda: failed, 5, "no deployment_failed event")
    assert failed[0]["id"] == deployment_id and "timed out" in failed[0]["reason"]
    requests.delete(dev.url + "/v2/apps/nowhere", params={"force": "true"}, timeout=10)


def test_a_forced_delete_of_a_deployment_only_cancels_it(dev: Dev) -> None:
    app = {"id": "/stuck", "cmd": "sleep 600", "cpus": 0.01, "mem": 16, "instances": 1,
           "constraints": [["hostname", "LIKE", "no-such-host"]]}
    deployment_id = post_app(dev, app)["deployments"][0]["id"]
    canceled = requests.delete(f"{dev.url}/v2/deployments/{deployment_id}",
                               params={"force": "true"}, timeout=10)
    assert canceled.status_code == 202
    assert deployment_of(dev, "/stuck") is None
    assert app_json(dev, "/stuck")["instances"] == 1  # not rolled back
    missing = requests.get(f"{dev.url}/v2/deployments/{deployment_id}", timeout=10)
    assert missing.status_code == 404
    requests.delete(dev.url + "/v2/apps/stuck", params={"force": "true"}, timeout=10)


# Answers 503 "warming up" for its first 2 s, then 200: a readiness check must wait for it.
WARMING_SERVER = (
    f"{sys.executable} -c 'import http.server,os,time\n"
    "t=time.time()\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    " def do_GET(s):\n"
    "  ok=time.time()-t>2; b=b\"ok\" if ok else b\"warming up\"\n"
    "  s.send_response(200 if ok else 503); s.send_header(\"Content-Type\",\"text/plain\")\n"
    "  s.send_header(\"Content-Length\",str(len(b))); s.end_headers(); s.wfile.write(b)\n"
    "http.server.HTTPServer((\"127.0.0.1\",int(os.environ[\"PORT0\"])),H).serve_forever()'"
)


def test_a_deployment_waits_for_the_readiness_check_and_shows_its_answers(
    dev: Dev, client: MarathonClient
) -> None:
    post_app(dev, {
        "id": "/warming", "cmd": WARMING_SERVER, "cpus": 0.01, "mem": 32, "instances": 1,
        "portDefinitions": [{"port": 0, "name": "http"}],
        "readinessChecks": [{"portName": "http", "path": "/", "intervalSeconds": 2,
                             "timeoutSeconds": 1, "preserveLastResponse": True}],
    })

    def warming_up() -> list[Json]:
        deployment = deployment_of(dev, "/warming")
        results = deployment["currentActions"][0]["readinessCheckResults"] if deployment else []
        # A probe refused before the server listens has no answer yet: wait for its 503.
        return [r for r in results if not r["ready"] and "lastResponse" in r]

    (result,) = wait_for(warming_up, 15, lambda: f"no readiness answer: {deployments(dev)}")
    assert result["lastResponse"] == {"status": 503, "contentType": "text/plain",
                                      "body": "warming up"}
    (deployment,) = [d for d in client.list_deployments() if "/warming" in d.affected_apps]
    assert deployment.current_actions[0].readiness_check_results[0]["ready"] is False
    wait_for(lambda: deployment_of(dev, "/warming") is None, 15,
             lambda: f"never ready: {deployments(dev)}")
    assert app_json(dev, "/warming")["tasksRunning"] == 1
