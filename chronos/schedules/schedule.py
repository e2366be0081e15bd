"""Schedules: when a job is due. Two forms share one `schedule` field.

ISO 8601 repeating interval (Chronos): `R[n]/<start>/<period>`
- bare `R` repeats forever, `Rn` means n slots in total counted from the start, `R0` none;
- an empty start (`R//PT1H`) means "now": it is fixed to the acceptance time by `parse`;
- with `scheduleTimeZone` (an IANA name or a Java id, see schedules.zone_ids) the start's
  wall-clock fields are kept and re-zoned, whatever offset the start carried; without it
  the start's own offset (or UTC) is the zone;
- Y/M/W/D periods step the wall clock in that zone (`P1D` keeps 02:30 across DST),
  T-periods (`PT24H`) are elapsed time. Month steps clamp to the month's end (Jan 31 + P1M
  is Feb 28) and are counted from the start, so they never drift (the next is Mar 31).

Cron (a Dromos addition): `schedule` is a plain 5-field cron line, e.g. `*/5 * * * *`
(or one of @yearly @annually @monthly @weekly @daily @midnight @hourly), read in
`scheduleTimeZone` (UTC when empty). It repeats forever; its slots start at acceptance.

DST (both forms, see schedules.wallclock): a wall-clock slot inside a spring-forward gap runs
once, at the first valid instant after the gap; a slot in a fall-back overlap runs once, at
its first occurrence.

All slot times are UTC-aware datetimes. `after` bounds are exclusive, `until` inclusive.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from chronos.errors import InvalidJob
from chronos.schedules.cron_schedule import CronSchedule
from chronos.schedules.iso_schedule import IsoSchedule


class Schedule(Protocol):
    """When a job is due; immutable. `zone_name` is the `scheduleTimeZone` given ("" if none).

    Both kinds implement it on chronos.schedules.schedule_base.ScheduleBase; `parse` picks the kind.
    """

    @property
    def zone_name(self) -> str: ...

    @classmethod
    def parse(cls, text: str, tz_name: str, now: datetime) -> Schedule:
        """Parse a Chronos ISO schedule or a cron line; `now` fixes an empty start."""
        text = text.strip()
        if text.startswith("R"):
            return IsoSchedule.parse(text, tz_name, now)
        if text:
            return CronSchedule.parse(text, tz_name, now)
        raise InvalidJob("Cannot parse schedule '': it is empty")


    def next_slot(self, after: datetime | None) -> datetime | None: ...

    def prev_slot(self, before: datetime) -> datetime | None: ...

    def advanced_to(self, slot: datetime) -> Schedule: ...

    def skipped_forward(self, handled: datetime | None, now: datetime) -> Schedule: ...

    def first_slot(self) -> datetime | None: ...

    def slots(self, after: datetime | None, until: datetime) -> Iterator[datetime]: ...
