"""One HAProxy in master-worker mode, reloaded through its master socket.

A reload keeps every connection: the master hands the listening sockets to the new
workers itself, and old workers finish what they serve before they exit. A bad new
configuration never takes the routes down: the master keeps the old workers.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

# How `set server ... addr` reports a change made; `state` answers nothing when it works.
_DONE = ("IP changed from", "no need to change", "port changed from")
_BATCH = 64
_MASTER_LINE = re.compile(r"^\d+\s+master\s+(\d+)\s+\[failed: (\d+)\]", re.MULTILINE)


class HAProxyError(RuntimeError):
    """HAProxy refused a configuration or did not come up."""


class HAProxy:
    def __init__(self, config_path: Path, binary: str = "haproxy") -> None:
        self.config_path = config_path
        self.binary = binary
        self.master_socket = config_path.with_suffix(".master.sock")
        self.log_path = config_path.with_suffix(".log")
        self.process: subprocess.Popen[bytes] | None = None

    def check(self, path: Path) -> None:
        result = subprocess.run([self.binary, "-c", "-q", "-f", str(path)],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise HAProxyError(result.stdout + result.stderr)

    def apply(self, text: str) -> None:
        """Install `text` and start or reload HAProxy on it.

        A running master parses the new file itself on reload and keeps the old workers
        when it is bad (counted as failed), so only a first start is checked beforehand.
        """
        candidate = self.config_path.with_suffix(".new")
        candidate.write_text(text)
        running = self.process is not None and self.process.poll() is None
        if not running:
            self.check(candidate)
        os.replace(candidate, self.config_path)
        if running:
            self._reload()
        else:
            self._start()

    def runtime(self, commands: list[str]) -> None:
        """Run `commands` on the current worker through the runtime API, no reload; an
        answer other than what a done change says raises (the caller reloads then)."""
        if commands and (self.process is None or self.process.poll() is not None):
            raise HAProxyError("HAProxy is not running")
        # Batches keep each line well inside the CLI's buffer (16 kB by default).
        for start in range(0, len(commands), _BATCH):
            batch = commands[start:start + _BATCH]
            answer = self.command("; ".join(f"@1 {c}" for c in batch))
            refused = [line for line in answer.splitlines()
                       if line.strip() and not line.startswith(_DONE)]
            if refused:
                raise HAProxyError(f"runtime API: {'; '.join(refused)}")

    def _start(self) -> None:
        self.master_socket.unlink(missing_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "-W", "-S", f"{self.master_socket},mode,600", "-f",
                 str(self.config_path)], stdout=log, stderr=subprocess.STDOUT,
            )
        self._wait(lambda: self.master_socket.exists() and self._reloads() is not None,
                   "HAProxy did not start")

    def _reload(self) -> None:
        before = self._reloads()
        self.command("reload")
        # In 2.6 `reload` answers at once; the master line's counter says when it is done.
        self._wait(lambda: self._done(before), "HAProxy did not reload")
        after = self._reloads()
        if before is not None and after is not None and after[1] > before[1]:
            raise HAProxyError("HAProxy failed to reload; the old configuration still serves")

    def _done(self, before: tuple[int, int] | None) -> bool:
        now = self._reloads()
        return now is not None and (before is None or sum(now) > sum(before))

    def _reloads(self) -> tuple[int, int] | None:
        try:
            found = _MASTER_LINE.search(self.command("show proc"))
        except HAProxyError:
            return None
        return (int(found.group(1)), int(found.group(2))) if found else None

    def command(self, line: str) -> str:
        """One command on the master CLI (`quit` after it, or the master keeps it open)."""
        chunks = []
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(5)
                sock.connect(str(self.master_socket))
                sock.sendall(line.encode() + b";quit\n")
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
        except OSError as error:
            raise HAProxyError(f"master socket: {error}") from error
        return b"".join(chunks).decode(errors="replace")

    def _wait(self, ready: Callable[[], bool], message: str, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not ready():
            if self.process is not None and self.process.poll() is not None:
                raise HAProxyError(f"{message}: {self.log_path.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                raise HAProxyError(message)
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.master_socket.unlink(missing_ok=True)
