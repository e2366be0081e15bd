"""Wall-clock times in a zone to instants, with one rule for DST.

- A wall-clock time that does not exist (spring-forward gap) maps to the first valid instant
  after the gap: 02:30 on a day New York jumps from 02:00 to 03:00 becomes 03:00 EDT.
- A wall-clock time that exists twice (fall-back overlap) maps to its first occurrence:
  01:30 on a day New York falls back becomes 01:30 EDT, never 01:30 EST.
So a daily 02:30 job runs exactly once on both days, and a schedule never runs twice for
one wall-clock slot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo


def to_instant(wall: datetime, zone: tzinfo) -> datetime:
    """The UTC instant for naive wall-clock `wall` in `zone`, by the rule above."""
    early = wall.replace(tzinfo=zone, fold=0)
    late = wall.replace(tzinfo=zone, fold=1)
    if early.utcoffset() == late.utcoffset() or _exists(early):
        return early.astimezone(UTC)
    # In a gap, fold=1 applies the new offset and lands before the transition, fold=0 applies
    # the old offset and lands after it: the transition lies between the two.
    return _transition_between(late.astimezone(UTC), early.astimezone(UTC), zone)


def fold_shift(wall: datetime, zone: tzinfo) -> timedelta:
    """How much longer than usual the wall-clock hour of `wall` lasts (the overlap length, or 0)."""
    early = wall.replace(tzinfo=zone, fold=0).utcoffset() or timedelta(0)
    late = wall.replace(tzinfo=zone, fold=1).utcoffset() or timedelta(0)
    return max(early - late, timedelta(0))


def _exists(local: datetime) -> bool:
    naive = local.replace(tzinfo=None)
    return local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) == naive


def _transition_between(before: datetime, after: datetime, zone: tzinfo) -> datetime:
    """The first whole second at or before `after` whose UTC offset differs from `before`'s."""
    old_offset = before.astimezone(zone).utcoffset()
    low, high = 0, int((after - before).total_seconds())
    while low < high:
        middle = (low + high) // 2
        if (before + timedelta(seconds=middle)).astimezone(zone).utcoffset() == old_offset:
            low = middle + 1
        else:
            high = middle
    return before + timedelta(seconds=low)
