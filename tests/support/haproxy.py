"""What a running HAProxy routes to, read from its master socket as `dromos lb` leaves it."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path


def servers_in_service(master_socket: Path, backend_prefix: str) -> set[int]:
    """Ports of the servers of backends named `backend_prefix...` not in maintenance.

    `show servers state` columns: 6 is srv_admin_state (bit 1: forced maintenance), 18 is
    srv_port. Joins and leaves change slots through the runtime API, so the configuration
    file does not show them. A socket not there yet (or mid-reload) reads as no servers.
    """
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(2)
        sock.connect(str(master_socket))
        sock.sendall(b"@1 show servers state;quit\n")
        text = b"".join(iter(lambda: sock.recv(65536), b"")).decode()
        rows = [line.split() for line in text.splitlines() if line[:1].isdigit()]
        return {int(r[18]) for r in rows
                if len(r) > 18 and r[1].startswith(backend_prefix) and not int(r[6]) & 1}
    return set()
