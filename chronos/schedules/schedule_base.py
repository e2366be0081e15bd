"""What both schedule kinds (iso_schedule, cron_schedule) share: the slot interface and the
time zone rule. The kinds import this module; chronos.schedules.schedule imports the kinds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chronos.errors import InvalidJob
from chronos.schedules.zone_ids import custom_offset, iana_name


class ScheduleBase(ABC):
    """What both schedule kinds share; immutable. `zone_name` is the `scheduleTimeZone` given
    ("" if none)."""

    zone_name: str

    @abstractmethod
    def next_slot(self, after: datetime | None) -> datetime | None:
        """The first slot strictly after `after` (the first slot if None), or None if exhausted."""

    @abstractmethod
    def prev_slot(self, before: datetime) -> datetime | None:
        """The last slot strictly before `before`, or None."""

    @abstractmethod
    def advanced_to(self, slot: datetime) -> ScheduleBase:
        """This schedule as Chronos shows it once `slot` has been handled."""

    @abstractmethod
    def skipped_forward(self, handled: datetime | None, now: datetime) -> ScheduleBase:
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
