"""Each Marathon validation rule, one test each: 422 violations by path, 400 for JSON types."""

from __future__ import annotations

import pytest

from scheduler.apps.model import KillSelection
from scheduler.apps.validation import parse_app, rollback_version, unknown_fields
from scheduler.launch.constraints import Constraint, Operator
from tests.scheduler.apps.validation_helpers import app, type_errors, violations


def test_minimal_app_is_valid() -> None:
    parsed = parse_app(
        {"id": "/simple", "cmd": "sleep 1000", "cpus": 0.1, "mem": 16, "instances": 2}
    )
    assert (parsed.id, parsed.cpus, parsed.mem, parsed.instances) == ("/simple", 0.1, 16.0, 2)


# --- id ---------------------------------------------------------------------------------


def test_missing_id_is_invalid_json() -> None:
    assert type_errors({"cmd": "x"}) == {"/id": ["error.path.missing"]}
    assert type_errors({"id": None, "cmd": "x"}) == {"/id": ["error.path.missing"]}


def test_relative_id_is_resolved_against_the_parent() -> None:
    assert parse_app(app(id="web"), parent="/prod").id == "/prod/web"


def test_path_id_wins_over_body_id() -> None:
    assert parse_app(app(id="/other"), app_id="/web").id == "/web"


def test_id_with_uppercase_is_rejected() -> None:
    assert "/id" in violations(app(id="/Web"))


def test_id_ending_in_reserved_word_is_rejected() -> None:
    assert "/id" in violations(app(id="/prod/restart"))


def test_root_is_not_an_app_id() -> None:
    assert "/id" in violations(app(id="/"))


# --- command ----------------------------------------------------------------------------


def test_cmd_and_args_together_is_rejected() -> None:
    assert "/" in violations(app(args=["sleep", "1"]))


def test_neither_cmd_nor_args_nor_container_is_rejected() -> None:
    assert "/" in violations({"id": "/web"})


def test_args_alone_is_valid() -> None:
    assert parse_app({"id": "/web", "args": ["sleep", "1"]}).args == ("sleep", "1")


def test_container_alone_is_valid() -> None:
    parsed = parse_app(
        {"id": "/web", "container": {"type": "DOCKER", "docker": {"image": "nginx"}}}
    )
    assert parsed.container is not None and parsed.container.image == "nginx"


def test_empty_cmd_is_rejected() -> None:
    assert "/cmd" in violations({"id": "/web", "cmd": ""})


# --- resources --------------------------------------------------------------------------


def test_cpus_below_one_thousandth_is_rejected() -> None:
    assert "/cpus" in violations(app(cpus=0.0001))


@pytest.mark.parametrize("field", ["mem", "disk", "instances", "gpus"])
def test_negative_resources_are_rejected(field: str) -> None:
    assert f"/{field}" in violations(app(**{field: -1}))


def test_gpus_with_docker_is_rejected() -> None:
    data = {"id": "/web", "gpus": 1, "container": {"type": "DOCKER", "docker": {"image": "x"}}}
    assert "/gpus" in violations(data)


def test_resource_limits_below_request_are_rejected() -> None:
    errors = violations(app(cpus=2, resourceLimits={"cpus": 1, "mem": "unlimited"}))
    assert list(errors) == ["/resourceLimits/cpus"]


def test_executor_resources_have_minimums() -> None:
    assert "/executorResources/mem" in violations(app(executorResources={"mem": 1}))


def test_executor_must_match_pattern() -> None:
    assert "/executor" in violations(app(executor="/a//b"))
    assert parse_app(app(executor="//cmd")).executor == "//cmd"


# --- wrong JSON types (400) -------------------------------------------------------------


def test_wrong_types_are_invalid_json_with_paths() -> None:
    errors = type_errors(app(cpus="lots", cmd=3, requirePorts="yes", env=[], instances=1.5))
    assert errors == {
        "/cpus": ["error.expected.jsnumber"],
        "/cmd": ["error.expected.jsstring"],
        "/requirePorts": ["error.expected.jsboolean"],
        "/env": ["error.expected.jsobject"],
        "/instances": ["error.expected.int"],
    }


def test_boolean_is_not_a_number() -> None:
    assert type_errors(app(cpus=True)) == {"/cpus": ["error.expected.jsnumber"]}


def test_unknown_enum_literal_is_invalid_json() -> None:
    assert type_errors(app(killSelection="RANDOM")) == {
        "/killSelection": ["error.unknown.enum.literal"]
    }


def test_non_object_body_is_invalid_json() -> None:
    assert type_errors([1, 2]) == {"/": ["error.expected.jsobject"]}


def test_type_errors_win_over_rule_violations() -> None:
    assert "/mem" in type_errors(app(cpus=0, mem="x"))


# --- unknown and output-only fields -----------------------------------------------------


