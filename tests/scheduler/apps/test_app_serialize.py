"""Normalized Marathon output, PUT's partial-update merge, and version bookkeeping."""

from __future__ import annotations

from typing import Any

from scheduler.apps.model import timestamp
from scheduler.apps.serialize import app_to_json, merge_update
from scheduler.apps.validation import parse_app
from scheduler.apps.versions import apply_version_info, is_scale_only_change, restarted


def app(**fields: Any) -> dict[str, Any]:
    return {"id": "/web", "cmd": "sleep 100", **fields}


def test_output_fills_marathon_defaults() -> None:
    out = app_to_json(parse_app(app()))
    assert out == {
        "id": "/web",
        "cmd": "sleep 100",
        "instances": 1,
        "cpus": 1.0,
        "mem": 128.0,
        "disk": 0.0,
        "gpus": 0,
        "executor": "",
        "env": {},
        "labels": {},
        "constraints": [],
        "role": "*",
        "portDefinitions": [{"port": 0, "protocol": "tcp", "name": "default"}],
        "requirePorts": False,
        "networks": [{"mode": "host"}],
        "healthChecks": [],
        "readinessChecks": [],
        "dependencies": [],
        "upgradeStrategy": {"minimumHealthCapacity": 1.0, "maximumOverCapacity": 1.0},
        "backoffSeconds": 1,
        "backoffFactor": 1.15,
        "maxLaunchDelaySeconds": 300,
        "killSelection": "YOUNGEST_FIRST",
        "unreachableStrategy": {"inactiveAfterSeconds": 0, "expungeAfterSeconds": 0},
        "fetch": [],
        "secrets": {},
    }


def test_explicitly_empty_port_definitions_stay_empty() -> None:
    assert app_to_json(parse_app(app(portDefinitions=[])))["portDefinitions"] == []


def test_deprecated_ports_become_port_definitions() -> None:
    out = app_to_json(parse_app(app(ports=[0, 8080])))
    assert out["portDefinitions"] == [
        {"port": 0, "protocol": "tcp"},
        {"port": 8080, "protocol": "tcp"},
    ]
    assert "ports" not in out


def test_bridge_networking_gets_a_default_port_mapping_and_no_port_definitions() -> None:
    data = {
        "id": "/web",
        "container": {"type": "DOCKER", "docker": {"image": "nginx", "network": "BRIDGE"}},
    }
    out = app_to_json(parse_app(data))
    assert out["networks"] == [{"mode": "container/bridge"}]
    assert out["portDefinitions"] == []
    assert out["container"]["portMappings"] == [
        {"containerPort": 0, "hostPort": 0, "servicePort": 0, "protocol": "tcp", "name": "default"}
    ]


