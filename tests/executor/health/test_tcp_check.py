"""The TCP probe against real loopback sockets."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from executor.health.tcp_check import TcpProbe


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A port whose accept queue is full, so new connections hang in the handshake."""
    with socket.socket() as listener, socket.socket() as queued:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        queued.connect(listener.getsockname())
        yield listener.getsockname()[1]


def test_accepting_port_is_healthy(tcp_listener: socket.socket) -> None:
    assert TcpProbe(tcp_listener.getsockname()[1])(1.0).healthy


def test_refused_connection_is_unhealthy(unused_port: int) -> None:
    assert not TcpProbe(unused_port)(1.0).healthy


def test_a_hanging_connect_is_a_timeout(full_backlog: int) -> None:
    result = TcpProbe(full_backlog)(0.2)

    assert not result.healthy
    assert "timed out" in result.detail