def test_unknown_fields_are_ignored_and_listed() -> None:
    data = app(fooBar=1, tasksRunning=3, versionInfo={})
    assert parse_app(data).id == "/web"
    assert unknown_fields(data) == ("fooBar",)


# --- env, labels, secrets ---------------------------------------------------------------


def test_env_values_must_be_strings() -> None:
    assert type_errors(app(env={"A": 1})) == {"/env/A": ["error.expected.jsstring"]}


def test_secrets_are_rejected_without_a_secret_store() -> None:
    data = app(env={"PW": {"secret": "pw"}}, secrets={"pw": {"source": "/db/pw"}})
    assert {"/env/PW", "/secrets"} <= set(violations(data))


def test_labels_must_be_strings() -> None:
    assert type_errors(app(labels={"a": 1})) == {"/labels/a": ["error.expected.jsstring"]}


def test_single_instance_label_requires_one_instance_and_zero_strategy() -> None:
    errors = violations(app(labels={"MARATHON_SINGLE_INSTANCE_APP": "true"}, instances=2))
    assert {"/instances", "/upgradeStrategy"} <= set(errors)


# --- constraints ------------------------------------------------------------------------


def test_constraints_are_parsed_and_operators_upper_cased() -> None:
    parsed = parse_app(app(constraints=[["hostname", "unique"], ["rack", "GROUP_BY", "3"]]))
    assert parsed.constraints == (
        Constraint("hostname", Operator.UNIQUE),
        Constraint("rack", Operator.GROUP_BY, "3"),
    )


def test_unknown_constraint_operator_is_rejected() -> None:
    assert "/constraints(0)" in violations(app(constraints=[["hostname", "IN", "a"]]))


def test_chronos_equals_operator_is_not_a_marathon_operator() -> None:
    assert "/constraints(0)" in violations(app(constraints=[["hostname", "EQUALS", "a"]]))


def test_constraint_with_wrong_arity_is_rejected() -> None:
    assert "/constraints(0)" in violations(app(constraints=[["hostname"]]))


def test_unique_with_a_value_is_rejected() -> None:
    assert "/constraints(0)" in violations(app(constraints=[["hostname", "UNIQUE", "x"]]))


@pytest.mark.parametrize("operator", ["LIKE", "UNLIKE"])
def test_like_needs_a_valid_regex(operator: str) -> None:
    assert "/constraints(0)" in violations(app(constraints=[["rack", operator, "[a-"]]))
    assert "/constraints(0)" in violations(app(constraints=[["rack", operator]]))
    assert parse_app(app(constraints=[["rack", operator, "rack-[0-9]"]])).constraints


def test_max_per_needs_an_integer() -> None:
    assert "/constraints(0)" in violations(app(constraints=[["rack", "MAX_PER", "two"]]))
    assert "/constraints(0)" in violations(app(constraints=[["rack", "MAX_PER", "\u00b2"]]))
    assert parse_app(app(constraints=[["rack", "MAX_PER", "2"]])).constraints


def test_group_by_value_must_be_an_integer_when_given() -> None:
    assert "/constraints(0)" in violations(app(constraints=[["rack", "GROUP_BY", "x"]]))
    assert "/constraints(0)" in violations(app(constraints=[["rack", "GROUP_BY", "\u00b2"]]))
    assert parse_app(app(constraints=[["rack", "GROUP_BY"]])).constraints


def test_is_value_must_match_its_pattern() -> None:
    assert "/constraints(1)" in violations(
        app(constraints=[["a", "IS", "ok"], ["b", "IS", "no way"]])
    )


def test_constraint_parts_must_be_strings() -> None:
    assert type_errors(app(constraints=[["rack", "MAX_PER", 2]])) == {
        "/constraints(0)(2)": ["error.expected.jsstring"]
    }


# --- ports and networks -----------------------------------------------------------------


def test_ports_and_port_definitions_that_differ_are_rejected() -> None:
    # Marathon 1.10 takes both when they name the same ports (tests/api/test_legacy_ports_api.py).
    assert "/" in violations(app(ports=[80], portDefinitions=[{"port": 0}]))


def test_duplicate_non_zero_ports_are_rejected() -> None:
    assert "/portDefinitions" in violations(app(portDefinitions=[{"port": 80}, {"port": 80}]))


def test_port_numbers_must_be_in_range() -> None:
    assert "/portDefinitions(0)/port" in violations(app(portDefinitions=[{"port": 70000}]))


def test_port_protocol_must_be_known() -> None:
    errors = type_errors(app(portDefinitions=[{"port": 0, "protocol": "sctp"}]))
    assert errors == {"/portDefinitions(0)/protocol": ["error.unknown.enum.literal"]}


def test_host_network_cannot_mix_with_other_networks() -> None:
    networks = [{"mode": "host"}, {"mode": "container", "name": "overlay"}]
    assert "/networks" in violations(app(networks=networks))


