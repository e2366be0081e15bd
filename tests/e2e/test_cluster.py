"""Placement and agent loss on `dromos dev --agents 3`: three agent processes, hosts
127.0.0.1-3 in racks r1-r3, unreachable after four unanswered pings half a second apart."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.dev import Dev, running_dev, wait_for
from tests.support.marathon_client import MarathonApp, MarathonClient

pytestmark = pytest.mark.e2e

SLEEPER = "sleep 600"
HOSTS = {"127.0.0.1", "127.0.0.2", "127.0.0.3"}


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    # Agents are declared lost after 5 s without an answer: short enough for the loss tests,
    # long enough that a loaded machine (two CPUs running the suite) does not lose them.
    # A failed job run is retried after a second: a retry that should not happen shows.
    options = ("--agents", "3", "--agent-ping-timeout", "1", "--max-agent-ping-timeouts", "5",
               "--job-retry-delay", "1")
    with running_dev(tmp_path_factory.mktemp("cluster"), *options) as running:
        yield running  # all three agents have registered


@pytest.fixture(scope="module")
def client(dev: Dev) -> MarathonClient:
    return MarathonClient(dev.url)


def agents(dev: Dev) -> list[dict]:
    slaves: list[dict] = requests.get(dev.mesos_url + "/master/slaves", timeout=5).json()["slaves"]
    return slaves


def running_hosts(client: MarathonClient, app_id: str) -> list[str]:
    return sorted(t.host for t in client.list_tasks(app_id) if t.state == "TASK_RUNNING")


def wait_hosts(client: MarathonClient, app_id: str, count: int, timeout_s: float = 30) -> list:
    return wait_for(
        lambda: (h if len(h := running_hosts(client, app_id)) == count else None), timeout_s,
        lambda: f"{app_id}: wanted {count} running, have {client.list_tasks(app_id)}",
    )


def waiting_reasons(dev: Dev, app_id: str, count: int) -> list[str] | None:
    """Why the app's `count` queued instances wait, once the queue says so."""
    queue = requests.get(dev.url + "/v2/queue", timeout=5).json()["queue"]
    items = [q for q in queue if q["app"]["id"] == app_id]
    if not items or items[0]["count"] != count:
        return None
    waiting = items[0]["processedOffersSummary"]["waitingReasons"]
    return [w["reason"] for w in waiting] or None


def test_unique_hostname_puts_one_instance_on_each_agent_and_a_fourth_waits(
    dev: Dev, client: MarathonClient
) -> None:
    client.create_app("unique", MarathonApp(
        cmd=SLEEPER, cpus=0.01, mem=16, instances=3, constraints=[["hostname", "UNIQUE"]],
    ))
    assert set(wait_hosts(client, "/unique", 3)) == HOSTS

    client.scale_app("/unique", instances=4)

    # Before the first offer after the scale-up, the 4th waits "for an offer"; then the
    # offers say why none of them takes it.
    found = wait_for(
        lambda: (r if (r := waiting_reasons(dev, "/unique", 1)) and all("UNIQUE" in x for x in r)
                 else None), 20,
        lambda: f"the 4th /unique never waited on UNIQUE: {waiting_reasons(dev, '/unique', 1)}",
    )  # fmt: skip
    assert all("UNIQUE" in r for r in found), found
    assert set(running_hosts(client, "/unique")) == HOSTS
    client.delete_app("/unique", force=True)
    wait_for(lambda: all(t.app_id != "/unique" for t in client.list_tasks()), 20)


def test_like_and_max_per_hold_across_agents(dev: Dev, client: MarathonClient) -> None:
    client.create_app("picky", MarathonApp(
        cmd=SLEEPER, cpus=0.01, mem=16, instances=3,
        constraints=[["rack", "LIKE", "r[12]"], ["hostname", "MAX_PER", "1"]],
    ))
    assert wait_hosts(client, "/picky", 2) == ["127.0.0.1", "127.0.0.2"]
    wait_for(lambda: waiting_reasons(dev, "/picky", 1), 15, "the 3rd /picky never waited")
    assert running_hosts(client, "/picky") == ["127.0.0.1", "127.0.0.2"]
    client.delete_app("/picky", force=True)
    wait_for(lambda: all(t.app_id != "/picky" for t in client.list_tasks()), 20)


