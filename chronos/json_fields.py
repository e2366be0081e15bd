"""Typed reads from a job's JSON object, each failing with a Chronos 400 (InvalidJob).

A JSON `null` reads as the field's default, as Chronos's deserializer treats it. Like that
deserializer (Jackson's `asDouble`, `asInt`, `asBoolean`), a number may come as a numeric
string (`"cpus": "0.5"`) and a boolean as `"true"`/`"false"`. Any other string is refused,
where Chronos would silently read 0 or false.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping

from chronos.errors import InvalidJob


class JsonObject:
    """A JSON object read field by field; `where` prefixes messages ("fetch[0].")."""

    def __init__(self, data: object, where: str = "") -> None:
        if not isinstance(data, Mapping):
            raise InvalidJob(f"{where.rstrip('.') or 'the job'} must be a JSON object")
        self._data: Mapping[str, object] = data
        self._where = where

    def has(self, key: str) -> bool:
        return self._data.get(key) is not None

    def raw(self, key: str) -> object:
        return self._data.get(key)

    def copy(self) -> dict[str, object]:
        """A deep copy of the whole object (for fields passed through untouched)."""
        return copy.deepcopy(dict(self._data))

    def string(self, key: str, default: str = "") -> str:
        value = self._data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(key, "must be a string")
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self._data.get(key)
        if value is None:
            return default
        if value in ("true", "false"):
            return value == "true"
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value

    def integer(self, key: str, default: int = 0) -> int:
        """A non-negative integer."""
        value = _number_in_text(self._data.get(key))
        if value is None:
            return default
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.error(key, "must be a non-negative integer")
        return value

    def number(self, key: str, default: float = 0.0) -> float:
        """A finite non-negative number."""
        value = _number_in_text(self._data.get(key))
        if value is None:
            return default
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self.error(key, "must be a number")
        if not math.isfinite(value) or value < 0:
            raise self.error(key, "must be a finite number >= 0")
        return float(value)

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.items(key)
        if not all(isinstance(item, str) for item in items):
            raise self.error(key, "must be a list of strings")
        return tuple(str(item) for item in items)

    def items(self, key: str) -> list[object]:
        value = self._data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, "must be a list")
        return value

    def objects(self, key: str) -> list[JsonObject]:
        return [
            JsonObject(item, f"{self._where}{key}[{index}].")
            for index, item in enumerate(self.items(key))
        ]

    def error(self, key: str, problem: str) -> InvalidJob:
        return InvalidJob(f"'{self._where}{key}' {problem}")


def _number_in_text(value: object) -> object:
    """A numeric string as its number (int when integral in form); anything else unchanged."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return value
