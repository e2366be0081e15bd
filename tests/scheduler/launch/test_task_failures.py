"""The console line for a failed task names the app or job, the task and how it ended."""

from __future__ import annotations

import logging

import pytest

from scheduler.launch import task_failures
from scheduler.launch.tasks import TaskRecord


def record(run_spec_id: str, task_id: str) -> TaskRecord:
    return TaskRecord(task_id=task_id, run_spec_id=run_spec_id, agent_id="a1", hostname="h",
                      state="TASK_RUNNING", version="v1", staged_at=0.0)


def test_an_app_task_failure_is_one_line_with_its_stderr(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "dromos.tasks"):
        task_failures.report(record("/web", "web.instance-1._app.1"), "TASK_FAILED",
                             "Command exited with status 2; stderr: no such file\n")
    assert caplog.messages == [
        "app /web task web.instance-1._app.1 TASK_FAILED: "
        "Command exited with status 2; stderr: no such file"]


def test_a_job_task_failure_names_the_job(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "dromos.tasks"):
        task_failures.report(record("job:nightly", "ct:1:0:nightly:"), "TASK_LOST", "")
    assert caplog.messages == ["job nightly task ct:1:0:nightly: TASK_LOST: no message"]


@pytest.mark.parametrize("state", ["TASK_RUNNING", "TASK_FINISHED", "TASK_KILLED"])
def test_other_states_say_nothing(state: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, "dromos.tasks"):
        task_failures.report(record("/web", "web.instance-1._app.1"), state, "")
    assert caplog.messages == []
