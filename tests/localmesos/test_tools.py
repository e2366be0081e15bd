"""What Mesos tools read, driven by independent clients: raw HTTP and pymesos' operator
driver. Master state endpoints, the agent's files API (a task's stdout) and the v1
operator API, in Mesos' shapes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pymesos import MesosOperatorMasterDriver, OperatorMaster

from tests.localmesos.clients.helpers import fake_executor
from tests.localmesos.clients.v1client import V1Scheduler, b64, task
from tests.support.localmesos import LocalMesos, running_localmesos

JSON = {"Content-Type": "application/json"}
LABELS = {"labels": [{"key": "team", "value": "core"}, {"key": "tier", "value": "web"}]}


@pytest.fixture(scope="module")
def mesos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMesos]:
    with running_localmesos(tmp_path_factory.mktemp("tools"), "--heartbeat-seconds", "1") as m:
        yield m


@pytest.fixture(scope="module")
def running(mesos: LocalMesos) -> Iterator[V1Scheduler]:
    """A framework with a command task that printed a line (`cmd`), a custom-executor
    task (`custom`) and a task that finished (`done`)."""
    client = V1Scheduler(mesos.url)
    client.subscribe(failover_timeout=60, capabilities=[{"type": "PARTITION_AWARE"}])
    offer = client.offer()
    tasks = [
        task(offer, "cmd", command={"value": "echo hello-from-task; sleep 60"}, labels=LABELS),
        task(offer, "custom", executor=fake_executor(), data=b64("run")),
        task(offer, "done", command={"value": "true"}),
    ]
    client.accept(offer, tasks)
    client.acknowledged_update("cmd", "TASK_RUNNING")
    client.acknowledged_update("custom", "TASK_RUNNING")
    client.acknowledged_update("done", "TASK_FINISHED")
    yield client
    client.call("TEARDOWN")
    client.disconnect()


def test_master_state_is_in_mesos_shapes(mesos: LocalMesos, running: V1Scheduler) -> None:
    state = mesos.get("/master/state")
    assert state["unreachable_slaves"] == 0 and state["activated_slaves"] == 1
    assert isinstance(state["capabilities"], list)
    [framework] = state["frameworks"]
    assert framework["capabilities"] == ["PARTITION_AWARE"]
    assert framework["role"] == "*" and "roles" not in framework
    assert framework["unreachable_tasks"] == []
    tasks = {t["id"]: t for t in framework["tasks"]}
    assert tasks["cmd"]["labels"] == LABELS["labels"]
    assert tasks["cmd"]["executor_id"] == "" and tasks["custom"]["executor_id"] == "fake"
    [executor] = framework["executors"]
    assert executor["executor_id"] == {"value": "fake"}
    assert executor["slave_id"] == state["slaves"][0]["id"]
    assert [t["id"] for t in framework["completed_tasks"]] == ["done"]


def test_the_other_master_endpoints_and_aliases(mesos: LocalMesos, running: V1Scheduler) -> None:
    framework_id = running.framework_id
    for path in ("/state", "/state.json", "/master/state/", "/master/state.json"):
        assert mesos.get(path)["id"] == mesos.get("/master/state")["id"]
    summary = mesos.get("/master/state-summary")
    [agent] = summary["slaves"]
    assert agent["TASK_RUNNING"] == 2 and agent["TASK_FINISHED"] == 1
    assert agent["framework_ids"] == [framework_id]
    assert summary["frameworks"][0]["slave_ids"] == [agent["id"]]
    for path in ("/master/slaves", "/slaves", "/slaves/"):
        assert [s["id"] for s in mesos.get(path)["slaves"]] == [agent["id"]]
    frameworks = mesos.get(f"/master/frameworks?framework_id={framework_id}")
    assert [f["id"] for f in frameworks["frameworks"]] == [framework_id]
    assert mesos.get("/frameworks?framework_id=nobody")["frameworks"] == []
    assert {t["id"] for t in mesos.get("/master/tasks")["tasks"]} == {"cmd", "custom", "done"}
    assert [t["id"] for t in mesos.get("/tasks?task_id=cmd")["tasks"]] == ["cmd"]
    assert len(mesos.get("/tasks?limit=1")["tasks"]) == 1
    jsonp = requests.get(mesos.url + "/master/slaves?jsonp=show", timeout=5)
    assert jsonp.text.startswith("show({") and jsonp.text.endswith(");")
    assert requests.get(mesos.url + "/master/health", timeout=5).status_code == 200


def sandbox(mesos: LocalMesos, executor_id: str) -> str:
    [framework] = mesos.agent_get("/state")["frameworks"]
    executors = [*framework["executors"], *framework["completed_executors"]]
    [executor] = [e for e in executors if e["id"] == executor_id]
    return str(executor["directory"])


def files(mesos: LocalMesos, endpoint: str, **query: Any) -> requests.Response:
    return requests.get(f"{mesos.agent_url}/files/{endpoint}", params=query, timeout=5)


def test_a_tasks_stdout_through_the_files_api(mesos: LocalMesos, running: V1Scheduler) -> None:
    stdout = sandbox(mesos, "cmd") + "/stdout"
    listing = files(mesos, "browse", path=sandbox(mesos, "cmd")).json()
    entry = next(e for e in listing if e["path"] == stdout)
    assert entry["mode"].startswith("-rw") and entry["size"] > 0 and entry["nlink"] == 1
    deadline = time.monotonic() + 10
    while "hello-from-task" not in files(mesos, "read", path=stdout, offset=0).json()["data"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    size = Path(stdout).stat().st_size
    assert files(mesos, "read", path=stdout).json() == {"data": "", "offset": size}
    assert files(mesos, "read", path=stdout, offset=-1).json() == {"data": "", "offset": size}
    whole = files(mesos, "read", path=stdout, offset=0).json()
    assert whole["offset"] == 0 and whole["data"] == Path(stdout).read_text()
    start = whole["data"].index("hello")
    part = files(mesos, "read", path=stdout, offset=start, length=5).json()
    assert part == {"data": "hello", "offset": start}
    past_the_end = files(mesos, "read", path=stdout, offset=size + 10).json()
    assert past_the_end == {"data": "", "offset": size}
    download = files(mesos, "download", path=stdout)
    assert download.content == Path(stdout).read_bytes()
    assert download.headers["Content-Disposition"] == "attachment; filename=stdout"


def test_files_paths_as_mesos_names_them(mesos: LocalMesos, running: V1Scheduler) -> None:
    framework_id = running.framework_id
    virtual = f"/frameworks/{framework_id}/executors/cmd/runs/latest/stdout"
    data = files(mesos, "read", path=virtual, offset=0).json()["data"]
    assert "hello-from-task" in data
    finished = files(mesos, "read", path=sandbox(mesos, "done") + "/stdout", offset=0)
    assert finished.json() == {"data": "", "offset": 0}  # a completed executor's sandbox
    assert files(mesos, "read", path=sandbox(mesos, "cmd"), offset=0).status_code == 400
    assert files(mesos, "read", path=virtual, offset=-2).status_code == 400
    assert files(mesos, "read", path=virtual + "-nope", offset=0).status_code == 404
    assert files(mesos, "read", path="/etc/passwd", offset=0).status_code == 404
    assert files(mesos, "browse").status_code == 400
    assert files(mesos, "download", path=sandbox(mesos, "cmd")).status_code == 400


def test_agent_monitor_metrics_and_health(mesos: LocalMesos, running: V1Scheduler) -> None:
    statistics = {s["executor_id"]: s for s in mesos.agent_get("/monitor/statistics")}
    assert set(statistics) == {"cmd", "fake"}
    cmd = statistics["cmd"]["statistics"]
    assert cmd["cpus_limit"] == 0.1 and cmd["mem_limit_bytes"] == 32 * 2**20
    assert cmd["mem_rss_bytes"] > 0
    assert mesos.agent_get("/metrics/snapshot")["slave/tasks_running"] == 2
    master = mesos.get("/metrics/snapshot")
    assert master["master/tasks_running"] == 2 and master["master/slaves_active"] == 1
    assert requests.get(mesos.agent_url + "/health", timeout=5).status_code == 200


def operator_call(mesos: LocalMesos, kind: str) -> dict[str, Any]:
    response = requests.post(mesos.url + "/api/v1", json={"type": kind}, timeout=5)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["type"] == kind
    return answer[kind.lower()]


def test_operator_api_calls(mesos: LocalMesos, running: V1Scheduler) -> None:
    assert operator_call(mesos, "GET_HEALTH") == {"healthy": True}
    assert operator_call(mesos, "GET_VERSION")["version_info"]["version"].startswith("1.")
    tasks = operator_call(mesos, "GET_TASKS")
    live = {t["task_id"]["value"]: t for t in tasks["tasks"]}
    assert set(live) == {"cmd", "custom"}
    assert live["cmd"]["state"] == "TASK_RUNNING"
    assert live["cmd"]["labels"] == LABELS
    assert live["custom"]["executor_id"] == {"value": "fake"}
    assert [t["task_id"]["value"] for t in tasks["completed_tasks"]] == ["done"]
    [agent] = operator_call(mesos, "GET_AGENTS")["agents"]
    assert agent["agent_info"]["id"] == live["cmd"]["agent_id"]
    assert {r["name"] for r in agent["total_resources"]} >= {"cpus", "mem", "ports"}
    [framework] = operator_call(mesos, "GET_FRAMEWORKS")["frameworks"]
    assert framework["framework_info"]["id"] == {"value": running.framework_id}
    [executor] = operator_call(mesos, "GET_EXECUTORS")["executors"]
    assert executor["executor_info"]["executor_id"] == {"value": "fake"}
    state = operator_call(mesos, "GET_STATE")
    assert set(state) == {"get_tasks", "get_executors", "get_frameworks", "get_agents"}
    bad = requests.post(mesos.url + "/api/v1", json={"type": "NO_SUCH_CALL"}, timeout=5)
    assert bad.status_code == 400


def test_scheduler_api_wants_the_content_type_exactly(mesos: LocalMesos) -> None:
    body = b'{"type": "SUBSCRIBE"}'
    headers = {"Content-Type": "application/json; charset=utf-8"}
    response = requests.post(mesos.url + "/api/v1/scheduler", data=body, headers=headers)
    assert response.status_code == 415


class Recorder(OperatorMaster):  # type: ignore[misc]
    def __init__(self) -> None:
        self.added: list[dict[str, Any]] = []
        self.updated: list[dict[str, Any]] = []
        self.event = threading.Event()

    def taskAdded(self, task_info: dict[str, Any]) -> None:
        self.added.append(task_info)
        self.event.set()

    def taskUpdated(self, task_info: dict[str, Any]) -> None:
        self.updated.append(task_info)
        self.event.set()


def test_pymesos_operator_driver_reads_state_and_follows_task_events(
    mesos: LocalMesos, running: V1Scheduler
) -> None:
    recorder = Recorder()
    driver = MesosOperatorMasterDriver(mesos.address, recorder)
    driver.start()
    try:
        tasks = driver.getTasks()["get_tasks"]["tasks"]
        assert {t["task_id"]["value"] for t in tasks} == {"cmd", "custom"}
        assert driver.getAgents()["get_agents"]["agents"][0]["active"] is True
        time.sleep(1)  # the subscription is up once pymesos has connected
        offer = running.offer()
        running.accept(offer, [task(offer, "watched", command={"value": "true"})])
        deadline = time.monotonic() + 10
        while not any(u["state"] == "TASK_FINISHED" for u in recorder.updated):
            assert time.monotonic() < deadline, (recorder.added, recorder.updated)
            time.sleep(0.1)
        assert [t["task_id"]["value"] for t in recorder.added] == ["watched"]
        finished = next(u for u in recorder.updated if u["state"] == "TASK_FINISHED")
        assert finished["status"]["task_id"] == {"value": "watched"}
    finally:
        driver.stop()
