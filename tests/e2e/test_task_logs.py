"""Task and job-run output through Dromos, read from the agent's files API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.dev import Dev, wait_for

pytestmark = pytest.mark.e2e

JSON = {"Content-Type": "application/json"}


def running_task(dev: Dev, app_id: str) -> str:
    def task_id() -> str | None:
        tasks = dev.get(f"/v2/apps/{app_id}/tasks")["tasks"]
        running = [t["id"] for t in tasks if t["state"] == "TASK_RUNNING"]
        return running[0] if running else None

    return wait_for(task_id, 30, lambda: f"no running task:\n{dev.log()}")


def log(dev: Dev, task_id: str, **params: Any) -> requests.Response:
    return requests.get(f"{dev.url}/dromos/tasks/{task_id}/log", params=params, timeout=10)


@pytest.fixture(scope="module")
def talker(dev: Dev) -> str:
    app = {"id": "/talker", "cmd": "echo hello-out; echo hello-err >&2; sleep 600",
           "cpus": 0.01, "mem": 16, "instances": 1}
    requests.post(dev.url + "/v2/apps", json=app, headers=JSON, timeout=10).raise_for_status()
    task_id = running_task(dev, "talker")
    wait_for(lambda: "hello-out" in log(dev, task_id).json()["data"], 10)
    return task_id


def test_an_app_tasks_stdout_and_stderr_are_read_by_task_id(dev: Dev, talker: str) -> None:
    assert log(dev, talker).json() == {"data": "hello-out\n", "offset": 0}
    assert log(dev, talker, stream="stderr").json()["data"].endswith("hello-err\n")


def test_offset_minus_one_gives_the_size_and_offset_length_page(dev: Dev, talker: str) -> None:
    assert log(dev, talker, offset=-1).json() == {"data": "", "offset": len("hello-out\n")}
    assert log(dev, talker, offset=6, length=3).json() == {"data": "out", "offset": 6}


def test_follow_streams_what_the_task_writes_until_it_ends(dev: Dev) -> None:
    app = {"id": "/counter", "cmd": "for i in 1 2 3; do echo line-$i; sleep 0.5; done; sleep 1",
           "cpus": 0.01, "mem": 16, "instances": 1, "backoffSeconds": 600}
    requests.post(dev.url + "/v2/apps", json=app, headers=JSON, timeout=10).raise_for_status()
    task_id = running_task(dev, "counter")
    with requests.get(f"{dev.url}/dromos/tasks/{task_id}/log", params={"follow": "true"},
                      stream=True, timeout=30) as response:
        assert response.status_code == 200
        text = "".join(response.iter_content(chunk_size=None, decode_unicode=True))
    assert text == "line-1\nline-2\nline-3\n"


def test_following_a_silent_task_answers_at_once_then_streams_what_it_prints(
    dev: Dev, tmp_path: Path,
) -> None:
    go = tmp_path / "go"
    app = {"id": "/quiet", "cmd": f"while [ ! -e {go} ]; do sleep 0.1; done; echo awake; "
           "sleep 600", "cpus": 0.01, "mem": 16, "instances": 1}
    requests.post(dev.url + "/v2/apps", json=app, headers=JSON, timeout=10).raise_for_status()
    task_id = running_task(dev, "quiet")
    # A client with a read timeout gets the status line and headers while the task is silent.
    with requests.get(f"{dev.url}/dromos/tasks/{task_id}/log", params={"follow": "true"},
                      stream=True, timeout=2) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        go.touch()
        assert next(response.iter_content(chunk_size=None)) == b"awake\n"


def test_a_job_run_lists_its_task_exit_status_and_stderr_tail(dev: Dev) -> None:
    job = {"name": "grumpy", "command": "echo starting; echo it broke >&2; exit 3",
           "schedule": "R1//PT1H", "owner": "", "cpus": 0.01, "mem": 16, "retries": 0,
           "disabled": False, "epsilon": "PT1M"}
    requests.post(dev.url + "/v1/scheduler/iso8601", json=job, headers=JSON,
                  timeout=10).raise_for_status()
    requests.put(dev.url + "/v1/scheduler/job/grumpy", timeout=10).raise_for_status()

    def ended() -> dict[str, Any] | None:
        attempts = [a for run in dev.get("/v1/scheduler/job/runs/grumpy")
                    for a in run["attempts"] if a["stderrTail"] is not None]
        return attempts[0] if attempts else None

    attempt = wait_for(ended, 30, lambda: f"no ended attempt:\n{dev.log()}")
    assert attempt["exitStatus"] == 3
    assert attempt["stderrTail"].endswith("it broke\n")
    output = log(dev, attempt["taskId"]).json()
    assert output["data"].endswith("starting\n")


def test_an_unknown_task_is_a_404_with_a_message(dev: Dev) -> None:
    response = log(dev, "no-such-task")
    assert response.status_code == 404
    assert response.json() == {"message": "Task 'no-such-task' does not exist"}


def test_an_unknown_stream_is_a_400(dev: Dev, talker: str) -> None:
    response = log(dev, talker, stream="stdin")
    assert response.status_code == 400
    assert "stdout, stderr" in response.json()["message"]


def test_an_offset_past_int64_is_a_400_not_a_server_error(dev: Dev, talker: str) -> None:
    for follow in ("false", "true"):
        response = log(dev, talker, offset=str(2**64), follow=follow)
        assert response.status_code == 400
        assert "offset" in response.json()["message"]


def test_followers_that_leave_do_not_hold_the_apis_threads(dev: Dev, talker: str) -> None:
    for _ in range(20):  # more than the API's 16 threads
        with requests.get(f"{dev.url}/dromos/tasks/{talker}/log", params={"follow": "true"},
                          stream=True, timeout=10) as response:
            assert next(response.iter_content(chunk_size=None)) == b"hello-out\n"
    assert requests.get(dev.url + "/ping", timeout=5).text == "pong"
