from __future__ import annotations

from discovery.membership import services
from tests.discovery.conftest import app, task


def backends(apps: list[dict]) -> list[str]:
    [service] = services(apps)
    return [i.task_id for i in service.ports[0].instances]


def test_only_running_healthy_tasks_are_members() -> None:
    apps = [app("/web", 10000, task("a", 31000), task("b", 31001, alive=False),
                task("c", 31002, state="TASK_STAGING"), task("d", 31003, state="TASK_KILLING"),
                task("e", 31004, alive=None))]
    assert backends(apps) == ["a"]


def test_without_health_checks_every_running_task_is_a_member() -> None:
    assert backends([app("/web", 10000, task("a", 31000, alive=None), checked=False)]) == ["a"]


def test_a_task_with_its_readiness_check_pending_is_not_a_member() -> None:
    web = app("/web", 10000, task("a", 31000), task("b", 31001))
    web["readinessCheckResults"] = [{"taskId": "b", "ready": False}]
    assert backends([web]) == ["a"]


def test_port_mappings_give_the_service_ports_off_host_networking() -> None:
    bridged = {"id": "/db", "networks": [{"mode": "container/bridge"}],
               "container": {"portMappings": [{"containerPort": 5432, "servicePort": 10005}]},
               "tasks": [task("a", 31000, alive=None)]}
    [service] = services([bridged])
    assert service.ports[0].service_port == 10005
    assert [i.port for i in service.ports[0].instances] == [31000]
