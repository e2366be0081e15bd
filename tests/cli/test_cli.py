"""The `dromos` client commands against a real `dromos dev`, as a user sees them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner, Result

from scheduler.process.cli import main
from tests.support.dev import Dev, running_dev, wait_for

pytestmark = pytest.mark.e2e

HEALTHY = {"protocol": "COMMAND", "command": {"value": "true"}, "gracePeriodSeconds": 5,
           "intervalSeconds": 1, "delaySeconds": 0}


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    with running_dev(tmp_path_factory.mktemp("dev")) as running:
        yield running


def dromos(dev: Dev, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--url", dev.url])


def definition(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / f"{data.get('name') or data['id'].strip('/')}.json"
    path.write_text(json.dumps(data))
    return str(path)


def app(app_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": app_id, "cmd": "echo hello from $MESOS_TASK_ID; sleep 600", "cpus": 0.01,
            "mem": 16, "instances": 2, "healthChecks": [HEALTHY], **fields}


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == "dromos, version 0.1.0\n"


def test_app_add_wait_shows_progress_and_ends_when_healthy(dev: Dev, tmp_path: Path) -> None:
    result = dromos(dev, "app", "add", definition(tmp_path, app("/web")), "--wait")
    assert result.exit_code == 0, result.output
    assert "created /web (deployment " in result.output
    assert "step 2/2: ScaleApplication /web" in result.output
    assert "/web" in result.output and "2/2 healthy" in result.output
    assert "finished" in result.output.splitlines()[-1]
    listed = dromos(dev, "app", "list")
    [row] = [line.split() for line in listed.output.splitlines() if line.startswith("/web")]
    assert row[:3] == ["/web", "2/2", "2"]


def test_a_deployment_that_cannot_place_times_out_saying_why(dev: Dev, tmp_path: Path) -> None:
    huge = app("/huge", cpus=1000, instances=1, healthChecks=[])
    result = dromos(dev, "app", "add", definition(tmp_path, huge), "--wait", "--timeout", "2")
    assert result.exit_code == 1
    last = result.output.splitlines()[-1]
    assert "timed out after 2s" in last
    assert "InsufficientCpus: needs 1000.0" in last
    queue = dromos(dev, "queue", "list")
    assert "/huge" in queue.output and "InsufficientCpus" in queue.output
    assert dromos(dev, "app", "delete", "/huge").exit_code == 0


def test_a_cancelled_deployment_fails_the_watch(dev: Dev, tmp_path: Path) -> None:
    answer = requests.post(dev.url + "/v2/apps", json=app("/stuck", cpus=1000, instances=1),
                           timeout=10).json()
    deployment_id = answer["deployments"][0]["id"]
    watcher = subprocess.Popen(
        [sys.executable, "-m", "scheduler.process.cli", "deployment", "watch", deployment_id,
         "--url", dev.url], stdout=subprocess.PIPE, text=True)
    assert watcher.stdout is not None
    assert "step 2/2" in watcher.stdout.readline()
    requests.delete(f"{dev.url}/v2/deployments/{deployment_id}", timeout=10).raise_for_status()
    assert watcher.wait(30) == 1
    assert f"deployment {deployment_id} ended short of its target" in watcher.stdout.read()


def test_restart_scale_and_rollback_are_followed_to_the_end(dev: Dev, tmp_path: Path) -> None:
    assert dromos(dev, "app", "add", definition(tmp_path, app("/api")), "--wait").exit_code == 0
    restarted = dromos(dev, "app", "restart", "/api", "--wait")
    assert restarted.exit_code == 0, restarted.output
    assert "RestartApplication /api" in restarted.output
    scaled = dromos(dev, "app", "scale", "/api", "1", "--wait")
    assert scaled.exit_code == 0, scaled.output
    assert dev.get("/v2/apps/api")["app"]["instances"] == 1
    rolled = dromos(dev, "app", "rollback", "/api", "--wait")
    assert rolled.exit_code == 0, rolled.output
    assert "rolling /api back to" in rolled.output
    assert dev.get("/v2/apps/api")["app"]["instances"] == 2


def test_task_list_logs_and_kill(dev: Dev, tmp_path: Path) -> None:
    dromos(dev, "app", "add", definition(tmp_path, app("/echo", instances=1)), "--wait")
    listed = json.loads(dromos(dev, "task", "list", "--app", "/echo", "-o", "json").output)
    [task_id] = [t["id"] for t in listed]
    assert dromos(dev, "task", "logs", task_id).output == f"hello from {task_id}\n"
    killed = dromos(dev, "task", "kill", task_id)
    assert killed.output == "killing 1 task(s)\n"
    wait_for(lambda: task_id not in dromos(dev, "task", "list").output, 20)


def test_an_invalid_app_file_shows_the_apis_field_errors(dev: Dev, tmp_path: Path) -> None:
    result = dromos(dev, "app", "add", definition(tmp_path, app("/bad", cpus=-1)))
    assert result.exit_code == 1
    assert "HTTP 422: Object is not valid" in result.output
    assert "/cpus:" in result.output


def test_nothing_listening_is_said_plainly() -> None:
    result = CliRunner().invoke(main, ["app", "list", "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot reach Dromos at http://127.0.0.1:9" in result.output


def test_jobs_run_now_list_their_runs_and_graph(dev: Dev, tmp_path: Path) -> None:
    parent = {"name": "extract", "command": "echo extracting; echo no input >&2; exit 5",
              "schedule": "R/2030-01-01T00:00:00Z/PT24H", "owner": "", "cpus": 0.01,
              "mem": 16, "retries": 0, "epsilon": "PT1M"}
    child = {"name": "load", "command": "echo loading", "parents": ["extract"], "owner": "",
             "cpus": 0.01, "mem": 16}
    assert dromos(dev, "job", "add", definition(tmp_path, parent)).exit_code == 0
    assert dromos(dev, "job", "add", definition(tmp_path, child)).exit_code == 0
    assert dromos(dev, "job", "run", "extract").output == "started a run of extract\n"

    def failed_run() -> list[str] | None:
        rows = [line.split() for line in dromos(dev, "job", "runs", "extract").output
                .splitlines()[1:]]
        return rows[0] if rows and rows[0][-1] == "input" else None

    row = wait_for(failed_run, 30)
    assert row[1:3] == ["manual", "failed"]
    assert row[-3:] == ["5", "no", "input"]
    graph = dromos(dev, "job", "graph").output.splitlines()
    assert graph[0].split() == ["JOB", "LAST", "STATE", "TRIGGERS"]
    assert graph[1].split() == ["extract", "failure", "idle", "load"]
    jobs = dromos(dev, "job", "list").output
    assert "after extract" in jobs


def test_task_logs_follow_prints_until_the_task_ends(dev: Dev, tmp_path: Path) -> None:
    counter = app("/counter", instances=1, healthChecks=[], backoffSeconds=600,
                  cmd="for i in 1 2 3; do echo tick-$i; sleep 0.4; done")
    dromos(dev, "app", "add", definition(tmp_path, counter))

    def task_id() -> str | None:
        tasks = json.loads(dromos(dev, "task", "list", "--app", "/counter", "-o", "json").output)
        return tasks[0]["id"] if tasks and tasks[0]["state"] == "TASK_RUNNING" else None

    followed = dromos(dev, "task", "logs", "-f", wait_for(task_id, 20))
    assert followed.exit_code == 0
    assert followed.output == "tick-1\ntick-2\ntick-3\n"


def test_a_restart_counts_only_new_instances_as_ready(dev: Dev, tmp_path: Path) -> None:
    # Healthy once a task made its mark; after `frozen` exists no new task makes one, so the
    # restart's new instances never get healthy while the old ones stay healthy.
    marks = tmp_path / "marks"
    marks.mkdir()
    check = {**HEALTHY, "command": {"value": f"test -e {marks}/$MESOS_TASK_ID"},
             "gracePeriodSeconds": 60, "maxConsecutiveFailures": 0}
    frozen = app("/frozen", healthChecks=[check],
                 cmd=f"test -e {marks}/frozen || touch {marks}/$MESOS_TASK_ID; sleep 600")
    assert dromos(dev, "app", "add", definition(tmp_path, frozen), "--wait").exit_code == 0
    (marks / "frozen").touch()
    restarted = dromos(dev, "app", "restart", "/frozen", "--wait", "--timeout", "4")
    assert restarted.exit_code == 1
    assert "0/2 healthy" in restarted.output
    assert "0 of 2 new instances ready" in restarted.output.splitlines()[-1]
    assert dev.get("/v2/apps/frozen")["app"]["tasksHealthy"] == 2  # the old ones, still up
    dromos(dev, "app", "delete", "/frozen")


def test_a_write_without_wait_prints_how_to_follow_it(dev: Dev, tmp_path: Path) -> None:
    result = dromos(dev, "app", "add", definition(tmp_path, app("/later", instances=1)))
    deployment_id = result.output.split("(deployment ")[1].split(")")[0]
    assert result.output.splitlines()[-1] == (
        f"follow it: dromos deployment watch {deployment_id} --url {dev.url}")
    watched = dromos(dev, "deployment", "watch", deployment_id)
    assert watched.exit_code == 0, watched.output


def test_task_logs_take_an_id_prefix_or_an_app_id(dev: Dev, tmp_path: Path) -> None:
    dromos(dev, "app", "add", definition(tmp_path, app("/pair")), "--wait")
    ids = sorted(t["id"] for t in dev.get("/v2/apps/pair/tasks")["tasks"])
    unique = ids[0][:len("pair.instance-") + 8]
    assert dromos(dev, "task", "logs", unique).output == f"hello from {ids[0]}\n"
    by_app = CliRunner().invoke(main, ["task", "logs", "/pair", "--url", dev.url])
    assert by_app.stdout.startswith("hello from pair.instance-")
    assert "/pair has 2 running tasks: showing" in by_app.stderr
    ambiguous = dromos(dev, "task", "logs", "pair.inst")
    assert ambiguous.exit_code == 1
    assert "'pair.inst' is the start of 2 task ids" in ambiguous.output
    assert all(task_id in ambiguous.output for task_id in ids)
