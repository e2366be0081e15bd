"""Dromos's JSON goes through the `marathon` client's models, which fail on unknown fields."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from marathon.models import MarathonApp, MarathonGroup  # conftest restores collections.Iterable
from marathon.models.app import MarathonUnreachableStrategy

from scheduler.apps.groups import group_to_json, parse_group
from scheduler.apps.serialize import TaskCounts, app_info_to_json, app_to_json
from scheduler.apps.validation import parse_app
from scheduler.apps.versions import apply_version_info

# The client logs health check commands given as {"value": ...} (Marathon's own format) with a
# deprecated logging call.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

KITCHEN_SINK: dict[str, Any] = {
    "id": "/prod/web",
    "cmd": "python3 -m http.server $PORT0",
    "user": "nobody",
    "instances": 3,
    "cpus": 0.25,
    "mem": 64,
    "env": {"MODE": "prod"},
    "labels": {"team": "web"},
    "constraints": [["hostname", "UNIQUE"], ["rack", "GROUP_BY", "2"]],
    "acceptedResourceRoles": ["*"],
    "portDefinitions": [{"port": 0, "name": "http", "labels": {"vip": "web"}}],
    "healthChecks": [
        {"protocol": "HTTP", "path": "/health", "portIndex": 0, "ignoreHttp1xx": True},
        {"protocol": "COMMAND", "command": {"value": "true"}},
    ],
    "readinessChecks": [{"portName": "http"}],
    "dependencies": ["/prod/db"],
    "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.5},
    "killSelection": "OLDEST_FIRST",
    "fetch": [{"uri": "http://example.invalid/app.tgz"}],
    "taskKillGracePeriodSeconds": 10,
}


def stamped(data: dict[str, Any]) -> Any:
    return apply_version_info(None, parse_app(data), 1_700_000_000.0)


def test_app_json_builds_a_marathon_app() -> None:
    client_app = MarathonApp.from_json(app_to_json(stamped(KITCHEN_SINK)))
    assert client_app.id == "/prod/web"
    assert client_app.instances == 3
    assert client_app.kill_selection == "OLDEST_FIRST"
    assert client_app.port_definitions[0].name == "http"
    assert client_app.health_checks[0].path == "/health"
    assert client_app.upgrade_strategy.minimum_health_capacity == 0.5
    assert client_app.version_info.last_config_change_at is not None


def test_container_app_builds_a_marathon_app() -> None:
    data = {
        "id": "/nginx",
        "networks": [{"mode": "container/bridge"}],
        "container": {
            "type": "DOCKER",
            "docker": {"image": "nginx", "forcePullImage": True},
            "portMappings": [{"containerPort": 80, "name": "http"}],
            "volumes": [{"containerPath": "/data", "hostPath": "/srv", "mode": "RO"}],
        },
        "unreachableStrategy": "disabled",
    }
    client_app = MarathonApp.from_json(app_to_json(stamped(data)))
    assert client_app.container.docker.image == "nginx"
    assert client_app.unreachable_strategy == MarathonUnreachableStrategy.DISABLED
    assert client_app.container.port_mappings[0].container_port == 80


def test_app_info_with_everything_embedded_builds_a_marathon_app() -> None:
    app = stamped(KITCHEN_SINK)
    task = {
        "id": "prod_web.instance-6f3c1c4e-0000-4000-8000-000000000001._app.1",
        "appId": "/prod/web",
        "host": "localhost",
        "slaveId": "agent-1",
        "ports": [31000],
        "servicePorts": [0],
        "ipAddresses": [{"ipAddress": "127.0.0.1", "protocol": "IPv4"}],
        "stagedAt": "2023-11-14T22:13:21.000Z",
        "startedAt": "2023-11-14T22:13:22.000Z",
        "version": app.version,
        "state": "TASK_RUNNING",
        "healthCheckResults": [
            {
                "alive": True,
                "consecutiveFailures": 0,
                "firstSuccess": "2023-11-14T22:13:25.000Z",
                "lastSuccess": "2023-11-14T22:13:25.000Z",
                "lastFailure": None,
                "lastFailureCause": None,
                "instanceId": "prod_web.instance-6f3c1c4e-0000-4000-8000-000000000001",
            }
        ],
        "role": "*",
    }
    failure = {
        "appId": "/prod/web",
        "host": "localhost",
        "message": "exited with 1",
        "state": "TASK_FAILED",
        "taskId": "prod_web.instance-x._app.1",
        "timestamp": "2023-11-14T22:13:30.000Z",
        "version": app.version,
        "slaveId": "agent-1",
    }
    info = app_info_to_json(
        app,
        counts=TaskCounts(staged=1, running=2, healthy=2, unhealthy=0),
        deployment_ids=["d-1"],
        tasks=[task],
        last_task_failure=failure,
        readiness_check_results=[],
    )
    client_app = MarathonApp.from_json(info)
    assert (client_app.tasks_running, client_app.tasks_staged, client_app.tasks_healthy) == (
        2,
        1,
        2,
    )
    assert client_app.deployments[0].id == "d-1"
    assert client_app.tasks[0].ports == [31000]
    assert client_app.tasks[0].health_check_results[0].alive is True
    assert client_app.last_task_failure.state == "TASK_FAILED"


def test_group_info_builds_a_marathon_group() -> None:
    group = parse_group(
        {
            "id": "/prod",
            "apps": [{"id": "web", "cmd": "sleep 1"}],
            "groups": [{"id": "db", "apps": [{"id": "pg", "cmd": "sleep 1"}]}],
            "dependencies": ["/infra"],
        }
    )
    client_group = MarathonGroup.from_json(group_to_json(group))
    assert client_group.apps[0].id == "/prod/web"
    assert client_group.groups[0].apps[0].id == "/prod/db/pg"
    assert client_group.dependencies == ["/infra"]


def test_what_the_client_sends_back_parses_to_the_same_app() -> None:
    client_app = MarathonApp.from_json(app_to_json(stamped(KITCHEN_SINK)))
    resent = json.loads(client_app.to_json(minimal=True))
    assert replace(parse_app(resent), version=None) == parse_app(KITCHEN_SINK)
