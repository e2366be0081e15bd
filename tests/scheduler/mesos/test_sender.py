"""Mesos calls leave the owner thread: queued in order, made by the sender thread."""

from __future__ import annotations

import threading

from scheduler.mesos.sender import SendingDriver
from tests.support.fake_driver import FakeDriver


class SlowDriver(FakeDriver):
    """A driver whose KILL blocks until released, as an HTTP call to a busy master would."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.callers: set[str] = set()

    def kill(self, task_id: str, agent_id: str | None) -> None:
        self.callers.add(threading.current_thread().name)
        self.release.wait(5)
        super().kill(task_id, agent_id)


def test_calls_return_at_once_and_reach_mesos_in_order_from_another_thread() -> None:
    target = SlowDriver()
    sender = SendingDriver(target)
    sender.kill("a", None)
    sender.acknowledge({"uuid": "u", "task_id": {"value": "a"}})
    sender.kill("b", "agent-1")
    assert target.kills == []  # the caller did not wait for Mesos
    target.release.set()
    sender.close()
    assert target.kills == ["a", "b"]
    assert [a["task_id"]["value"] for a in target.acks] == ["a"]
    assert threading.current_thread().name not in target.callers
