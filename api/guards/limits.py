"""Request bodies the API accepts: strict UTF-8 JSON within size, depth and length limits.

Everything here is checked before a view sees the body, so bad input is refused with a
4xx and nothing else runs: NaN, Infinity and numbers that overflow to infinity (they would
make every later listing invalid JSON), invalid UTF-8 (never replaced by U+FFFD), nesting
deeper than `max_depth` (the C parser would raise RecursionError), and strings or label
values past their length limit (a huge label would be served in every listing).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from scheduler.base.errors import MalformedRequest

MB = 1024 * 1024


@dataclass(frozen=True)
class BodyLimits:
    """What one request body may hold; from the scheduler's flags."""

    max_body_bytes: int = 4 * MB
    max_depth: int = 64
    max_string_length: int = 64 * 1024
    max_label_length: int = 4 * 1024


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:40]} is out of range")
    return value


def parse_body(raw: bytes, limits: BodyLimits) -> Any:
    """The JSON in `raw`; MalformedRequest (400 "Invalid JSON") for anything not accepted."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedRequest("Invalid JSON", details=f"invalid UTF-8: {error}") from error
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as error:
        raise _too_deep(limits) from error
    except ValueError as error:  # JSONDecodeError, and the refusals above
        raise MalformedRequest("Invalid JSON", details=str(error)) from error
    check_shape(data, limits)
    return data


def _too_deep(limits: BodyLimits) -> MalformedRequest:
    return MalformedRequest("Invalid JSON", details=f"nested deeper than {limits.max_depth}")


def check_shape(data: Any, limits: BodyLimits) -> None:
    """Depth and string lengths of parsed JSON, in one pass without recursion."""
    stack: list[tuple[Any, int, bool]] = [(data, 1, False)]
    while stack:
        value, depth, in_labels = stack.pop()
        if isinstance(value, str):
            _check_length(value, limits.max_label_length if in_labels else limits.max_string_length)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > limits.max_depth:
            raise _too_deep(limits)
        if isinstance(value, list):
            stack.extend((item, depth + 1, False) for item in value)
            continue
        for key, item in value.items():
            _check_length(key, limits.max_label_length if in_labels else limits.max_string_length)
            labels = in_labels or (key == "labels" and isinstance(item, dict))
            stack.append((item, depth + 1, labels))


def _check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise MalformedRequest(
            "Invalid JSON", details=f"a string of {len(text)} characters (at most {limit})"
        )
