from __future__ import annotations

import threading

import pytest

from scheduler.base.clock import ManualClock, SystemClock
from scheduler.base.core import Core


def test_messages_run_in_the_order_they_were_posted() -> None:
    core = Core(ManualClock())
    seen: list[int] = []
    for i in range(5):
        core.post(lambda i=i: seen.append(i))
    assert core.run_pending() == 5
    assert seen == [0, 1, 2, 3, 4]


def test_timers_fire_only_when_the_clock_reaches_them() -> None:
    clock = ManualClock()
    core = Core(clock)
    fired: list[str] = []
    core.call_later(2.0, lambda: fired.append("b"))
    core.call_later(1.0, lambda: fired.append("a"))
    cancelled = core.call_later(1.5, lambda: fired.append("x"))
    cancelled.cancel()
    core.run_pending()
    assert fired == []
    clock.advance(1.0)
    core.run_pending()
    assert fired == ["a"]
    clock.advance(5.0)
    core.run_pending()
    assert fired == ["a", "b"]


def test_a_failing_message_does_not_stop_the_next_one() -> None:
    core = Core(ManualClock())
    seen: list[str] = []
    core.post(lambda: 1 / 0)
    core.post(lambda: seen.append("next"))
    core.run_pending()
    assert seen == ["next"]


def test_call_from_another_thread_runs_on_the_owner_and_returns_or_raises() -> None:
    core = Core(SystemClock())
    core.start()
    try:
        owner = core.call(threading.current_thread)
        assert owner.name == "dromos-core"
        with pytest.raises(KeyError):
            core.call(lambda: {}["missing"])
    finally:
        core.stop()
