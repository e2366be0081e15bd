"""A real `dromos scheduler` process for API tests; no Mesos master needs to exist for them."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import requests

from tests.support.dev import wait_for
from tests.support.localmesos import free_port, stop_tree


@contextlib.contextmanager
def running_scheduler(
    data_dir: Path, *options: str, env: dict[str, str] | None = None,
    cert: Path | None = None,
) -> Iterator[str]:
    """Start `dromos scheduler` with `options`; yields its URL (https when `cert` is given)."""
    port = free_port()
    command = [sys.executable, "-m", "scheduler.process.cli", "scheduler", "--master",
               f"127.0.0.1:{free_port()}", "--port", str(port), "--data-dir", str(data_dir),
               *options]
    log_file = data_dir / "scheduler.log"
    with open(log_file, "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   env={"PATH": "/usr/bin:/bin", **(env or {})},
                                   start_new_session=True)
    url = f"{'https' if cert else 'http'}://127.0.0.1:{port}"

    def up() -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(url + "/ping", verify=cert or True, timeout=2).ok
        return False

    try:
        wait_for(up, 30, lambda: log_file.read_text(errors="replace"))
        yield url
    finally:
        stop_tree(process, data_dir, 10)
