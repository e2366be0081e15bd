"""Instants as Chronos writes them: ISO 8601 with milliseconds and an offset ("...000Z")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

import isodate

from chronos.errors import InvalidJob

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def format_instant(instant: datetime, zone: tzinfo = UTC) -> str:
    """`2026-01-01T00:00:00.000Z`, or with the zone's offset (`...000-05:00`) in that zone."""
    local = instant.astimezone(zone)
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
    offset = local.utcoffset()
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}:{mins:02d}"


def parse_instant(text: str, field: str) -> datetime:
    """An ISO 8601 timestamp; without an offset it is UTC (as Chronos reads it)."""
    try:
        parsed = isodate.parse_datetime(text)
    except (isodate.ISO8601Error, ValueError) as exc:
        raise InvalidJob(f"Cannot parse {field} '{text}': {exc}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_millis(instant: datetime) -> int:
    """Milliseconds since the epoch (task ids and CHRONOS_JOB_RUN_TIME use these)."""
    return (require_aware(instant, "instant") - EPOCH) // timedelta(milliseconds=1)


def from_millis(millis: int) -> datetime:
    """The UTC instant `millis` milliseconds after the epoch."""
    return EPOCH + timedelta(milliseconds=millis)


def require_aware(instant: datetime, what: str) -> datetime:
    """Logic never guesses a zone: a naive datetime here is a programming error."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return instant
