"""A job's placement constraints as Chronos writes them: [attribute, operator, value].

The scheduler's launch path has its own, wider constraint type; scheduler.jobs.task_info
turns these into it, so chronos/ needs nothing of the scheduler.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Operator(enum.Enum):
    EQUALS = "EQUALS"
    LIKE = "LIKE"
    UNLIKE = "UNLIKE"


@dataclass(frozen=True)
class Constraint:
    """`field` is `hostname` or an agent attribute name; LIKE and UNLIKE values are regexes."""

    field: str
    operator: Operator
    value: str | None = None