def test_container_network_needs_a_name() -> None:
    data = {"id": "/web", "networks": [{"mode": "container"}], "container": {"type": "MESOS"}}
    assert "/networks(0)/name" in violations(data)


def test_port_mappings_in_two_places_are_rejected() -> None:
    container = {
        "type": "DOCKER",
        "docker": {"image": "x", "portMappings": [{"containerPort": 80}]},
        "portMappings": [{"containerPort": 80}],
    }
    data = {"id": "/web", "networks": [{"mode": "container/bridge"}], "container": container}
    assert "/container" in violations(data)


def test_docker_container_needs_an_image() -> None:
    data = {"id": "/web", "container": {"type": "DOCKER", "docker": {"image": ""}}}
    assert "/container/docker/image" in violations(data)


# --- strategies, backoff, fetch ---------------------------------------------------------


@pytest.mark.parametrize("field", ["minimumHealthCapacity", "maximumOverCapacity"])
def test_upgrade_strategy_values_lie_between_zero_and_one(field: str) -> None:
    assert f"/upgradeStrategy/{field}" in violations(app(upgradeStrategy={field: 1.5}))
    assert f"/upgradeStrategy/{field}" in violations(app(upgradeStrategy={field: -0.1}))


def test_backoff_factor_must_be_at_least_one() -> None:
    assert "/backoffFactor" in violations(app(backoffFactor=0.5))


@pytest.mark.parametrize(
    "field", ["backoffSeconds", "maxLaunchDelaySeconds", "taskKillGracePeriodSeconds"]
)
def test_negative_seconds_are_rejected(field: str) -> None:
    assert f"/{field}" in violations(app(**{field: -1}))


def test_unreachable_inactive_must_not_exceed_expunge() -> None:
    data = app(unreachableStrategy={"inactiveAfterSeconds": 10, "expungeAfterSeconds": 5})
    assert "/unreachableStrategy/inactiveAfterSeconds" in violations(data)


def test_unreachable_strategy_disabled_is_accepted() -> None:
    assert parse_app(app(unreachableStrategy="disabled")).unreachable_strategy.disabled


def test_unreachable_strategy_other_string_is_invalid_json() -> None:
    assert "/unreachableStrategy" in type_errors(app(unreachableStrategy="sometimes"))


def test_uris_and_fetch_together_are_rejected() -> None:
    assert "/" in violations(app(uris=["http://x/a"], fetch=[{"uri": "http://x/b"}]))


def test_uris_are_converted_to_fetch_with_extract_inferred() -> None:
    fetched = parse_app(app(uris=["http://x/app.tar.gz", "http://x/run.sh"])).fetch
    assert [(f.uri, f.extract) for f in fetched] == [
        ("http://x/app.tar.gz", True),
        ("http://x/run.sh", False),
    ]


def test_fetch_uri_must_not_be_empty_or_too_long() -> None:
    assert "/fetch(0)/uri" in violations(app(fetch=[{"uri": ""}]))
    assert "/fetch(0)/uri" in violations(app(fetch=[{"uri": "http://x/" + "a" * 1100}]))


def test_accepted_resource_roles_must_be_non_empty_and_unique() -> None:
    assert "/acceptedResourceRoles" in violations(app(acceptedResourceRoles=[]))
    assert "/acceptedResourceRoles" in violations(app(acceptedResourceRoles=["*", "*"]))


def test_dependencies_are_resolved_against_the_app_group() -> None:
    parsed = parse_app(app(id="/prod/web", dependencies=["db", "/infra/dns"]))
    assert parsed.dependencies == ("/prod/db", "/infra/dns")


def test_kill_selection_is_parsed() -> None:
    assert parse_app(app(killSelection="OLDEST_FIRST")).kill_selection is KillSelection.OLDEST_FIRST


def test_deployment_timeout_extension_must_be_positive() -> None:
    assert "/deploymentTimeoutSeconds" in violations(app(deploymentTimeoutSeconds=0))
    assert parse_app(app(deploymentTimeoutSeconds=600)).deployment_timeout_seconds == 600
    assert parse_app(app()).deployment_timeout_seconds is None


def test_all_violations_are_reported_at_once() -> None:
    errors = violations(app(cpus=0, mem=-1, upgradeStrategy={"minimumHealthCapacity": 2}))
    assert {"/cpus", "/mem", "/upgradeStrategy/minimumHealthCapacity"} <= set(errors)


# --- rollback bodies --------------------------------------------------------------------


def test_version_alone_is_a_rollback() -> None:
    assert rollback_version({"version": "2024-01-01T00:00:00.000Z"}) == "2024-01-01T00:00:00.000Z"
    assert rollback_version({"id": "/web", "version": "v"}) == "v"
    assert rollback_version(app(version="v")) is None
