"""Typed reading of request JSON that collects every problem before failing.

Two kinds of problem, as Marathon reports them: a wrong JSON type is malformed input
(400 "Invalid JSON" with play-json style codes such as `error.expected.jsstring`); a
well-typed value that breaks a rule is a violation (422 "Object is not valid").
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, TypeVar

from scheduler.base.errors import MalformedRequest, ValidationFailed, Violation

E = TypeVar("E", bound=enum.Enum)

EXPECTED_STRING = "error.expected.jsstring"
EXPECTED_NUMBER = "error.expected.jsnumber"
EXPECTED_INT = "error.expected.int"
EXPECTED_BOOLEAN = "error.expected.jsboolean"
EXPECTED_ARRAY = "error.expected.jsarray"
EXPECTED_OBJECT = "error.expected.jsobject"
PATH_MISSING = "error.path.missing"
UNKNOWN_ENUM = "error.unknown.enum.literal"


class Problems:
    """Collects type errors and rule violations per path, in the order found."""

    def __init__(self) -> None:
        self.malformed: dict[str, list[str]] = {}
        self.invalid: dict[str, list[str]] = {}

    def wrong_type(self, path: str, code: str) -> None:
        _add(self.malformed, path, code)

    def violation(self, path: str, message: str) -> None:
        _add(self.invalid, path, message)

    def merge(self, other: Problems, prefix: str) -> None:
        """Add `other`'s problems with their paths moved under `prefix` (like "/apps(0)")."""
        for path, codes in other.malformed.items():
            for code in codes:
                self.wrong_type(_under(prefix, path), code)
        for path, messages in other.invalid.items():
            for message in messages:
                self.violation(_under(prefix, path), message)

    def raise_if_any(self) -> None:
        """Malformed input wins over violations, as it does in Marathon (parsing comes first)."""
        if self.malformed:
            details = [{"path": p, "errors": list(e)} for p, e in self.malformed.items()]
            raise MalformedRequest("Invalid JSON", details=details)
        if self.invalid:
            raise ValidationFailed([Violation(p, tuple(e)) for p, e in self.invalid.items()])


def _add(table: dict[str, list[str]], path: str, text: str) -> None:
    entries = table.setdefault(path or "/", [])
    if text not in entries:
        entries.append(text)


def _under(prefix: str, path: str) -> str:
    return prefix if path == "/" else prefix + path


class Reader:
    """Reads fields of one JSON object at `path`, reporting into `problems`.

    Every getter returns None when the field is absent, null, or of the wrong type.
    """

    def __init__(self, data: Mapping[str, Any], path: str, problems: Problems) -> None:
        self.data = data
        self.path = path
        self.problems = problems

    def at(self, key: str) -> str:
        return f"{self.path}/{key}"

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def string(self, key: str) -> str | None:
        return self._typed(key, str, EXPECTED_STRING)

    def boolean(self, key: str) -> bool | None:
        return self._typed(key, bool, EXPECTED_BOOLEAN)

    def integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            number = isinstance(value, float)
            self.problems.wrong_type(self.at(key), EXPECTED_INT if number else EXPECTED_NUMBER)
            return None
        return value

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problems.wrong_type(self.at(key), EXPECTED_NUMBER)
            return None
        return float(value)

    def array(self, key: str) -> list[Any] | None:
        return self._typed(key, list, EXPECTED_ARRAY)

    def obj(self, key: str) -> Mapping[str, Any] | None:
        return self._typed(key, dict, EXPECTED_OBJECT)

    def child(self, key: str) -> Reader | None:
        data = self.obj(key)
        return None if data is None else Reader(data, self.at(key), self.problems)

    def children(self, key: str) -> list[Reader]:
        """A reader per element of an array of objects (paths like "/healthChecks(0)")."""
        readers = []
        for index, item in enumerate(self.array(key) or []):
            path = f"{self.at(key)}({index})"
            if isinstance(item, dict):
                readers.append(Reader(item, path, self.problems))
            else:
                self.problems.wrong_type(path, EXPECTED_OBJECT)
        return readers

    def strings(self, key: str) -> list[str] | None:
        items = self.array(key)
        if items is None:
            return None
        for index, item in enumerate(items):
            if not isinstance(item, str):
                self.problems.wrong_type(f"{self.at(key)}({index})", EXPECTED_STRING)
        return [item for item in items if isinstance(item, str)]

    def string_map(self, key: str) -> dict[str, str] | None:
        items = self.obj(key)
        if items is None:
            return None
        for name, value in items.items():
            if not isinstance(value, str):
                self.problems.wrong_type(f"{self.at(key)}/{name}", EXPECTED_STRING)
        return {name: value for name, value in items.items() if isinstance(value, str)}

    def choice(self, key: str, kind: type[E]) -> E | None:
        """An enum member by value; an unknown literal is malformed input, as in Marathon."""
        value = self.string(key)
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            self.problems.wrong_type(self.at(key), UNKNOWN_ENUM)
            return None

    def minimum(self, key: str, value: float | None, least: float) -> None:
        if value is not None and value < least:
            self.problems.violation(self.at(key), f"got {value}, expected {least} or more")

    def maximum(self, key: str, value: float | None, most: float) -> None:
        if value is not None and value > most:
            self.problems.violation(self.at(key), f"got {value}, expected {most} or less")

    def _typed(self, key: str, kind: type, code: str) -> Any:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, kind):
            self.problems.wrong_type(self.at(key), code)
            return None
        return value
