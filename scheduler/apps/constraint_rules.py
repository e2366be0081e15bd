"""Marathon's placement constraints from JSON: `[field, OPERATOR]` or `[field, OPERATOR, value]`."""

from __future__ import annotations

import re

from scheduler.apps.reader import EXPECTED_STRING, Problems, Reader
from scheduler.launch.constraints import Constraint, Operator

# Marathon 1.x knows exactly these (EQUALS is Chronos's; IN is not supported).
APP_OPERATORS = (
    Operator.UNIQUE,
    Operator.CLUSTER,
    Operator.GROUP_BY,
    Operator.LIKE,
    Operator.UNLIKE,
    Operator.MAX_PER,
    Operator.IS,
)
_OPERATOR_NAMES = ", ".join(op.value for op in APP_OPERATORS)
_IS_VALUE = re.compile(r"[a-zA-Z0-9_/.\-]*")


def read_constraints(reader: Reader, key: str = "constraints") -> tuple[Constraint, ...]:
    """Every well-formed constraint of `reader[key]`; problems go to the reader's collector."""
    constraints = []
    for index, item in enumerate(reader.array(key) or []):
        path = f"{reader.at(key)}({index})"
        parsed = _read_one(item, path, reader.problems)
        if parsed is not None:
            constraints.append(parsed)
    return tuple(constraints)


def _read_one(item: object, path: str, problems: Problems) -> Constraint | None:
    if not isinstance(item, list):
        problems.wrong_type(path, "error.expected.jsarray")
        return None
    wrong = [i for i, part in enumerate(item) if not isinstance(part, str)]
    for i in wrong:
        problems.wrong_type(f"{path}({i})", EXPECTED_STRING)
    if wrong:
        return None
    if len(item) not in (2, 3):
        problems.violation(path, "Each constraint must have either 2 or 3 fields")
        return None
    field, operator_name = item[0], item[1].upper()
    value = item[2] if len(item) == 3 else None
    operator = next((op for op in APP_OPERATORS if op.value == operator_name), None)
    if operator is None:
        problems.violation(
            path, f"Constraint operator must be one of the following: {_OPERATOR_NAMES}"
        )
        return None
    if not field:
        problems.violation(path, "Constraint field must not be empty")
        return None
    error = value_error(operator, value)
    if error:
        problems.violation(path, error)
        return None
    return Constraint(field, operator, value)


def value_error(operator: Operator, value: str | None) -> str | None:
    """Why `value` does not fit `operator`, or None when it does."""
    if operator is Operator.UNIQUE:
        return None if value is None else "Value specified but not used by UNIQUE"
    if operator is Operator.CLUSTER:
        return None if value is None or value else "CLUSTER value must not be empty when given"
    if operator is Operator.GROUP_BY:
        return (
            None
            if value is None or value.isdigit()
            else "GROUP_BY value must be a non-negative integer"
        )
    if value is None:
        return f"{operator.value} requires a value"
    if operator in (Operator.LIKE, Operator.UNLIKE):
        try:
            re.compile(value)
        except re.error as error:
            return f"'{value}' is not a valid regular expression: {error}"
        return None
    if operator is Operator.MAX_PER:
        return None if value.isdigit() else "MAX_PER value must be a non-negative integer"
    if operator is Operator.IS:
        return None if _IS_VALUE.fullmatch(value) else "IS value must match [a-zA-Z0-9_/.-]*"
    return None


def to_json(constraint: Constraint) -> list[str]:
    head = [constraint.field, constraint.operator.value]
    return head if constraint.value is None else [*head, constraint.value]
