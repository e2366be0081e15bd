"""Unreserved agent resources: scalars (cpus, mem, disk, gpus) and ranges (ports).

Arithmetic is done in thousandths, as Mesos does, so that 0.1 + 0.2 offers exactly 0.3.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Range = tuple[int, int]


class ResourceError(ValueError):
    """A Resource list that Mesos would reject."""


def _normalize(ranges: Iterable[Range]) -> tuple[Range, ...]:
    """Sorted, merged ranges: [(1, 3), (4, 5)] becomes ((1, 5),)."""
    merged: list[Range] = []
    for begin, end in sorted(ranges):
        if merged and begin <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return tuple(merged)


def _begin(span: Range) -> int:
    return span[0]


def _end(span: Range) -> int:
    return span[1]


def _subtract_ranges(left: tuple[Range, ...], right: tuple[Range, ...]) -> tuple[Range, ...]:
    """`left` less `right`, both normalized. Each range of `right` cuts the spans of `left`
    it overlaps, found by bisection: an agent's used ports are thousands of ranges once
    tasks come and go, and freeing or taking one port must not walk all of them."""
    if not left or not right:
        return left
    spans = list(left)
    for r_begin, r_end in right:
        low = bisect.bisect_left(spans, r_begin, key=_end)  # first span ending at or after
        high = bisect.bisect_right(spans, r_end, lo=low, key=_begin)  # first beyond it
        if low >= high:
            continue
        pieces: list[Range] = []
        if spans[low][0] < r_begin:
            pieces.append((spans[low][0], r_begin - 1))
        if spans[high - 1][1] > r_end:
            pieces.append((r_end + 1, spans[high - 1][1]))
        spans[low:high] = pieces
    return tuple(spans)


def _add_ranges(left: tuple[Range, ...], right: tuple[Range, ...]) -> tuple[Range, ...]:
    """`left` and `right` merged, both normalized: each range of the smaller one is spliced
    into the other where bisection puts it, with the spans it touches."""
    if len(left) < len(right):
        left, right = right, left
    if not right:
        return left
    spans = list(left)
    for r_begin, r_end in right:
        # Spans that overlap or touch [r_begin, r_end] merge with it.
        low = bisect.bisect_left(spans, r_begin - 1, key=_end)
        high = bisect.bisect_right(spans, r_end + 1, lo=low, key=_begin)
        if low < high:
            r_begin = min(r_begin, spans[low][0])
            r_end = max(r_end, spans[high - 1][1])
        spans[low:high] = [(r_begin, r_end)]
    return tuple(spans)


def _covers(outer: tuple[Range, ...], inner: tuple[Range, ...]) -> bool:
    """Every range of `inner` lies within one span of `outer` (normalized: spans never touch)."""
    for begin, end in inner:
        at = bisect.bisect_right(outer, begin, key=_begin) - 1
        if at < 0 or outer[at][1] < end:
            return False
    return True


@dataclass(frozen=True)
class Resources:
    """A bag of unreserved resources; scalars are stored in thousandths."""

    scalars: Mapping[str, int] = field(default_factory=dict)
    ranges: Mapping[str, tuple[Range, ...]] = field(default_factory=dict)

    @classmethod
    def of(
        cls, scalars: Mapping[str, float], ranges: Mapping[str, Iterable[Range]] | None = None
    ) -> Resources:
        return cls(
            {k: round(v * 1000) for k, v in scalars.items() if round(v * 1000) > 0},
            {k: _normalize(v) for k, v in (ranges or {}).items() if _normalize(v)},
        )

    @classmethod
    def from_json(cls, items: Any) -> Resources:
        """Parse a Mesos Resource list, raising ResourceError for what Mesos rejects."""
        if not isinstance(items, list):
            raise ResourceError("resources must be a list")
        total = cls()
        for item in items:
            total = total + _parse_one(item)
        return total

    def scalar(self, name: str) -> float:
        return self.scalars.get(name, 0) / 1000

    def is_empty(self) -> bool:
        return not self.scalars and not self.ranges

    def __add__(self, other: Resources) -> Resources:
        scalars = dict(self.scalars)
        for name, amount in other.scalars.items():
            scalars[name] = scalars.get(name, 0) + amount
        ranges = dict(self.ranges)
        for name, spans in other.ranges.items():
            ranges[name] = _add_ranges(ranges.get(name, ()), spans)
        return Resources(scalars, ranges)

    def __sub__(self, other: Resources) -> Resources:
        scalars = {
            name: amount - other.scalars.get(name, 0)
            for name, amount in self.scalars.items()
            if amount - other.scalars.get(name, 0) > 0
        }
        ranges = {
            name: rest
            for name, spans in self.ranges.items()
            if (rest := _subtract_ranges(spans, other.ranges.get(name, ())))
        }
        return Resources(scalars, ranges)

    def contains(self, other: Resources) -> bool:
        return all(self.scalars.get(n, 0) >= a for n, a in other.scalars.items()) and all(
            _covers(self.ranges.get(n, ()), spans) for n, spans in other.ranges.items()
        )

    def to_json(self, allocation_role: str | None = None) -> list[dict[str, Any]]:
        """The Resource list; `allocation_role` adds allocation_info for MULTI_ROLE frameworks."""
        items: list[dict[str, Any]] = [
            {"name": name, "type": "SCALAR", "scalar": {"value": amount / 1000}, "role": "*"}
            for name, amount in sorted(self.scalars.items())
        ]
        items += [
            {
                "name": name,
                "type": "RANGES",
                "ranges": {"range": [{"begin": b, "end": e} for b, e in spans]},
                "role": "*",
            }
            for name, spans in sorted(self.ranges.items())
        ]
        if allocation_role is not None:
            for item in items:
                item["allocation_info"] = {"role": allocation_role}
        return items

    def flat(self) -> dict[str, Any]:
        """The flat map of /master/state: {"cpus": 1.0, "ports": "[31000-31005]"}."""
        flat: dict[str, Any] = {"cpus": 0.0, "mem": 0.0, "disk": 0.0, "gpus": 0.0}
        flat.update({name: amount / 1000 for name, amount in self.scalars.items()})
        for name, spans in self.ranges.items():
            flat[name] = "[" + ", ".join(f"{b}-{e}" for b, e in spans) + "]"
        return flat


def _parse_one(item: Any) -> Resources:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise ResourceError("each resource needs a name")
    name, kind = item["name"], item.get("type", "SCALAR")
    if item.get("reservation") or item.get("reservations") or item.get("disk"):
        raise ResourceError(f"resource '{name}': only unreserved resources exist on this agent")
    if item.get("role", "*") != "*":
        raise ResourceError(f"resource '{name}': role '{item['role']}' is not offered")
    if kind == "SCALAR":
        value = _number(item.get("scalar", {}).get("value"), name)
        if value < 0:
            raise ResourceError(f"resource '{name}': negative scalar")
        return Resources.of({name: value})
    if kind == "RANGES":
        spans = item.get("ranges", {}).get("range", [])
        try:
            pairs = [(int(s["begin"]), int(s["end"])) for s in spans]
        except (KeyError, TypeError, ValueError) as error:
            raise ResourceError(f"resource '{name}': bad range") from error
        if any(b > e or b < 0 for b, e in pairs):
            raise ResourceError(f"resource '{name}': invalid range")
        return Resources.of({}, {name: pairs})
    raise ResourceError(f"resource '{name}': type {kind} is not supported")


def _number(raw: Any, name: str) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError) as error:
        raise ResourceError(f"resource '{name}': scalar value missing or not a number") from error
