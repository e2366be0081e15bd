"""mesoshttp 0.4.2, an independent v1 client, against localmesos."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from mesoshttp.client import MesosClient

from tests.localmesos.clients.inbox import Event, Inbox
from tests.support.localmesos import LocalMesos

# mesoshttp logs with the deprecated Logger.warn.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class MesoshttpFramework:
    """A MesosClient on its own thread, its callbacks recorded in an inbox."""

    def __init__(self, url: str) -> None:
        self.client = MesosClient(mesos_urls=[url], frameworkName="mesoshttp-test")
        self.client.set_failover_timeout(60)
        self.inbox = Inbox()
        self.driver: Any = None
        self.client.on(MesosClient.SUBSCRIBED, self._subscribed)
        self.client.on(MesosClient.OFFERS, lambda offers: self.inbox.put({"offers": offers}))
        self.client.on(MesosClient.UPDATE, lambda update: self.inbox.put(update))
        self.thread = threading.Thread(target=self.client.register, daemon=True)
        self.thread.start()

    def _subscribed(self, driver: Any) -> None:
        self.driver = driver
        self.inbox.put({"subscribed": True})

    def status(self, task_id: str, state: str) -> Event:
        return self.inbox.wait_for(
            lambda e: (
                "status" in e
                and e["status"]["task_id"]["value"] == task_id
                and e["status"]["state"] == state
            )
        )["status"]

    def stop(self) -> None:
        self.client.tearDown()
        if self.driver is not None:
            self.driver.tearDown()
        self.thread.join(10)


@pytest.fixture
def framework(localmesos: LocalMesos) -> Iterator[MesoshttpFramework]:
    framework = MesoshttpFramework(localmesos.url)
    framework.inbox.wait_for(lambda e: "subscribed" in e)
    yield framework
    framework.stop()


def launch(framework: MesoshttpFramework, task_id: str, command: str) -> None:
    [offer] = framework.inbox.wait_for(lambda e: "offers" in e)["offers"]
    task = {
        "name": task_id,
        "task_id": {"value": task_id},
        "resources": [
            {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
            {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}},
        ],
        "command": {"value": command},
    }  # no agent_id: mesoshttp adds its `slave_id` spelling
    offer.accept([task], {"filters": {"refuse_seconds": 0}})


def test_command_task_runs_then_finishes(framework: MesoshttpFramework) -> None:
    launch(framework, "m1", "sleep 0.3")
    running = framework.status("m1", "TASK_RUNNING")
    assert running["agent_id"]["value"].endswith("-S0")
    assert framework.status("m1", "TASK_FINISHED")


def test_kill_and_reconcile(framework: MesoshttpFramework) -> None:
    launch(framework, "m1", "sleep 60")
    running = framework.status("m1", "TASK_RUNNING")
    framework.driver.reconcile([{"task_id": {"value": "m1"}}])
    reconciled = framework.inbox.wait_for(
        lambda e: e.get("status", {}).get("reason") == "REASON_RECONCILIATION"
    )
    assert reconciled["status"]["state"] == "TASK_RUNNING"
    framework.driver.kill(running["agent_id"]["value"], "m1")
    assert framework.status("m1", "TASK_KILLED")
