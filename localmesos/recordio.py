"""RecordIO framing of the v1 event streams: `<byte length>\\n<compact JSON>`."""

from __future__ import annotations

import json
from typing import Any


def encode(event: dict[str, Any]) -> bytes:
    """One record: compact ASCII JSON (no raw newlines), prefixed by its byte length."""
    payload = json.dumps(event, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return b"%d\n%s" % (len(payload), payload)


def decode_stream(buffer: bytearray) -> list[dict[str, Any]]:
    """Remove and return every complete record at the front of `buffer`."""
    events: list[dict[str, Any]] = []
    while True:
        newline = buffer.find(b"\n")
        if newline < 0:
            return events
        length = int(buffer[:newline])
        end = newline + 1 + length
        if len(buffer) < end:
            return events
        events.append(json.loads(buffer[newline + 1 : end]))
        del buffer[:end]
