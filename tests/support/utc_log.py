"""Checks that a process's log lines are stamped in UTC, whatever the zone it runs in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# A zone 14 hours from UTC: a line stamped in local time cannot pass for UTC in it.
FAR_ZONE = "Pacific/Kiritimati"
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z ")


def assert_stamped_in_utc(log: str, started: datetime) -> None:
    """Every log line begins `YYYY-MM-DDTHH:MM:SS.mmmZ` at or after `started`, and not in
    the future. Lines that start with no date (a process's own "listening on" line, a
    traceback's) are not log lines."""
    lines = [line for line in log.splitlines() if line[:1].isdigit()]
    assert lines, "no log lines"
    for line in lines:
        match = _STAMP.match(line)
        assert match, f"not stamped in UTC: {line!r}"
        stamp = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
        assert started - timedelta(seconds=1) <= stamp <= datetime.now(UTC), line
