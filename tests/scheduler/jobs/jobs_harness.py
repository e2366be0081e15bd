"""A job scheduler on a manual clock, with Mesos played by hand (see `Jobs`)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from chronos.job import job_to_json
from chronos.runs import Run
from chronos.task_id import parse_task_id
from chronos.timefmt import format_instant
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url
from tests.support.fake_driver import FakeDriver

Json = dict[str, Any]
START = 1_800_000_000.0  # the manual clock's start, a whole second


def at(seconds: float) -> str:
    """The instant `seconds` after the clock's start, as a schedule's start."""
    return format_instant(datetime.fromtimestamp(START + seconds, UTC))


class Jobs:
    """The whole scheduler stack (store, core, framework, JobManager) on a manual clock."""

    def __init__(
        self, data_dir: Path, retry_delay_s: float = 60.0, launch_lead_s: float = 1.5,
        past_start_rule: str = "chronos3",
    ) -> None:
        self.data_dir = data_dir
        self.retry_delay_s = retry_delay_s
        self.launch_lead_s = launch_lead_s
        self.past_start_rule = past_start_rule
        self.clock = ManualClock(START)
        self._offer_ids = itertools.count()
        self.mesos: set[str] = set()  # task ids Mesos runs
        self.seen: list[Json] = []  # events published so far
        self._boot()

    def _boot(self) -> None:
        config = Config(master="fake:5050", db_url=sqlite_url(self.data_dir),
                        data_dir=self.data_dir, job_retry_delay_s=self.retry_delay_s,
                        job_history_limit=20, job_launch_lead_s=self.launch_lead_s,
                        job_past_start_rule=self.past_start_rule)
        self.rt = Runtime(config, self.clock)
        self.rt.restore()
        self.driver = FakeDriver()
        self._looked = 0
        self.rt.framework.attach_driver(self.driver)
        self.events = self.rt.framework.events.subscribe()
        self.rt.framework.on_registered("framework-1", "fake-master")
        self.rt.core.run_pending()

    def restart(self) -> None:
        """A new scheduler process on the same database; Mesos keeps its tasks."""
        self.rt.close()
        self._boot()

    def close(self) -> None:
        self.rt.close()

    def post(self, job: Json, kind: str = "iso8601") -> None:
        self.rt.jobs.put(job, kind)  # type: ignore[arg-type]
        self.rt.core.run_pending()

    def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.rt.core.run_pending()

    def offer(self) -> list[str]:
        """One big offer; returns the task ids launched since the last look (on it, or on
        an offer held before)."""
        self.rt.framework.on_offers([self._offer()])
        self.rt.core.run_pending()
        return self.launched()

    def launched(self) -> list[str]:
        """Task ids launched since the last look."""
        launched = self.driver.launched_task_ids()[self._looked:]
        self._looked += len(launched)
        self.mesos.update(launched)
        return launched

    def _offer(self) -> Json:
        def scalar(name: str, value: float) -> Json:
            return {"name": name, "type": "SCALAR", "scalar": {"value": value}}

        return {
            "id": {"value": f"offer-{next(self._offer_ids)}"},
            "framework_id": {"value": "framework-1"},
            "agent_id": {"value": "agent-1"},
            "hostname": "h1",
            "resources": [scalar("cpus", 64), scalar("mem", 65536), scalar("disk", 100000)],
        }

    def status(self, task_id: str, state: str, message: str = "") -> None:
        status: Json = {"task_id": {"value": task_id}, "state": state, "message": message,
                        "agent_id": {"value": "agent-1"}, "source": "SOURCE_EXECUTOR",
                        "uuid": "dXVpZA=="}
        if state not in ("TASK_RUNNING", "TASK_STAGING", "TASK_STARTING"):
            self.mesos.discard(task_id)
        self.rt.framework.on_status(status)
        self.rt.core.run_pending()

    def finish(self, task_id: str, state: str = "TASK_FINISHED") -> None:
        self.status(task_id, "TASK_RUNNING")
        self.status(task_id, state)

    def runs(self, name: str) -> list[Run]:
        """The job's runs, oldest first."""
        return list(reversed(self.rt.jobs.runs(name)))

    def job(self, name: str) -> Json:
        return job_to_json(self.rt.jobs.get(name))

    def published(self, event_type: str) -> list[Json]:
        while (event := self.events.get(0)) is not None:
            self.seen.append(event)
        return [e for e in self.seen if e["eventType"] == event_type]

    @contextmanager
    def statements(self) -> Iterator[list[str]]:
        """The SQL statements the store runs meanwhile (a list filled as they run)."""
        seen: list[str] = []

        def note(conn: object, cursor: object, statement: str, *args: object) -> None:
            seen.append(statement)

        engine = self.rt.store.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", note)


MS = 1000


def every(name: str, seconds: int, start: float = 10, repeats: str = "", **fields: object) -> dict:
    return {"name": name, "command": "true", "epsilon": "PT5S",
            "schedule": f"R{repeats}/{at(start)}/PT{seconds}S", **fields}


def due_ms(task_id: str) -> int:
    parsed = parse_task_id(task_id)
    assert parsed is not None
    return parsed.due_ms


def start_at(jobs: Jobs) -> int | None:
    """The start instant (epoch ms) the last launched task's command waits for, None when it
    starts at once."""
    command = jobs.driver.launches[-1].task_infos[0]["command"]
    found = re.search(r"dromos_wait=\$\(\((\d+) - ", command.get("value", ""))
    return int(found.group(1)) // 1_000_000 if found else None


class SchedulerDied(Exception):
    """Stands for the scheduler process dying at that point."""
