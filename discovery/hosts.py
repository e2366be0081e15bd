"""Agent host names to IPv4 addresses, for what needs addresses (HAProxy's runtime API, DNS A
records)."""

from __future__ import annotations

import socket


class HostAddresses:
    """Resolves a host name once and remembers the answer (agents do not move)."""

    def __init__(self) -> None:
        self.known: dict[str, str | None] = {}

    def __call__(self, host: str) -> str | None:
        if host not in self.known:
            try:
                self.known[host] = socket.gethostbyname(host)
            except OSError:
                self.known[host] = None
        return self.known[host]
