"""An app task's ContainerInfo, port variables on container networks, and resource limits, as
Marathon sends them to Mesos (each TaskInfo also parsed against Mesos's v1 protos)."""

from __future__ import annotations

from typing import Any

from tests.scheduler.apps.task_info_helpers import TASK_ID, build, env_of

BRIDGE_APP = {
    "networks": [{"mode": "container/bridge"}],
    "container": {
        "type": "DOCKER",
        "docker": {
            "image": "registry.local/web:2",
            "privileged": True,
            "forcePullImage": True,
            "parameters": [{"key": "memory-swap", "value": "-1"}],
        },
        "portMappings": [
            {"containerPort": 8080, "hostPort": 0, "name": "http"},
            {"containerPort": 0, "hostPort": 0, "protocol": "udp,tcp", "name": "dns"},
        ],
        "volumes": [{"containerPath": "/data", "hostPath": "/srv/web", "mode": "RO"}],
    },
}


def test_docker_bridge_container_binds_the_offered_host_ports() -> None:
    task = build(BRIDGE_APP, ports=(31000, 31001))
    assert task["container"] == {
        "type": "DOCKER",
        "volumes": [{"container_path": "/data", "host_path": "/srv/web", "mode": "RO"}],
        "docker": {
            "image": "registry.local/web:2",
            "network": "BRIDGE",
            "port_mappings": [
                {"host_port": 31000, "container_port": 8080, "protocol": "tcp"},
                # a container port of 0 is the host port; one mapping per protocol
                {"host_port": 31001, "container_port": 31001, "protocol": "udp"},
                {"host_port": 31001, "container_port": 31001, "protocol": "tcp"},
            ],
            "privileged": True,
            "parameters": [
                {"key": "memory-swap", "value": "-1"},
                {"key": "label", "value": f"MESOS_TASK_ID={TASK_ID}"},
            ],
            "force_pull_image": True,
        },
    }
    assert "executor" not in task


def test_port_variables_on_bridge_name_container_ports_with_host_values() -> None:
    env = env_of(build(BRIDGE_APP, ports=(31000, 31001)))
    assert (env["PORT0"], env["PORT1"], env["PORT"], env["PORTS"]) == (
        "31000", "31001", "31000", "31000,31001")
    assert (env["PORT_8080"], env["PORT_HTTP"], env["PORT_DNS"]) == ("31000", "31000", "31001")
    assert env["MARATHON_APP_DOCKER_IMAGE"] == "registry.local/web:2"


def test_user_network_mapping_without_host_port_exports_its_container_port() -> None:
    app = {
        "networks": [{"mode": "container", "name": "dcos"}],
        "container": {
            "type": "DOCKER",
            "docker": {"image": "web"},
            "portMappings": [
                {"containerPort": 80, "name": "web"},
                {"containerPort": 9000, "hostPort": 0, "name": "admin"},
            ],
        },
    }
    task = build(app, ports=(31002,))
    assert task["container"]["docker"]["network"] == "USER"
    assert task["container"]["docker"]["port_mappings"] == [
        {"host_port": 31002, "container_port": 9000, "protocol": "tcp"}]
    assert task["container"]["network_infos"] == [{"name": "dcos"}]
    env = env_of(task)
    assert (env["PORT0"], env["PORT_80"], env["PORT_WEB"]) == ("80", "80", "80")
    assert (env["PORT1"], env["PORT_9000"], env["PORTS"]) == ("31002", "31002", "31002")


def test_mesos_container_with_a_docker_image_uses_the_unified_containerizer() -> None:
    app = {"container": {"type": "MESOS", "docker": {"image": "busybox:1", "forcePullImage": True}}}
    task = build(app)
    assert task["container"] == {
        "type": "MESOS",
        "volumes": [],
        "mesos": {"image": {"type": "DOCKER", "docker": {"name": "busybox:1"}, "cached": False}},
    }


def test_mesos_bridge_networking_joins_mesos_bridge_with_its_port_mappings() -> None:
    app = {
        "networks": [{"mode": "container/bridge"}],
        "container": {"type": "MESOS", "docker": {"image": "busybox"},
                      "portMappings": [{"containerPort": 80, "hostPort": 0}]},
    }
    task = build(app)
    assert task["container"]["network_infos"] == [{
        "name": "mesos-bridge",
        "port_mappings": [{"host_port": 31000, "container_port": 80, "protocol": "tcp"}],
    }]


def test_args_in_an_image_go_to_its_entrypoint() -> None:
    task = build({"cmd": None, "args": ["--port", "80"], "container": {"docker": {"image": "web"}}})
    assert task["command"]["shell"] is False
    assert task["command"]["arguments"] == ["--port", "80"]
    assert "value" not in task["command"]


def test_image_without_cmd_or_args_runs_its_entrypoint() -> None:
    command = build({"cmd": None, "container": {"docker": {"image": "web"}}})["command"]
    assert command["shell"] is False and "value" not in command


def test_mesos_http_check_in_a_bridged_container_probes_the_container_port() -> None:
    check = {"protocol": "MESOS_HTTP", "portIndex": 0, "path": "/ping"}
    task = build({**BRIDGE_APP, "healthChecks": [check]}, ports=(31000, 31001))
    assert task["health_check"]["http"] == {"port": 8080, "path": "/ping"}


def resource_limits(limits: dict[str, Any]) -> dict[str, Any]:
    return build({"cpus": 0.5, "mem": 64, "resourceLimits": limits})["limits"]


def test_resource_limits_become_task_limits() -> None:
    assert resource_limits({"cpus": 2, "mem": 256}) == {
        "cpus": {"value": 2.0}, "mem": {"value": 256.0}}


def test_unlimited_is_infinity_as_mesos_reads_it() -> None:
    assert resource_limits({"cpus": "unlimited", "mem": "unlimited"}) == {
        "cpus": {"value": "Infinity"}, "mem": {"value": "Infinity"}}
    assert resource_limits({"mem": "unlimited"}) == {"mem": {"value": "Infinity"}}


def test_no_limits_without_resource_limits() -> None:
    assert "limits" not in build({})


def test_marathons_documented_docker_example_with_the_deprecated_docker_fields() -> None:
    # Marathon's "Running Docker Containers" example: network and portMappings in `docker`.
    app = {
        "id": "basic-3", "cmd": "python3 -m http.server 8080", "cpus": 0.5, "mem": 32.0,
        "container": {"type": "DOCKER", "docker": {
            "image": "python:3", "network": "BRIDGE",
            "portMappings": [{"containerPort": 8080, "hostPort": 0}],
        }},
    }
    task = build(app)
    assert task["command"]["shell"] is True
    assert task["command"]["value"] == "python3 -m http.server 8080"
    docker = task["container"]["docker"]
    assert (docker["image"], docker["network"]) == ("python:3", "BRIDGE")
    assert docker["port_mappings"] == [
        {"host_port": 31000, "container_port": 8080, "protocol": "tcp"}]
    assert env_of(task)["PORT_8080"] == "31000"
