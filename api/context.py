"""What views reach: the runtime of this process, and request parsing helpers."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request

from scheduler.base.config import Config
from scheduler.base.errors import MalformedRequest
from scheduler.leadership.service import ElectionService
from scheduler.process.runtime import Runtime


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["dromos"]
    return rt


def config() -> Config:
    """This instance's settings: the leader's runtime's, or a standby's own."""
    conf: Config = current_app.extensions["dromos.config"]
    return conf


def election() -> ElectionService:
    service: ElectionService = current_app.extensions["dromos.election"]
    return service


def json_body() -> Any:
    """The request's JSON; Marathon's 400 "Invalid JSON" when it is not JSON."""
    raw = request.get_data(as_text=True)
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise MalformedRequest("Invalid JSON", details=str(error)) from error


def flag(name: str, default: bool = False) -> bool:
    """A boolean query parameter as Marathon reads it."""
    value = request.args.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("true", "1", "yes", "")
