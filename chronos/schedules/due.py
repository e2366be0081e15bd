"""Which slots of a schedule are due now, and which are overdue (the slot timer asks this).

A slot is due when it is at most `epsilon` old (`now - epsilon <= slot <= now + ahead`,
where `ahead` lets a run be claimed and launched a little before its slot) and overdue
when it is older. What becomes of overdue slots (a start in the past, or a scheduler that
was down) is the scheduler's `PastStartRule`:
- CHRONOS3 (the default, as Chronos 3 does): one run now stands in for all of them, and
  the schedule skips forward to its first slot after now with one recurrence fewer
  (`Schedule.skipped_forward`). A day of downtime costs one late run, not a day of them.
- CHRONOS2 (as Chronos 2 did): they are recorded as missed and never run.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import NamedTuple

from chronos.schedules.schedule import Schedule

MAX_MISSED = 100


class PastStartRule(enum.Enum):
    """What a scheduler does with slots older than epsilon (see above)."""

    CHRONOS3 = "chronos3"
    CHRONOS2 = "chronos2"


class DueSlots(NamedTuple):
    """`due` and `missed` (overdue) oldest first. `missed_truncated`: older overdue slots
    exist, unlisted."""

    due: list[datetime]
    missed: list[datetime]
    missed_truncated: bool


def due_slots(
    schedule: Schedule,
    after: datetime | None,
    now: datetime,
    epsilon: timedelta,
    max_missed: int = MAX_MISSED,
    ahead: timedelta = timedelta(0),
) -> DueSlots:
    """Slots in (after, now + ahead] split by lateness; `after` is the last slot handled (None:
    none yet).

    At most `max_missed` missed slots are listed (the most recent ones), so a schedule that
    fell far behind costs bounded work.
    """
    deadline = now - epsilon
    missed: list[datetime] = []
    slot = schedule.prev_slot(deadline)
    while slot is not None and _after(slot, after) and len(missed) < max_missed:
        missed.append(slot)
        slot = schedule.prev_slot(slot)
    truncated = slot is not None and _after(slot, after)
    missed.reverse()
    lower = deadline - timedelta(microseconds=1)
    if after is not None and after > lower:
        lower = after
    due = list(schedule.slots(lower, now + ahead))
    return DueSlots(due, missed, truncated)


def _after(slot: datetime, after: datetime | None) -> bool:
    return after is None or slot > after
