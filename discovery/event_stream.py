"""Follow a Marathon-style /v2/events stream and say when something changed.

The stream is read from any of the scheduler instances given (each serves it, a standby by
proxy), the one that last answered first: a leader that dies ends its stream, and the
next instance that answers carries on, as marathon-lb does with several --marathon URLs.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable

import requests

from discovery.feed import IGNORED, Event

log = logging.getLogger(__name__)


class Instances:
    """The API URLs of the scheduler instances, the one that last answered first."""

    def __init__(self, urls: Iterable[str]) -> None:
        self._urls = [url.rstrip("/") for url in urls]
        self._lock = threading.Lock()

    def in_turn(self) -> list[str]:
        with self._lock:
            return list(self._urls)

    def answered(self, url: str) -> None:
        with self._lock:
            self._urls.remove(url)
            self._urls.insert(0, url)


def follow(instances: Instances, changed: Callable[[Event], None], stop: threading.Event,
           retry_s: float = 1.0) -> None:
    """Call `changed(event)` per event until `stop`; after a (re)connect, `changed({})`.

    A reconnect may have missed events, so the caller resynchronises then.
    """
    while not stop.is_set():
        for url in instances.in_turn():
            try:
                with requests.get(f"{url}/v2/events", stream=True, timeout=(5, 60),
                                  headers={"Accept": "text/event-stream"}) as response:
                    response.raise_for_status()
                    instances.answered(url)
                    changed({})
                    for line in response.iter_lines(decode_unicode=True):
                        if stop.is_set():
                            return
                        if line and line.startswith("data:"):
                            event = json.loads(line[5:])
                            if event.get("eventType") not in IGNORED:
                                changed(event)
                log.warning("event stream %s ended; reconnecting", url)
            except (requests.RequestException, ValueError) as error:
                log.warning("event stream %s: %s; trying the next instance", url, error)
            if stop.is_set():
                return
        stop.wait(retry_s)
