"""Placement constraints: the Marathon operators, as values."""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation


class Operator(enum.Enum):
    UNIQUE = "UNIQUE"
    CLUSTER = "CLUSTER"
    GROUP_BY = "GROUP_BY"
    LIKE = "LIKE"
    UNLIKE = "UNLIKE"
    MAX_PER = "MAX_PER"
    IS = "IS"
    # Chronos job constraints: EQUALS is Marathon's IS under another name.
    EQUALS = "EQUALS"


@dataclass(frozen=True)
class Constraint:
    """`field` is `hostname` or an agent attribute name; `value` is operator-specific."""

    field: str
    operator: Operator
    value: str | None = None


HOSTNAME_FIELDS = frozenset({"hostname", "@hostname"})
_MILLI = Decimal("0.001")
_WIDE = Context(prec=400)  # digits enough for any float rounded to 3 decimals


def field_value(field: str, hostname: str, attributes: Iterable[tuple[str, str]]) -> str | None:
    """The value a constraint on `field` sees for an agent; None when the agent lacks it."""
    if field in HOSTNAME_FIELDS:
        return hostname
    return next((value for name, value in attributes if name == field), None)


def check(
    constraint: Constraint, value: str | None, placed: Iterable[str] | Mapping[str, int]
) -> str | None:
    """Whether an agent whose `constraint.field` is `value` may take one more instance.

    `placed` holds the field values of the run spec's instances already placed, as a list
    or as counts per value; a count of 0 marks a value known from offers that has no
    instance yet (GROUP_BY spreads over every known value). Returns None when the
    constraint holds, else the reason, e.g. "hostname UNIQUE (1 instance already on
    host1)". A missing value (None) satisfies only UNLIKE.
    """
    if value is None:
        if constraint.operator is Operator.UNLIKE:
            return None
        return f"{_describe(constraint)} (agent has no {constraint.field} attribute)"
    counts = placed if isinstance(placed, Mapping) else Counter(placed)
    return _CHECKS[constraint.operator](constraint, value, counts)


def _describe(constraint: Constraint) -> str:
    parts = [constraint.field, constraint.operator.value]
    if constraint.value:
        parts.append(constraint.value)
    return " ".join(parts)


def _instances(count: int) -> str:
    return f"{count} instance{'' if count == 1 else 's'}"


def _unique(constraint: Constraint, value: str, counts: Mapping[str, int]) -> str | None:
    count = counts.get(value, 0)
    if count == 0:
        return None
    return f"{_describe(constraint)} ({_instances(count)} already on {value})"


def _cluster(constraint: Constraint, value: str, counts: Mapping[str, int]) -> str | None:
    if constraint.value:
        if value == constraint.value:
            return None
        return f"{_describe(constraint)} (agent has {value})"
    pinned = next((v for v, n in counts.items() if n > 0), None)
    if pinned is None or pinned == value:
        return None
    return f"{_describe(constraint)} (instances run on {pinned}, agent has {value})"


def _group_by(constraint: Constraint, value: str, counts: Mapping[str, int]) -> str | None:
    expected = _integer(constraint.value) if constraint.value else 0
    if expected is None:
        return f"{_describe(constraint)} (value is not an integer)"
    known = list(counts.values())
    # Values not known yet hold zero instances: while fewer than `expected` values are
    # known, the fewest on any value is zero.
    fewest = 0 if not known or len(known) < expected else min(known)
    count = counts.get(value, 0)
    if count <= fewest:
        return None
    return (
        f"{_describe(constraint)} ({_instances(count)} on {value}, "
        f"fewest on a value is {fewest})"
    )


def _max_per(constraint: Constraint, value: str, counts: Mapping[str, int]) -> str | None:
    limit = _integer(constraint.value)
    if limit is None:
        return f"{_describe(constraint)} (value is not an integer)"
    count = counts.get(value, 0)
    if count < limit:
        return None
    return f"{_describe(constraint)} ({_instances(count)} already on {value})"


def _like(constraint: Constraint, value: str, counts: Mapping[str, int]) -> str | None:
    matches = _full_match(constraint.value, value)
    if matches is None:
        return f"{_describe(constraint)} (value is not a valid regular expression)"
    wanted = constraint.operator is Operator.LIKE
    if matches == wanted:
        return None
    return f"{_describe(constraint)} (agent has {value})"


def _is(constraint: Constraint, value: str, counts: Mapping[str, int]) -> str | None:
    if _same_value(value, constraint.value or ""):
        return None
    return f"{_describe(constraint)} (agent has {value})"


_CHECKS: dict[Operator, Callable[[Constraint, str, Mapping[str, int]], str | None]] = {
    Operator.UNIQUE: _unique,
    Operator.CLUSTER: _cluster,
    Operator.GROUP_BY: _group_by,
    Operator.LIKE: _like,
    Operator.UNLIKE: _like,
    Operator.MAX_PER: _max_per,
    Operator.IS: _is,
    Operator.EQUALS: _is,
}


def _integer(text: str | None) -> int | None:
    try:
        return int(text or "")
    except ValueError:
        return None


def _full_match(pattern: str | None, value: str) -> bool | None:
    try:
        return re.fullmatch(pattern or "", value) is not None
    except re.error:
        return None


def _same_value(agent_value: str, wanted: str) -> bool:
    """Equal as text, or as numbers rounded to 3 decimals (half-even), as Mesos scalars."""
    if agent_value == wanted:
        return True
    try:
        a, b = Decimal(agent_value), Decimal(wanted)
    except InvalidOperation:
        return False
    return a.is_finite() and b.is_finite() and round_milli(a) == round_milli(b)


def round_milli(number: Decimal) -> Decimal:
    """Round a finite number to 3 decimals, half-even, as Mesos compares scalars."""
    return number.quantize(_MILLI, ROUND_HALF_EVEN, _WIDE)