def test_cluster_and_is_pin_instances_to_a_rack_and_unlike_keeps_them_off_a_host(
    dev: Dev, client: MarathonClient
) -> None:
    pinned = {"clustered": ["rack", "CLUSTER", "r2"], "is": ["rack", "IS", "r3"],
              "unlike": ["hostname", "UNLIKE", r"127\.0\.0\.1"]}
    for name, constraint in pinned.items():
        client.create_app(name, MarathonApp(
            cmd=SLEEPER, cpus=0.01, mem=16, instances=3, constraints=[constraint],
        ))
    assert wait_hosts(client, "/clustered", 3) == ["127.0.0.2"] * 3
    assert wait_hosts(client, "/is", 3) == ["127.0.0.3"] * 3
    assert set(wait_hosts(client, "/unlike", 3)) <= {"127.0.0.2", "127.0.0.3"}
    for name in pinned:
        client.delete_app(f"/{name}", force=True)
    wait_for(lambda: all(t.app_id.strip("/") not in pinned for t in client.list_tasks()), 20)


def test_an_instance_no_agent_fits_waits_with_the_reason(dev: Dev, client: MarathonClient) -> None:
    client.create_app("nowhere", MarathonApp(
        cmd=SLEEPER, cpus=0.01, mem=16, instances=1, constraints=[["rack", "IS", "r9"]],
    ))
    [reason] = wait_for(
        lambda: (r if (r := waiting_reasons(dev, "/nowhere", 1)) and "IS" in r[0] else None),
        20, lambda: f"/nowhere never waited on IS: {waiting_reasons(dev, '/nowhere', 1)}",
    )  # fmt: skip
    assert reason.startswith("UnfulfilledConstraint: rack IS r9 (agent has r"), reason
    assert running_hosts(client, "/nowhere") == []
    client.delete_app("/nowhere", force=True)


def test_group_by_rack_spreads_evenly_and_a_killed_agents_task_is_replaced(
    dev: Dev, client: MarathonClient
) -> None:
    client.create_app("racks", MarathonApp(
        cmd=SLEEPER, cpus=0.01, mem=16, instances=6, constraints=[["rack", "GROUP_BY"]],
    ))
    hosts = wait_hosts(client, "/racks", 6)
    assert Counter(hosts) == {"127.0.0.1": 2, "127.0.0.2": 2, "127.0.0.3": 2}

    dev.signal_agent(2, signal.SIGKILL)
    replaced = wait_for(
        lambda: (h if len(h := running_hosts(client, "/racks")) == 6 and "127.0.0.2" not in h
                 else None), 30,
        lambda: f"not replaced: {client.list_tasks('/racks')}",
    )  # fmt: skip
    assert set(replaced) == {"127.0.0.1", "127.0.0.3"}
    assert len(agents(dev)) == 2
    client.delete_app("/racks", force=True)


def mesos_running(dev: Dev, prefix: str) -> list[str]:
    """Tasks Mesos itself reports running, whatever Dromos thinks."""
    state = requests.get(dev.mesos_url + "/master/state", timeout=5).json()
    return [t["id"] for f in state["frameworks"] for t in f["tasks"]
            if t["state"] == "TASK_RUNNING" and t["id"].startswith(prefix)]  # fmt: skip


def test_a_paused_agent_coming_back_leaves_no_surplus(dev: Dev, client: MarathonClient) -> None:
    # Agent 2 was killed above: agents 1 and 3 remain.
    client.create_app("paused", MarathonApp(
        cmd=SLEEPER, cpus=0.01, mem=16, instances=2, constraints=[["hostname", "UNIQUE"]],
    ))
    assert set(wait_hosts(client, "/paused", 2)) == {"127.0.0.1", "127.0.0.3"}
    dev.signal_agent(3, signal.SIGSTOP)
    try:
        wait_for(lambda: running_hosts(client, "/paused") == ["127.0.0.1"], 30,
                 lambda: f"never lost: {client.list_tasks('/paused')}")  # fmt: skip
    finally:
        dev.signal_agent(3, signal.SIGCONT)
    assert set(wait_hosts(client, "/paused", 2)) == {"127.0.0.1", "127.0.0.3"}
    wait_for(lambda: len(mesos_running(dev, "paused.")) == 2, 30,
             lambda: f"surplus: {mesos_running(dev, 'paused.')}")  # fmt: skip
    for _ in range(20):
        assert len(mesos_running(dev, "paused.")) <= 2
    client.delete_app("/paused", force=True)


def job_tasks(dev: Dev, name: str) -> dict[str, str]:
    """Every task of the job Mesos knows (running, unreachable or completed): its state."""
    state = requests.get(dev.mesos_url + "/master/state", timeout=5).json()
    return {t["id"]: t["state"] for f in state["frameworks"]
            for key in ("tasks", "unreachable_tasks", "completed_tasks")
            for t in f.get(key, []) if t["id"].split(":")[3:4] == [name]}  # fmt: skip


