"""Every v1 message crossing localmesos, as JSON lines appended to the file named by
$LOCALMESOS_WIRE_LOG when it is set: accepted scheduler and executor calls, and the events
sent on their streams. The test suite checks each against Apache Mesos's own protobuf
definitions, so a message a real master would refuse fails a test."""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

_path = os.environ.get("LOCALMESOS_WIRE_LOG")
_file: TextIO | None = None


def record(kind: str, message: Any) -> None:
    """`kind` names the message: scheduler.Call, scheduler.Event, executor.Call, ..."""
    global _file
    if _path is None:
        return
    if _file is None:
        _file = open(_path, "a", buffering=1)  # noqa: SIM115 - kept open for the process
    _file.write(json.dumps({"kind": kind, "message": message}) + "\n")
