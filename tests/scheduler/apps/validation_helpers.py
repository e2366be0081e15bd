"""App JSON for the validation tests, and the 422 violations or 400 type errors it gets."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.apps.validation import parse_app
from scheduler.base.errors import MalformedRequest, ValidationFailed


def app(**fields: Any) -> dict[str, Any]:
    return {"id": "/web", "cmd": "sleep 100", **fields}


def violations(data: Any) -> dict[str, tuple[str, ...]]:
    with pytest.raises(ValidationFailed) as caught:
        parse_app(data)
    paths = [v.path for v in caught.value.violations]
    assert len(paths) == len(set(paths)), "one violation per distinct path"
    return {v.path: v.errors for v in caught.value.violations}


def type_errors(data: Any) -> dict[str, list[str]]:
    with pytest.raises(MalformedRequest) as caught:
        parse_app(data)
    assert caught.value.message == "Invalid JSON"
    details = caught.value.details
    assert isinstance(details, list)
    return {d["path"]: d["errors"] for d in details}
