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
    assert sorted(target.kills) == ["a", "b"]  # kills have no order among themselves
    assert [a["task_id"]["value"] for a in target.acks] == ["a"]
    assert threading.current_thread().name not in target.callers


class RecordingDriver(FakeDriver):
    """Keeps the order calls reached it in; launches are slow, as a busy master's ACCEPT."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []

    def launch(self, offer_id: str, task_infos: object, refuse_seconds: float) -> None:
        threading.Event().wait(0.05)
        self.order.append(f"launch {offer_id}")

    def kill(self, task_id: str, agent_id: str | None) -> None:
        self.order.append(f"kill {task_id}")
        super().kill(task_id, agent_id)


def test_a_kill_goes_out_only_after_the_calls_queued_before_it() -> None:
    target = RecordingDriver()
    sender = SendingDriver(target)
    sender.launch("o1", [], 0)
    for k in range(20):
        sender.kill(f"t{k}", None)
    sender.close()
    assert target.order[0] == "launch o1"
    assert sorted(target.order[1:]) == sorted(f"kill t{k}" for k in range(20))
