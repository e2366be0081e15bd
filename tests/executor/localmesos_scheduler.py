"""A pymesos framework for the executor's end-to-end test; prints each status update as JSON.

Usage: python localmesos_scheduler.py HOST:PORT. On the first offer it launches a command task
(run by the Dromos executor in single-task mode) and a task on the Dromos executor as a custom
executor with a COMMAND health check; it kills the second once healthy, and exits when both
tasks are terminal.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from typing import Any

from pymesos import MesosSchedulerDriver, Scheduler

TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR"}
RESOURCES = [
    {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
    {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}},
]


def tasks(agent_id: dict[str, str]) -> list[dict[str, Any]]:
    served = {"value": "sleep 30", "shell": True}
    health = {
        "type": "COMMAND",
        "command": {"value": "true"},
        "delay_seconds": 0,
        "interval_seconds": 0.2,
        "grace_period_seconds": 0,
    }
    return [
        {
            "name": "cmd",
            "task_id": {"value": "cmd"},
            "agent_id": agent_id,
            "resources": RESOURCES,
            "command": {"value": "echo via-command-executor"},
        },
        {
            "name": "custom",
            "task_id": {"value": "custom"},
            "agent_id": agent_id,
            "resources": RESOURCES,
            "executor": {
                "type": "CUSTOM",
                "executor_id": {"value": "dromos-executor"},
                "command": {"value": f"{sys.executable} -m executor"},
            },
            "data": base64.b64encode(json.dumps(served).encode()).decode(),
            "health_check": health,
            "kill_policy": {"grace_period": {"nanoseconds": 500_000_000}},
        },
    ]


class EndToEnd(Scheduler):
    def __init__(self) -> None:
        self.launched = False
        self.done: set[str] = set()
        self.finished = threading.Event()

    def resourceOffers(self, driver: Any, offers: list[dict[str, Any]]) -> None:
        for offer in offers:
            if self.launched:
                driver.declineOffer(offer["id"])
                continue
            self.launched = True
            driver.launchTasks(offer["id"], tasks(offer["agent_id"]))

    def statusUpdate(self, driver: Any, status: dict[str, Any]) -> None:
        task_id = status["task_id"]["value"]
        fields = ("state", "healthy", "message", "reason", "source")
        print(json.dumps({"task": task_id, **{k: status.get(k) for k in fields}}), flush=True)
        if task_id == "custom" and status.get("healthy") is True:
            driver.killTask({"value": "custom"})
        if status["state"] in TERMINAL:
            self.done.add(task_id)
        if self.done == {"cmd", "custom"}:
            self.finished.set()


def main() -> None:
    scheduler = EndToEnd()
    framework = {
        "user": "",
        "name": "executor-e2e",
        "capabilities": [{"type": "TASK_KILLING_STATE"}],
    }
    driver = MesosSchedulerDriver(scheduler, framework, sys.argv[1])
    driver.start()
    finished = scheduler.finished.wait(60)
    driver.stop()
    driver.join()
    sys.exit(0 if finished else 1)


if __name__ == "__main__":
    main()
