"""TCP health probe: healthy when a connection to 127.0.0.1:<port> succeeds."""

from __future__ import annotations

import socket

from executor.health.probe import ProbeResult


class TcpProbe:
    def __init__(self, port: int, ipv6: bool = False) -> None:
        self.address = ("::1" if ipv6 else "127.0.0.1", port)

    def __call__(self, timeout_s: float) -> ProbeResult:
        host, port = self.address
        try:
            with socket.create_connection(self.address, timeout=timeout_s or None):
                return ProbeResult(True, f"connected to {host}:{port}")
        except TimeoutError:
            return ProbeResult(False, f"connect to {host}:{port} timed out after {timeout_s:g}s")
        except OSError as exc:
            return ProbeResult(False, f"connect to {host}:{port} failed: {exc}")
