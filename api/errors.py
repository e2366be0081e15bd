"""Errors to HTTP answers, in one place, in the shape of the API that was called."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from chronos.errors import InvalidJob
from scheduler.apps.pathid import InvalidPathId
from scheduler.base.errors import (
    AgentUnavailable,
    AlreadyExists,
    DromosError,
    Locked,
    MalformedRequest,
    NotFound,
    ValidationFailed,
    Violation,
)
from scheduler.leadership.service import Deposed

log = logging.getLogger(__name__)

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
        # A list of {path, errors} is a type error in well-formed JSON, which Marathon
        # answers 422 like a validation failure; a syntax error (string details) stays 400.
        return _answer(body, 422 if isinstance(error.details, list) else 400)
    if isinstance(error, Locked):
        deployments = [{"id": d} for d in error.deployment_ids]
        return _answer({"message": error.message, "deployments": deployments}, 409)
    if isinstance(error, AgentUnavailable):
        return _answer({"message": error.message}, error.status)
    status = {NotFound: 404, AlreadyExists: 409}.get(type(error), 400)
    return _answer({"message": error.message}, status)


def chronos_error(error: DromosError | InvalidJob) -> Response:
    # Chronos answers every user error, an unknown job included, with 400.
    return _answer({"message": error.message, "status": "Bad Request"}, 400)


def _unavailable(message: str) -> Response:
    if _is_chronos():
        return _answer({"message": message, "status": "Service Unavailable"}, 503)
    return _answer({"message": message}, 503)


def _with_challenge(response: Response, error: HTTPException) -> Response:
    """A 401 keeps its WWW-Authenticate header, so clients know to send credentials."""
    for challenge in error.get_response().headers.getlist("WWW-Authenticate"):
        response.headers.add("WWW-Authenticate", challenge)
    return response


def register(app: Flask) -> None:
    @app.errorhandler(DromosError)
    def _dromos_error(error: DromosError) -> Response:
        if _is_chronos():
            return chronos_error(error)
        return marathon_error(error)

    @app.errorhandler(Deposed)
    def _deposed(_error: Deposed) -> Response:
        # This instance just lost leadership (and exits): the write was not committed.
        return _unavailable("This scheduler is no longer the leader; retry")

    @app.errorhandler(InvalidJob)
    def _invalid_job(error: InvalidJob) -> Response:
        return chronos_error(error)

    @app.errorhandler(InvalidPathId)
    def _invalid_id(error: InvalidPathId) -> Response:
        """An id in the URL or body that climbs above the root: an invalid id, never a 500."""
        return _dromos_error(ValidationFailed([Violation("/id", (str(error),))]))

    @app.errorhandler(OperationalError)
    def _store_unavailable(error: OperationalError) -> Response:
        # Locked past the busy timeout, disk full, the database gone: nothing was applied
        # (the write's transaction failed before the state changed), so a retry is safe.
        log.warning("store unavailable: %s", error.orig)
        return _unavailable(f"The store cannot take writes now ({error.orig}); retry later")

    @app.errorhandler(TimeoutError)
    def _owner_timeout(_error: TimeoutError) -> Response:
        return _unavailable("The scheduler did not answer in time; retry later")

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if _is_chronos():
            body = {"message": error.description or "", "status": error.name}
            return _with_challenge(_answer(body, status), error)
        message = "URI not found" if status == 404 else (error.description or error.name)
        return _with_challenge(_answer({"message": message}, status), error)
