from __future__ import annotations

from hypothesis import given, settings

from discovery.haproxy_config import Settings
from discovery.haproxy_slots import MIN_SLOTS
from discovery.routes import Routes
from tests.discovery.conftest import app, task
from tests.discovery.strategies import Json, changes

SETTINGS = Settings(bind_address="127.0.0.1", http_port=8081, stats_port=9091)


def resolve(host: str) -> str | None:
    return None if host.endswith(".invalid") else "127.0.0.1"


def web(*tasks: Json, **labels: str) -> Json:
    return app("/web", 10000, *tasks, labels=labels)


def test_servers_joining_and_leaving_need_only_the_runtime_api() -> None:
    routes = Routes(SETTINGS, resolve)
    first = routes.update({"/web": web(task("a", 31000))}, everything=True)
    assert first.config is not None and "server s1 127.0.0.1:31000" in first.config
    joined = routes.update({"/web": web(task("a", 31000), task("b", 31001))})
    assert joined.config is None
    assert joined.commands == ["set server web_10000/s2 addr 127.0.0.1 port 31001",
                               "set server web_10000/s2 state ready"]
    left = routes.update({"/web": web(task("b", 31001))})
    assert (left.config, left.commands) == (None, ["set server web_10000/s1 state maint"])
    # A reload now puts each server in the slot the runtime API gave it.
    assert "server s1 0.0.0.0:0 disabled\n    server s2 127.0.0.1:31001" in routes.render()


def test_a_change_beside_the_servers_or_a_full_backend_reloads() -> None:
    routes = Routes(SETTINGS, resolve)
    routes.update({"/web": web(task("a", 31000))}, everything=True)
    assert routes.update({"/web": web(task("a", 31000), HAPROXY_0_BALANCE="first")}).config
    many = [task(f"t{i}", 31000 + i) for i in range(MIN_SLOTS + 1)]
    grown = routes.update({"/web": web(*many)}).config
    assert grown is not None and grown.count("    server s") == 2 * (MIN_SLOTS + 1)
    gone = routes.update({"/web": None}).config
    assert gone is not None and "web_10000" not in gone and routes.slots == {}


def test_apps_that_route_nothing_change_nothing() -> None:
    routes = Routes(SETTINGS, resolve)
    routes.update({}, everything=True)
    unassigned = routes.update({"/job-like": app("/job-like", 0, task("a", 31000))})
    assert unassigned.config is None and unassigned.commands == []


@settings(max_examples=100, deadline=None)
@given(changes)
def test_routes_changed_app_by_app_are_those_of_a_fresh_start(steps: list) -> None:
    routes = Routes(SETTINGS, resolve)
    routes.update({}, everything=True)
    final: dict[str, Json] = {}
    for app_id, body in steps:
        routes.update({app_id: body})
        if body is None:
            final.pop(app_id, None)
        else:
            final[app_id] = body
    fresh = Routes(SETTINGS, resolve)
    fresh.update(dict(final), everything=True)
    assert routes.services == fresh.services
    assert routes.members() == fresh.members()
    assert routes.skeletons == fresh.skeletons
