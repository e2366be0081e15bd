"""What both schedule kinds (iso_schedule, cron_schedule) share: the slot interface and the
time zone rule. The kinds import this module; chronos.schedules.schedule imports the kinds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chronos.errors import InvalidJob


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
    """The IANA zone named by `scheduleTimeZone`, or None when it is empty."""
    if not tz_name:
        return None
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidJob(f"Invalid scheduleTimeZone '{tz_name}': not an IANA time zone") from exc
