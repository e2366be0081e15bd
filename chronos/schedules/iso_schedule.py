"""Chronos's ISO 8601 repeating intervals `R[n]/<start>/<period>` (see schedules.schedule)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from functools import cached_property

import isodate

from chronos.errors import InvalidJob
from chronos.schedules.period import Period
from chronos.schedules.schedule_base import ScheduleBase, zone_for
from chronos.schedules.wallclock import to_instant
from chronos.timefmt import format_instant, require_aware

_FORM = re.compile(r"(R[0-9]*)/(.*)/(P.*)")
_EARLIEST_START = datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class IsoSchedule(ScheduleBase):
    """Slot k (k >= 0) is `wall_start` stepped k periods in `zone`.

    `repeats` counts slots from the start (None = forever); the first `consumed` slots are
    behind us (see `advanced_to`), so the visible form is `R<repeats - consumed>/<slot>/...`.
    """

    wall_start: datetime
    zone: tzinfo
    zone_name: str
    period: Period
    repeats: int | None
    consumed: int = 0
    # The schedule as posted: shown until a slot is consumed, as Chronos shows what it stored.
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str, tz_name: str, now: datetime) -> IsoSchedule:
        match = _FORM.fullmatch(text)
        if match is None:
            raise InvalidJob(f"Cannot parse schedule '{text}': expected R[n]/<start>/<period>")
        repeats_text, start_text, period_text = match.groups()
        try:
            period = Period.parse(period_text)
        except ValueError as exc:
            raise InvalidJob(f"Cannot parse schedule '{text}': period: {exc}") from exc
        named_zone = zone_for(tz_name)
        wall, zone = _start(start_text, named_zone, require_aware(now, "now"), text)
        repeats = int(repeats_text[1:]) if repeats_text[1:] else None
        # An empty start means the acceptance time: shown as that instant, not as posted.
        schedule = cls(wall, zone, tz_name, period, repeats, text=text if start_text else "")
        if schedule._origin < _EARLIEST_START:
            raise InvalidJob(
                f"Cannot parse schedule '{text}': the start is before 1970-01-01T00:00:01Z"
            )
        return schedule

    @property
    def remaining(self) -> int | None:
        """Slots left to run (None = forever)."""
        return None if self.repeats is None else self.repeats - self.consumed

    def next_slot(self, after: datetime | None) -> datetime | None:
        index = self.consumed if after is None else self._first_index_after(after)
        return self._bounded_slot(index)

    def prev_slot(self, before: datetime) -> datetime | None:
        index = self._first_index_after(before - _TICK) - 1
        if self.repeats is not None:
            index = min(index, self.repeats - 1)
        return self._bounded_slot(index) if index >= self.consumed else None

    def advanced_to(self, slot: datetime) -> IsoSchedule:
        consumed = self._first_index_after(slot)
        if self.repeats is not None:
            consumed = min(consumed, self.repeats)
        return replace(self, consumed=max(consumed, self.consumed))

    def skipped_forward(self, handled: datetime | None, now: datetime) -> IsoSchedule:
        skip_to = max(self._first_index_after(now), self.consumed)
        if self.repeats is None:
            return replace(self, consumed=skip_to)
        first = self.consumed if handled is None else self._first_index_after(handled)
        left = max(self.repeats - first - 1, 0)
        return replace(self, consumed=skip_to, repeats=skip_to + left)

    def __str__(self) -> str:
        if self.text and not self.consumed:
            return self.text
        remaining = "" if self.remaining is None else str(self.remaining)
        start = self._slot(self.consumed) or self._origin
        return f"R{remaining}/{format_instant(start, self.zone)}/{self.period.text}"

    @cached_property
    def _origin(self) -> datetime:
        return to_instant(self.wall_start, self.zone)

    def _bounded_slot(self, index: int) -> datetime | None:
        if self.repeats is not None and index >= self.repeats:
            return None
        return self._slot(index)

    def _slot(self, index: int) -> datetime | None:
        """Slot `index` counted from the start, or None past the end of the calendar."""
        period = self.period
        try:
            if not period.is_calendar:
                return self._origin + index * period.elapsed
            wall = _add_calendar(
                self.wall_start, index * period.years, index * period.months, index * period.days
            )
            return to_instant(wall, self.zone) + index * period.elapsed
        except (OverflowError, ValueError):
            return None

    def _first_index_after(self, instant: datetime) -> int:
        """The smallest index >= consumed whose slot is strictly after `instant`."""
        elapsed = (require_aware(instant, "instant") - self._origin).total_seconds()
        index = max(self.consumed, int(elapsed // self.period.approx_seconds()))
        # The estimate is off by a slot or two at most (months and DST are uneven).
        while index > self.consumed and _after(self._slot(index - 1), instant):
            index -= 1
        while not _after(self._slot(index), instant):
            index += 1
        return index


def _after(slot: datetime | None, instant: datetime) -> bool:
    return slot is None or slot > instant


def _add_calendar(wall: datetime, years: int, months: int, days: int) -> datetime:
    """Years, then months (clamping the day to the month's end), then days, as Joda does."""
    month_index = wall.month - 1 + 12 * years + months
    year, month = wall.year + month_index // 12, month_index % 12 + 1
    day = min(wall.day, calendar.monthrange(year, month)[1])
    return wall.replace(year=year, month=month, day=day) + timedelta(days=days)


def _start(
    text: str, named_zone: tzinfo | None, now: datetime, schedule: str
) -> tuple[datetime, tzinfo]:
    """The start as (naive wall clock, zone). A named zone re-zones the wall-clock fields."""
    if not text:
        zone = named_zone or UTC
        local = now.astimezone(zone)
        wall = local.replace(tzinfo=None, microsecond=local.microsecond // 1000 * 1000)
        return wall, zone
    try:
        parsed = (
            isodate.parse_datetime(text)
            if "T" in text
            else datetime.combine(isodate.parse_date(text), time())
        )
    except (isodate.ISO8601Error, ValueError) as exc:
        raise InvalidJob(f"Cannot parse schedule '{schedule}': start: {exc}") from exc
    if named_zone is not None:
        return parsed.replace(tzinfo=None), named_zone
    offset = parsed.utcoffset()
    return parsed.replace(tzinfo=None), timezone(offset) if offset else UTC