def test_output_parses_back_to_the_same_app() -> None:
    original = parse_app(
        app(
            instances=3,
            env={"A": "1"},
            labels={"team": "x"},
            constraints=[["hostname", "UNIQUE"]],
            portDefinitions=[{"port": 0, "name": "http", "labels": {"vip": "y"}}],
            healthChecks=[{"protocol": "MESOS_HTTP", "path": "/health"}],
            fetch=[{"uri": "http://x/a.tgz", "destPath": "a"}],
            upgradeStrategy={"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.2},
            unreachableStrategy="disabled",
            taskKillGracePeriodSeconds=5,
            deploymentTimeoutSeconds=60,
            tty=True,
            check={"tcp": {"portIndex": 0}},
        )
    )
    assert parse_app(app_to_json(original)) == original


def test_optional_fields_the_client_lacks_appear_only_when_set() -> None:
    out = app_to_json(parse_app(app()))
    for field in (
        "check",
        "tty",
        "executorResources",
        "resourceLimits",
        "deploymentTimeoutSeconds",
    ):
        assert field not in out
    assert (
        app_to_json(parse_app(app(deploymentTimeoutSeconds=30)))["deploymentTimeoutSeconds"] == 30
    )


def test_health_check_output_has_marathon_fields() -> None:
    out = app_to_json(
        parse_app(app(healthChecks=[{"protocol": "COMMAND", "command": {"value": "true"}}]))
    )
    assert out["healthChecks"] == [
        {
            "protocol": "COMMAND",
            "gracePeriodSeconds": 300,
            "intervalSeconds": 60,
            "timeoutSeconds": 20,
            "maxConsecutiveFailures": 3,
            "delaySeconds": 15,
            "command": {"value": "true"},
        }
    ]


# --- partial update ---------------------------------------------------------------------


def test_merge_replaces_only_the_given_fields() -> None:
    existing = parse_app(app(instances=2, env={"A": "1"}, labels={"x": "y"}))
    merged = parse_app(merge_update(existing, {"env": {"B": "2"}, "instances": 5}))
    assert merged.env == {"B": "2"}
    assert (merged.instances, merged.labels, merged.cmd) == (5, {"x": "y"}, "sleep 100")


def test_merge_keeps_the_existing_id_and_drops_the_version() -> None:
    existing = apply_version_info(None, parse_app(app()), 1_700_000_000.0)
    merged = merge_update(existing, {"id": "/elsewhere", "cpus": 0.5})
    assert merged["id"] == "/web"
    assert "version" not in merged and "versionInfo" not in merged


def test_merge_setting_args_drops_cmd() -> None:
    merged = parse_app(merge_update(parse_app(app()), {"args": ["sleep", "5"]}))
    assert (merged.cmd, merged.args) == (None, ("sleep", "5"))


def test_merge_setting_uris_drops_fetch() -> None:
    existing = parse_app(app(fetch=[{"uri": "http://x/a"}]))
    merged = parse_app(merge_update(existing, {"uris": ["http://x/b"]}))
    assert [f.uri for f in merged.fetch] == ["http://x/b"]


def test_merge_with_null_resets_a_field_to_its_default() -> None:
    existing = parse_app(app(backoffSeconds=9))
    assert parse_app(merge_update(existing, {"backoffSeconds": None})).backoff_seconds == 1


def test_merge_switching_to_bridge_networking_drops_host_port_definitions() -> None:
    existing = parse_app({"id": "/web", "container": {"type": "DOCKER", "docker": {"image": "x"}}})
    merged = parse_app(merge_update(existing, {"networks": [{"mode": "container/bridge"}]}))
    assert merged.port_definitions == ()
    assert merged.port_count == 1


def test_merge_accepts_a_json_base() -> None:
    merged = merge_update(app(cpus=2), {"mem": 64})
    assert (merged["cpus"], merged["mem"]) == (2, 64)


# --- scale-only changes and versions ----------------------------------------------------


def test_instances_only_is_a_scale_change() -> None:
    old = parse_app(app(instances=1))
    assert is_scale_only_change(old, parse_app(app(instances=4)))


def test_label_change_is_not_scale_only() -> None:
    old = parse_app(app(instances=1))
    assert not is_scale_only_change(old, parse_app(app(instances=4, labels={"a": "b"})))


def test_version_metadata_does_not_count_as_a_change() -> None:
    old = apply_version_info(None, parse_app(app()), 1_700_000_000.0)
    assert is_scale_only_change(old, parse_app(app()))


def test_create_sets_all_three_timestamps() -> None:
    created = apply_version_info(None, parse_app(app()), 1_700_000_000.123)
    assert created.version == "2023-11-14T22:13:20.123Z"
    assert created.version_info is not None
    assert created.version_info.last_scaling_at == created.version
    assert created.version_info.last_config_change_at == created.version


def test_scale_keeps_last_config_change() -> None:
    created = apply_version_info(None, parse_app(app()), 1_700_000_000.0)
    scaled = apply_version_info(created, parse_app(app(instances=3)), 1_700_000_100.0)
    assert scaled.version == timestamp(1_700_000_100.0)
    assert scaled.version_info is not None and created.version_info is not None
    assert scaled.version_info.last_scaling_at == scaled.version
    assert scaled.version_info.last_config_change_at == created.version_info.last_config_change_at


def test_config_change_moves_every_timestamp() -> None:
    created = apply_version_info(None, parse_app(app()), 1_700_000_000.0)
    changed = apply_version_info(created, parse_app(app(cpus=2)), 1_700_000_100.0)
    assert changed.version_info is not None
    assert changed.version_info.last_config_change_at == changed.version
    assert changed.version_info.last_scaling_at == changed.version


def test_restart_moves_version_and_config_change_but_not_scaling() -> None:
    created = apply_version_info(None, parse_app(app()), 1_700_000_000.0)
    again = restarted(created, 1_700_000_100.0)
    assert again.version_info is not None and created.version_info is not None
    assert again.version == again.version_info.last_config_change_at == timestamp(1_700_000_100.0)
    assert again.version_info.last_scaling_at == created.version_info.last_scaling_at


def test_versions_serialize_as_version_info() -> None:
    out = app_to_json(apply_version_info(None, parse_app(app()), 1_700_000_000.0))
    assert out["version"] == "2023-11-14T22:13:20.000Z"
    assert out["versionInfo"] == {
        "lastScalingAt": out["version"],
        "lastConfigChangeAt": out["version"],
    }
