"""One probe against real loopback endpoints: HTTP, HTTPS with a self-signed cert, TCP."""

from __future__ import annotations

import asyncio

import pytest

from scheduler.health.probes import (
    HttpResponse,
    Outcome,
    Protocol,
    Target,
    Verdict,
    http_verdict,
    probe,
)
from tests.scheduler.health.conftest import StubServer


def _probe(protocol: Protocol, port: int, path: str = "/", timeout_s: float = 2.0,
           ignore_http1xx: bool = False) -> Outcome:
    target = Target(("task", 0), "localhost", port, protocol, path, 1.0, timeout_s,
                    ignore_http1xx)
    return asyncio.run(probe(target, "127.0.0.1"))


@pytest.mark.parametrize("code", [200, 204, 302, 399])
def test_http_200_to_399_is_healthy(http_server: StubServer, code: int) -> None:
    assert _probe(Protocol.HTTP, http_server.port, f"/status/{code}").verdict is Verdict.HEALTHY


@pytest.mark.parametrize("code", [400, 404, 500, 503])
def test_http_error_status_is_unhealthy_with_the_code_as_cause(
    http_server: StubServer, code: int
) -> None:
    outcome = _probe(Protocol.HTTP, http_server.port, f"/status/{code}")
    assert outcome == Outcome(Verdict.UNHEALTHY, f"HTTP status {code}")


def test_http_1xx_is_ignored_only_with_ignore_http1xx(http_server: StubServer) -> None:
    ignored = _probe(Protocol.HTTP, http_server.port, "/status/102", ignore_http1xx=True)
    counted = _probe(Protocol.HTTP, http_server.port, "/status/102")
    assert ignored.verdict is Verdict.IGNORED
    assert counted.verdict is Verdict.UNHEALTHY


def test_http_that_never_answers_times_out(http_server: StubServer) -> None:
    outcome = _probe(Protocol.HTTP, http_server.port, "/hang", timeout_s=0.2)
    assert outcome == Outcome(Verdict.UNHEALTHY, "timed out after 0.2s")


def test_http_refused_connection_is_unhealthy(closed_port: int) -> None:
    outcome = _probe(Protocol.HTTP, closed_port)
    assert outcome.verdict is Verdict.UNHEALTHY
    assert "ConnectionRefusedError" in str(outcome.cause)


def test_https_with_a_self_signed_certificate_is_healthy(https_server: StubServer) -> None:
    assert _probe(Protocol.HTTPS, https_server.port, "/status/200").verdict is Verdict.HEALTHY


def test_https_error_status_is_unhealthy(https_server: StubServer) -> None:
    outcome = _probe(Protocol.HTTPS, https_server.port, "/status/500")
    assert outcome == Outcome(Verdict.UNHEALTHY, "HTTP status 500")


def test_https_that_never_answers_times_out(https_server: StubServer) -> None:
    outcome = _probe(Protocol.HTTPS, https_server.port, "/hang", timeout_s=0.3)
    assert outcome == Outcome(Verdict.UNHEALTHY, "timed out after 0.3s")


def test_https_against_a_plain_http_server_is_unhealthy(http_server: StubServer) -> None:
    assert _probe(Protocol.HTTPS, http_server.port).verdict is Verdict.UNHEALTHY


def test_tcp_connect_is_healthy(http_server: StubServer) -> None:
    assert _probe(Protocol.TCP, http_server.port) == Outcome(Verdict.HEALTHY)


def test_tcp_refused_is_unhealthy(closed_port: int) -> None:
    assert _probe(Protocol.TCP, closed_port).verdict is Verdict.UNHEALTHY


def test_tcp_connect_that_never_completes_times_out(silent_port: int) -> None:
    outcome = _probe(Protocol.TCP, silent_port, timeout_s=0.2)
    assert outcome == Outcome(Verdict.UNHEALTHY, "timed out after 0.2s")


def test_http_path_without_slash_is_requested_from_the_root(http_server: StubServer) -> None:
    assert _probe(Protocol.HTTP, http_server.port, "status/500").cause == "HTTP status 500"


def test_verdict_of_status_codes() -> None:
    assert http_verdict(200, False).verdict is Verdict.HEALTHY
    assert http_verdict(100, True).verdict is Verdict.IGNORED
    assert http_verdict(199, False).verdict is Verdict.UNHEALTHY
    assert http_verdict(400, True).verdict is Verdict.UNHEALTHY


def _readiness(port: int, path: str, keep: bool) -> Outcome:
    target = Target(("task", -1), "localhost", port, Protocol.HTTP, path, 1.0, 2.0,
                    ready_statuses=(200, 204), keep_response=keep)
    return asyncio.run(probe(target, "127.0.0.1"))


def test_a_readiness_probe_passes_only_on_its_listed_statuses(http_server: StubServer) -> None:
    assert _readiness(http_server.port, "/status/204", keep=False) == Outcome(Verdict.HEALTHY)
    assert _readiness(http_server.port, "/status/302", keep=False) == Outcome(
        Verdict.UNHEALTHY, "HTTP status 302")


def test_a_readiness_probe_can_keep_the_whole_response(http_server: StubServer) -> None:
    outcome = _readiness(http_server.port, "/body/503", keep=True)
    assert outcome.verdict is Verdict.UNHEALTHY
    assert outcome.response == HttpResponse(503, "application/json", '{"code": 503}')
