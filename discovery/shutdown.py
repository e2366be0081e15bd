"""Stopping several servers at once."""

from __future__ import annotations

import threading
from collections.abc import Callable


def stop_together(*stops: Callable[[], None]) -> None:
    """Run every `stop` at once and return when all have returned.

    A socketserver's `shutdown()` waits for its loop's next poll (half a second), and the
    feed waits for its next event as long: one after the other, the DNS, catalog and feed
    servers made Ctrl-C take two seconds."""
    threads = [threading.Thread(target=stop, name="stop") for stop in stops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
