"""Java time-zone ids that are not IANA names, resolved as Chronos resolves them.

Chronos reads `scheduleTimeZone` with `java.util.TimeZone` and hands the zone to Joda-Time,
which renames the old three-letter ids to regions. So `PST` is America/Los_Angeles, and
`EST`, `MST` and `HST` follow their regions' daylight saving (where `java.time`'s
`ZoneId.SHORT_IDS` would fix them to an offset). `GMT+5`, `GMT-08:00` and the like are
Java's custom ids: a fixed offset.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone, tzinfo

JAVA_SHORT_IDS = {
    "ACT": "Australia/Darwin",
    "AET": "Australia/Sydney",
    "AGT": "America/Argentina/Buenos_Aires",
    "ART": "Africa/Cairo",
    "AST": "America/Anchorage",
    "BET": "America/Sao_Paulo",
    "BST": "Asia/Dhaka",
    "CAT": "Africa/Harare",
    "CNT": "America/St_Johns",
    "CST": "America/Chicago",
    "CTT": "Asia/Shanghai",
    "EAT": "Africa/Addis_Ababa",
    "ECT": "CET",
    "EST": "America/New_York",
    "GMT": "UTC",
    "HST": "Pacific/Honolulu",
    "IET": "America/Indiana/Indianapolis",
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "MET": "CET",
    "MIT": "Pacific/Apia",
    "MST": "America/Denver",
    "NET": "Asia/Yerevan",
    "NST": "Pacific/Auckland",
    "PLT": "Asia/Karachi",
    "PNT": "America/Phoenix",
    "PRT": "America/Puerto_Rico",
    "PST": "America/Los_Angeles",
    "SST": "Pacific/Guadalcanal",
    "VST": "Asia/Ho_Chi_Minh",
}

_CUSTOM_ID = re.compile(r"GMT([+-])([0-9]{1,2})(?::?([0-9]{2}))?")


def iana_name(java_id: str) -> str:
    """The IANA name for a Java short id; any other id unchanged."""
    return JAVA_SHORT_IDS.get(java_id, java_id)


def custom_offset(java_id: str) -> tzinfo | None:
    """The fixed zone of a Java custom id (`GMT+5`, `GMT-0800`, `GMT+05:30`), else None."""
    match = _CUSTOM_ID.fullmatch(java_id)
    if match is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if hours > 23 or minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if sign == "-" else offset)
