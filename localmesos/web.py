"""HTTP pieces master and agents share: reading a v1 call, serving an event stream."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from localmesos.model import CallError
from localmesos.stream import EventStream

# A malformed value deep inside an otherwise valid call (a string where an object
# belongs) surfaces as one of these; it is the caller's fault, so it is a 400.
SHAPE_ERRORS = (KeyError, TypeError, AttributeError, ValueError)
CALL_ERRORS = (CallError, *SHAPE_ERRORS)

log = logging.getLogger(__name__)


def failed_call(error: Exception, api: str) -> web.Response:
    """The answer to a call of `api` ("scheduler", "executor") that raised one of
    CALL_ERRORS: a CallError's status and message, else a 400 (logged)."""
    if isinstance(error, CallError):
        return web.Response(status=error.status, text=error.message)
    log.warning("malformed %s call: %r", api, error, exc_info=True)
    return web.Response(status=400, text=f"Failed to process call: {error!r}")


async def parse_call(request: web.Request) -> Any:
    """A v1 call's JSON body. Mesos compares the Content-Type header as a whole, so
    `application/json; charset=utf-8` is refused as unsupported, as there."""
    content_type = request.headers.get("Content-Type")
    if content_type is None:
        raise CallError(400, "Expecting 'Content-Type' to be present")
    if content_type == "application/x-protobuf":
        raise CallError(415, "localmesos speaks JSON only; use 'application/json'")
    if content_type.strip() != "application/json":
        raise CallError(415, f"Expecting 'Content-Type' of application/json; got {content_type}")
    try:
        return json.loads(await request.read())
    except ValueError as error:
        raise CallError(400, f"Failed to parse body into JSON: {error}") from error


async def pump(
    request: web.Request,
    stream: EventStream,
    on_close: Callable[[EventStream], None],
    stream_id: str | None = None,
) -> web.StreamResponse:
    """Serve an event stream: 200, chunked, one RecordIO record per chunk, until closed."""
    response = web.StreamResponse(status=200)
    response.content_type = "application/json"
    if stream_id is not None:
        response.headers["Mesos-Stream-Id"] = stream_id
    response.enable_chunked_encoding()
    try:
        await response.prepare(request)
        await stream.pump(response.write)
    except ConnectionError:
        pass
    finally:
        stream.close()
        on_close(stream)
    return response
