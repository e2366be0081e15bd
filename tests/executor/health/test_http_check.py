"""The HTTP probe against a real loopback server."""

from __future__ import annotations

import pytest

from executor.health.http_check import HttpProbe


@pytest.mark.parametrize("status", [200, 204, 301, 399])
def test_status_200_to_399_is_healthy(http_server, status: int) -> None:
    http_server.route("/health", status)

    assert HttpProbe(http_server.port, "/health")(1.0).healthy


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_status_400_and_above_is_unhealthy(http_server, status: int) -> None:
    http_server.route("/health", status)

    result = HttpProbe(http_server.port, "/health")(1.0)

    assert not result.healthy
    assert str(status) in result.detail


def test_redirects_are_followed(http_server) -> None:
    http_server.route("/old", 302, location="/broken")
    http_server.route("/broken", 500)

    assert not HttpProbe(http_server.port, "/old")(1.0).healthy


def test_nothing_listening_is_unhealthy(unused_port: int) -> None:
    assert not HttpProbe(unused_port, "/")(1.0).healthy


def test_a_slow_answer_is_a_timeout(http_server) -> None:
    http_server.route("/slow", 200, delay_s=1.0)

    result = HttpProbe(http_server.port, "/slow")(0.2)

    assert not result.healthy
    assert "timed out" in result.detail
