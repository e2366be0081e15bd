from __future__ import annotations

from pathlib import Path

import pytest
import requests

from discovery.haproxy_config import GLOBAL
from discovery.haproxy_process import HAProxy, HAProxyError
from tests.support.localmesos import free_port


def stats(port: int) -> str:
    return GLOBAL + (f"listen stats\n    bind 127.0.0.1:{port}\n    mode http\n"
                     "    stats enable\n    stats uri /haproxy?stats\n")


def test_reloads_keep_serving_and_a_bad_configuration_keeps_the_old_one(
    tmp_path: Path
) -> None:
    haproxy = HAProxy(tmp_path / "haproxy.cfg")
    first, second = free_port(), free_port()
    try:
        haproxy.apply(stats(first))
        assert requests.get(f"http://127.0.0.1:{first}/haproxy?stats;csv", timeout=5).ok
        haproxy.apply(stats(second))
        assert requests.get(f"http://127.0.0.1:{second}/haproxy?stats;csv", timeout=5).ok
        with pytest.raises(HAProxyError):
            haproxy.apply(stats(second) + "frontend broken\n    bind 127.0.0.1:abc\n")
        assert requests.get(f"http://127.0.0.1:{second}/haproxy?stats;csv", timeout=5).ok
    finally:
        haproxy.stop()
    assert haproxy.process is not None and haproxy.process.poll() is not None


def test_a_first_configuration_that_is_bad_is_refused(tmp_path: Path) -> None:
    haproxy = HAProxy(tmp_path / "haproxy.cfg")
    with pytest.raises(HAProxyError):
        haproxy.apply("frontend broken\n    bind 127.0.0.1:abc\n")
    assert haproxy.process is None
