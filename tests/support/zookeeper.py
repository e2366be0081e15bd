"""A throwaway ZooKeeper from Debian's `zookeeper` package, on a free loopback port.

Standalone, in a temporary directory, removed when it stops. Missing binaries skip the
tests that need it locally, and fail them in CI, which must have them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.dev import wait_for
from tests.support.localmesos import free_port

JAR = Path("/usr/share/java/zookeeper.jar")
CONF = Path("/etc/zookeeper/conf")


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
        s.sendall(b"srvr")
        return b"Mode" in s.recv(1024)
    return False


@contextlib.contextmanager
def running_zookeeper() -> Iterator[str]:
    """Yields `127.0.0.1:PORT`."""
    java = shutil.which("java")
    if java is None or not JAR.exists():
        if os.environ.get("CI"):
            pytest.fail("ZooKeeper (Debian package `zookeeper`) is missing on this CI machine")
        pytest.skip("ZooKeeper not installed (Debian package `zookeeper`)")
    root, port = Path(tempfile.mkdtemp(prefix="dromos-zk-")), free_port()
    command = [java, "-Xmx256m", "-Dzookeeper.admin.enableServer=false",
               "-Dzookeeper.4lw.commands.whitelist=srvr", "-Dzookeeper.root.logger=WARN,CONSOLE",
               "-cp", f"{CONF}:{JAR}", "org.apache.zookeeper.server.ZooKeeperServerMain",
               str(port), str(root)]
    with open(root / "log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _answers(port), 60, lambda: (root / "log").read_text(), 0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(root, ignore_errors=True)
