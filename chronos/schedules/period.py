"""ISO 8601 durations split into a calendar part (Y/M/W/D) and an absolute part (T...).

isodate folds `P1D` and `PT24H` into the same timedelta, but a schedule must tell them
apart: `P1D` is "same wall-clock time tomorrow" in the schedule's zone, `PT24H` is 24
elapsed hours. So each half is parsed on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import isodate

from chronos.errors import InvalidJob


@dataclass(frozen=True)
class Period:
    """`years`, `months`, `days` are calendar steps; `elapsed` is absolute time. `text` as given."""

    text: str
    years: int = 0
    months: int = 0
    days: int = 0
    elapsed: timedelta = timedelta(0)

    @property
    def is_calendar(self) -> bool:
        return bool(self.years or self.months or self.days)

    def approx_seconds(self) -> float:
        """Mean length in seconds (Gregorian month/year), for estimating slot indices."""
        return (
            self.years * 365.2425 * 86400
            + self.months * 30.436875 * 86400
            + self.days * 86400
            + self.elapsed.total_seconds()
        )

    @classmethod
    def parse(cls, text: str, allow_zero: bool = False) -> Period:
        """Parse `P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]`; raise ValueError if malformed (or zero)."""
        if not text.startswith("P"):
            raise ValueError("a period starts with 'P'")
        date_text, _, time_text = text.partition("T")
        if "T" in text and not time_text:
            raise ValueError("'T' must be followed by hours, minutes or seconds")
        years = months = days = 0
        if date_text != "P":
            date_part = _parse_half(date_text)
            years, months = _whole(date_part, "years"), _whole(date_part, "months")
            tdelta = date_part.tdelta if isinstance(date_part, isodate.Duration) else date_part
            if tdelta.seconds or tdelta.microseconds:
                raise ValueError("days and weeks must be whole numbers")
            days = tdelta.days
        elapsed = timedelta(0)
        if time_text:
            time_part = _parse_half("PT" + time_text)
            if isinstance(time_part, isodate.Duration):
                raise ValueError("years and months belong before 'T'")
            elapsed = time_part
        if min(years, months, days) < 0 or elapsed < timedelta(0):
            raise ValueError("a period cannot be negative")
        period = cls(text, years, months, days, elapsed)
        if not (allow_zero or period.is_calendar or elapsed):
            raise ValueError("a period cannot be zero")
        return period


def parse_epsilon(text: str) -> timedelta:
    """`epsilon`: an ISO duration of elapsed time (days count as 24 h; months/years refused)."""
    try:
        period = Period.parse(text, allow_zero=True)
    except ValueError as exc:
        raise InvalidJob(f"Cannot parse epsilon '{text}': {exc}") from exc
    if period.years or period.months:
        raise InvalidJob(f"epsilon '{text}' must not use years or months")
    return timedelta(days=period.days) + period.elapsed


def format_epsilon(epsilon: timedelta) -> str:
    """Seconds form Chronos 2.x writes: `PT60S` (fractions kept)."""
    seconds = epsilon.total_seconds()
    return f"PT{int(seconds)}S" if seconds == int(seconds) else f"PT{seconds}S"


def _parse_half(text: str) -> timedelta | isodate.Duration:
    try:
        return isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError) as exc:
        raise ValueError(str(exc)) from exc


def _whole(part: timedelta | isodate.Duration, unit: str) -> int:
    if not isinstance(part, isodate.Duration):
        return 0
    value = Decimal(getattr(part, unit))
    if value != value.to_integral_value():
        raise ValueError(f"{unit} must be whole numbers")
    return int(value)
