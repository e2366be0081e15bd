"""The API over HTTPS (--tls-cert, --tls-key) from a real `dromos scheduler` process."""

from __future__ import annotations

import contextlib
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
