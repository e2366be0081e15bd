"""Every slot runs exactly once, or is recorded missed beyond epsilon, while the scheduler
is SIGKILLed and restarted under repeating jobs. Checked from the runs' own stamps.

The scheduler runs with `--past-start-rule chronos2`, under which every slot is either
run at its time or recorded missed; under the default (Chronos 3's) rule one run due at the
restart stands in for the slots overdue by then (tests/scheduler/jobs/test_past_start.py)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from chronos.timefmt import format_instant
from tests.support.dev import Dev, running_dev, wait_for

pytestmark = pytest.mark.e2e

STAMP = 'echo "$CHRONOS_JOB_NAME $CHRONOS_JOB_RUN_TIME $CHRONOS_JOB_RUN_ATTEMPT" >> {file}'
JOBS = {"every1a": (1, 5), "every1b": (1, 1), "every2": (2, 5)}  # name: (period, epsilon) s
RUN_S = 20.0
KILLS = 3


def kill_and_wait_restart(dev: Dev) -> None:
    old_pid = dev.scheduler_pid()
    dev.kill_scheduler()
    wait_for(lambda: dev.scheduler_pid() != old_pid, 15, "the scheduler did not restart")
    dev.wait_registered()


def test_no_slot_is_run_twice_or_lost_across_scheduler_kills(tmp_path: Path) -> None:
    stamps = tmp_path / "stamps"
    with running_dev(tmp_path / "dev", "--job-retry-delay", "0.5",
                     "--past-start-rule", "chronos2") as dev:
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
        for name, (period, epsilon) in JOBS.items():
            requests.post(f"{dev.url}/v1/scheduler/iso8601", timeout=5, json={
                "name": name, "command": STAMP.format(file=stamps), "cpus": 0.01, "mem": 16,
                "schedule": f"R/{format_instant(start)}/PT{period}S",
                "epsilon": f"PT{epsilon}S",
            }).raise_for_status()
        began = time.monotonic()
        for kill in range(1, KILLS + 1):
            time.sleep(max(0.0, began + kill * RUN_S / (KILLS + 1) - time.monotonic()))
            kill_and_wait_restart(dev)
        time.sleep(max(0.0, began + RUN_S - time.monotonic()))
        checked_until = datetime.now(UTC) - timedelta(seconds=3)
        runs = {name: requests.get(f"{dev.url}/v1/scheduler/job/runs/{name}", timeout=5).json()
                for name in JOBS}
    started = Counter((name, int(due)) for name, due, _ in
                      (line.split() for line in stamps.read_text().splitlines()))
    assert max(started.values()) == 1, [run for run, n in started.items() if n > 1]
    for name, (period, epsilon) in JOBS.items():
        missed = {r["dueMillis"] for r in runs[name] if r["status"] == "missed"}
        slot = start
        while slot + timedelta(seconds=epsilon) < checked_until:
            due = int(slot.timestamp() * 1000)
            ran = started[(name, due)] == 1
            assert ran != (due in missed), f"{name} slot {slot}: ran={ran}, missed={due in missed}"
            slot += timedelta(seconds=period)
    assert any(r["status"] == "ok" for rs in runs.values() for r in rs)
