"""The chronos-python client, called from the tests through its own virtualenv."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CLIENT_PYTHON = ROOT / ".venv-chronos-client" / "bin" / "python"
DRIVER = Path(__file__).with_name("chronos_client_driver.py")


class ChronosClientError(Exception):
    """The client raised (a ChronosError): its message."""


class ChronosClient:
    """`client.add(job)` runs `chronos.connect(server).add(job)` in the client's venv."""

    def __init__(self, url: str) -> None:
        self.server = url.removeprefix("http://")

    def batch(self, *calls: tuple[Any, ...]) -> list[Any]:
        """Several calls in one client process; raises on the first error."""
        done = subprocess.run(
            [str(CLIENT_PYTHON), str(DRIVER), self.server], input=json.dumps(calls),
            capture_output=True, text=True, timeout=60, check=True, cwd="/",
        )
        results = []
        for result in json.loads(done.stdout):
            if "error" in result:
                raise ChronosClientError(result["error"])
            results.append(result["ok"])
        return results

    def __getattr__(self, method: str) -> Any:
        return lambda *args: self.batch((method, *args))[0]
