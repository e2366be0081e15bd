"""pymesos's real MesosSchedulerDriver against localmesos (run in its own process)."""

from __future__ import annotations

from typing import Any

from tests.localmesos.clients.helpers import wait_until
from tests.localmesos.clients.pymesos_client import PymesosScheduler, pymesos_scheduler
from tests.support.localmesos import LocalMesos, processes_under


def command_task(offer: dict[str, Any], task_id: str, command: str) -> dict[str, Any]:
    return {
        "name": task_id,
        "task_id": {"value": task_id},
        "agent_id": offer["agent_id"],
        "resources": [
            {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
            {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}},
        ],
        "command": {"value": command},
    }


def launch(client: PymesosScheduler, task_id: str, command: str) -> dict[str, Any]:
    offer = client.offer()
    client.send("launch", offer_id=offer["id"], tasks=[command_task(offer, task_id, command)])
    return client.status(task_id, "TASK_RUNNING")


def test_command_task_runs_then_finishes(localmesos: LocalMesos) -> None:
    with pymesos_scheduler(localmesos.address) as client:
        framework_id = client.wait_for("registered")["framework_id"]
        running = launch(client, "p1", "sleep 0.3")
        assert running["agent_id"]["value"].endswith("-S0")
        assert client.status("p1", "TASK_FINISHED")
        [framework] = localmesos.state()["frameworks"]
        assert framework["id"] == framework_id
        wait_until(lambda: not localmesos.state()["frameworks"][0]["tasks"])  # acknowledged


def test_kill_gives_task_killed(localmesos: LocalMesos) -> None:
    with pymesos_scheduler(localmesos.address) as client:
        launch(client, "p1", "sleep 60")
        client.send("kill", task_id="p1")
        assert client.status("p1", "TASK_KILLED")
        wait_until(lambda: not processes_under(localmesos.data_dir))


def test_explicit_and_implicit_reconciliation(localmesos: LocalMesos) -> None:
    with pymesos_scheduler(localmesos.address) as client:
        launch(client, "p1", "sleep 60")
        client.send("reconcile", tasks=[{"task_id": {"value": "p1"}}])
        explicit = client.status("p1", "TASK_RUNNING")
        assert explicit["reason"] == "REASON_RECONCILIATION"
        client.send("reconcile", tasks=[])
        implicit = client.status("p1", "TASK_RUNNING")
        assert implicit["reason"] == "REASON_RECONCILIATION"


def test_failover_keeps_tasks_and_the_new_driver_can_kill_them(localmesos: LocalMesos) -> None:
    with pymesos_scheduler(localmesos.address, failover_timeout=3600) as first:
        framework_id = first.wait_for("registered")["framework_id"]
        launch(first, "p1", "sleep 60")
        first.crash()
    wait_until(lambda: not localmesos.state()["frameworks"][0]["connected"])
    framework = {"id": {"value": framework_id}, "failover_timeout": 3600}
    with pymesos_scheduler(localmesos.address, **framework) as second:
        second.wait_for("reregistered")
        second.send("reconcile", tasks=[])
        assert second.status("p1")["state"] == "TASK_RUNNING"
        second.send("kill", task_id="p1")
        assert second.status("p1", "TASK_KILLED")


def test_past_failover_timeout_tasks_are_killed(localmesos: LocalMesos) -> None:
    with pymesos_scheduler(localmesos.address, failover_timeout=0.5) as client:
        framework_id = client.wait_for("registered")["framework_id"]
        launch(client, "p1", "sleep 60")
        client.crash()
    wait_until(lambda: localmesos.state()["completed_frameworks"])
    wait_until(lambda: not processes_under(localmesos.data_dir))
    with pymesos_scheduler(localmesos.address, id={"value": framework_id}) as again:
        assert again.wait_for("error")["message"] == "Framework has been removed"


def test_stop_without_failover_tears_the_framework_down(localmesos: LocalMesos) -> None:
    with pymesos_scheduler(localmesos.address, failover_timeout=3600) as client:
        launch(client, "p1", "sleep 60")
        client.send("stop", failover=False)
        client.wait_for("stopped")
    wait_until(lambda: localmesos.state()["completed_frameworks"])
    wait_until(lambda: not processes_under(localmesos.data_dir))
