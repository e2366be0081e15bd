"""Invariants of slot arithmetic across DST, month ends and repetition counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chronos.schedules.schedule import Schedule

ACCEPTED = datetime(2026, 1, 1, tzinfo=UTC)
SCHEDULES = st.sampled_from(
    [
        ("R/2026-01-31T02:30:00/P1M", "America/New_York"),
        ("R/2026-01-01T02:30:00/P1D", "America/New_York"),
        ("R40/2026-03-01T01:30:00/P1D", "Europe/Berlin"),
        ("R/2026-01-01T00:10:00/PT90M", "Europe/Berlin"),
        ("R/2026-01-01T01:00:00/P1DT1H", "America/New_York"),
        ("*/20 1-3 * * *", "America/New_York"),
        ("30 2 * * *", "Europe/Berlin"),
    ]
)
INSTANTS = st.integers(min_value=0, max_value=365 * 24 * 60).map(
    lambda minutes: ACCEPTED + timedelta(minutes=minutes, seconds=17)
)


@settings(max_examples=150, deadline=None)
@given(SCHEDULES, INSTANTS)
def test_prev_and_next_slot_bracket_any_instant_with_no_slot_between(
    spec: tuple[str, str], instant: datetime
) -> None:
    schedule = Schedule.parse(spec[0], spec[1], ACCEPTED)
    before, after = schedule.prev_slot(instant), schedule.next_slot(instant)
    assert before is None or before < instant
    assert after is None or after > instant
    if before is not None:
        assert schedule.next_slot(before) == after
    if after is not None:
        assert schedule.prev_slot(after) == before


@settings(max_examples=40, deadline=None)
@given(SCHEDULES, INSTANTS)
def test_advancing_keeps_the_remaining_slots(spec: tuple[str, str], instant: datetime) -> None:
    schedule = Schedule.parse(spec[0], spec[1], ACCEPTED)
    advanced = schedule.advanced_to(instant)
    horizon = instant + timedelta(days=20)
    assert list(advanced.slots(None, horizon)) == list(schedule.slots(instant, horizon))
