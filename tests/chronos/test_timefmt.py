"""Instant and duration formats shared by schedules, jobs and task ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chronos.errors import InvalidJob
from chronos.schedules.period import format_epsilon, parse_epsilon
from chronos.timefmt import format_instant, from_millis, parse_instant, to_millis


def test_instants_print_with_millis_and_z_or_offset() -> None:
    instant = datetime(2014, 3, 8, 16, 57, 17, 507999, tzinfo=UTC)
    assert format_instant(instant) == "2014-03-08T16:57:17.507Z"
    assert format_instant(instant, timezone(timedelta(hours=-5))) == "2014-03-08T11:57:17.507-05:00"


def test_millis_round_trip_exactly() -> None:
    instant = datetime(2015, 4, 8, 17, 46, 34, 358000, tzinfo=UTC)
    assert to_millis(instant) == 1428515194358
    assert from_millis(1428515194358) == instant


def test_timestamps_without_offset_are_utc() -> None:
    assert parse_instant("2026-01-01T10:00:00", "lastError") == datetime(2026, 1, 1, 10, tzinfo=UTC)


def test_epsilon_reads_elapsed_time_and_allows_zero() -> None:
    assert parse_epsilon("PT0S") == timedelta(0)
    assert parse_epsilon("P1DT30M") == timedelta(days=1, minutes=30)
    assert format_epsilon(timedelta(seconds=90)) == "PT90S"
    with pytest.raises(InvalidJob, match="Cannot parse epsilon"):
        parse_epsilon("-PT5S")
