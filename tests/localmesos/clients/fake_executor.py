"""A tiny custom executor on pymesos's MesosExecutorDriver, run by localmesos in tests.

Each task's `data` (base64) names what it does: `finish` (RUNNING then FINISHED),
`run` (RUNNING until killed, then KILLED), `crash` (RUNNING, then the executor exits 3).
Framework messages are echoed back with an `echo:` prefix. The executor writes its
environment and working directory to `executor-env.json` in its sandbox.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from pymesos import Executor, MesosExecutorDriver, decode_data, encode_data


class FakeExecutor(Executor):
    def launchTask(self, driver: MesosExecutorDriver, task: dict[str, Any]) -> None:
        mode = decode_data(task.get("data", "")).decode() if task.get("data") else "finish"
        self._update(driver, task, "TASK_RUNNING")
        if mode == "finish":
            self._update(driver, task, "TASK_FINISHED")
        elif mode == "crash":
            threading.Timer(0.2, os._exit, (3,)).start()

    def killTask(self, driver: MesosExecutorDriver, task_id: dict[str, Any]) -> None:
        self._update(driver, {"task_id": task_id}, "TASK_KILLED")

    def frameworkMessage(self, driver: MesosExecutorDriver, message: str) -> None:
        driver.sendFrameworkMessage(encode_data(b"echo:" + decode_data(message)))

    def _update(self, driver: MesosExecutorDriver, task: dict[str, Any], state: str) -> None:
        driver.sendStatusUpdate({"task_id": task["task_id"], "state": state})


if __name__ == "__main__":
    with open("executor-env.json", "w") as out:
        json.dump({"env": dict(os.environ), "cwd": os.getcwd(), "sid": os.getsid(0)}, out)
    MesosExecutorDriver(FakeExecutor()).run()
