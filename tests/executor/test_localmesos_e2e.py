"""End to end: pymesos' scheduler driver -> localmesos -> the Dromos executor -> real tasks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.localmesos import LocalMesos, localmesos

__all__ = ["localmesos"]

SCHEDULER = Path(__file__).with_name("localmesos_scheduler.py")


def test_command_and_custom_executor_tasks_run_report_health_and_end(
    localmesos: LocalMesos,
) -> None:
    run = subprocess.run(
        [sys.executable, str(SCHEDULER), localmesos.address],
        capture_output=True,
        text=True,
        timeout=90,
        start_new_session=True,
    )
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{localmesos.log()}"
    updates = [json.loads(line) for line in run.stdout.splitlines()]
    cmd = [u for u in updates if u["task"] == "cmd"]
    custom = [u for u in updates if u["task"] == "custom"]

    assert [u["state"] for u in cmd][-2:] == ["TASK_RUNNING", "TASK_FINISHED"]
    assert cmd[-1]["message"] == "Command exited with status 0"
    assert cmd[-1]["source"] == "SOURCE_EXECUTOR"
    assert [u["healthy"] for u in custom if u["state"] == "TASK_RUNNING"][-1] is True
    assert [u["state"] for u in custom][-2:] == ["TASK_KILLING", "TASK_KILLED"]
    stdout = list(localmesos.data_dir.rglob("stdout"))
    assert any(path.read_text() == "via-command-executor\n" for path in stdout)
