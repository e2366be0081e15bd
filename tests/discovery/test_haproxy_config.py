from __future__ import annotations

import subprocess
from pathlib import Path

from discovery.haproxy_config import Settings, render, skeleton
from discovery.haproxy_slots import sized
from discovery.membership import services
from tests.discovery.conftest import app, task

SETTINGS = Settings(bind_address="127.0.0.1", http_port=8081, stats_port=9091)


def config(*apps: dict) -> str:
    return render(services(list(apps)), SETTINGS)


def test_a_frontend_per_service_port_and_its_slots_as_servers() -> None:
    web = app("/prod/web", 10000, task("a", 31000), task("b", 31001, alive=False))
    text = render(services([web]), SETTINGS, {"prod_web_10000": sized([("127.0.0.1", 31000)])})
    assert "frontend prod_web_10000\n    bind 127.0.0.1:10000\n    mode http" in text
    assert "    server s1 127.0.0.1:31000\n    server s2 0.0.0.0:0 disabled\n" in text
    assert text.count("0.0.0.0:0 disabled") == 7


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
    apps = [app("/web", 10000, task("a", 31000), labels=labels),
            app("/db", 10001, task("b", 31001, alive=None), checked=False)]
    slots = {"web_10000": sized([("127.0.0.1", 31000)]), "db_10001": sized([])}
    path.write_text(render(services(apps), SETTINGS, slots))
    result = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_skeleton_leaves_servers_out_and_keeps_the_rest() -> None:
    def shape(*tasks: dict, **labels: str) -> tuple[str, ...]:
        (service,) = services([app("/web", 10000, *tasks, labels=labels)])
        return skeleton(service, SETTINGS)

    assert shape(task("a", 31000)) == shape(task("b", 31001), task("c", 31002)) == shape()
    assert shape(HAPROXY_0_VHOST="web.example.com") != shape()
    assert shape(HAPROXY_0_BALANCE="leastconn") != shape()
    assert shape(HAPROXY_GROUP="internal") == shape()  # every group is served here
