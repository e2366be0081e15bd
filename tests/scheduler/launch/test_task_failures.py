"""The console line for a failed task names the app or job, the task, how it ended and the
last lines of its stderr, read once from its sandbox for every reader of it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pytest

from scheduler.launch.task_failures import TaskFailures
from scheduler.launch.tasks import TaskRecord
from scheduler.mesos.agents import AgentDirectory
from scheduler.mesos.sandbox_logs import SandboxLogs, TaskPlace
from scheduler.mesos.stderr_tails import StderrTails
from tests.support.dev import wait_for


def record(run_spec_id: str, task_id: str, agent_id: str = "a1") -> TaskRecord:
    return TaskRecord(task_id=task_id, run_spec_id=run_spec_id, agent_id=agent_id, hostname="h",
                      state="TASK_RUNNING", version="v1", staged_at=0.0)


class Sandboxes(SandboxLogs):
    """Tails as a sandbox holds them; counts reads; a read waits until `release` is set."""

    def __init__(self, stderr: dict[str, str]) -> None:
        super().__init__(AgentDirectory())
        self.stderr = stderr
        self.reads: list[str] = []
        self.release = threading.Event()
        self.release.set()

    def tail(self, place: TaskPlace, stream: str, max_bytes: int) -> str:
        self.release.wait(10)
        self.reads.append(place.task_id)
        return self.stderr[place.task_id][-max_bytes:]


def now(fn: Callable[[], None]) -> None:
    fn()


def reported(failures: TaskFailures, caplog: pytest.LogCaptureFixture, task: TaskRecord,
             state: str, message: str) -> list[str]:
    """What is logged once the line is (it waits for the tail's read, on another thread)."""
    with caplog.at_level(logging.DEBUG, "dromos.tasks"):
        failures.report(task, state, message)
        wait_for(lambda: caplog.messages, 10, "no line")
    return caplog.messages


def test_an_app_task_failure_is_one_line_with_the_last_lines_of_its_stderr(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures = TaskFailures()
    failures.tails = StderrTails(Sandboxes({"web.1": "one\ntwo\n\nthree\nfour\n"}), now)
    assert reported(failures, caplog, record("/web", "web.1"), "TASK_FAILED",
                    "Command exited with status 2") == [
        "app /web task web.1 TASK_FAILED: Command exited with status 2; stderr: two | three | four"]


def test_a_task_that_wrote_no_stderr_is_its_message_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures = TaskFailures()
    failures.tails = StderrTails(Sandboxes({"web.1": ""}), now)
    assert reported(failures, caplog, record("/web", "web.1"), "TASK_FAILED",
                    "Command exited with status 2") == [
        "app /web task web.1 TASK_FAILED: Command exited with status 2"]


def test_a_lost_job_task_names_the_job_without_asking_its_agent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandboxes = Sandboxes({})
    failures = TaskFailures()
    failures.tails = StderrTails(sandboxes, now)
    assert reported(failures, caplog, record("job:nightly", "ct:1:0:nightly:"), "TASK_LOST",
                    "") == ["job nightly task ct:1:0:nightly: TASK_LOST: no message"]
    assert sandboxes.reads == []


@pytest.mark.parametrize("state", ["TASK_RUNNING", "TASK_FINISHED", "TASK_KILLED"])
def test_other_states_say_nothing(state: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, "dromos.tasks"):
        TaskFailures().report(record("/web", "web.1"), state, "")
    assert caplog.messages == []


def test_a_tail_asked_twice_while_read_is_read_once_for_both() -> None:
    sandboxes = Sandboxes({"ct:1": "no input\n"})
    sandboxes.release.clear()
    tails = StderrTails(sandboxes, now)
    heard: list[str | None] = []
    both = threading.Semaphore(0)

    def hear(tail: str | None) -> None:
        heard.append(tail)
        both.release()

    place = TaskPlace("ct:1", "a1", "h")
    tails.fetch(place, hear)  # the console's line
    tails.fetch(place, hear)  # the job attempt's stderrTail
    sandboxes.release.set()
    assert both.acquire(timeout=10) and both.acquire(timeout=10)
    assert heard == ["no input\n", "no input\n"]
    assert sandboxes.reads == ["ct:1"]
    tails.close()
