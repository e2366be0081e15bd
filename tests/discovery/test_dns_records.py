from __future__ import annotations

from collections.abc import Callable

from discovery.dns_records import Srv, Zone, ZoneBook
from tests.discovery.conftest import Json, app, task


def build(apps: list[Json], jobs: dict[str, list[Json]] | None = None,
          resolve: Callable[[str], str | None] = lambda host: "10.0.0.7") -> Zone:
    book = ZoneBook("dromos", "mesos", resolve)
    book.apply({a["id"]: a for a in apps}, jobs or {})
    return book.zone


def test_a_and_srv_names_for_an_apps_healthy_tasks() -> None:
    web = app("/prod/web", 10000, task("t1", 31000), task("t2", 31001, alive=False))
    records = build([web])
    assert records.a["web-prod.dromos.mesos"] == ("10.0.0.7",)
    assert records.a["web-prod.service.mesos"] == ("10.0.0.7",)
    [srv] = records.srv["_web-prod._tcp.dromos.mesos"]
    assert srv.port == 31000 and srv.target.startswith("web-prod-")
    assert records.a[srv.target] == ("10.0.0.7",)
    assert records.srv["_http._web-prod._tcp.dromos.mesos"] == (srv,)
    assert records.srv["_web-prod._tcp.service.mesos"] == (Srv(31000, srv.target.replace(
        ".dromos.mesos", ".service.mesos")),)


def test_an_app_with_no_member_has_no_name() -> None:
    records = build([app("/web", 10000, task("t1", 31000, state="TASK_KILLING"))])
    assert not records.has("web.dromos.mesos")
    assert records.has("mesos")


def test_running_job_tasks_get_names_from_the_job() -> None:
    jobs = {"Nightly_Backup": [{"id": "j1", "host": "h", "ports": [], "state": "TASK_RUNNING"}]}
    assert build([], jobs).a["nightly-backup.dromos.mesos"] == ("10.0.0.7",)


def test_tasks_on_hosts_that_do_not_resolve_are_left_out() -> None:
    records = build([app("/web", 1, task("t1", 31000))], resolve=lambda host: None)
    assert not records.has("web.dromos.mesos")
