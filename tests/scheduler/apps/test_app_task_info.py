"""The Mesos TaskInfo of an app task: a command task (no executor) with its resources, ports,
environment, kill policy and health check."""

from __future__ import annotations

from scheduler.apps.task_info import task_request_for
from scheduler.apps.validation import parse_app
from scheduler.launch.constraints import Constraint, Operator
from scheduler.mesos.resources import Resources
from tests.scheduler.apps.task_info_helpers import TASK_ID, build, env_of


def test_task_is_a_command_task_with_id_agent_and_name() -> None:
    task = build({})
    assert task["task_id"] == {"value": TASK_ID}
    assert task["agent_id"] == {"value": "agent-1"}
    assert task["name"] == "web.prod"
    assert "executor" not in task and "data" not in task
    assert "container" not in task  # host networking, no container: a plain command


def test_cmd_runs_in_a_shell() -> None:
    command = build({})["command"]
    assert (command["shell"], command["value"]) == (True, "serve")


def test_args_run_without_a_shell() -> None:
    task = build({"cmd": None, "args": ["/bin/echo", "hi"]})
    command = task["command"]
    assert (command["shell"], command["value"], command["arguments"]) == (
        False,
        "/bin/echo",
        ["/bin/echo", "hi"],
    )


def test_resources_carry_scalars_and_the_placed_ports() -> None:
    resources = build({"cpus": 0.5, "mem": 64, "disk": 10, "ports": [0, 0]}, ports=(31000, 31005))[
        "resources"
    ]
    by_name = {r["name"]: r for r in resources}
    assert by_name["cpus"]["scalar"]["value"] == 0.5
    assert by_name["mem"]["scalar"]["value"] == 64.0
    assert by_name["disk"]["scalar"]["value"] == 10.0
    assert "gpus" not in by_name
    assert by_name["ports"]["ranges"]["range"] == [
        {"begin": 31000, "end": 31000},
        {"begin": 31005, "end": 31005},
    ]


def test_port_variables_follow_marathon() -> None:
    task = build(
        {"portDefinitions": [{"port": 0, "name": "http"}, {"port": 10001, "name": "admin-ui"}]},
        ports=(31000, 31001),
    )
    env = env_of(task)
    assert (env["PORT0"], env["PORT1"], env["PORT"], env["PORTS"]) == (
        "31000",
        "31001",
        "31000",
        "31000,31001",
    )
    assert (env["PORT_HTTP"], env["PORT_ADMIN_UI"], env["PORT_10001"]) == (
        "31000",
        "31001",
        "31001",
    )
    assert env["HOST"] == "node1.example"


def test_app_variables_follow_marathon() -> None:
    env = env_of(build({"cpus": 0.5, "labels": {"team": "web", "big": "x" * 600}}))
    assert env["MARATHON_APP_ID"] == "/prod/web"
    assert env["MARATHON_APP_VERSION"] == "2023-11-14T22:13:20.000Z"
    assert (env["MARATHON_APP_RESOURCE_CPUS"], env["MARATHON_APP_RESOURCE_MEM"]) == ("0.5", "128.0")
    assert (env["MARATHON_APP_RESOURCE_DISK"], env["MARATHON_APP_RESOURCE_GPUS"]) == ("0.0", "0")
    assert env["MESOS_TASK_ID"] == TASK_ID
    assert env["MARATHON_APP_LABELS"] == "TEAM"
    assert env["MARATHON_APP_LABEL_TEAM"] == "web"
    assert "MARATHON_APP_LABEL_BIG" not in env


def test_user_env_comes_last_and_wins() -> None:
    env = env_of(build({"env": {"PORT0": "80", "EXTRA": "1"}}))
    assert (env["PORT0"], env["EXTRA"]) == ("80", "1")


def test_no_ports_means_no_port_variables() -> None:
    task = build({"portDefinitions": []}, ports=())
    assert not any(name.startswith("PORT") for name in env_of(task))
    assert all(r["name"] != "ports" for r in task["resources"])


