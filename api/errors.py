"""Errors to HTTP answers, in one place, in the shape of the API that was called."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from chronos.errors import InvalidJob
from scheduler.base.errors import (
    AlreadyExists,
    DromosError,
    Locked,
    MalformedRequest,
    NotFound,
    ValidationFailed,
)
from scheduler.leadership.service import Deposed

CHRONOS_PREFIXES = ("/v1/scheduler", "/scheduler")


def _is_chronos() -> bool:
    return request.path.startswith(CHRONOS_PREFIXES)


def _answer(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def marathon_error(error: DromosError) -> Response:
    if isinstance(error, ValidationFailed):
        details = [{"path": v.path, "errors": list(v.errors)} for v in error.violations]
        return _answer({"message": error.message, "details": details}, 422)
    if isinstance(error, MalformedRequest):
        body: dict[str, Any] = {"message": error.message}
        if error.details is not None:
            body["details"] = error.details
        return _answer(body, 400)
    if isinstance(error, Locked):
        deployments = [{"id": d} for d in error.deployment_ids]
        return _answer({"message": error.message, "deployments": deployments}, 409)
    status = {NotFound: 404, AlreadyExists: 409}.get(type(error), 400)
    return _answer({"message": error.message}, status)


def chronos_error(error: DromosError | InvalidJob) -> Response:
    # Chronos answers every user error, an unknown job included, with 400.
    return _answer({"message": error.message, "status": "Bad Request"}, 400)


def register(app: Flask) -> None:
    @app.errorhandler(DromosError)
    def _dromos_error(error: DromosError) -> Response:
        if _is_chronos():
            return chronos_error(error)
        return marathon_error(error)

    @app.errorhandler(OperationalError)
    @app.errorhandler(Deposed)
    def _unavailable(error: Exception) -> Response:
        # The database is restarting, or this instance just lost leadership (and exits):
        # the write was not committed; the client tries again, as Marathon's do on 503.
        return _answer({"message": f"Storage unavailable ({type(error).__name__}); try again"},
                       503)

    @app.errorhandler(InvalidJob)
    def _invalid_job(error: InvalidJob) -> Response:
        return chronos_error(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if _is_chronos():
            return _answer({"message": error.description or "", "status": error.name}, status)
        message = "URI not found" if status == 404 else (error.description or error.name)
        return _answer({"message": message}, status)
