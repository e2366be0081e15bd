"""Mesos calls leave the owner thread: queued in order, made by the sender thread."""

from __future__ import annotations

import threading
import time

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
    assert sorted(target.kills) == ["a", "b"]
    assert [a["task_id"]["value"] for a in target.acks] == ["a"]
    assert threading.current_thread().name not in target.callers


class HeldLaunchDriver(FakeDriver):
    """A driver whose ACCEPT blocks until released; it notes what a kill saw launched."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.launched_before_kill: dict[str, list[str]] = {}

    def launch(self, offer_id: str, task_infos: list, refuse_seconds: float) -> None:
        self.release.wait(5)
        super().launch(offer_id, task_infos, refuse_seconds)

    def kill(self, task_id: str, agent_id: str | None) -> None:
        self.launched_before_kill[task_id] = self.launched_task_ids()
        super().kill(task_id, agent_id)


def test_a_kill_is_made_after_the_launch_asked_before_it() -> None:
    target = HeldLaunchDriver()
    sender = SendingDriver(target)
    sender.launch("offer-1", [{"task_id": {"value": "t1"}}], 0)
    sender.kill("t1", None)
    target.release.set()
    sender.close()
    assert target.launched_before_kill == {"t1": ["t1"]}


class OneSlowKillDriver(SlowDriver):
    def kill(self, task_id: str, agent_id: str | None) -> None:
        if task_id == "stuck":
            super().kill(task_id, agent_id)
        else:
            FakeDriver.kill(self, task_id, agent_id)


def test_one_slow_kill_does_not_hold_the_kills_after_it() -> None:
    target = OneSlowKillDriver()
    sender = SendingDriver(target)
    sender.kill("stuck", None)  # blocks one sender until released
    for n in range(10):
        sender.kill(f"k{n}", None)
    # The others are made while the first still waits for its answer.
    for _ in range(100):
        if len(target.kills) == 10:
            break
        time.sleep(0.05)
    assert sorted(target.kills) == sorted(f"k{n}" for n in range(10))
    target.release.set()
    sender.close()
    assert "stuck" in target.kills
