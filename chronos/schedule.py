"""Schedules: when a job is due. Two forms share one `schedule` field.

ISO 8601 repeating interval (Chronos): `R[n]/<start>/<period>`
- bare `R` repeats forever, `Rn` means n slots in total counted from the start, `R0` none;
- an empty start (`R//PT1H`) means "now": it is fixed to the acceptance time by `parse`;
- with `scheduleTimeZone` (an IANA name or a Java id, see chronos.zone_ids) the start's
  wall-clock fields are kept and re-zoned, whatever offset the start carried; without it
  the start's own offset (or UTC) is the zone;
- Y/M/W/D periods step the wall clock in that zone (`P1D` keeps 02:30 across DST),
  T-periods (`PT24H`) are elapsed time. Month steps clamp to the month's end (Jan 31 + P1M
  is Feb 28) and are counted from the start, so they never drift (the next is Mar 31).

Cron (a Dromos addition): `schedule` is a plain 5-field cron line, e.g. `*/5 * * * *`
(or one of @yearly @annually @monthly @weekly @daily @midnight @hourly), read in
`scheduleTimeZone` (UTC when empty). It repeats forever; its slots start at acceptance.

DST (both forms, see chronos.wallclock): a wall-clock slot inside a spring-forward gap runs
once, at the first valid instant after the gap; a slot in a fall-back overlap runs once, at
its first occurrence.

All slot times are UTC-aware datetimes. `after` bounds are exclusive, `until` inclusive.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chronos.zone_ids import custom_offset, iana_name
from scheduler.errors import InvalidJob


class Schedule(ABC):
    """When a job is due; immutable. `zone_name` is the `scheduleTimeZone` given ("" if none)."""

    zone_name: str

    @classmethod
    def parse(cls, text: str, tz_name: str, now: datetime) -> Schedule:
        """Parse a Chronos ISO schedule or a cron line; `now` fixes an empty start."""
        # Imported here: both forms subclass Schedule, so they import this module.
        from chronos.cron_schedule import CronSchedule
        from chronos.iso_schedule import IsoSchedule

        text = text.strip()
        if text.startswith("R"):
            return IsoSchedule.parse(text, tz_name, now)
        if text:
            return CronSchedule.parse(text, tz_name, now)
        raise InvalidJob("Cannot parse schedule '': it is empty")

    @abstractmethod
    def next_slot(self, after: datetime | None) -> datetime | None:
        """The first slot strictly after `after` (the first slot if None), or None if exhausted."""

    @abstractmethod
    def prev_slot(self, before: datetime) -> datetime | None:
        """The last slot strictly before `before`, or None."""

    @abstractmethod
    def advanced_to(self, slot: datetime) -> Schedule:
        """This schedule as Chronos shows it once `slot` has been handled."""

    @abstractmethod
    def skipped_forward(self, handled: datetime | None, now: datetime) -> Schedule:
        """This schedule once one late run has stood in for every unhandled slot up to
        `now` (Chronos 3's skip forward): it goes on at the first slot after `now`, with one
        recurrence fewer however many slots the late run stood in for. `handled` is the last
        slot handled before (None: none)."""

    @abstractmethod
    def __str__(self) -> str:
        """The `schedule` field as Chronos clients read it."""

    def first_slot(self) -> datetime | None:
        return self.next_slot(None)

    def slots(self, after: datetime | None, until: datetime) -> Iterator[datetime]:
        """Slots in (after, until], oldest first (from the first slot when `after` is None)."""
        slot = self.next_slot(after)
        while slot is not None and slot <= until:
            yield slot
            slot = self.next_slot(slot)


def zone_for(tz_name: str) -> tzinfo | None:
    """The zone `scheduleTimeZone` names (an IANA name or a Java id), or None when empty."""
    if not tz_name:
        return None
    fixed = custom_offset(tz_name)
    if fixed is not None:
        return fixed
    try:
        return ZoneInfo(iana_name(tz_name))
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidJob(
            f"Invalid scheduleTimeZone '{tz_name}': not an IANA or Java time zone id"
        ) from exc
