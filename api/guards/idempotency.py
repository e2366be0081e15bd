"""Idempotent retries: a write sent again with the same Idempotency-Key is not applied twice.

For POST, PUT, PATCH and DELETE under /v2, /v1 and /scheduler, the first answer to a key is
kept in the database for a day: the same key with the same request (method, path, query,
body) gets that answer again, marked `Idempotent-Replayed: true`; with another request it
is refused (422); while the first is still being applied, 409. Answers of 5xx are not
kept, so a retry after a server error applies the request. Keys are per caller when auth
is on, so one caller cannot read another's answers.
"""

from __future__ import annotations

import hashlib
import json

from flask import Flask, Response, g, request

from api.errors import CHRONOS_PREFIXES
from scheduler.process.runtime import Runtime
from scheduler.store.idempotency_keys import PENDING, IdempotencyKeys

HEADER = "Idempotency-Key"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREFIXES = ("/v2/", "/v1/", *CHRONOS_PREFIXES)
KEEP_S = 24 * 3600.0
MAX_KEY_LENGTH = 200


def _answer(message: str, status: int) -> Response:
    body = {"message": message}
    if request.path.startswith(CHRONOS_PREFIXES):
        body["status"] = "Unprocessable Entity" if status == 422 else "Conflict"
    return Response(json.dumps(body), status=status, content_type="application/json")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode()):
        digest.update(part.encode() + b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def install(app: Flask, runtime: Runtime) -> None:
    keys = IdempotencyKeys(runtime.store.engine)

    @app.before_request
    def _replay() -> Response | None:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITES or not request.path.startswith(PREFIXES):
            return None
        if not key or len(key) > MAX_KEY_LENGTH:
            return _answer(f"{HEADER} must have 1 to {MAX_KEY_LENGTH} characters", 422)
        principal = g.get("principal")
        scoped = f"{principal.name if principal else ''}\0{key}"
        now = runtime.clock.now()
        fingerprint = _fingerprint()
        held = keys.claim(scoped, fingerprint, now, now - KEEP_S)
        if held is None:
            g.idempotency_key = scoped
            return None
        if held.fingerprint != fingerprint:
            return _answer(f"{HEADER} {key} was used for another request", 422)
        if held.status == PENDING:
            return _answer(f"A request with {HEADER} {key} is still being applied", 409)
        replay = Response(held.body, status=held.status, content_type=held.content_type)
        replay.headers["Idempotent-Replayed"] = "true"
        return replay

    @app.after_request
    def _keep(response: Response) -> Response:
        scoped = g.pop("idempotency_key", None)
        if scoped is None:
            return response
        if response.status_code >= 500 or response.is_streamed:
            keys.release(scoped)
        else:
            keys.answer(scoped, response.status_code, response.content_type or "",
                        response.get_data(as_text=True))
        return response

    @app.teardown_request
    def _release(_error: BaseException | None) -> None:
        scoped = g.pop("idempotency_key", None)
        if scoped is not None:  # the request failed before an answer was made
            keys.release(scoped)
