"""Due and missed slots: what the runs engine launches and what it records as missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chronos.schedules.due import due_slots
from chronos.schedules.schedule import Schedule

ACCEPTED = datetime(2026, 1, 1, tzinfo=UTC)
EPSILON = timedelta(seconds=60)


def at(minutes: float) -> datetime:
    return ACCEPTED + timedelta(minutes=minutes)


def every_ten_minutes(repeats: str = "") -> Schedule:
    return Schedule.parse(f"R{repeats}/2026-01-01T00:00:00Z/PT10M", "", ACCEPTED)


def test_nothing_is_due_before_the_first_slot() -> None:
    assert due_slots(every_ten_minutes(), None, at(-5), EPSILON) == ([], [], False)


def test_first_slot_is_due_when_nothing_was_handled() -> None:
    assert due_slots(every_ten_minutes(), None, at(0), EPSILON) == ([at(0)], [], False)


def test_slot_within_epsilon_is_due_and_older_one_missed() -> None:
    result = due_slots(every_ten_minutes(), at(0), at(20.5), EPSILON)
    assert result.due == [at(20)]
    assert result.missed == [at(10)]


def test_slot_exactly_epsilon_late_is_still_due() -> None:
    assert due_slots(every_ten_minutes(), at(0), at(11), EPSILON).due == [at(10)]
    assert due_slots(every_ten_minutes(), at(0), at(11.01), EPSILON).missed == [at(10)]


def test_a_slot_within_the_lead_ahead_is_due_early_and_epsilon_still_counts_from_now() -> None:
    ahead = timedelta(minutes=2)
    assert due_slots(every_ten_minutes(), at(0), at(8.5), EPSILON, ahead=ahead).due == [at(10)]
    assert due_slots(every_ten_minutes(), at(0), at(7.5), EPSILON, ahead=ahead).due == []
    late = due_slots(every_ten_minutes(), at(0), at(19), EPSILON, ahead=ahead)
    assert (late.due, late.missed) == ([at(20)], [at(10)])


def test_handled_slots_are_never_returned_again() -> None:
    assert due_slots(every_ten_minutes(), at(10), at(10.5), EPSILON) == ([], [], False)


def test_several_slots_inside_epsilon_are_all_due() -> None:
    schedule = Schedule.parse("R/2026-01-01T00:00:00Z/PT1S", "", ACCEPTED)
    result = due_slots(schedule, ACCEPTED, ACCEPTED + timedelta(seconds=3), EPSILON)
    assert result.due == [ACCEPTED + timedelta(seconds=s) for s in (1, 2, 3)]


def test_long_outage_lists_only_the_most_recent_missed_slots() -> None:
    result = due_slots(every_ten_minutes(), None, at(10 * 1000 + 0.5), EPSILON, max_missed=3)
    assert result.due == [at(10 * 1000)]
    assert result.missed == [at(10 * 997), at(10 * 998), at(10 * 999)]
    assert result.missed_truncated


def test_finite_schedule_stops_at_its_count() -> None:
    result = due_slots(every_ten_minutes("3"), None, at(100), EPSILON)
    assert result == ([], [at(0), at(10), at(20)], False)


def test_zero_epsilon_allows_only_a_slot_at_now() -> None:
    assert due_slots(every_ten_minutes(), at(0), at(10), timedelta(0)).due == [at(10)]
    assert due_slots(every_ten_minutes(), at(0), at(10.01), timedelta(0)).missed == [at(10)]


def test_cron_due_and_missed() -> None:
    schedule = Schedule.parse("*/10 * * * *", "", ACCEPTED)
    result = due_slots(schedule, None, at(30.5), EPSILON)
    assert result == ([at(30)], [at(0), at(10), at(20)], False)
