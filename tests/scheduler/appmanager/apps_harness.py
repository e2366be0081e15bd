"""`Cluster`: the real scheduler stack on a manual clock, with Mesos played by hand: it
hands the framework offers from named hosts, reports task states, and confirms kills when
a test says so. Nothing runs on a thread; every message and due timer runs in
`run_pending()`.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.apps.validation import parse_app
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.deployments.manager import deployment_json
from scheduler.deployments.plan import Deployment
from scheduler.launch.tasks import TaskRecord, TaskTracker
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url
from tests.support.fake_driver import FakeDriver

Json = dict[str, Any]

HOSTS = ("h1", "h2", "h3")
MESOS_HTTP = {"protocol": "MESOS_HTTP", "path": "/", "portIndex": 0,
              "intervalSeconds": 1, "gracePeriodSeconds": 5}


@contextlib.contextmanager
def counting_walks() -> Iterator[list[str]]:
    """Within: the run spec id of every walk of a run spec's tasks (`TaskTracker.of`)."""
    walked: list[str] = []
    of = TaskTracker.of

    def counting_of(tracker: TaskTracker, run_spec_id: str) -> list[object]:
        walked.append(run_spec_id)
        return of(tracker, run_spec_id)  # type: ignore[return-value]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TaskTracker, "of", counting_of)
        yield walked


class Cluster:
    """A scheduler on a manual clock, and the Mesos it talks to, played by hand."""

    def __init__(self, data_dir: Path, hosts: tuple[str, ...] = HOSTS) -> None:
        self.data_dir = data_dir
        self.clock = ManualClock()
        self.hosts = list(hosts)
        self.mesos: dict[str, str] = {}  # task id -> host, what Mesos runs
        self._offer_ids = itertools.count()
        self._events: list[Json] = []
        self._boot()

    def _boot(self) -> None:
        config = Config(master="fake:5050", db_url=sqlite_url(self.data_dir),
                        data_dir=self.data_dir)
        self.rt = Runtime(config, self.clock)
        self.rt.restore()
        self.driver = FakeDriver()
        self.rt.framework.attach_driver(self.driver)
        self.subscription = self.rt.framework.events.subscribe()
        self.rt.framework.on_registered("framework-1", "fake-master")
        self.rt.core.run_pending()

    def restart_scheduler(self) -> None:
        """A new scheduler process on the same database; Mesos keeps its tasks."""
        self.rt.close()
        self._boot()

    def close(self) -> None:
        self.rt.close()

    # Mesos -> scheduler ---------------------------------------------------------------------
    def offer(self, *hosts: str) -> list[str]:
        """One offer from each host (all by default); returns the task ids launched."""
        self.rt.core.run_pending()  # as the owner thread does before the next message
        before = len(self.driver.launched_task_ids())
        self.rt.framework.on_offers([self._offer(h) for h in hosts or self.hosts])
        self.rt.core.run_pending()
        launched = self.driver.launched_task_ids()[before:]
        for launch in self.driver.launches:
            for info in launch.task_infos:
                task_id = info["task_id"]["value"]
                if task_id in launched:
                    self.mesos[task_id] = info["agent_id"]["value"].removeprefix("agent-")
        return launched

    def _offer(self, host: str) -> Json:
        def scalar(name: str, value: float) -> Json:
            return {"name": name, "type": "SCALAR", "scalar": {"value": value}}

        return {
            "id": {"value": f"offer-{next(self._offer_ids)}"},
            "framework_id": {"value": "framework-1"},
            "agent_id": {"value": f"agent-{host}"},
            "hostname": host,
            "resources": [
                scalar("cpus", 8), scalar("mem", 8192), scalar("disk", 10000),
                {"name": "ports", "type": "RANGES",
                 "ranges": {"range": [{"begin": 31000, "end": 31999}]}},
            ],
        }

    def status(self, task_id: str, state: str, healthy: bool | None = None) -> None:
        status: Json = {"task_id": {"value": task_id}, "state": state,
                        "agent_id": {"value": f"agent-{self.mesos.get(task_id, '?')}"},
                        "source": "SOURCE_EXECUTOR", "uuid": "dXVpZA=="}
        if healthy is not None:
            status["healthy"] = healthy
        if state != "TASK_RUNNING" and state != "TASK_STAGING":
            self.mesos.pop(task_id, None)
        self.rt.core.run_pending()  # as the owner thread does before the next message
        self.rt.framework.on_status(status)
        self.rt.core.run_pending()

    def run(self, task_id: str, healthy: bool | None = None) -> None:
        self.status(task_id, "TASK_RUNNING", healthy)

    def pending_kills(self) -> list[str]:
        return [t for t in dict.fromkeys(self.driver.kills) if t in self.mesos]

    def confirm_kills(self) -> list[str]:
        killed = self.pending_kills()
        for task_id in killed:
            self.status(task_id, "TASK_KILLED")
        return killed

    def answer_reconciliation(self) -> None:
        """Mesos tells a (re)registered scheduler the state of every task it runs."""
        for task_id in list(self.mesos):
            self.run(task_id)

    def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.rt.core.run_pending()

    # what the scheduler knows ---------------------------------------------------------------
    def tasks(self, app_id: str) -> list[TaskRecord]:
        return self.rt.apps.tasks(app_id)

    def ready(self, app_id: str) -> int:
        app = self.rt.apps.apps.get(app_id)
        return sum(self.rt.apps.is_ready(t, app) for t in self.tasks(app_id))

    def deployments(self) -> list[Deployment]:
        return list(self.rt.apps.deployments.running.values())

    def events(self, event_type: str) -> list[Json]:
        while (event := self.subscription.get(timeout=0)) is not None:
            self._events.append(event)
        return [e for e in self._events if e["eventType"] == event_type]

    # scheduler API, as the views call it ----------------------------------------------------
    def create(self, **fields: Any) -> Deployment:
        app = parse_app({"cmd": "serve", "cpus": 0.1, "mem": 32, **fields})
        _, deployment = self.rt.apps.create(app, force=False)
        self.rt.core.run_pending()
        return deployment

    def update(self, app_id: str, force: bool = False, **changes: Any) -> Deployment:
        from scheduler.apps.serialize import app_to_json

        data = {**app_to_json(self.rt.apps.get(app_id)), **changes}
        data.pop("version", None)
        data.pop("versionInfo", None)
        _, deployment = self.rt.apps.replace_app(parse_app(data), force)
        self.rt.core.run_pending()
        return deployment

    # driving a deployment -------------------------------------------------------------------
    def start_all(self, healthy: bool | None = None) -> int:
        """Offer every host and report every staging task running."""
        self.offer()
        staging = [t.task_id for app_id in self.rt.apps.apps for t in self.tasks(app_id)
                   if t.state == "TASK_STAGING" and t.task_id in self.mesos]
        for task_id in staging:
            self.run(task_id, healthy)
        return len(staging)

    def settle(self, healthy: bool | None = None, rounds: int = 50) -> None:
        """Launch, run and confirm kills until no deployment is left."""
        for _ in range(rounds):
            if not self.deployments():
                return
            self.start_all(healthy)
            self.confirm_kills()
        raise AssertionError(f"deployments never finished: {self.waiting()}")

    def waiting(self) -> list[Json]:
        return [w for d in self.deployments() for w in deployment_json(d, True)["waiting"]]
