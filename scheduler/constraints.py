"""Placement constraints: the Marathon operators, as values."""

from __future__ import annotations

import enum
from dataclasses import dataclass


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
