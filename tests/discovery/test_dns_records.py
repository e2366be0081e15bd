from __future__ import annotations

from discovery.dns_records import Srv, zone
from discovery.snapshot import Snapshot
from tests.discovery.conftest import app, task


def build(snapshot: Snapshot):
    return zone(snapshot, "dromos", "mesos", lambda host: "10.0.0.7")


def test_a_and_srv_names_for_an_apps_healthy_tasks() -> None:
    web = app("/prod/web", 10000, task("t1", 31000), task("t2", 31001, alive=False))
    records = build(Snapshot([web]))
    assert records.a["web-prod.dromos.mesos"] == ("10.0.0.7",)
    assert records.a["web-prod.service.mesos"] == ("10.0.0.7",)
    [srv] = records.srv["_web-prod._tcp.dromos.mesos"]
    assert srv.port == 31000 and srv.target.startswith("web-prod-")
    assert records.a[srv.target] == ("10.0.0.7",)
    assert records.srv["_http._web-prod._tcp.dromos.mesos"] == (srv,)
    assert records.srv["_web-prod._tcp.service.mesos"] == (Srv(31000, srv.target.replace(
        ".dromos.mesos", ".service.mesos")),)


def test_an_app_with_no_member_has_no_name() -> None:
    records = build(Snapshot([app("/web", 10000, task("t1", 31000, state="TASK_KILLING"))]))
    assert not records.has("web.dromos.mesos")
    assert records.has("mesos")


def test_running_job_tasks_get_names_from_the_job() -> None:
    jobs = {"Nightly_Backup": [{"id": "j1", "host": "h", "ports": [], "state": "TASK_RUNNING"}]}
    assert build(Snapshot([], jobs)).a["nightly-backup.dromos.mesos"] == ("10.0.0.7",)


def test_tasks_on_hosts_that_do_not_resolve_are_left_out() -> None:
    records = zone(Snapshot([app("/web", 1, task("t1", 31000))]), "dromos", "mesos",
                   lambda host: None)
    assert not records.has("web.dromos.mesos")