def test_fetch_becomes_command_uris_and_user_is_set() -> None:
    command = build({"user": "nobody", "fetch": [{"uri": "http://x/a.tgz", "destPath": "a"}]})[
        "command"
    ]
    assert command["uris"] == [
        {
            "value": "http://x/a.tgz",
            "extract": True,
            "executable": False,
            "cache": False,
            "output_file": "a",
        }
    ]
    assert command["user"] == "nobody"


def test_labels_kill_policy_and_discovery() -> None:
    task = build(
        {
            "labels": {"team": "web"},
            "taskKillGracePeriodSeconds": 7,
            "portDefinitions": [{"port": 0, "name": "dns", "protocol": "udp,tcp"}],
        }
    )
    assert task["labels"] == {"labels": [{"key": "team", "value": "web"}]}
    assert task["kill_policy"] == {"grace_period": {"nanoseconds": 7_000_000_000}}
    assert task["discovery"]["ports"]["ports"] == [
        {"number": 31000, "protocol": "udp", "name": "dns"},
        {"number": 31000, "protocol": "tcp", "name": "dns"},
    ]


def test_no_kill_policy_without_grace_period() -> None:
    assert "kill_policy" not in build({})


def test_mesos_http_check_targets_the_host_port_of_its_port_index() -> None:
    check = {
        "protocol": "MESOS_HTTPS",
        "path": "/health",
        "portIndex": 1,
        "gracePeriodSeconds": 30,
        "intervalSeconds": 5,
        "timeoutSeconds": 2,
        "maxConsecutiveFailures": 4,
        "delaySeconds": 1,
    }
    task = build({"ports": [0, 0], "healthChecks": [check]}, ports=(31000, 31001))
    assert task["health_check"] == {
        "type": "HTTP",
        "http": {"port": 31001, "path": "/health", "scheme": "https"},
        "delay_seconds": 1.0,
        "interval_seconds": 5.0,
        "timeout_seconds": 2.0,
        "consecutive_failures": 4,
        "grace_period_seconds": 30.0,
    }


def test_mesos_tcp_check_uses_a_fixed_port_when_given() -> None:
    task = build({"healthChecks": [{"protocol": "MESOS_TCP", "port": 8080}]})
    assert (task["health_check"]["type"], task["health_check"]["tcp"]) == ("TCP", {"port": 8080})


def test_command_check_runs_with_the_task_environment() -> None:
    task = build(
        {"healthChecks": [{"protocol": "COMMAND", "command": {"value": "curl localhost:$PORT0"}}]}
    )
    check = task["health_check"]
    assert check["type"] == "COMMAND"
    assert check["command"]["value"] == "curl localhost:$PORT0"
    assert {"name": "PORT0", "value": "31000"} in check["command"]["environment"]["variables"]


def test_scheduler_run_checks_are_not_sent_to_mesos() -> None:
    assert "health_check" not in build(
        {"healthChecks": [{"protocol": "HTTP"}, {"protocol": "TCP"}]}
    )


def test_task_request_asks_for_resources_ports_and_constraints() -> None:
    app = parse_app(
        {
            "id": "/web",
            "cmd": "x",
            "cpus": 0.5,
            "mem": 32,
            "ports": [0, 0],
            "constraints": [["hostname", "UNIQUE"]],
            "role": "web",
        }
    )
    request = task_request_for(app, TASK_ID)
    assert request.run_spec_id == "/web"
    assert request.resources == Resources(0.5, 32.0, 0.0, 0)
    assert (request.port_count, request.required_ports) == (2, ())
    assert request.constraints == (Constraint("hostname", Operator.UNIQUE),)
    assert request.role == "web"


def test_require_ports_asks_for_the_exact_ports() -> None:
    app = parse_app({"id": "/web", "cmd": "x", "requirePorts": True, "ports": [8080, 8081]})
    assert task_request_for(app, TASK_ID).required_ports == (8080, 8081)
