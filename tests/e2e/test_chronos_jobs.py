"""Chronos jobs end to end: the chronos-python client against a real `dromos dev`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from chronos.timefmt import format_instant
from tests.e2e.chronos_client import ChronosClient, ChronosClientError
from tests.support.dev import Dev, running_dev, wait_for

pytestmark = pytest.mark.e2e

STAMP = 'echo "$CHRONOS_JOB_NAME $CHRONOS_JOB_RUN_TIME $CHRONOS_JOB_RUN_ATTEMPT" >> {file}'


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    with running_dev(tmp_path_factory.mktemp("dev"), "--job-retry-delay", "0.5") as running:
        yield running


@pytest.fixture(scope="module")
def client(dev: Dev) -> ChronosClient:
    return ChronosClient(dev.url)


@pytest.fixture
def stamps(tmp_path: Path) -> Path:
    return tmp_path / "stamps"


def soon(seconds: float) -> str:
    return format_instant(datetime.now(UTC) + timedelta(seconds=seconds))


def job(name: str, stamps: Path, **fields: Any) -> dict[str, Any]:
    return {"name": name, "command": STAMP.format(file=stamps), "owner": "", "disabled": False,
            "cpus": 0.01, "mem": 16, "epsilon": "PT30S", **fields}


def stamped(stamps: Path, name: str | None = None) -> list[tuple[str, int, int]]:
    """(job, due millis, attempt) of every run that started, in start order."""
    if not stamps.exists():
        return []
    lines = [line.split() for line in stamps.read_text().splitlines() if line.strip()]
    runs = [(n, int(due), int(attempt)) for n, due, attempt in lines]
    return [run for run in runs if name is None or run[0] == name]


def listed(client: ChronosClient, name: str) -> dict[str, Any]:
    [found] = [j for j in client.list() if j["name"] == name]
    return found


def test_a_repeating_job_runs_each_of_its_slots_once(client: ChronosClient, stamps: Path) -> None:
    start = soon(2)
    client.add(job("repeat", stamps, schedule=f"R3/{start}/PT1S"))
    runs = wait_for(lambda: (r if len(r := stamped(stamps)) >= 3 else None), 15)
    first = int(datetime.fromisoformat(start).timestamp() * 1000)
    assert runs == [("repeat", first + k * 1000, 0) for k in range(3)]
    wait_for(lambda: listed(client, "repeat")["successCount"] == 3, 10)
    after = listed(client, "repeat")
    assert after["schedule"].startswith("R0/") and after["disabled"] is True


def test_each_run_is_its_own_command_task_started_at_its_slot(
    dev: Dev, client: ChronosClient, tmp_path: Path
) -> None:
    started = tmp_path / "started"
    start = soon(3)
    # Concurrent, so each run is launched its lead ahead of its slot, whatever the other does.
    client.add(job("own", tmp_path, schedule=f"R2/{start}/PT1S", concurrent=True,
                   command=f"date +%s.%N >> {started}; echo run $CHRONOS_JOB_RUN_TIME"))
    wait_for(lambda: started.exists() and len(started.read_text().split()) == 2, 15)
    wait_for(lambda: listed(client, "own")["successCount"] == 2, 10)
    runs = sorted(dev.get("/v1/scheduler/job/runs/own"), key=lambda run: run["dueMillis"])
    stamps = sorted(float(stamp) for stamp in started.read_text().split())
    lateness = [stamp - run["dueMillis"] / 1000 for stamp, run in zip(stamps, runs, strict=True)]
    # Launched ahead of the slot, the command waited in its task and started at the slot.
    assert all(0 <= late < 0.5 for late in lateness), (lateness, runs)
    [agent] = requests.get(dev.mesos_url + "/state", timeout=5).json()["slaves"]
    agent_state = requests.get(f"http://{agent['pid'].split('@')[1]}/state", timeout=5).json()
    executors = {e["id"]: e for f in agent_state["completed_frameworks"] + agent_state["frameworks"]
                 for e in f["executors"] + f["completed_executors"]}
    for run in runs:
        [attempt] = run["attempts"]
        # Mesos's command executor names a task's executor after the task: a container each.
        sandbox = Path(executors[attempt["taskId"]]["directory"])
        assert (sandbox / "stdout").read_text().endswith(f"run {run['dueMillis']}\n")


def test_a_dependent_job_runs_after_its_parent(client: ChronosClient, stamps: Path) -> None:
    # The child must exist before the parent's run ends: each add is a client process, a
    # second or more on a loaded machine, so the parent's slot leaves room for both.
    client.add(job("parent", stamps, schedule=f"R1/{soon(6)}/PT1H"))
    client.add(job("child", stamps, parents=["parent"]))
    runs = wait_for(lambda: (r if len(r := stamped(stamps)) >= 2 else None), 15)
    assert [name for name, _, _ in runs] == ["parent", "child"]
    graph = client.scheduler_graph()
    assert "link,parent,child" in graph.splitlines()


def test_a_job_started_in_2012_runs_now_then_on_its_grid(
    client: ChronosClient, stamps: Path
) -> None:
    added = datetime.now(UTC)
    client.add(job("sample", stamps, schedule="R3/2012-10-01T05:52:00Z/PT2S"))
    runs = wait_for(lambda: (r if len(r := stamped(stamps)) >= 3 else None), 20)
    dues = [datetime.fromtimestamp(due / 1000, UTC) for _, due, _ in runs]
    assert added - timedelta(seconds=1) <= dues[0] <= added + timedelta(seconds=10)
    assert (dues[2] - dues[1]).total_seconds() == 2.0  # the grid from 2012, 2 s apart
    wait_for(lambda: listed(client, "sample")["disabled"] is True, 10)


def test_a_manual_run_starts_now(client: ChronosClient, stamps: Path) -> None:
    client.add(job("by_hand", stamps, schedule=f"R/{soon(3600)}/P1D"))
    client.run("by_hand")
    wait_for(lambda: stamped(stamps, "by_hand"), 10)
    wait_for(lambda: listed(client, "by_hand")["successCount"] == 1, 10)


def test_a_failing_job_is_retried_and_counted(client: ChronosClient, stamps: Path) -> None:
    failing = job("failing", stamps, schedule=f"R1/{soon(1)}/PT1H", retries=1)
    failing["command"] += "; exit 3"
    client.add(failing)
    wait_for(lambda: listed(client, "failing")["errorCount"] == 1, 15)
    assert [attempt for _, _, attempt in stamped(stamps, "failing")] == [0, 1]
    found = listed(client, "failing")
    assert (found["errorsSinceLastSuccess"], found["successCount"]) == (1, 0)
    assert found["lastError"] != ""
    history = client.job_stat("failing")["taskStatHistory"]
    assert [h["status"] for h in history] == ["TASK_FAILED", "TASK_FAILED"]


def test_stats_follow_finished_runs(client: ChronosClient, stamps: Path) -> None:
    slow = job("timed", stamps, schedule=f"R/{soon(3600)}/P1D")
    slow["command"] += "; sleep 1"
    client.add(slow)
    client.run("timed")
    wait_for(lambda: listed(client, "timed")["successCount"] == 1, 10)
    stat = client.job_stat("timed")
    assert stat["histogram"]["count"] == 1 and stat["histogram"]["median"] >= 900
    assert "timed" in [s["jobNameLabel"] for s in client.scheduler_stat_99th()]


def test_search_and_delete(client: ChronosClient, stamps: Path) -> None:
    client.add(job("find-me", stamps, schedule=f"R/{soon(3600)}/P1D"))
    assert [j["name"] for j in client.search("FIND")] == ["find-me"]
    client.delete("find-me")
    assert "find-me" not in [j["name"] for j in client.list()]
    with pytest.raises(ChronosClientError):
        client.delete("find-me")
