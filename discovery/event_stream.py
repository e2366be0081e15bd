"""Follow a Marathon-style /v2/events stream and say when something changed."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable

import requests

from discovery.feed import IGNORED, Event

log = logging.getLogger(__name__)


def follow(url: str, changed: Callable[[Event], None], stop: threading.Event,
           retry_s: float = 1.0) -> None:
    """Call `changed(event)` per event until `stop`; after a (re)connect, `changed({})`.

    A reconnect may have missed events, so the caller resynchronises then.
    """
    while not stop.is_set():
        try:
            with requests.get(f"{url}/v2/events", stream=True, timeout=(5, 60),
                              headers={"Accept": "text/event-stream"}) as response:
                response.raise_for_status()
                changed({})
                for line in response.iter_lines(decode_unicode=True):
                    if stop.is_set():
                        return
                    if line and line.startswith("data:"):
                        event = json.loads(line[5:])
                        if event.get("eventType") not in IGNORED:
                            changed(event)
        except (requests.RequestException, ValueError) as error:
            log.warning("event stream %s: %s; reconnecting", url, error)
        stop.wait(retry_s)
