"""GET /v2/events: Marathon's server-sent event stream, with the `event_type` filter."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Generator, Iterator

from flask import Blueprint, Response, request

from api.context import runtime
from scheduler.base.events import EventBus
from scheduler.process.http_server import held_stream, when_streams_close

blueprint = Blueprint("events", __name__)

KEEPALIVE_S = 15.0


def _stream(bus: EventBus, types: list[str], remote: str, now: float,
            when_closing: Callable[[Callable[[], None]], Callable[[], None]]
            ) -> Generator[str, None, None]:
    sub = bus.subscribe(types)
    forget = when_closing(lambda: bus.end(sub))  # the server is stopping: end at once
    bus.publish("event_stream_attached", now, remoteAddress=remote)
    try:
        yield ": attached\n\n"
        while not sub.closed or not sub.queue.empty():
            event = sub.get(KEEPALIVE_S)
            if event is None:
                if sub.closed:
                    return
                yield "\n"  # a keep-alive; also how a vanished client is noticed
                continue
            yield f"event: {event['eventType']}\ndata: {json.dumps(event)}\n\n"
    finally:
        forget()
        bus.unsubscribe(sub)


def _started(chunks: Generator[str, None, None]) -> Iterator[str]:
    """`chunks` run to its first chunk now, so it has subscribed before the headers go out
    (they go before the body is read): a client holding the 200 hears every event published
    after it. Not iterated, the started stream is closed when collected, and unsubscribes."""
    first = next(chunks)

    def rest() -> Iterator[str]:
        try:
            yield first
            yield from chunks
        finally:
            chunks.close()

    return rest()


@blueprint.get("/v2/events")
def events() -> Response:
    rt = runtime()
    types = request.args.getlist("event_type")
    when_closing = functools.partial(when_streams_close, request.environ)
    stream = _stream(rt.framework.events, types, request.remote_addr or "", rt.clock.now(),
                     when_closing)
    response = Response(held_stream(request.environ, _started(stream)),
                        mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    return response
