"""The API over HTTPS (--tls-cert, --tls-key) from a real `dromos scheduler` process."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.dev import wait_for
from tests.support.localmesos import free_port, stop_tree
from tests.support.tls import self_signed_pair

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("api_tls")]

AUTH = ("ops", "s3cret")
APP = {"id": "/tls", "cmd": "sleep 9", "instances": 0}


@pytest.fixture(scope="module")
def https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A scheduler serving HTTPS with auth on; its Mesos master need not exist for the API."""
    data_dir = tmp_path_factory.mktemp("tls")
    cert, key = self_signed_pair(data_dir)
    port = free_port()
    command = [sys.executable, "-m", "scheduler.cli", "scheduler", "--master",
               f"127.0.0.1:{free_port()}", "--port", str(port), "--data-dir", str(data_dir),
               "--tls-cert", str(cert), "--tls-key", str(key)]
    env = {"DROMOS_HTTP_CREDENTIALS": ":".join(AUTH), "PATH": "/usr/bin:/bin"}
    with open(data_dir / "scheduler.log", "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    url = f"https://127.0.0.1:{port}"

    def up() -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(url + "/ping", verify=cert, timeout=2).ok
        return False

    try:
        wait_for(up, 30, lambda: (data_dir / "scheduler.log").read_text())
        yield url, cert
    finally:
        stop_tree(process, data_dir, 10)


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