def job_runs(dev: Dev, name: str) -> list[dict]:
    runs: list[dict] = dev.get(f"/v1/scheduler/job/runs/{name}")
    return runs


def test_a_job_run_on_a_paused_agent_is_neither_lost_nor_run_twice(
    dev: Dev, tmp_path: Path
) -> None:
    # Agent 2 was killed above: agents 1 and 3 remain, either can take the run.
    stamps = tmp_path / "stamps"
    job = {"name": "patient", "command": f"sleep 8; echo $CHRONOS_JOB_RUN_ATTEMPT >> {stamps}",
           "owner": "", "cpus": 0.01, "mem": 16, "epsilon": "PT30S", "retries": 2,
           "schedule": "R/2100-01-01T00:00:00Z/P1D"}
    requests.post(dev.url + "/v1/scheduler/iso8601", json=job, timeout=10).raise_for_status()
    requests.put(dev.url + "/v1/scheduler/job/patient", timeout=10).raise_for_status()
    [task] = wait_for(
        lambda: [t for t, s in job_tasks(dev, "patient").items() if s == "TASK_RUNNING"] or None,
        30, lambda: f"the run never ran: {job_runs(dev, 'patient')}",
    )  # fmt: skip
    [attempt] = job_runs(dev, "patient")[0]["attempts"]
    agent = int(attempt["host"].rsplit(".", 1)[1])  # 127.0.0.N is agent N
    dev.signal_agent(agent, signal.SIGSTOP)
    try:
        wait_for(lambda: job_runs(dev, "patient")[0]["attempts"][-1]["state"]
                 == "TASK_UNREACHABLE", 30,
                 lambda: f"never unreachable: {job_runs(dev, 'patient')}")  # fmt: skip
        # Well past the retry delay, the run still waits for its agent: no second copy.
        watch_until = time.monotonic() + 5
        while time.monotonic() < watch_until:
            assert list(job_tasks(dev, "patient")) == [task]
            [run] = job_runs(dev, "patient")
            assert (run["status"], len(run["attempts"])) == ("running", 1), run
    finally:
        dev.signal_agent(agent, signal.SIGCONT)

    wait_for(lambda: job_runs(dev, "patient")[0]["status"] == "ok", 60,
             lambda: f"the run never ended well: {job_runs(dev, 'patient')}")  # fmt: skip
    assert job_tasks(dev, "patient") == {task: "TASK_FINISHED"}
    assert stamps.read_text().split() == ["0"]  # the command ran once, as attempt 0
    [found] = [j for j in dev.get("/v1/scheduler/jobs") if j["name"] == "patient"]
    assert (found["successCount"], found["errorCount"]) == (1, 0)
    requests.delete(dev.url + "/v1/scheduler/job/patient", timeout=10)


def task_states(dev: Dev, app_id: str) -> dict[str, str]:
    tasks = dev.get(f"/v2/apps{app_id}/tasks")["tasks"]
    return {t["id"]: t["state"] for t in tasks}


def test_an_inactive_instance_is_listed_until_it_is_back_and_then_the_surplus_goes(
    dev: Dev, client: MarathonClient
) -> None:
    app = {"id": "/kept", "cmd": SLEEPER, "cpus": 0.01, "mem": 16, "instances": 1,
           "unreachableStrategy": {"inactiveAfterSeconds": 1, "expungeAfterSeconds": 3600}}
    requests.post(dev.url + "/v2/apps", json=app, timeout=10).raise_for_status()
    [host] = wait_hosts(client, "/kept", 1)
    [old] = task_states(dev, "/kept")
    agent = int(host.rsplit(".", 1)[1])
    dev.signal_agent(agent, signal.SIGSTOP)
    try:
        # Replaced after inactiveAfter, and still listed as Marathon lists it.
        wait_for(lambda: sorted(task_states(dev, "/kept").values())
                 == ["TASK_RUNNING", "TASK_UNREACHABLE"], 40,
                 lambda: f"not replaced: {task_states(dev, '/kept')}")  # fmt: skip
        assert task_states(dev, "/kept")[old] == "TASK_UNREACHABLE"
    finally:
        dev.signal_agent(agent, signal.SIGCONT)
    # Back before expungeAfter: two run for one instance, the younger (the replacement) goes.
    wait_for(lambda: task_states(dev, "/kept") == {old: "TASK_RUNNING"}, 40,
             lambda: f"surplus left: {task_states(dev, '/kept')}")  # fmt: skip
    wait_for(lambda: mesos_running(dev, "kept.") == [old], 30,
             lambda: f"Mesos runs {mesos_running(dev, 'kept.')}")  # fmt: skip
    client.delete_app("/kept", force=True)
