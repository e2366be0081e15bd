"""ISO 8601 repeating intervals and cron lines: parsing, slots, DST, advancing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chronos.errors import InvalidJob
from chronos.schedules.schedule import Schedule

NOW = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
FAR = datetime(2100, 1, 1, tzinfo=UTC)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def local(zone: ZoneInfo, slots: list[datetime]) -> list[str]:
    return [slot.astimezone(zone).strftime("%m-%d %H:%M%z") for slot in slots]


def test_r5_has_exactly_five_slots_from_the_start() -> None:
    schedule = Schedule.parse("R5/2026-01-01T00:00:00Z/PT2H", "", NOW)
    assert list(schedule.slots(None, FAR)) == [utc(2026, 1, 1, h) for h in (0, 2, 4, 6, 8)]


def test_r0_has_no_slots_and_bare_r_repeats_forever() -> None:
    assert Schedule.parse("R0/2026-01-01T00:00:00Z/PT2H", "", NOW).first_slot() is None
    forever = Schedule.parse("R/2026-01-01T00:00:00Z/PT2H", "", NOW)
    assert forever.next_slot(utc(2090, 1, 1)) == utc(2090, 1, 1, 2)


def test_the_schedule_is_printed_as_posted_until_a_slot_is_consumed() -> None:
    posted = Schedule.parse("R5/2026-01-01T00:00:00Z/PT2H", "", NOW)
    assert str(posted) == "R5/2026-01-01T00:00:00Z/PT2H"
    assert str(posted.advanced_to(utc(2025, 12, 31))) == "R5/2026-01-01T00:00:00Z/PT2H"


def test_an_advanced_schedule_is_printed_in_chronos_form_with_millis_and_offset() -> None:
    posted = Schedule.parse("R5/2026-01-01T00:00:00Z/PT2H", "", NOW)
    assert str(posted.advanced_to(utc(2026, 1, 1))) == "R4/2026-01-01T02:00:00.000Z/PT2H"
    daily = Schedule.parse("R/2026-01-01T10:00:00+02:00/P1D", "", NOW)
    assert str(daily.advanced_to(utc(2026, 1, 1, 8))) == "R/2026-01-02T10:00:00.000+02:00/P1D"


def test_empty_start_is_fixed_to_acceptance_time() -> None:
    schedule = Schedule.parse("R//PT1H", "", NOW)
    assert str(schedule) == "R/2026-05-01T12:00:00.123Z/PT1H"
    assert schedule.first_slot() == utc(2026, 5, 1, 12, 0, 0, 123000)
    reparsed = Schedule.parse(str(schedule), "", NOW + timedelta(days=3))
    assert reparsed.first_slot() == schedule.first_slot()


def test_empty_start_in_a_named_zone_prints_that_zone() -> None:
    schedule = Schedule.parse("R2//P1D", "Europe/Berlin", NOW)
    assert str(schedule) == "R2/2026-05-01T14:00:00.123+02:00/P1D"


def test_schedule_time_zone_keeps_the_wall_clock_and_drops_the_offset() -> None:
    schedule = Schedule.parse("R1/2026-01-15T09:00:00Z/P1D", "America/New_York", NOW)
    assert schedule.first_slot() == utc(2026, 1, 15, 14)
    assert str(schedule) == "R1/2026-01-15T09:00:00Z/P1D"  # as posted, like Chronos
    assert str(Schedule.parse("R2/2026-01-15T09:00:00Z/P1D", "America/New_York", NOW)
               .advanced_to(utc(2026, 1, 15, 14))) == "R1/2026-01-16T09:00:00.000-05:00/P1D"


def test_offset_in_the_start_is_honoured_without_a_time_zone() -> None:
    schedule = Schedule.parse("R1/2026-01-15T09:00:00+03:00/PT1H", "", NOW)
    assert schedule.first_slot() == utc(2026, 1, 15, 6)


def test_start_without_offset_is_utc_and_a_date_alone_is_midnight() -> None:
    assert Schedule.parse("R1/2026-01-15T09:00:00/PT1H", "", NOW).first_slot() == (
        utc(2026, 1, 15, 9)
    )
    assert Schedule.parse("R1/2026-01-15/PT1H", "", NOW).first_slot() == utc(2026, 1, 15)


def test_month_periods_clamp_to_month_end_without_drifting() -> None:
    schedule = Schedule.parse("R5/2026-01-31T10:00:00Z/P1M", "", NOW)
    assert [s.date().isoformat() for s in schedule.slots(None, FAR)] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
    ]


def test_year_periods_step_whole_years_and_leap_day_clamps() -> None:
    schedule = Schedule.parse("R3/2024-02-29T00:00:00Z/P1Y", "", NOW)
    assert list(schedule.slots(None, FAR)) == [utc(2024, 2, 29), utc(2025, 2, 28), utc(2026, 2, 28)]


def test_mixed_period_steps_calendar_then_elapsed_time() -> None:
    schedule = Schedule.parse("R3/2026-01-01T00:00:00Z/P1DT1H", "", NOW)
    assert list(schedule.slots(None, FAR)) == [
        utc(2026, 1, 1),
        utc(2026, 1, 2, 1),
        utc(2026, 1, 3, 2),
    ]


@pytest.mark.parametrize(
    ("text", "zone", "message"),
    [
        ("R5/2026-01-01T00:00:00Z", "", "Cannot parse schedule"),
        ("X/2026-01-01T00:00:00Z/PT1H", "", "Cannot parse schedule"),
        ("R5/2026-13-01T00:00:00Z/PT1H", "", "Cannot parse schedule"),
        ("R5/yesterday/PT1H", "", "Cannot parse schedule"),
        ("R5/2026-01-01T00:00:00Z/PT0S", "", "cannot be zero"),
        ("R5/2026-01-01T00:00:00Z/P1H", "", "Cannot parse schedule"),
        ("R5/2026-01-01T00:00:00Z/PT", "", "Cannot parse schedule"),
        ("R5/2026-01-01T00:00:00Z/P1.5D", "", "whole"),
        ("R5/2026-01-01T00:00:00Z/PT1H", "Mars/Olympus", "Invalid scheduleTimeZone"),
        ("R/1969-12-31T00:00:00Z/PT1H", "", "before 1970"),
        ("", "", "empty"),
        ("*/5 * * *", "", "5-field cron"),
        ("*/5 * * * * *", "", "5-field cron"),
        ("61 * * * *", "", "invalid cron"),
        ("0 0 30 2 *", "", "never matches"),
        ("*/5 * * * *", "Nowhere", "Invalid scheduleTimeZone"),
        ("*/5 * * * *", "America", "Invalid scheduleTimeZone"),
    ],
)
def test_invalid_schedules_are_refused_with_a_message(text: str, zone: str, message: str) -> None:
    with pytest.raises(InvalidJob, match=message):
        Schedule.parse(text, zone, NOW)


def test_next_slot_is_strictly_after_and_aligned_to_the_grid() -> None:
    schedule = Schedule.parse("R/2026-01-01T00:00:00Z/PT10M", "", NOW)
    assert schedule.next_slot(utc(2026, 1, 1, 0, 10)) == utc(2026, 1, 1, 0, 20)
    assert schedule.next_slot(utc(2026, 1, 1, 0, 10, 1)) == utc(2026, 1, 1, 0, 20)
    assert schedule.next_slot(utc(2025, 1, 1)) == utc(2026, 1, 1)
    assert schedule.prev_slot(utc(2026, 1, 1, 0, 20)) == utc(2026, 1, 1, 0, 10)
    assert schedule.prev_slot(utc(2026, 1, 1)) is None


def test_finite_schedule_ends_after_its_last_slot() -> None:
    schedule = Schedule.parse("R3/2026-01-01T00:00:00Z/PT1H", "", NOW)
    assert schedule.next_slot(utc(2026, 1, 1, 1, 30)) == utc(2026, 1, 1, 2)
    assert schedule.next_slot(utc(2026, 1, 1, 2)) is None
    assert schedule.prev_slot(FAR) == utc(2026, 1, 1, 2)


def test_slots_between_bounds_exclude_after_include_until() -> None:
    schedule = Schedule.parse("R/2026-01-01T00:00:00Z/PT1H", "", NOW)
    assert list(schedule.slots(utc(2026, 1, 1, 1), utc(2026, 1, 1, 3))) == [
        utc(2026, 1, 1, 2),
        utc(2026, 1, 1, 3),
    ]


def test_advanced_schedule_moves_start_and_decrements_r() -> None:
    schedule = Schedule.parse("R5/2026-01-01T00:00:00Z/PT2H", "", NOW)
    advanced = schedule.advanced_to(utc(2026, 1, 1, 2))
    assert str(advanced) == "R3/2026-01-01T04:00:00.000Z/PT2H"
    assert list(advanced.slots(None, FAR)) == [utc(2026, 1, 1, h) for h in (4, 6, 8)]
    exhausted = schedule.advanced_to(utc(2026, 1, 1, 8))
    assert str(exhausted).startswith("R0/") and exhausted.first_slot() is None


def test_advancing_a_month_schedule_keeps_its_day_of_month() -> None:
    schedule = Schedule.parse("R/2026-01-31T00:00:00Z/P1M", "", NOW)
    advanced = schedule.advanced_to(utc(2026, 1, 31))
    assert str(advanced) == "R/2026-02-28T00:00:00.000Z/P1M"
    assert advanced.next_slot(utc(2026, 3, 1)) == utc(2026, 3, 31)


def test_advancing_past_several_slots_decrements_by_the_slots_passed() -> None:
    schedule = Schedule.parse("R10/2026-01-01T00:00:00Z/PT1H", "", NOW)
    assert str(schedule.advanced_to(utc(2026, 1, 1, 4, 30))) == "R5/2026-01-01T05:00:00.000Z/PT1H"


# DST: New York springs forward 2026-03-08 02:00 -> 03:00 and falls back 2026-11-01 02:00 -> 01:00;
# Berlin springs forward 2026-03-29 02:00 -> 03:00 and falls back 2026-10-25 03:00 -> 02:00.


def test_p1d_in_spring_gap_runs_once_at_end_of_gap_then_returns_to_wall_clock() -> None:
    schedule = Schedule.parse("R3/2026-03-07T02:30:00/P1D", "America/New_York", NOW)
    assert local(NEW_YORK, list(schedule.slots(None, FAR))) == [
        "03-07 02:30-0500",
        "03-08 03:00-0400",
        "03-09 02:30-0400",
    ]


def test_p1d_in_fall_overlap_runs_once_at_first_occurrence() -> None:
    schedule = Schedule.parse("R3/2026-10-31T01:30:00/P1D", "America/New_York", NOW)
    assert local(NEW_YORK, list(schedule.slots(None, FAR))) == [
        "10-31 01:30-0400",
        "11-01 01:30-0400",
        "11-02 01:30-0500",
    ]


def test_p1d_keeps_wall_clock_in_berlin_while_pt24h_drifts() -> None:
    daily = Schedule.parse("R3/2026-03-28T09:00:00/P1D", "Europe/Berlin", NOW)
    elapsed = Schedule.parse("R3/2026-03-28T09:00:00/PT24H", "Europe/Berlin", NOW)
    assert local(BERLIN, list(daily.slots(None, FAR)))[1:] == [
        "03-29 09:00+0200",
        "03-30 09:00+0200",
    ]
    assert local(BERLIN, list(elapsed.slots(None, FAR)))[1:] == [
        "03-29 10:00+0200",
        "03-30 10:00+0200",
    ]


def test_p1d_in_berlin_gap_and_overlap() -> None:
    spring = Schedule.parse("R2/2026-03-28T02:15:00/P1D", "Europe/Berlin", NOW)
    fall = Schedule.parse("R2/2026-10-24T02:15:00/P1D", "Europe/Berlin", NOW)
    assert local(BERLIN, list(spring.slots(None, FAR))) == ["03-28 02:15+0100", "03-29 03:00+0200"]
    assert local(BERLIN, list(fall.slots(None, FAR))) == ["10-24 02:15+0200", "10-25 02:15+0200"]


def test_cron_in_spring_gap_collapses_to_one_slot_at_end_of_gap() -> None:
    schedule = Schedule.parse("*/30 * * * *", "America/New_York", utc(2026, 3, 8, 6))
    slots = list(schedule.slots(None, utc(2026, 3, 8, 8)))
    assert local(NEW_YORK, slots) == [
        "03-08 01:00-0500",
        "03-08 01:30-0500",
        "03-08 03:00-0400",
        "03-08 03:30-0400",
        "03-08 04:00-0400",
    ]


def test_daily_cron_inside_the_gap_still_runs_that_day() -> None:
    schedule = Schedule.parse("30 2 * * *", "America/New_York", utc(2026, 3, 7))
    assert local(NEW_YORK, list(schedule.slots(None, utc(2026, 3, 10)))) == [
        "03-07 02:30-0500",
        "03-08 03:00-0400",
        "03-09 02:30-0400",
    ]


def test_cron_in_fall_overlap_runs_each_wall_time_once_at_first_occurrence() -> None:
    schedule = Schedule.parse("0,30 * * * *", "America/New_York", utc(2026, 11, 1, 4, 30))
    slots = list(schedule.slots(None, utc(2026, 11, 1, 8)))
    assert local(NEW_YORK, slots) == [
        "11-01 00:30-0400",
        "11-01 01:00-0400",
        "11-01 01:30-0400",
        "11-01 02:00-0500",
        "11-01 02:30-0500",
        "11-01 03:00-0500",
    ]


def test_cron_in_berlin_overlap() -> None:
    schedule = Schedule.parse("30 2 * * *", "Europe/Berlin", utc(2026, 10, 24))
    assert local(BERLIN, list(schedule.slots(None, utc(2026, 10, 27)))) == [
        "10-24 02:30+0200",
        "10-25 02:30+0200",
        "10-26 02:30+0100",
    ]


def test_prev_slot_inside_the_second_pass_of_an_overlap_finds_first_pass_slots() -> None:
    schedule = Schedule.parse("*/15 * * * *", "America/New_York", utc(2026, 11, 1))
    second_pass_0130 = utc(2026, 11, 1, 6, 30)
    assert schedule.prev_slot(second_pass_0130) == utc(2026, 11, 1, 5, 45)  # 01:45 EDT
    assert schedule.next_slot(second_pass_0130) == utc(2026, 11, 1, 7)  # 02:00 EST


def test_cron_slots_start_at_acceptance_and_default_to_utc() -> None:
    schedule = Schedule.parse("*/5 * * * *", "", NOW)
    assert str(schedule) == "*/5 * * * *"
    assert schedule.first_slot() == utc(2026, 5, 1, 12, 5)
    assert schedule.prev_slot(NOW) is None
    advanced = schedule.advanced_to(utc(2026, 5, 1, 12, 5))
    assert str(advanced) == "*/5 * * * *" and advanced == schedule
    assert advanced.first_slot() == utc(2026, 5, 1, 12, 10)


def test_cron_macros_and_zone() -> None:
    schedule = Schedule.parse("@daily", "Europe/Berlin", NOW)
    assert schedule.first_slot() == utc(2026, 5, 1, 22)


def test_cron_slot_exactly_at_acceptance_counts() -> None:
    schedule = Schedule.parse("0 12 * * *", "", utc(2026, 5, 1, 12))
    assert schedule.first_slot() == utc(2026, 5, 1, 12)


def test_skipping_forward_goes_on_after_now_with_one_recurrence_fewer() -> None:
    posted = Schedule.parse("R10/2012-10-01T05:52:00Z/PT2S", "", NOW)
    skipped = posted.skipped_forward(None, NOW)
    assert str(skipped) == "R9/2026-05-01T12:00:02.000Z/PT2S"
    assert skipped.prev_slot(NOW) is None  # the slots it stood in for are gone
    forever = Schedule.parse("R/2026-01-01T00:00:00Z/P1D", "", NOW)
    assert str(forever.skipped_forward(None, NOW)) == "R/2026-05-02T00:00:00.000Z/P1D"


def test_skipping_forward_a_cron_line_drops_the_slots_up_to_now() -> None:
    cron = Schedule.parse("*/5 * * * *", "", NOW - timedelta(hours=1))
    assert cron.skipped_forward(None, NOW).next_slot(None) == utc(2026, 5, 1, 12, 5)
