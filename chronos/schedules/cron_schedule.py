"""Cron schedules: a plain 5-field cron line read in a time zone (see schedules.schedule).

croniter steps the naive wall clock; schedules.wallclock turns each wall-clock match into an
instant, which is where the DST rule lives. Matches that land on the same instant (several
minutes inside one gap) are one slot.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo

from croniter import CroniterBadDateError, CroniterError, croniter

from chronos.errors import InvalidJob
from chronos.schedules.schedule_base import ScheduleBase, zone_for
from chronos.schedules.wallclock import fold_shift, to_instant
from chronos.timefmt import require_aware

_TICK = timedelta(microseconds=1)
MACROS = frozenset(
    {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
)


@dataclass(frozen=True)
class CronSchedule(ScheduleBase):
    """`expression` in `zone`; slots are the matches at or after `origin` (the acceptance time).

    Two schedules with the same line and zone are equal whenever they were accepted.
    """

    expression: str
    zone: tzinfo
    zone_name: str
    origin: datetime = field(compare=False)

    @classmethod
    def parse(cls, text: str, tz_name: str, now: datetime) -> CronSchedule:
        expression = " ".join(text.split())
        if not (len(expression.split(" ")) == 5 or expression in MACROS):
            raise InvalidJob(
                f"Cannot parse schedule '{text}': expected R[n]/<start>/<period> "
                "or a 5-field cron line"
            )
        if not croniter.is_valid(expression):
            raise InvalidJob(f"Cannot parse schedule '{text}': invalid cron line")
        schedule = cls(expression, zone_for(tz_name) or UTC, tz_name, require_aware(now, "now"))
        try:
            schedule.first_slot()
        except CroniterBadDateError as exc:
            raise InvalidJob(f"Cannot parse schedule '{text}': it never matches a date") from exc
        return schedule

    def next_slot(self, after: datetime | None) -> datetime | None:
        return next(self._instants_after(after))

    def slots(self, after: datetime | None, until: datetime) -> Iterator[datetime]:
        for instant in self._instants_after(after):
            if instant > until:
                return
            yield instant

    def prev_slot(self, before: datetime) -> datetime | None:
        if before <= self.origin:
            return None
        wall = self._wall(before)
        # In an overlap's second pass, later wall-clock matches map to instants before us.
        matches = croniter(self.expression, wall + fold_shift(wall, self.zone))
        try:
            while True:
                instant = to_instant(matches.get_prev(datetime), self.zone)
                if instant < before:
                    return instant if instant >= self.origin else None
        except CroniterError:
            return None

    def advanced_to(self, slot: datetime) -> CronSchedule:
        return replace(self, origin=max(self.origin, slot + _TICK))

    def skipped_forward(self, handled: datetime | None, now: datetime) -> CronSchedule:
        return self.advanced_to(now)  # a cron line repeats forever: no recurrence to count

    def __str__(self) -> str:
        return self.expression

    def _instants_after(self, after: datetime | None) -> Iterator[datetime]:
        """Slots after `after` (from the origin when None or earlier), one per instant."""
        last = after if after is not None and after >= self.origin else self.origin - _TICK
        matches = croniter(self.expression, self._wall(last))
        while True:
            instant = to_instant(matches.get_next(datetime), self.zone)
            # Several gap minutes share an instant; an overlap's second pass repeats earlier ones.
            if instant > last:
                yield instant
                last = instant

    def _wall(self, instant: datetime) -> datetime:
        return require_aware(instant, "instant").astimezone(self.zone).replace(tzinfo=None)
