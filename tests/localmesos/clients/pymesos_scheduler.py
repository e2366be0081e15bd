"""A pymesos MesosSchedulerDriver run as a separate process, steered over stdin/stdout.

    python pymesos_scheduler.py HOST:PORT '<FrameworkInfo JSON>'

Each driver callback prints one JSON line ({"event": "status", ...}); each JSON line on
stdin is a command ({"op": "launch", "offer_id": ..., "tasks": [...]}, "kill", "decline",
"reconcile", "revive", "suppress", "message", "stop"). pymesos installs a SIGINT handler
and interrupts the main thread when its IO thread dies, so it gets a process of its own.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from pymesos import MesosSchedulerDriver, Scheduler

_print_lock = threading.Lock()


def emit(event: str, **fields: Any) -> None:
    with _print_lock:
        print(json.dumps({"event": event, **fields}), flush=True)


class Recorder(Scheduler):
    def registered(self, driver: Any, framework_id: dict, master_info: dict) -> None:
        emit("registered", framework_id=framework_id["value"])

    def reregistered(self, driver: Any, master_info: dict) -> None:
        emit("reregistered")

    def disconnected(self, driver: Any) -> None:
        emit("disconnected")

    def resourceOffers(self, driver: Any, offers: list) -> None:
        emit("offers", offers=offers)

    def statusUpdate(self, driver: Any, status: dict) -> None:
        emit("status", status=status)

    def frameworkMessage(self, driver: Any, executor_id: dict, agent_id: dict, data: str) -> None:
        emit("message", executor_id=executor_id, data=data)

    def executorLost(self, driver: Any, executor_id: dict, agent_id: dict, status: int) -> None:
        emit("executor_lost", executor_id=executor_id, status=status)

    def error(self, driver: Any, message: str) -> None:
        emit("error", message=message)


def run_commands(driver: MesosSchedulerDriver) -> None:
    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        if op == "launch":
            filters = {"refuse_seconds": command.get("refuse_seconds", 0)}
            driver.launchTasks(command["offer_id"], command["tasks"], filters)
        elif op == "decline":
            driver.declineOffer(command["offer_id"], {"refuse_seconds": command["refuse_seconds"]})
        elif op == "kill":
            driver.killTask({"value": command["task_id"]})
        elif op == "reconcile":
            driver.reconcileTasks(command["tasks"])
        elif op == "revive":
            driver.reviveOffers()
        elif op == "suppress":
            driver.suppressOffers()
        elif op == "message":
            driver.sendFrameworkMessage(
                command["executor_id"], command["agent_id"], command["data"]
            )
        elif op == "stop":
            driver.stop(failover=command.get("failover", False))
            break
        emit("done", op=op)


if __name__ == "__main__":
    master, framework = sys.argv[1], json.loads(sys.argv[2])
    scheduler_driver = MesosSchedulerDriver(Recorder(), framework, master)
    scheduler_driver.start()
    run_commands(scheduler_driver)
    scheduler_driver.join()
    emit("stopped")
