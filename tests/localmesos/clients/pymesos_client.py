"""Test-side handle on tests/localmesos/pymesos_scheduler.py running in its own process."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.localmesos.clients.inbox import WAIT_S, Event, Inbox

SCRIPT = Path(__file__).with_name("pymesos_scheduler.py")


class PymesosScheduler:
    """Sends commands to the driver process and waits for the callbacks it reports."""

    def __init__(self, address: str, framework: dict[str, Any]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT), address, json.dumps(framework)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
            text=True,
        )
        self.inbox = Inbox()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.inbox.put(json.loads(line))
        self.inbox.close()

    def send(self, op: str, **fields: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()

    def wait_for(
        self,
        event: str,
        predicate: Callable[[Event], bool] = lambda e: True,
        timeout: float = WAIT_S,
    ) -> Event:
        return self.inbox.wait_for(lambda e: e["event"] == event and predicate(e), timeout)

    def offer(self) -> Event:
        return dict(self.wait_for("offers")["offers"][0])

    def status(self, task_id: str, state: str | None = None) -> Event:
        return self.wait_for(
            "status",
            lambda e: (
                e["status"]["task_id"]["value"] == task_id
                and (state is None or e["status"]["state"] == state)
            ),
        )["status"]

    def crash(self) -> None:
        """SIGKILL the scheduler process: no TEARDOWN, the stream just breaks."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@contextlib.contextmanager
def pymesos_scheduler(address: str, **framework: Any) -> Iterator[PymesosScheduler]:
    info = {"user": getpass.getuser(), "name": "pymesos-test", **framework}
    client = PymesosScheduler(address, info)
    try:
        yield client
    finally:
        client.crash()
