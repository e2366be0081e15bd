"""What views reach: the runtime of this process, and request parsing helpers."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from api.guards.limits import BodyLimits, parse_body
from scheduler.apps import pathid
from scheduler.base.config import Config
from scheduler.base.errors import NotFound, ValidationFailed, Violation
from scheduler.leadership.service import ElectionService
from scheduler.process.runtime import Runtime
from scheduler.reads.views import AppView, Snapshot


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["dromos"]
    return rt


def snapshot() -> Snapshot:
    """The read model's last publish: what GETs answer, without waiting on the owner."""
    return runtime().snapshot


def app_view(snap: Snapshot, app_id: str) -> AppView:
    view = snap.apps.get(app_id)
    if view is None:
        raise NotFound(f"App '{app_id}' does not exist")
    return view


def config() -> Config:
    """This instance's settings: the leader's runtime's, or a standby's own."""
    conf: Config = current_app.extensions["dromos.config"]
    return conf


def election() -> ElectionService:
    service: ElectionService = current_app.extensions["dromos.election"]
    return service


def json_body() -> Any:
    """The request's JSON; Marathon's 400 "Invalid JSON" when it is not acceptable JSON."""
    return parse_body(request.get_data(), body_limits())


def body_limits() -> BodyLimits:
    config = runtime().config
    return BodyLimits(
        max_body_bytes=config.max_body_bytes, max_depth=config.max_json_depth,
        max_string_length=config.max_string_length, max_label_length=config.max_label_length,
    )


def flag(name: str, default: bool = False) -> bool:
    """A boolean query parameter as Marathon reads it."""
    value = request.args.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("true", "1", "yes", "")


def url_path_id(raw: str) -> str:
    """An app or group id from the URL, canonical; a write to an invalid id is a 422."""
    canonical = pathid.canonical(raw)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        errors = pathid.path_errors(canonical)
        if errors:
            raise ValidationFailed([Violation("/id", tuple(errors))])
    return canonical
