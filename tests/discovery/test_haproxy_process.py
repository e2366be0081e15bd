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


def servers(port: int, backend: str) -> dict[str, str]:
    rows = requests.get(f"http://127.0.0.1:{port}/haproxy?stats;csv", timeout=5).text
    return {r.split(",")[1]: r.split(",")[17] for r in rows.splitlines()
            if r.startswith(f"{backend},") and ",BACKEND," not in r}


def workers(haproxy: HAProxy) -> list[str]:
    return [line.split()[0] for line in haproxy.command("show proc").splitlines()
            if " worker " in line]


def test_the_runtime_api_fills_and_empties_slots_without_a_reload(tmp_path: Path) -> None:
    haproxy = HAProxy(tmp_path / "haproxy.cfg")
    port = free_port()
    backend = ("backend web_1\n    mode http\n    server s1 127.0.0.1:1\n"
               "    server s2 0.0.0.0:0 disabled\n")
    try:
        haproxy.apply(stats(port) + backend)
        worker = workers(haproxy)
        assert servers(port, "web_1") == {"s1": "no check", "s2": "MAINT"}
        haproxy.runtime(["set server web_1/s2 addr 127.0.0.1 port 2",
                         "set server web_1/s2 state ready", "set server web_1/s1 state maint"])
        assert servers(port, "web_1") == {"s1": "MAINT", "s2": "no check"}
        state = haproxy.command("@1 show servers state web_1")
        assert " s2 127.0.0.1 " in state and state.split("\n")[3].split()[18] == "2"
        assert workers(haproxy) == worker  # the same worker: no reload
        with pytest.raises(HAProxyError, match="No such server"):
            haproxy.runtime(["set server web_1/s9 state ready"])
        with pytest.raises(HAProxyError, match="Invalid addr"):
            haproxy.runtime(["set server web_1/s2 addr localhost port 2"])
    finally:
        haproxy.stop()


def test_a_dead_haproxy_is_started_again_by_the_next_configuration(tmp_path: Path) -> None:
    haproxy = HAProxy(tmp_path / "haproxy.cfg")
    port = free_port()
    try:
        haproxy.apply(stats(port))
        assert haproxy.process is not None
        haproxy.process.kill()
        haproxy.process.wait()
        with pytest.raises(HAProxyError):
            haproxy.runtime(["set server stats/none state maint"])
        haproxy.apply(stats(port))
        assert requests.get(f"http://127.0.0.1:{port}/haproxy?stats;csv", timeout=5).ok
    finally:
        haproxy.stop()
