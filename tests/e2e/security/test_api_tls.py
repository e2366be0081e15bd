"""The API over HTTPS (--tls-cert, --tls-key) from a real `dromos scheduler` process."""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import marathon
import pytest
import requests

from tests.support.scheduler_process import running_scheduler
from tests.support.tls import self_signed_pair

pytestmark = pytest.mark.e2e

AUTH = ("ops", "s3cret")
APP = {"id": "/tls", "cmd": "sleep 9", "instances": 0}


@pytest.fixture(scope="module")
def https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A scheduler serving HTTPS with auth on."""
    data_dir = tmp_path_factory.mktemp("tls")
    cert, key = self_signed_pair(data_dir)
    with running_scheduler(data_dir, "--tls-cert", str(cert), "--tls-key", str(key),
                           env={"DROMOS_HTTP_CREDENTIALS": ":".join(AUTH)}, cert=cert) as url:
        yield url, cert


def test_the_api_answers_over_https_with_auth(https: tuple[str, Path]) -> None:
    url, cert = https
    created = requests.post(url + "/v2/apps", json=APP, auth=AUTH, verify=cert, timeout=10)
    assert created.status_code == 201
    apps = requests.get(url + "/v2/apps", auth=AUTH, verify=cert, timeout=10).json()["apps"]
    assert [a["id"] for a in apps] == ["/tls"]
    refused = requests.get(url + "/v2/apps", verify=cert, timeout=10)
    assert refused.status_code == 401


def test_plain_http_and_unverified_certificates_get_nothing(https: tuple[str, Path]) -> None:
    url, _ = https
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url + "/ping", timeout=10)  # the system CAs do not know this certificate
    plain = url.replace("https://", "http://")
    with contextlib.suppress(requests.RequestException):
        answer = requests.get(plain + "/v2/apps", auth=AUTH, timeout=10)
        assert answer.status_code >= 400


def test_the_marathon_client_sends_its_credentials_over_https(https: tuple[str, Path]) -> None:
    url, cert = https
    client = marathon.MarathonClient(url, username=AUTH[0], password=AUTH[1], verify=str(cert))
    assert "/tls" in [app.id for app in client.list_apps()]
    stranger = marathon.MarathonClient(url, username="ops", password="guess", verify=str(cert))
    with pytest.raises(marathon.exceptions.MarathonHttpError) as refused:
        stranger.list_apps()
    assert refused.value.status_code == 401


def _leave_a_stream(url: str, cert: Path) -> None:
    """Open /v2/events over TLS, read its headers, and drop the connection without a word."""
    host, port = url.removeprefix("https://").split(":")
    context = ssl.create_default_context(cafile=str(cert))
    with socket.create_connection((host, int(port)), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=host) as tls:
        token = base64.b64encode(":".join(AUTH).encode()).decode()
        tls.sendall(f"GET /v2/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic "
                    f"{token}\r\nAccept: text/event-stream\r\n\r\n".encode())
        assert tls.recv(4096).startswith(b"HTTP/1.1 200")


def test_an_event_stream_reader_leaving_is_not_an_error(https: tuple[str, Path]) -> None:
    """The server's next write to a stream whose reader left fails (an SSL EOF); the log
    must not fill with a traceback per leaving client, and streaming goes on."""
    url, cert = https
    for n in range(3):
        _leave_a_stream(url, cert)
        app = {**APP, "id": f"/leaving-{n}"}
        assert requests.post(url + "/v2/apps", json=app, auth=AUTH, verify=cert,
                             timeout=10).status_code == 201
    events = requests.get(url + "/v2/events", auth=AUTH, verify=cert, stream=True,
                          headers={"Accept": "text/event-stream"}, timeout=10)
    assert requests.post(url + "/v2/apps", json={**APP, "id": "/after-leaving"}, auth=AUTH,
                         verify=cert, timeout=10).status_code == 201
    assert any(line.startswith(b"event: api_post_event")
               for line in events.iter_lines()), "the server still streams"
    events.close()
    log = (cert.parent / "scheduler.log").read_text(errors="replace")
    assert "SSLEOFError" not in log and "socket.error" not in log
