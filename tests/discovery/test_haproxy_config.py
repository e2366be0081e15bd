from __future__ import annotations

import subprocess
from pathlib import Path

from discovery.haproxy_config import Settings, removed_servers, render
from discovery.membership import services
from tests.discovery.conftest import app, task

SETTINGS = Settings(bind_address="127.0.0.1", http_port=8081, stats_port=9091)


def config(*apps: dict) -> str:
    return render(services(list(apps)), SETTINGS)


def test_a_frontend_per_service_port_and_only_members_as_servers() -> None:
    text = config(app("/prod/web", 10000, task("a", 31000), task("b", 31001, alive=False)))
    assert "frontend prod_web_10000\n    bind 127.0.0.1:10000\n    mode http" in text
    assert "server 127_0_0_1_31000 127.0.0.1:31000" in text
    assert "31001" not in text


def test_tcp_is_the_default_mode_without_http_checks_or_vhosts() -> None:
    text = config(app("/db", 10001, task("a", 31000, alive=None), checked=False))
    assert "bind 127.0.0.1:10001\n    mode tcp" in text


def test_vhost_label_routes_on_the_shared_http_frontend() -> None:
    labels = {"HAPROXY_0_VHOST": "web.example.com, www.example.com"}
    text = config(app("/web", 10000, task("a", 31000), labels=labels))
    assert "frontend dromos_http_in\n    bind 127.0.0.1:8081" in text
    assert "acl host_web_10000 req.hdr(host),field(1,:) -i web.example.com www.example.com" in text
    assert "use_backend web_10000 if host_web_10000" in text


def test_port_and_group_labels() -> None:
    pinned = app("/web", 10000, task("a", 31000), labels={"HAPROXY_0_PORT": "8000",
                                                          "HAPROXY_GROUP": "internal"})
    assert "bind 127.0.0.1:8000" in config(pinned)
    external = render(services([pinned]), Settings(groups=("external",)))
    assert "frontend web_10000" not in external


def test_a_port_never_assigned_gets_no_frontend() -> None:
    assert "frontend" not in config(app("/web", 0, task("a", 31000)))


def test_haproxy_accepts_the_configuration(tmp_path: Path) -> None:
    labels = {"HAPROXY_0_VHOST": "web.example.com"}
    path = tmp_path / "haproxy.cfg"
    path.write_text(config(app("/web", 10000, task("a", 31000), labels=labels),
                           app("/db", 10001, task("b", 31001, alive=None), checked=False)))
    result = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_server_leaving_is_told_apart_from_other_changes() -> None:
    both = config(app("/web", 10000, task("a", 31000), task("b", 31001)))
    one = config(app("/web", 10000, task("a", 31000)))
    assert removed_servers(both, one) == ["web_10000/127_0_0_1_31001"]
    assert removed_servers(one, both) is None
    assert removed_servers(one, config(app("/web", 10001, task("a", 31000)))) is None
