from __future__ import annotations

import pytest

from scheduler.launch.backoff import Backoff

WEB = ("/prod/web", "v1")
WEB_V2 = ("/prod/web", "v2")
DB = ("/prod/db", "v1")


def fail(backoff: Backoff, key: tuple[str, str], now: float) -> float:
    return backoff.on_failure(key, now, backoff_seconds=1.0, factor=2.0, max_delay=10.0).seconds


def test_a_run_spec_without_failures_is_not_delayed() -> None:
    backoff = Backoff()
    assert backoff.delay_until(WEB) == 0.0
    assert backoff.time_left(WEB, now=100.0) == 0.0


def test_first_failure_waits_backoff_seconds_from_the_failure() -> None:
    backoff = Backoff()
    fail(backoff, WEB, now=100.0)
    assert backoff.delay_until(WEB) == 101.0
    assert backoff.time_left(WEB, now=100.25) == pytest.approx(0.75)
    assert backoff.time_left(WEB, now=102.0) == 0.0


def test_each_further_failure_multiplies_the_delay_up_to_the_cap() -> None:
    backoff = Backoff()
    delays = [fail(backoff, WEB, now=100.0 + i) for i in range(6)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert backoff.delay_until(WEB) == 105.0 + 10.0


def test_first_delay_is_capped_too() -> None:
    backoff = Backoff()
    delay = backoff.on_failure(WEB, 0.0, backoff_seconds=600.0, factor=1.15, max_delay=300.0)
    assert delay.seconds == 300.0


def test_zero_backoff_never_delays() -> None:
    backoff = Backoff()
    for i in range(3):
        backoff.on_failure(WEB, float(i), backoff_seconds=0.0, factor=1.15, max_delay=300.0)
    assert backoff.time_left(WEB, now=2.0) == 0.0


def test_a_launch_moves_the_reference_time_and_keeps_the_delay() -> None:
    backoff = Backoff()
    fail(backoff, WEB, now=100.0)
    fail(backoff, WEB, now=101.0)
    backoff.on_launched(WEB, now=105.0)
    assert backoff.delay_until(WEB) == 107.0
    assert fail(backoff, WEB, now=106.0) == 4.0


def test_launch_without_delay_creates_none() -> None:
    backoff = Backoff()
    backoff.on_launched(WEB, now=5.0)
    assert backoff.delay_until(WEB) == 0.0


def test_delays_are_per_run_spec_and_config_version() -> None:
    backoff = Backoff()
    fail(backoff, WEB, now=100.0)
    fail(backoff, WEB, now=100.0)
    assert backoff.delay_until(WEB_V2) == 0.0
    assert backoff.delay_until(DB) == 0.0
    assert fail(backoff, WEB_V2, now=100.0) == 1.0


def test_reset_forgets_one_key() -> None:
    backoff = Backoff()
    fail(backoff, WEB, now=100.0)
    fail(backoff, DB, now=100.0)
    backoff.reset(WEB)
    assert backoff.delay_until(WEB) == 0.0
    assert backoff.delay_until(DB) == 101.0
    assert fail(backoff, WEB, now=100.0) == 1.0


def test_reset_run_spec_forgets_every_config_version() -> None:
    backoff = Backoff()
    for key in (WEB, WEB_V2, DB):
        fail(backoff, key, now=100.0)
    backoff.reset_run_spec("/prod/web")
    assert backoff.delay_until(WEB) == 0.0
    assert backoff.delay_until(WEB_V2) == 0.0
    assert backoff.delay_until(DB) == 101.0


def test_expire_drops_delays_quiet_for_longer_than_the_maximum() -> None:
    backoff = Backoff()
    fail(backoff, WEB, now=100.0)
    fail(backoff, DB, now=105.0)
    backoff.expire(now=110.0)
    assert backoff.delay_until(WEB) == 101.0
    backoff.expire(now=110.5)
    assert backoff.delay_until(WEB) == 0.0
    assert backoff.delay_until(DB) == 106.0


def test_a_failure_long_after_the_last_one_starts_over() -> None:
    backoff = Backoff()
    for i in range(4):
        fail(backoff, WEB, now=100.0 + i)
    assert fail(backoff, WEB, now=200.0) == 1.0
