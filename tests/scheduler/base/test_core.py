from __future__ import annotations

import threading
import time

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
        owner = core.call(threading.current_thread, timeout=10)
        assert owner.name == "dromos-core"
        with pytest.raises(KeyError):
            core.call(lambda: {}["missing"], timeout=10)
    finally:
        core.stop()


def test_a_call_that_times_out_before_it_starts_is_never_applied() -> None:
    core = Core(SystemClock())
    release, applied = threading.Event(), []
    core.start()
    try:
        core.post(release.wait)  # the owner is busy
        with pytest.raises(TimeoutError):
            core.call(lambda: applied.append("write"), timeout=0.05)
        release.set()
        core.call(lambda: None, timeout=10)
    finally:
        release.set()
        core.stop()
    assert applied == []


def test_a_call_that_started_is_waited_for_past_its_timeout() -> None:
    core = Core(SystemClock())
    started, release = threading.Event(), threading.Event()
    answers: list[object] = []

    def write() -> str:
        started.set()
        release.wait()
        return "committed"

    def caller() -> None:
        try:
            answers.append(core.call(write, timeout=0.05))
        except TimeoutError as error:
            answers.append(error)

    core.start()
    try:
        thread = threading.Thread(target=caller)
        thread.start()
        started.wait()
        time.sleep(0.2)  # past the caller's timeout, the write still running
        release.set()
        thread.join()
    finally:
        release.set()
        core.stop()
    assert answers == ["committed"]


def test_work_marked_by_a_burst_of_messages_is_done_once_at_the_end_of_the_turn() -> None:
    core = Core(ManualClock())
    marked: set[int] = set()
    settled: list[set[int]] = []

    def settle() -> None:
        if marked:
            settled.append(set(marked))
            marked.clear()

    core.at_end_of_turn(settle)
    for i in range(50):
        core.post(lambda i=i: marked.add(i % 3))
    core.run_pending()
    assert settled == [{0, 1, 2}]


def test_under_a_steady_flood_the_end_of_turn_work_still_runs() -> None:
    core = Core(SystemClock())
    turns: list[int] = []
    seen: list[int] = []
    core.at_end_of_turn(lambda: turns.append(len(seen)))
    core.start()
    try:
        for i in range(1000):
            core.post(lambda i=i: seen.append(i))
        core.call(lambda: None, timeout=None)
    finally:
        core.stop()
    assert seen == list(range(1000))
    assert turns and turns[-1] >= 1000
